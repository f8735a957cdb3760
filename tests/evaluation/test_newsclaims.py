"""NewsClaims: articles rebuilt from sentence offsets; claim sentences and claimers scored.

The data here is made up in the NewsClaims format; the real files are only loaded, not copied.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench.core.errors import ConfigError
from workbench.core.schema import CheckLabel, Checkworthiness, Claim, ClaimType
from workbench.evaluation.datasets import load_dataset, parse_dataset_spec
from workbench.evaluation.datasets.newsclaims import (
    NewsArticle,
    pool,
    read_newsclaims,
    score_article,
)
from workbench.evaluation.scoring.claimers import same_claimer

# Per article: (sentence, gap before it), and the gold claim sentences by position with claimer.
ARTICLES: dict[str, Any] = {
    "town-1": {
        "sentences": [
            ("Officials in Springfield said 40 new cases were confirmed on Monday.", 0),
            ("The weather was pleasant.", 1),
            ("Dr Lena Ortiz said the vaccine trial enrolled 300 volunteers.", 2),
            ("It is a quiet town.", 1),
        ],
        "gold": {0: "Officials", 2: "Lena Ortiz"},
    },
    "town-2": {
        "sentences": [
            ("Spring came early.", 0),
            ("The health board announced 12 clinics would open in May.", 3),
        ],
        "gold": {1: None},  # a claim without a claimer (the author's)
    },
}


def write_newsclaims(folder: Path, articles: dict[str, Any] = ARTICLES) -> Path:
    """dev.json and dev_all_sents.json in NewsClaims' format; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    everything: dict[str, Any] = {}
    gold: dict[str, Any] = {}
    for article_id, article in articles.items():
        cursor, sentences = 0, {}
        for number, (text, gap) in enumerate(article["sentences"]):
            start = cursor + gap
            sentences[f"{article_id}-{number}"] = {
                "start_char": start, "end_char": start + len(text) - 1, "sentence": text}
            cursor = start + len(text)
        everything[article_id] = sentences
        gold[article_id] = {
            f"{article_id}-{number}": {
                "sentence": article["sentences"][number][0], "topic": "Cure", "stance": "Affirm",
                "has_claimer": claimer is not None, "claimer": claimer or "",
                "claimer_in_sentence": claimer is not None}
            for number, claimer in article["gold"].items()
        }
    (folder / "dev_all_sents.json").write_text(json.dumps(everything), encoding="utf-8")
    (folder / "dev.json").write_text(json.dumps(gold), encoding="utf-8")
    return folder


@pytest.fixture
def articles(tmp_path: Path) -> list[NewsArticle]:
    return read_newsclaims(write_newsclaims(tmp_path / "nc") / "dev.json")


def claim(item: NewsArticle, sentence: int, claimer: str = "the author",
          attribution: list[str] | None = None, cut: int = 0) -> Claim:
    """A claim quoting sentence ``sentence`` of ``item`` (less ``cut`` characters at each end)."""
    span = item.sentences[sentence]
    start, end = span.start + cut, span.end - cut
    return Claim(id=f"c{sentence}", sentence_id="s1", text=item.text[start:end],
                 quote=item.text[start:end], start=start, end=end, claimer=claimer,
                 attribution=attribution or [claimer], type=ClaimType.statement)


def test_articles_are_rebuilt_at_their_offsets(articles: list[NewsArticle]) -> None:
    first, second = articles
    assert first.id == "newsclaims:town-1" and len(first.sentences) == 4
    for item, article in zip(articles, ARTICLES.values(), strict=True):
        for span, (text, _) in zip(item.sentences, article["sentences"], strict=True):
            assert item.text[span.start : span.end] == text
    # a one-character gap is a space, a longer one line breaks
    assert first.text.startswith("Officials") and "pleasant.\n\nDr Lena" in first.text
    assert "Spring came early.\n\n\nThe health board" in second.text
    assert [(g.sentence_id, g.claimer) for g in first.claims] == [
        ("town-1-0", "Officials"), ("town-1-2", "Lena Ortiz")]
    assert second.claims[0].claimer is None


