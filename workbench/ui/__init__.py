"""The Streamlit workbench (``workbench ui``): the only package that imports streamlit.

``app.py`` is the entry point; one script per page under ``views/``; ``common.py`` holds what
the pages share and ``markup.py`` the HTML they render (pure, testable without Streamlit).
"""
