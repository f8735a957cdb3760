"""The Backends & cache page under AppTest: probe results, cache figures, clearing."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from tests.support.fake_reports import ARTICLE
from tests.support.ui_steps import by_label, check_text
from tests.ui.conftest import FAKE_CONFIG

BACKENDS = "views/backends.py"
DOWN = '\n[backends.down]\nmodel = "openai/x"\napi_base = "http://127.0.0.1:9/v1"\nretries = 0\n'


def test_backends_are_listed_and_probed(make_app: Callable[..., AppTest]) -> None:
    app = make_app(FAKE_CONFIG.replace('[backends.fake2]\nmodel = "fake/second"\n', "") + DOWN)
    app.switch_page(BACKENDS)
    app.run()
    table = app.dataframe[0].value
    assert list(table["backend"]) == ["builtin", "embedded", "fake (default)", "down"]
    assert set(table["check"]) == {"not checked"}
    app.multiselect(key="probe-which").set_value(["fake", "down"])  # not the slow embedded one
    by_label(app.button, "Check backends").click()
    app.run(timeout=120)
    table = app.dataframe[0].value.set_index("backend")
    assert table.loc["fake (default)", "check"] == "ok"
    assert table.loc["down", "check"] == "unreachable"
    assert table.loc["builtin", "check"] == table.loc["embedded", "check"] == "not checked"
    errors = [e.value for e in app.error]
    assert any(e.startswith("down: backend 'down'") for e in errors)


def test_cache_figures_and_clearing(app: AppTest) -> None:
    check_text(app, ARTICLE)
    app.switch_page(BACKENDS)
    app.run()
    entries = {m.label: m.value for m in app.metric}
    assert int(entries["Entries"]) > 0
    stages = app.dataframe[1].value.set_index("stage")
    # the four stages' answers, and the parses the extract stage's requests were built from
    assert {"select", "extract", "checkworthiness", "evidence", "attribution"} == set(stages.index)
    by_label(app.button, "Clear cache").click()
    app.run()
    assert "Tick the box" in app.warning[0].value
    app.checkbox[0].check()
    by_label(app.button, "Clear cache").click()
    app.run()
    assert app.success[0].value == f"Removed {entries['Entries']} entries from the cache."
    assert {m.label: m.value for m in app.metric}["Entries"] == "0"
