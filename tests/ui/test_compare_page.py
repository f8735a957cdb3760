"""The Compare page under AppTest: two set-ups on one article, claims aligned, figures."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.support.fake_reports import ARTICLE
from tests.support.ui_steps import by_label, check_text
from workbench.prompts import DEFAULT_PROMPTS_DIR

COMPARE = "views/compare.py"


def test_two_backends_on_the_checked_article(app: AppTest) -> None:
    check_text(app, ARTICLE)
    app.switch_page(COMPARE)
    app.run()
    assert app.radio(key="cmp-source").value == "The article checked on the Check page"
    assert (app.selectbox(key="cmp-backend-A").value, app.selectbox(key="cmp-backend-B").value) == (
        "fake",
        "builtin",
    )
    app.selectbox(key="cmp-backend-B").set_value("fake2")
    by_label(app.button, "Compare").click()
    app.run()
    assert not app.exception and not app.error
    assert app.subheader[-1].value == "4 aligned (4 same, 0 changed) · 0 added · 0 dropped"
    figures = app.dataframe[0].value
    assert list(figures["set-up"]) == ["fake · default prompts", "fake2 · default prompts"]
    assert list(figures["claims"]) == [4, 4]
    assert {"prompt tokens", "completion tokens", "cost (USD)", "seconds"} <= set(figures.columns)
    pairs = app.dataframe[1].value
    assert list(pairs["change"]) == ["= same"] * 4


def test_two_prompt_folders_on_a_pasted_article(app: AppTest, workdir: Path) -> None:
    edited = workdir / "prompts-v2"
    shutil.copytree(DEFAULT_PROMPTS_DIR, edited)
    rating = edited / "checkworthiness.toml"
    rating.write_text(re.sub(r'version = "[^"]*"', 'version = "9.9-test"', rating.read_text()))
    app.switch_page(COMPARE)
    app.run()
    assert app.radio(key="cmp-source").options == ["Paste"]
    app.text_area(key="cmp-paste").set_value(ARTICLE)
    app.text_input(key="cmp-prompts-B").set_value(str(edited))
    app.selectbox(key="cmp-backend-B").set_value("fake")
    by_label(app.button, "Compare").click()
    app.run()
    assert not app.exception and not app.error
    figures = app.dataframe[0].value
    assert list(figures["set-up"]) == ["fake · default prompts", "fake · prompts-v2/"]
    assert "checkworthiness 9.9-test" in figures["prompts"].iloc[1]


def test_a_missing_prompt_folder_is_one_line_error(app: AppTest, workdir: Path) -> None:
    app.switch_page(COMPARE)
    app.run()
    app.text_area(key="cmp-paste").set_value(ARTICLE)
    app.text_input(key="cmp-prompts-B").set_value(str(workdir / "nowhere"))
    app.selectbox(key="cmp-backend-B").set_value("fake")
    by_label(app.button, "Compare").click()
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [f"prompts directory not found: {workdir / 'nowhere'}"]
