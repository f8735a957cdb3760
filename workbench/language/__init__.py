"""Language analysis the rules stand on: segments, spaCy's parse, who asserts what, dates, claim
support, surface cues, questions and evidence sources. Imports only ``workbench.core``.
"""