def test_folder_and_file_specs_and_the_sample(tmp_path: Path) -> None:
    folder = write_newsclaims(tmp_path / "nc")
    assert parse_dataset_spec(f"newsclaims:{folder}").path == folder / "dev.json"
    loaded = load_dataset(f"newsclaims:{folder / 'dev.json'}", limit=1)
    assert loaded.total == 2 and len(loaded.items) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e, g: e["town-1"]["town-1-1"].update(end_char=3), "does not fit the sentence"),
        (lambda e, g: e["town-1"]["town-1-1"].update(start_char=5, end_char=29), "overlaps"),
        (lambda e, g: e["town-2"]["town-2-0"].pop("start_char"), "needs sentence"),
        (lambda e, g: g["town-2"].update({"town-2-9": {}}), "not among its sentences"),
        (lambda e, g: e.pop("town-2"), "has no sentences"),
    ],
)
def test_broken_files_are_one_line_config_errors(tmp_path: Path, change: Any,
                                                 message: str) -> None:
    folder = write_newsclaims(tmp_path / "nc")
    everything = json.loads((folder / "dev_all_sents.json").read_text(encoding="utf-8"))
    gold = json.loads((folder / "dev.json").read_text(encoding="utf-8"))
    change(everything, gold)
    (folder / "dev_all_sents.json").write_text(json.dumps(everything), encoding="utf-8")
    (folder / "dev.json").write_text(json.dumps(gold), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_newsclaims(folder / "dev.json")


def test_a_missing_sentence_file_is_named(tmp_path: Path) -> None:
    folder = write_newsclaims(tmp_path / "nc")
    (folder / "dev_all_sents.json").unlink()
    with pytest.raises(ConfigError, match="dev_all_sents.json: not found"):
        read_newsclaims(folder / "dev.json")


@pytest.mark.parametrize(
    ("gold", "predicted", "same"),
    [
        ("Scientists", "scientists", True),
        ("Behravesh", "Casey Barton Behravesh", True),
        ("Jonathan Epstein", "Epstein", True),
        ("WHO", "the World Health Organization (WHO)", True),
        ("Hong Kong’s Agriculture Department", "Hong Kong Agriculture Department", True),
        ("World Health Organization", "WHO", False),
        ("Scientists", "the author", False),
        ("Scientists", "", False),
    ],
)
def test_claimers_match_loosely(gold: str, predicted: str, same: bool) -> None:
    assert same_claimer(gold, predicted) is same


def test_sentences_and_claimers_are_scored_by_overlap(articles: list[NewsArticle]) -> None:
    first, second = articles
    claims = [
        claim(first, 0, "officials in Springfield"),     # gold, claimer right
        claim(first, 1, cut=5),                          # inside a non-gold sentence
        claim(first, 2, "the author", ["the author", "Dr Lena Ortiz"]),  # right via attribution
    ]
    for index, label in enumerate([CheckLabel.check_worthy, CheckLabel.maybe]):
        rating = Checkworthiness(score=0.5, label=label, rationale="rated")
        claims[index] = claims[index].model_copy(update={"checkworthiness": rating})
    found = score_article(first, claims)
    assert found["predicted"] == ["town-1-0", "town-1-1", "town-1-2"]
    assert found["found"] == ["town-1-0", "town-1-2"] and found["gold"] == 2
    assert [c["right"] for c in found["claimers"]] == [True, True]
    assert (found["sentences"], found["claims"], found["check_worthy"]) == (4, 2, 1)
    missed = score_article(second, [])
    assert missed == {"predicted": [], "found": [], "gold": 1, "claimers": [],
                      "sentences": len(second.sentences), "claims": 0, "check_worthy": 0}
    metrics = pool([found, missed])
    assert metrics["sentences.recall"] == pytest.approx(2 / 3)
    assert metrics["sentences.precision"] == pytest.approx(2 / 3)
    assert metrics["claimer.accuracy"] == 1.0 and metrics["claimer.scored"] == 2.0
    # 3 of all sentences given a claim; 1 of the 2 rated claims check-worthy (unrated: not counted)
    assert metrics["sentences.flagged_share"] == pytest.approx(3 / (4 + len(second.sentences)))
    assert metrics["claims.check_worthy_share"] == pytest.approx(1 / 2)


def test_a_quote_across_two_sentences_predicts_both(articles: list[NewsArticle]) -> None:
    first = articles[0]
    start, end = first.sentences[0].end - 5, first.sentences[1].start + 5
    across = Claim(id="c1", sentence_id="s1", text="x", quote=first.text[start:end], start=start,
                   end=end, claimer="Officials", type=ClaimType.statement)
    result = score_article(first, [across])
    assert result["predicted"] == ["town-1-0", "town-1-1"]
    assert [c["right"] for c in result["claimers"]] == [True]


def test_the_real_files_rebuild(shared_data: Path) -> None:
    loaded = load_dataset(f"newsclaims:{shared_data / 'newsclaims'}")
    assert loaded.total == 18
    items = [i for i in loaded.items if isinstance(i, NewsArticle)]
    assert sum(len(i.claims) for i in items) == 103
    everything = json.loads((shared_data / "newsclaims" / "dev_all_sents.json").read_text())
    for item in items:
        sentences = everything[item.id.removeprefix("newsclaims:")]
        for span in item.sentences:
            assert item.text[span.start : span.end] == sentences[span.id]["sentence"]
