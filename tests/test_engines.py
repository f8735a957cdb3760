"""Stage engines: each stage answered by the model, rules, cues or a classifier, chosen in the
config, with fallback along the chain; tested through the CLI on the fake backend."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

from tests.support.cli import extract_report
from tests.support.configs import fake_config, http_config, rules_config
from tests.support.fault_server import FaultServer
from workbench import engines
from workbench.cli import main
from workbench.core.config import (
    ENGINE_STAGES,
    BackendConfig,
    builtin_backend,
    embedded_backend,
    load_config,
)
from workbench.core.errors import ConfigError
from workbench.core.schema import MAX_CLAIM_CHARS, Stage
from workbench.engines import ENGINES
from workbench.engines.ratings import cue_rating
from workbench.language.sources import AUTHOR
from workbench.stages.extract import quote_options, source_options

ARTICLE = """The ministry said 14 people died in the floods in June 2024.

I think the mayor is a wonderful person.
"""


def test_cues_rate_instead_of_the_model_and_do_not_share_its_cache(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    cues = fake_config(chdir_tmp / "cues.toml", stages={"checkworthiness": {"engine": "cues"}})
    by_cues = [c["checkworthiness"] for c in extract_report(capsys, cues)["claims"]]
    model = fake_config(chdir_tmp / "m.toml")
    by_model = [c["checkworthiness"] for c in extract_report(capsys, model)["claims"]]
    assert by_cues and len(by_cues) == len(by_model)
    for rated_by_cues, rated_by_model in zip(by_cues, by_model, strict=True):
        assert str(rated_by_cues["rationale"]).startswith("surface cues, no model judgement:")
        assert not str(rated_by_model["rationale"]).startswith("surface cues")  # no cache mix-up
    # Run again on the cues config: the cached answers are the cues' own.
    assert [c["checkworthiness"] for c in extract_report(capsys, cues)["claims"]] == by_cues


def test_rules_answer_every_stage_without_a_model(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = "A ministry spokesperson told reporters that 14 people died in the floods in June."
    Path("article.md").write_text(ARTICLE.replace(ARTICLE.splitlines()[0], first), "utf-8")
    report = extract_report(capsys, rules_config(chdir_tmp / "rules.toml"))
    assert len(report["claims"]) == 1  # the opinion sentence is not selected
    claim = report["claims"][0]
    # plain sourcing (GUIDELINES 3.5): what the spokesperson asserts is the claim, theirs
    assert claim["quote"] == "14 people died in the floods in June"
    assert claim["text"] == "14 people died in the floods in June."
    assert claim["claimer"] == "A ministry spokesperson"  # from the parse, not a regex
    assert claim["attribution"] == ["the author", "A ministry spokesperson"]
    questions = claim["evidence"][0]["questions"]
    assert "How many people died in the floods in June?" in questions
    source = claim["evidence"][1]
    assert source["kind"] == "claimer_source"
    assert source["where"][0] == "a ministry spokesperson's own statement, post or publication"
    assert set(claim["provenance"].values()) == {"rules"}
    assert report["run"]["totals"]["calls"] == 5  # 2 selected, 1 extracted, rated and planned


def test_the_classifier_rates_each_clause_of_a_sentence_in_its_sentence(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentence = "Unemployment fell to 3.9 percent in March, and the mood in the city was wonderful."
    Path("article.md").write_text(sentence + "\n", "utf-8")
    stages = {stage: {"engine": "rules"} for stage in Stage}
    stages |= {"checkworthiness": {"engine": "classifier"}}
    report = extract_report(capsys, fake_config(chdir_tmp / "classifier.toml", stages=stages))
    rated = {c["text"]: c["checkworthiness"] for c in report["claims"]}
    assert set(rated) == {
        "Unemployment fell to 3.9 percent in March.",
        "The mood in the city was wonderful.",
    }
    figure, mood = rated.values()
    assert figure["label"] == "check_worthy" and mood["label"] == "not_check_worthy"
    for rating in (figure, mood):
        assert "in its sentence" in rating["rationale"]
    assert {c["provenance"]["checkworthiness"] for c in report["claims"]} == {"classifier"}


def test_an_invalid_model_answer_falls_back_to_the_next_engine(
    fresh_server: FaultServer, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    fresh_server.fail("invalid", stage="extract")  # the model never answers in the schema
    chain = {"engine": ["model", "rules"]}
    config = http_config(
        Path("fallback.toml"),
        fresh_server.base_url,
        reasks=0,
        stages={stage: chain for stage in Stage},
    )
    report = extract_report(capsys, config)
    assert not report["failures"]
    claim = report["claims"][0]
    assert claim["provenance"]["extract"].startswith("rules (the model's answer was invalid")
    assert claim["provenance"]["select"] == "model"
    assert fresh_server.count(stage="extract") == 1  # reasks = 0: one try, then the rules


def test_an_engine_answer_the_stage_rejects_fails_its_step_not_the_run(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that writes a claim its quote does not support is treated as a model's invalid
    answer: the next engine answers (here the model), or the step fails and the run goes on."""
    Path("article.md").write_text(ARTICLE, encoding="utf-8")
    unsupported = {"claim": "Zebras stampeded.", "quote": 1, "claimer": 1, "type": "event"}
    invalid = {"claims": [unsupported]}
    monkeypatch.setitem(engines.ENGINES["rules"], Stage.extract, lambda _: invalid)
    alone = fake_config(Path("alone.toml"), stages={"extract": {"engine": "rules"}})
    assert main(["extract", "article.md", "--config", str(alone), "--format", "json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert not report["claims"] and report["failures"]
    assert "rules engine's answer was invalid" in json.dumps(report["failures"])
    backed = fake_config(Path("backed.toml"), stages={"extract": {"engine": ["rules", "model"]}})
    claim = extract_report(capsys, backed)["claims"][0]
    assert claim["provenance"]["extract"].startswith("model (the rules engine's answer was invalid")


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
    assert (cue_rating(text)["rating"] >= 4) is worthy


def test_the_builtin_backend_uses_what_measured_best_and_others_the_model() -> None:
    assert builtin_backend().engines() == {
        Stage.select: ["classifier"],
        Stage.extract: ["rules"],
        Stage.checkworthiness: ["classifier"],
        Stage.evidence: ["rules"],
    }
    assert embedded_backend().engines() == {
        Stage.select: ["model", "rules"],
        Stage.extract: ["model", "rules"],
        Stage.checkworthiness: ["cues"],
        Stage.evidence: ["model", "rules"],
    }
    assert set(map(tuple, BackendConfig(name="gpt", model="openai/x").engines().values())) == {
        ("model",)
    }


def test_the_config_knows_what_each_engine_answers_as_the_registry_does() -> None:
    """The config checks a stage's chain without loading the engines: its table must be theirs."""
    assert {engine: set(stages) for engine, stages in ENGINES.items()} == {
        engine: set(stages) for engine, stages in ENGINE_STAGES.items()
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('rater = "cues"', "'rater' is now a stage engine"),
        ('[backends.b.stages.extract]\nengine = "cues"', "'cues' cannot answer extract"),
        ('[backends.b.stages.select]\nengine = "oracle"', "stages.select.engine"),
        ("[backends.b.stages.select]\nengine = []", "stages.select.engine"),
    ],
)
def test_engine_config_errors_are_one_line(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "w.toml"
    path.write_text(f'[backends.b]\nmodel = "openai/x"\n{table}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")) as info:
        load_config(str(path))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("sentence", "claims"),
    [
        # plain sourcing: only what was said, claimed by who said it
        ("The port authority said 31 container ships were waiting at anchor.",
         [("31 container ships were waiting at anchor.", "The port authority", "quantity")]),
        # a speech act on the record: the saying (the author's) and its checkable content
        ("Finance Minister Clara Benning told parliament that the levy would raise 220 million "
         "crowns a year.",
         [("Finance Minister Clara Benning told parliament that the levy would raise 220 million "
           "crowns a year.", AUTHOR, "statement"),
          ("The levy would raise 220 million crowns a year.", "Clara Benning", "quantity")]),
        # a quotation: the saying, and what was said (kept even as opinion: measured better)
        ('"This is a great day for our town," the mayor said.',
         [('"This is a great day for our town," the mayor said.', AUTHOR, "statement"),
          ("This is a great day for our town.", "the mayor", "event")]),
        # nobody else asserts it: the sentence
        ("The bridge collapsed on Monday.", [("The bridge collapsed on Monday.", AUTHOR, "event")]),
        # clauses joined with "and", "but", each with its own subject: a claim each (GUIDELINES
        # 3.1), of the author or of whoever asserts them
        ("The trial was funded by the research council, and none of the authors holds shares in "
         "a drug company.",
         [("The trial was funded by the research council.", AUTHOR, "event"),
          ("None of the authors holds shares in a drug company.", AUTHOR, "event")]),
        ("The company said the system had finished its final test in March and that any delay "
         "was caused by changes the ministry requested.",
         [("The system had finished its final test in March.", "The company", "event"),
          ("Any delay was caused by changes the ministry requested.", "The company", "event")]),
        # one subject for both verbs: each claim names it
        ("The plant employs 400 people and opened in 2019.",
         [("The plant employs 400 people.", AUTHOR, "quantity"),
          ("The plant opened in 2019.", AUTHOR, "event")]),
    ],
)
def test_rules_split_what_was_said_from_the_saying(
    sentence: str, claims: list[tuple[str, str, str]]
) -> None:
    quotes = [sentence[a:b] for a, b in quote_options(sentence)]
    sources = source_options(sentence, "")
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": "", "quote_options": quotes, "source_options": sources}
    )
    got = [(c["claim"], sources[c["claimer"] - 1], c["type"]) for c in answer["claims"]]
    assert got == claims
    for claim in answer["claims"]:  # every claim rests on an offered quote it is made from
        quote = quotes[claim["quote"] - 1].lower()
        assert set(re.findall(r"\w+", claim["claim"].lower())) <= set(re.findall(r"\w+", quote))


@pytest.mark.parametrize(
    ("sentence", "claims"),
    [
        ("The resident explained that", 0),  # GUIDELINES 2.3: a bare frame is no claim
        ("Scientists at the university found that:", 0),
        ("He added:", 0),
        ("The minister congratulated the troops, saying:", 1),  # it reports an act
        ("Police said that the road was closed.", 1),
    ],
)
def test_rules_make_no_claim_of_a_bare_attribution_frame(sentence: str, claims: int) -> None:
    sources = source_options(sentence, "")
    quotes = [sentence[a:b] for a, b in quote_options(sentence)]
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": "", "quote_options": quotes, "source_options": sources}
    )
    assert len(answer["claims"]) == claims


