"""The heuristic check-worthiness baseline: cue table, verdicts, and its tuning on train only."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.evaluation.datasets.checkthat import read_checkthat
from workbench.evaluation.heuristic import best_f1_threshold, fit_cue_weights
from workbench.evaluation.scoring.prf import binary_prf
from workbench.language.cues import CUES, DEFAULT_WEIGHTS, rate_sentence, sentence_cues

CHECKTHAT = "checkthat2024/CT24_checkworthy_english_{}.tsv"


@pytest.mark.parametrize(
    ("text", "fired", "silent"),
    [
        (
            "Unemployment fell to 4.2% in 2019.",
            {"digits", "money_or_percent", "date"},
            {"question"},
        ),
        (
            "I think we should do better.",
            {"opinion_word", "first_person_singular", "first_person_plural"},
            {"digits"},
        ),
        (
            "Senator Jane Smith voted against the bill.",
            {"named_entities", "reporting_or_change_verb"},
            set(),
        ),
        ("Is that what you want?", {"question", "second_person"}, {"named_entities"}),
        ("Thank you very much.", {"courtesy", "short"}, {"digits", "named_entities"}),
        ("We will cut taxes.", {"future", "first_person_plural"}, {"past_tense"}),
    ],
)
def test_cues(text: str, fired: set[str], silent: set[str]) -> None:
    values = sentence_cues(text)
    assert {name for name in fired if values[name] > 0} == fired
    assert {name for name in silent if values[name] > 0} == set()


@pytest.mark.parametrize(
    ("text", "check_worthy"),
    [
        ("Unemployment fell to 4.2 percent in 2019, the lowest rate since 1969.", True),
        ("The Senate passed the $1.9 trillion relief bill on March 6.", True),
        ("He voted to cut Medicare by $700 billion.", True),
        ("Thank you very much.", False),
        ("I think that's a great question.", False),
        ("What are you going to do about it?", False),
        ("We will make this country great again.", False),
    ],
)
def test_clear_cases(text: str, check_worthy: bool) -> None:
    verdict = rate_sentence(text)
    assert verdict.check_worthy is check_worthy
    assert 0.0 <= verdict.score <= 1.0


def test_verdict_lists_fired_cues_strongest_first() -> None:
    verdict = rate_sentence("Is the 4 percent figure right?")
    assert verdict.cues[0] == "question"  # the largest weight in absolute terms
    assert set(verdict.cues) >= {"digits", "number_words", "question"}


def test_every_cue_has_a_weight() -> None:
    assert list(DEFAULT_WEIGHTS.weights) == list(CUES)


@pytest.mark.parametrize(
    ("scores", "labels", "threshold"),
    [
        ([0.9, 0.8, 0.2, 0.1], [True, True, False, False], 0.21),
        ([0.9, 0.5, 0.4], [True, False, True], 0.01),  # taking everything gives F1 0.8
        ([0.3, 0.3], [False, False], 0.5),  # no positive: nothing beats F1 0, keep the default
    ],
)
def test_best_f1_threshold(scores: list[float], labels: list[bool], threshold: float) -> None:
    assert best_f1_threshold(scores, labels) == pytest.approx(threshold)


def test_fitting_learns_signs_from_a_toy_set() -> None:
    texts = ["Taxes rose 5% in 2019."] * 20 + ["I think that is wonderful."] * 20
    weights = fit_cue_weights(texts, [True] * 20 + [False] * 20)
    assert weights.weights["digits"] > 0 > weights.weights["opinion_word"]
    assert all(rate_sentence(t, weights).check_worthy == (i < 20) for i, t in enumerate(texts))


def test_the_shipped_weights_are_what_train_gives(shared_data: Path) -> None:
    train = read_checkthat(shared_data / CHECKTHAT.format("train"))
    refit = fit_cue_weights([s.text for s in train], [s.check_worthy for s in train])
    assert refit.threshold == DEFAULT_WEIGHTS.threshold
    assert refit.bias == pytest.approx(DEFAULT_WEIGHTS.bias, abs=0.002)
    for name, weight in DEFAULT_WEIGHTS.weights.items():
        assert refit.weights[name] == pytest.approx(weight, abs=0.002), name


@pytest.mark.parametrize(("split", "f1"), [("dev", 0.796), ("dev-test", 0.632)])
def test_documented_scores(shared_data: Path, split: str, f1: float) -> None:
    items = read_checkthat(shared_data / CHECKTHAT.format(split))
    predicted = [rate_sentence(s.text).check_worthy for s in items]
    assert binary_prf([s.check_worthy for s in items], predicted).f1 == pytest.approx(f1, abs=5e-4)
