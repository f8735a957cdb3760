"""Topics of interest and the check-first list, through the command line on invented articles."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from workbench.classifier.rank import check_first, ordered
from workbench.cli import main
from workbench.core.config import clean_topics, parse_config
from workbench.core.errors import ConfigError
from workbench.core.schema import CheckLabel, Checkworthiness, Claim, ClaimType, Report
from workbench.evaluation.datasets import DATASET_NAMES, get_dataset
from workbench.evaluation.scoring.ranking import RankingScore, mean_ranking
from workbench.io.export import to_csv, to_markdown

VACCINES = "vaccines and vaccination campaigns"
FERRIES = "the ferry timetable and ferry services"
ARTICLE_A = (
    "Clinic staff in Harrowby gave 5,300 vaccine doses in the first week of the vaccination "
    "campaign, the district health office said.\n\n"
    "The Harrowby ferry will run only twice a day from June because two of its boats need "
    "repairs, the harbour board said.\n"
)
ARTICLE_B = (
    "The town library in Oskerby lent 12,000 books last year, according to its annual report."
    "\n\nNurses at the Oskerby clinic said the new vaccine campaign reached 80 percent of "
    "people over 65.\n"
)
TOPIC_FIELDS = ("topics", "topic_relevance")


@pytest.fixture()
def articles(chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(chdir_tmp / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))
    folder = chdir_tmp / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    (folder / "b.txt").write_text(ARTICLE_B, encoding="utf-8")
    return folder


def _claims_about(report: dict, word: str) -> list[dict]:
    return [c for c in report["claims"] if word in c["text"].lower()]


def test_batch_writes_each_claims_topics(articles: Path) -> None:
    out = articles.parent / "out.jsonl"
    argv = ["batch", str(articles), "--out", str(out), "--topic", VACCINES, "--topic", FERRIES]
    assert main([*argv, "--quiet"]) == 0
    reports = [json.loads(line)["report"] for line in out.read_text().splitlines()]
    assert len(reports) == 2
    for report in reports:
        for claim in report["claims"]:
            assert set(claim["topic_relevance"]) == {VACCINES, FERRIES}
            assert set(claim["topics"]) <= {VACCINES, FERRIES}
    vaccine_claims = [c for r in reports for c in _claims_about(r, "vaccin")]
    assert len(vaccine_claims) == 2
    assert all(c["topics"] == [VACCINES] for c in vaccine_claims)
    ferry = [c for r in reports for c in _claims_about(r, "ferry")]
    assert ferry and all(c["topics"] == [FERRIES] for c in ferry)
    library = [c for r in reports for c in _claims_about(r, "library")]
    assert library and all(c["topics"] == [] for c in library)


def test_extract_topic_and_no_topic_reports_as_before(
    articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(articles / "a.txt")
    assert main(["extract", path, "--quiet", "--topic", VACCINES]) == 0
    with_topic = json.loads(capsys.readouterr().out)
    assert main(["extract", path, "--quiet"]) == 0
    without = json.loads(capsys.readouterr().out)
    # No topic: empty topic fields, nothing else moved (claims, scores, order, sentences).
    assert set(without) == {"article", "paragraphs", "sentences", "claims", "failures", "run"}
    assert all(c["topics"] == [] and c["topic_relevance"] == {} for c in without["claims"])
    assert any(c["topics"] == [VACCINES] for c in with_topic["claims"])
    for report in (with_topic, without):
        report.pop("run")
        for claim in report["claims"]:
            for field in TOPIC_FIELDS:
                claim.pop(field)
    assert with_topic == without


def test_batch_keys_change_only_with_topics(articles: Path) -> None:
    from workbench.io.batch import settings_hash
    from workbench.session import Session

    session = Session.open(no_cache=True)
    client = session.client()
    plain = settings_hash(client, session.prompts)
    assert settings_hash(client, session.prompts, ()) == plain  # a batch without topics resumes
    assert settings_hash(client, session.prompts, [VACCINES]) != plain


def test_config_topics_and_topic_replaces_them(
    articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = articles.parent / "workbench.toml"
    config.write_text(f'[topics]\ninterest = ["{FERRIES}"]\n', encoding="utf-8")
    path = str(articles / "a.txt")
    assert main(["extract", path, "--quiet"]) == 0
    assert Report.model_validate_json(capsys.readouterr().out).topics == [FERRIES]
    assert main(["extract", path, "--quiet", "--topic", VACCINES]) == 0
    assert Report.model_validate_json(capsys.readouterr().out).topics == [VACCINES]


def test_bad_topics_are_one_line_errors(articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(articles / "a.txt"), "--quiet", "--topic", "   "]) == 2
    assert "a topic must not be blank" in capsys.readouterr().err
    with pytest.raises(ConfigError, match=r"\[topics\] must be a table"):
        parse_config({"topics": ["vaccines"]})
    with pytest.raises(ConfigError, match="must be text"):
        parse_config({"topics": {"interest": [3]}})
    assert clean_topics([" vaccines  and  doses ", "vaccines and doses"]) == ["vaccines and doses"]


def _claim(cid: str, score: float | None) -> Claim:
    rating = None
    if score is not None:
        label = CheckLabel.check_worthy if score >= 0.5 else CheckLabel.not_check_worthy
        rating = Checkworthiness(score=score, label=label, rationale="invented")
    return Claim(id=cid, sentence_id="s1", text=f"Claim {cid}.", quote=f"Claim {cid}.", start=0,
                 end=9, claimer="the author", type=ClaimType.event, checkworthiness=rating,
                 )


def test_check_first_order_reason_and_csv_rank(
    articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(articles / "a.txt")
    assert main(["extract", path, "--quiet", "--topic", FERRIES]) == 0
    report = Report.model_validate_json(capsys.readouterr().out)
    ranked = check_first(report)
    assert ranked[0].claim.topics == [FERRIES]  # on the topic first, whatever its score
    assert ranked[0].reason.startswith("ranked 1: ") and f"about '{FERRIES}'" in ranked[0].reason
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert [r["id"] for r in rows] == [r.claim.id for r in ranked]
    assert rows[0]["rationale"].startswith("ranked 1: ") and rows[0]["topics"] == FERRIES
    brief = to_markdown(report)
    assert brief.index("## Check first") < brief.index("## By topic") < brief.index("## c")

    # Without topics: by check-worthiness, highest first; ties in reading order, unrated last.
    claims = [_claim("c1", 0.4), _claim("c2", None), _claim("c3", 0.9), _claim("c4", 0.4)]
    assert [c.id for c in ordered(claims, with_topics=False)] == ["c3", "c1", "c4", "c2"]
    claims[0].topics = ["x"]
    assert [c.id for c in ordered(claims, with_topics=True)] == ["c1", "c3", "c4", "c2"]


def test_ranking_metrics() -> None:
    score = RankingScore(gold=3, hits=[True, False, True, False, False, True])
    assert score.precision_at(3) == pytest.approx(2 / 3)
    assert score.precision_at(5) == pytest.approx(2 / 5)
    assert score.average_precision == pytest.approx((1 + 2 / 3 + 3 / 6) / 3)
    short = RankingScore(gold=2, hits=[True])  # one gold item never ranked counts 0
    assert short.precision_at(3) == pytest.approx(1 / 3)
    assert short.average_precision == pytest.approx(0.5)
    means = mean_ranking([score, short, RankingScore(gold=0, hits=[False])])
    assert means["ranking.map"] == pytest.approx((score.average_precision + 0.5) / 2)


def test_newsclaims_topics_is_a_setting_of_the_one_module() -> None:
    assert "newsclaims-topics" in DATASET_NAMES
    topics, plain = get_dataset("newsclaims-topics"), get_dataset("newsclaims")
    assert topics.read is plain.read and topics.run is not plain.run