@pytest.mark.parametrize(
    "sentence",
    [
        "Helicopters evacuated two commanders to an airbase in northern Valdria.[2]",
        "Helicopters evacuated two commanders [4] to an airbase in northern Valdria.",
        "Orm City, 3 May 2026 — Helicopters evacuated two commanders to an airbase in northern "
        "Valdria.",
        "ORM CITY (Northwire) - Helicopters evacuated two commanders to an airbase in northern "
        "Valdria.",
    ],
)
def test_rules_claims_leave_out_reference_marks_and_datelines_their_quotes_keep(
    sentence: str,
) -> None:
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": "", "quote_options": [sentence]}
    )
    assert [c["claim"] for c in answer["claims"]] == [
        "Helicopters evacuated two commanders to an airbase in northern Valdria."
    ]
    assert answer["claims"][0]["quote"] == 1  # the sentence, verbatim


def test_a_sentence_longer_than_a_claim_may_be_is_cut_at_a_word_and_says_so() -> None:
    sentence = "The council said that " + "the new library on the river bank " * 12 + "cost 4m."
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": "", "quote_options": [sentence]}
    )
    claim = answer["claims"][0]["claim"]
    assert len(claim) <= MAX_CLAIM_CHARS and claim.endswith("…")
    assert sentence.startswith(claim[:-1]) and sentence[len(claim) - 1] == " "  # a whole word


