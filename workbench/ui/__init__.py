"""The Streamlit workbench (``workbench ui``): the only package that imports streamlit.

``serve.py`` is the server process (Streamlit's command line, safe for many sessions);
``app.py`` is the entry script; one script per page under ``views/``; ``common.py`` holds what
the pages share and ``markup.py`` the HTML they render (pure, testable without Streamlit).
May import every package but ``workbench.cli`` (which starts the UI server).
"""
