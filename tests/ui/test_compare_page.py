"""The Compare page under AppTest: two set-ups on one article, claims aligned, figures; and on a
fixture set, a verdict per metric."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.support.fake_reports import ARTICLE
from tests.support.ui_steps import by_label, check_text
from workbench.core.prompts import DEFAULT_PROMPTS_DIR

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


def test_two_backends_on_a_fixture_subset_give_a_verdict_per_metric(app: AppTest) -> None:
    app.switch_page(COMPARE)
    app.run()
    app.radio(key="cmp-scope").set_value("A fixture set")
    app.run()
    fixtures = app.selectbox(key="cmp-fixtures")
    assert fixtures.options[0] == "all fixtures" and "subset ci" in fixtures.options
    fixtures.set_value("ci")
    app.selectbox(key="cmp-backend-B").set_value("fake2")
    by_label(app.button, "Compare").click()
    app.run(timeout=180)
    assert not app.exception and not app.error
    assert app.subheader[-1].value.startswith("B against A on 3 fixtures (subset ci): ")
    verdicts = app.dataframe[-1].value.set_index("metric")
    assert verdicts.loc["claims.f1", "items"] == "3 articles"
    assert verdicts.loc["sentences.f1", "items"].endswith(" sentences")
    # the two fake backends answer alike: no quality metric tells them apart
    quality = verdicts[[not name.startswith("health.") for name in verdicts.index]]
    assert set(quality["verdict"]) <= {"no detectable difference", "undetermined"}
    assert (quality["A"].dropna() == quality["B"].dropna()).all()
    chart = app.get("vega_lite_chart")[-1]
    assert '"x2"' in chart.proto.spec and "delta 95% high" in chart.proto.spec
