"""The selection rules of scripts/select_checkworthiness.py on invented scores (no encoder)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from tests.support.scripts import load_script


@pytest.fixture(scope="module")
def select() -> ModuleType:
    return load_script("select_checkworthiness")


def test_youden_rule_ignores_the_share_of_yes_that_moves_f1(select: ModuleType) -> None:
    # Two sets whose Yes and No are separated at logit 1: one with 10% Yes, one with 90%.
    rare = np.array([3.0] * 10 + [-1.0] * 90), np.array([True] * 10 + [False] * 90)
    common = np.array([3.0] * 90 + [-1.0] * 10), np.array([True] * 90 + [False] * 10)
    logits, labels = zip(rare, common, strict=True)
    threshold = select.threshold_rule(logits, labels, "worst-youden")
    assert -1.0 < threshold <= 3.0  # between the classes: J is 1 on both
    assert select.threshold_rule(logits, labels, "fixed-0.5") == 0.0  # reads no set
    # F1 on the common set is best when everything is Yes, which the raw rule cannot see past.
    assert select.f1_curve(*common)[0] == pytest.approx(2 * 90 / (100 + 90))
    assert select.f1_curve(*rare)[0] == pytest.approx(2 * 10 / (100 + 10))


def test_a_set_is_never_scored_at_choices_read_on_its_own_genre(select: ModuleType) -> None:
    sets = {name: None for name in select.SETS}
    assert select.held_out(sets, "checkthat-dev-test") == ["newsclaims-dev", "factcheck-gpt"]
    assert select.held_out(sets, "newsclaims-dev") == [
        "checkthat-dev", "checkthat-dev-test", "factcheck-gpt"
    ]
    assert select.held_out(sets, None) == list(select.SETS)


def test_a_complex_candidate_must_win_on_each_genre_ties_aside(select: ModuleType) -> None:
    def candidate(dev_test: float, news: float, llm: float, complexity: int):
        c = select.Candidate("c", select.FINE_TUNED, ("minilm",), {}, complexity)
        c.rows = {
            "checkthat-dev": {"f1": 0.9},
            "checkthat-dev-test": {"f1": dev_test},
            "newsclaims-dev": {"f1": news},
            "factcheck-gpt": {"f1": llm},
        }
        return c

    simple = candidate(0.70, 0.268, 0.40, 0)
    assert select.wins_on_each_genre(candidate(0.84, 0.265, 0.78, 2), simple)  # a tie on news
    assert not select.wins_on_each_genre(candidate(0.84, 0.25, 0.78, 2), simple)  # worse on news
    assert not select.wins_on_each_genre(candidate(0.705, 0.27, 0.405, 2), simple)  # only ties
    better = candidate(0.84, 0.265, 0.78, 2)
    worse_on_news = candidate(0.90, 0.20, 0.90, 3)
    for c in (better, worse_on_news, simple):
        c.score = 0.0
    # The simpler one it does not win against is kept over the best-ranked complex one.
    assert select.simpler_kept([worse_on_news, better, simple]) is better


def test_expected_calibration_error_and_reliability(select: ModuleType) -> None:
    probabilities = np.array([0.1] * 10 + [0.9] * 10)
    calibrated = np.array([True] + [False] * 9 + [True] * 9 + [False])
    assert select.expected_calibration_error(probabilities, calibrated) == pytest.approx(0.0)
    overconfident = np.array([False] * 10 + [True] * 5 + [False] * 5)
    assert select.expected_calibration_error(probabilities, overconfident) == pytest.approx(
        0.5 * 0.1 + 0.5 * 0.4
    )
    assert select.reliability(probabilities, calibrated) == [[0.1, 0.1, 10], [0.9, 0.9, 10]]
