"""Entry point of ``workbench ui``: page set-up and navigation over the scripts in views/."""

from __future__ import annotations

import streamlit as st

from workbench.ui import access

st.set_page_config(
    page_title="Claim-check workbench",
    page_icon=":material/fact_check:",
    layout="wide",
    menu_items={"About": "Claim-check workbench: find checkable claims, plan their evidence."},
)

# Less empty space above the first element than Streamlit's default.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:3.2rem}</style>")

# Before any page: a shared server shows nothing but its sign-in to a stranger.
access.gate()

pages = [
    st.Page("views/check.py", title="Check", icon=":material/fact_check:", default=True),
    st.Page("views/review.py", title="Review", icon=":material/rate_review:"),
    st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("views/evals.py", title="Evals", icon=":material/monitoring:"),
    st.Page("views/backends.py", title="Backends & cache", icon=":material/dns:"),
]
st.navigation(pages, position="top").run()