def test_a_name_before_a_dash_is_no_dateline() -> None:
    sentence = "Ana Ruiz — The mayor said the ferry would run."
    answer = ENGINES["rules"][Stage.extract](
        {"sentence": sentence, "before": "", "quote_options": [sentence]}
    )
    assert answer["claims"][0]["claim"].startswith("Ana Ruiz — ")


def test_rules_claims_name_the_date_and_place_their_words_leave_to_context(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = """Port Carrow, 14 October 2026

Fighting broke out in Aleppo on Sunday, and 12 people were killed.

(s)everal aid workers and 14 drivers were injured there in the last few days.
"""
    Path("article.md").write_text(article, "utf-8")
    report = extract_report(capsys, rules_config(chdir_tmp / "rules.toml"))
    by_quote = {c["quote"]: c for c in report["claims"]}
    [injured] = [c for q, c in by_quote.items() if q.startswith("(s)everal aid workers")]
    assert injured["quote"].endswith("were injured there in the last few days.")  # verbatim
    assert injured["text"] == (
        "Several aid workers and 14 drivers were injured in Aleppo in the days before 14 October"
        " 2026."
    )
    assert injured["time"]["start"] == "2026-10-07" and injured["time"]["unit"] == "recent"
    assert by_quote["Fighting broke out in Aleppo on Sunday"]["text"] == (
        "Fighting broke out in Aleppo on 11 October 2026."
    )


def test_rules_questions_name_the_date_a_relative_time_resolves_to(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentence = "The ministry said 14 people died in the floods on Monday."
    Path("article.md").write_text(f"Port Carrow, 14 October 2026\n\n{sentence}\n", "utf-8")
    report = extract_report(capsys, rules_config(chdir_tmp / "rules.toml"))
    assert report["article"]["date"] == "14 October 2026"  # the dateline
    [claim] = report["claims"]
    assert claim["quote"] == "14 people died in the floods on Monday"  # what the ministry said
    assert claim["text"] == "14 people died in the floods on 12 October 2026."  # stands alone
    assert claim["time"] == {
        "expression": "Monday",
        "basis": "relative",
        "unit": "day",
        "start": "2026-10-12",
        "end": "2026-10-12",
    }
    need, sourced = claim["evidence"]  # the claim, and what the ministry said
    assert need["as_of"] == sourced["as_of"] == "2026-10-12"  # ... and the plan says when
    question = "How many people died in the floods on 12 October 2026?"
    assert need["questions"][0] == question
    assert "When did 14 people die in the floods?" in need["questions"]
    # "Did the ministry say that <the claim>?" would restate it: where and when it said it
    assert "Where and when did the ministry say it?" in sourced["questions"]
    assert not any(q.startswith("Did") for q in sourced["questions"])


def test_the_rules_cache_identity_covers_every_module_that_shapes_their_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edit to any of them must not be served the answers the old code cached."""
    package = Path(str(engines.__file__)).parents[1]  # workbench/: files named relative to it
    hashed: list[str] = []

    def record(*paths: Path) -> None:
        hashed.extend(str(p.relative_to(package)) for p in paths)

    monkeypatch.setattr(engines, "_sha256", record)
    engines.engine_identity("rules", Stage.extract)
    # the engines package and the workbench modules it imports, and theirs (module level, as
    # written; ``from workbench.language import parse`` imports the module ``parse``)
    imported, todo = set(), ["workbench.engines"]
    while todo:
        spec = importlib.util.find_spec(todo.pop())
        assert spec is not None and spec.origin is not None
        path = Path(spec.origin)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if str(path.relative_to(package)) in imported:
            continue
        if len(tree.body) > 1 or path.name != "__init__.py":  # a package's docstring shapes nothing
            imported.add(str(path.relative_to(package)))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("workbench."):
                todo.append(str(node.module))
                todo.extend(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if _is_module(f"{node.module}.{alias.name}")
                )
    shaping = imported - {"core/cache.py", "core/errors.py"}  # a key's home and error types
    assert "language/evidence_sources.py" in shaping and sorted(shaping - set(hashed)) == []


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module, not a module
        return False
