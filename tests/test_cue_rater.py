"""`rater = "cues"`: check-worthiness from surface cues instead of the model, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.configs import fake_config

from workbench.cli import main
from workbench.config import BackendConfig, embedded_backend
from workbench.llm.cue_rater import cue_rating

ARTICLE = """The ministry said 14 people died in the floods in June 2024.

I think the mayor is a wonderful person.
"""


def extract(capsys: pytest.CaptureFixture[str], config: Path) -> list[dict[str, object]]:
    assert main(["extract", "article.md", "--config", str(config), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    return [claim["checkworthiness"] for claim in report["claims"]]


def test_cues_rate_instead_of_the_model_and_do_not_share_its_cache(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    by_cues = extract(capsys, fake_config(chdir_tmp / "cues.toml", rater="cues"))
    by_model = extract(capsys, fake_config(chdir_tmp / "model.toml"))
    assert by_cues and len(by_cues) == len(by_model)
    for cues, model in zip(by_cues, by_model, strict=True):
        assert str(cues["rationale"]).startswith("surface cues, no model judgement:")
        assert not str(model["rationale"]).startswith("surface cues")  # the same cache, no mix-up
    # Run again on the cues config: the cached answers are the cues' own.
    assert extract(capsys, fake_config(chdir_tmp / "cues.toml", rater="cues")) == by_cues


@pytest.mark.parametrize(
    ("text", "worthy"),
    [
        ("The ministry said 14 people died in the floods in June 2024.", True),
        ("The council spent 3 million euros on the bridge last year.", True),
        ("I think the mayor is a wonderful person.", False),
        ("We will win this.", False),
    ],
)
def test_cue_rating_maps_the_fitted_threshold_to_ratings(text: str, worthy: bool) -> None:
    rating = cue_rating(text).rating
    assert (rating >= 4) is worthy, rating


def test_the_embedded_backend_rates_by_cues_and_others_by_model() -> None:
    assert embedded_backend().rater == "cues"
    assert BackendConfig(name="gpt", model="openai/gpt-4o-mini").rater == "model"
