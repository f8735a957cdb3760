"""Steps the AppTest tests share: check an article, find widgets by label."""

from __future__ import annotations

import re
from typing import Any

from streamlit.testing.v1 import AppTest


def by_label(elements: Any, label: str, index: int | None = None) -> Any:
    """The one element of ``elements`` labelled ``label`` (or the ``index``-th of several)."""
    found = [e for e in elements if getattr(e, "label", None) == label]
    if index is not None:
        return found[index]
    labels = [e.label for e in elements]
    assert len(found) == 1, f"{len(found)} elements labelled {label!r}: {labels}"
    return found[0]


def check_text(app: AppTest, text: str, backend: str | None = None) -> AppTest:
    """Paste ``text`` on the Check page and run it; no exception, no error."""
    app.text_area(key="paste_text").set_value(text)
    if backend is not None:
        app.selectbox(key="backend").set_value(backend)
    by_label(app.button, "Run check").click()
    app.run()
    assert not app.exception, app.exception
    return app


def summary(app: AppTest) -> str:
    """The header line, e.g. '4 claims · 4 check-worthy · 10 sentences · 0 ambiguous'."""
    lines = [s.value for s in app.subheader if re.match(r"\d+ claims", s.value)]
    assert len(lines) == 1, [s.value for s in app.subheader]
    return str(lines[0])


def claim_count(app: AppTest) -> int:
    match = re.match(r"(\d+) claims", summary(app))
    assert match is not None
    return int(match.group(1))


def captions(app: AppTest) -> str:
    return "\n".join(str(c.value) for c in app.caption)
