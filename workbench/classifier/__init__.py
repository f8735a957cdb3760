"""The trained check-worthiness classifier: the MiniLM encoder, the fitted head, and their model
files in ``models/``. Imports ``workbench.language`` (its cues) and ``workbench.core``.
"""
