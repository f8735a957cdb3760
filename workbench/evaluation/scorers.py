"""Pure scorers: gold labels and a ``Report`` (or plain predictions) in, a typed result out.

Each scorer states what it measures and how it treats the edge cases. Two calling styles:

- fixtures: ``score_report(report, fixture)`` runs every scorer on one hand-labelled article
  (or call ``score_grounding``, ``score_sentence_detection``, ``align_report_claims``,
  ``score_claim_checkworthiness``, ``score_evidence`` and ``score_output_health`` one by one),
  and ``summarise_fixture_scores`` pools the results of a fixture set;
- datasets: ``binary_prf``, ``score_checkworthiness``, ``align_claims`` and ``score_questions``
  take lists of plain values.

Conventions: counts are kept next to every ratio so a runner can micro-average over fixtures
(``sum_prf``); a ratio with nothing to divide is ``None``, except precision/recall/F1 where
"nothing predicted and nothing to find" is a perfect 1.0 (an opinion piece with no claims,
correctly left empty). Nothing here calls a model, reads a file or keeps state, except
``score_questions``' default similarity, METEOR, which needs WordNet (see ``meteor``).
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment
from scipy.stats import spearmanr

from workbench.evaluation.fixtures import Fixture, find_all, reference_sentence_spans
from workbench.schema import CheckLabel, Claim, Report, RunInfo, StageStats, Status


class Result(BaseModel):
    """Base of every scorer result: strict, so a typo in a runner is an error."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------
# Precision / recall / F1
# --------------------------------------------------------------------------------------------


class PRF(Result):
    """Precision, recall and F1 with the counts they come from."""

    true_positives: int = Field(ge=0, description="Predicted items that match a gold item.")
    predicted: int = Field(ge=0, description="Number of predicted (positive) items.")
    gold: int = Field(ge=0, description="Number of gold (positive) items.")
    precision: float = Field(description="true_positives / predicted (1.0 if both are empty).")
    recall: float = Field(description="true_positives / gold (1.0 if both are empty).")
    f1: float = Field(description="Harmonic mean of precision and recall.")


def prf_from_counts(true_positives: int, predicted: int, gold: int) -> PRF:
    """P/R/F1 from counts; with nothing predicted and nothing to find all three are 1.0."""
    if true_positives > min(predicted, gold):
        raise ValueError(
            f"true_positives={true_positives} exceeds predicted={predicted} or gold={gold}"
        )
    both_empty = predicted == 0 and gold == 0
    precision = true_positives / predicted if predicted else (1.0 if both_empty else 0.0)
    recall = true_positives / gold if gold else (1.0 if both_empty else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(
        true_positives=true_positives,
        predicted=predicted,
        gold=gold,
        precision=precision,
        recall=recall,
        f1=f1,
    )


def sum_prf(results: Iterable[PRF]) -> PRF:
    """Micro-average: add the counts of several results and recompute P/R/F1."""
    items = list(results)
    return prf_from_counts(
        sum(r.true_positives for r in items),
        sum(r.predicted for r in items),
        sum(r.gold for r in items),
    )


def binary_prf(gold: Sequence[bool], predicted: Sequence[bool]) -> PRF:
    """P/R/F1 of the positive class for paired yes/no labels (CheckThat!'s official metric)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    true_positives = sum(1 for g, p in zip(gold, predicted, strict=True) if g and p)
    return prf_from_counts(true_positives, sum(map(bool, predicted)), sum(map(bool, gold)))


# --------------------------------------------------------------------------------------------
# Grounding
# --------------------------------------------------------------------------------------------


class UngroundedClaim(Result):
    claim_id: str
    reason: str = Field(description="Why the quote is not at its offsets.")


class GroundingResult(Result):
    """Share of claims whose quote is exactly the article text at the claim's offsets."""

    claims: int = Field(description="Claims in the report.")
    grounded: int = Field(description="Claims with article.text[start:end] == quote.")
    rate: float | None = Field(description="grounded / claims; None when there are no claims.")
    ungrounded: list[UngroundedClaim] = Field(default_factory=list)


def score_grounding(report: Report) -> GroundingResult:
    """Fraction of claims whose ``article.text[start:end] == quote``: exact, no normalisation.

    The workbench promises verbatim offsets; a quote that only matches after case or
    whitespace folding is a broken promise and counts as ungrounded.
    """
    text = report.article.text
    ungrounded: list[UngroundedClaim] = []
    for claim in report.claims:
        if not 0 <= claim.start <= claim.end <= len(text):
            reason = f"offsets {claim.start}:{claim.end} outside the text (length {len(text)})"
            ungrounded.append(UngroundedClaim(claim_id=claim.id, reason=reason))
        elif text[claim.start : claim.end] != claim.quote:
            found = text[claim.start : claim.end]
            reason = f"text at {claim.start}:{claim.end} is {found[:60]!r}, not the quote"
            ungrounded.append(UngroundedClaim(claim_id=claim.id, reason=reason))
    total = len(report.claims)
    grounded = total - len(ungrounded)
    return GroundingResult(
        claims=total,
        grounded=grounded,
        rate=grounded / total if total else None,
        ungrounded=ungrounded,
    )


# --------------------------------------------------------------------------------------------
# Sentence-level claim detection
# --------------------------------------------------------------------------------------------

Outcome = Literal["true_positive", "false_positive", "false_negative", "true_negative"]
NOT_FOUND = "not_found"  # predicted status when no predicted sentence contains the anchor


class SentenceOutcome(Result):
    """How one gold sentence fared."""

    anchor: str
    gold_status: str
    predicted_sentence_id: str | None = Field(description="Predicted sentence holding the anchor.")
    predicted_status: str = Field(description=f"Its status, or {NOT_FOUND!r}.")
    outcome: Outcome = Field(description="Positive means status `claims`.")


class SentenceDetectionResult(Result):
    """Does the pipeline give status ``claims`` to the sentences the gold labels ``claims``?"""

    prf: PRF = Field(description="Over gold-labelled sentences; positive = status `claims`.")
    outcomes: list[SentenceOutcome]
    confusion: dict[str, dict[str, int]] = Field(
        description="gold status -> predicted status -> count, for every labelled sentence."
    )
    unlocated_anchors: int = Field(description="Gold anchors no predicted sentence contains.")
    unlabelled_predicted_claims: list[str] = Field(
        description="Ids of predicted `claims` sentences that hold no gold anchor (not scored)."
    )


def _sentence_at(report: Report, position: int) -> int | None:
    for index, sentence in enumerate(report.sentences):
        if sentence.start <= position < sentence.end:
            return index
    return None


def score_sentence_detection(report: Report, fixture: Fixture) -> SentenceDetectionResult:
    """Sentence-level claim detection P/R/F1 against the fixture's gold sentence statuses.

    A gold sentence is found through its anchor: the predicted sentence whose span contains the
    anchor's first character. Positive means status ``claims`` on both sides; ``ambiguous``,
    ``no_claim``, ``skipped`` (and, for predictions, ``failed``/``pending`` or no sentence at
    all) are negative. Only gold-labelled sentences are scored, since the fixtures label
    "every sentence that matters"; predicted ``claims`` sentences without an anchor are listed,
    not counted.
    """
    text = report.article.text
    outcomes: list[SentenceOutcome] = []
    confusion: dict[str, dict[str, int]] = {}
    used: set[int] = set()
    unlocated = 0
    for gold in fixture.sentences:
        position = text.find(gold.anchor)
        index = _sentence_at(report, position) if position >= 0 else None
        if index is None:
            unlocated += 1
            sentence_id, predicted_status = None, NOT_FOUND
        else:
            used.add(index)
            sentence = report.sentences[index]
            sentence_id, predicted_status = sentence.id, sentence.status.value
        gold_positive = gold.status == "claims"
        predicted_positive = predicted_status == Status.claims.value
        outcome: Outcome = (
            ("true_positive" if predicted_positive else "false_negative")
            if gold_positive
            else ("false_positive" if predicted_positive else "true_negative")
        )
        outcomes.append(
            SentenceOutcome(
                anchor=gold.anchor,
                gold_status=gold.status,
                predicted_sentence_id=sentence_id,
                predicted_status=predicted_status,
                outcome=outcome,
            )
        )
        row = confusion.setdefault(gold.status, {})
        row[predicted_status] = row.get(predicted_status, 0) + 1
    prf = prf_from_counts(
        sum(1 for o in outcomes if o.outcome == "true_positive"),
        sum(1 for o in outcomes if o.outcome in {"true_positive", "false_positive"}),
        sum(1 for o in outcomes if o.gold_status == "claims"),
    )
    unlabelled = [
        s.id for i, s in enumerate(report.sentences) if s.status == Status.claims and i not in used
    ]
    return SentenceDetectionResult(
        prf=prf,
        outcomes=outcomes,
        confusion=confusion,
        unlocated_anchors=unlocated,
        unlabelled_predicted_claims=unlabelled,
    )


# --------------------------------------------------------------------------------------------
# Claim alignment
# --------------------------------------------------------------------------------------------

# Function words that carry no claim content. A fixed list (not NLTK's corpus) so that the
# scorer needs no downloaded data and never changes under our feet. Negations (no, not, nor)
# are kept: they flip a claim.
_STOP_WORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also according said says say whether s t
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,'’][a-z0-9]+)*")


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    from nltk.stem import PorterStemmer  # pure code: needs no NLTK data download

    return PorterStemmer().stem


def content_tokens(text: str) -> list[str]:
    """Lower-cased, Porter-stemmed words minus stop words; numbers such as '1,200' stay whole."""
    stem = _stemmer()
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        token = re.sub(r"['’]s$", "", token)
        if token and token not in STOP_WORDS:
            tokens.append(token if any(c.isdigit() for c in token) else stem(token))
    return tokens


def token_f1(a: str, b: str, weights: Mapping[str, float] | None = None) -> float:
    """F1 of the content-token multisets of two texts (SQuAD-style); 0.0 if either is empty.

    With ``weights``, each token counts with its weight (missing tokens weigh 1.0).
    """
    tokens_a, tokens_b = Counter(content_tokens(a)), Counter(content_tokens(b))

    def mass(tokens: Counter[str]) -> float:
        return sum(n * (weights.get(t, 1.0) if weights else 1.0) for t, n in tokens.items())

    common = mass(tokens_a & tokens_b)
    if not common:
        return 0.0
    precision = common / mass(tokens_a)
    recall = common / mass(tokens_b)
    return 2 * precision * recall / (precision + recall)


def inverse_document_frequencies(texts: Sequence[str]) -> dict[str, float]:
    """ln(1 + N/df) of every content token over ``texts`` (N texts, df = texts holding it).

    Over the claims of one article, the words all claims share (the subject, the place) weigh
    least and the words that tell one claim from its siblings (the figure, the verb) most.
    """
    document_frequency = Counter(token for text in texts for token in set(content_tokens(text)))
    return {token: math.log(1 + len(texts) / df) for token, df in document_frequency.items()}


def span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two character spans (0.0 when disjoint or empty)."""
    intersection = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return intersection / union if union > 0 and intersection > 0 else 0.0


class AlignmentSettings(Result):
    """How predicted and gold claims are compared; the defaults are the documented choice."""

    idf: bool = Field(
        default=True,
        description=(
            "Weight tokens by inverse_document_frequencies over all claims being aligned (both "
            "sides). Sibling claims of one sentence share their subject; on Factcheck-Bench's "
            "gold decompositions plain token F1 between siblings has a median of 0.60, IDF-"
            "weighted 0.39, while a claim and its one-claim source sentence stay above 0.7."
        ),
    )
    threshold: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description=(
            "Minimum text similarity for a pair to count as matched. 0.4 accepts a restatement "
            "that keeps the key entities or figures ('About 1,200 homes in Geneva lost power' "
            "vs '1,200 homes lost power in the Geneva flood': 0.91; 'The mayor said the road "
            "reopens Friday' vs 'Mayor Ana Ruiz said Route 9 would reopen on Friday 6 March': "
            "0.40) and rejects a sibling fact about the same subject ('Douglas was born on "
            "October 16, 1898' vs 'Douglas served on the Supreme Court from 1939 until 1975': "
            "0.36). Synonyms are not matched ('shut' vs 'closed'); telling close siblings apart "
            "is left to the one-to-one assignment."
        ),
    )
    quote_bonus: float = Field(
        default=0.1,
        ge=0,
        description=(
            "Added to a pair's assignment score, times the IoU of the quote spans: among "
            "similar candidates the one resting on the same words wins. It never decides "
            "whether a pair matches: siblings share a quote too."
        ),
    )


class ClaimForAlignment(Result):
    """The parts of a claim the alignment looks at."""

    text: str = Field(description="The claim restated (predicted) or the gold claim text.")
    spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Where its quote lies in the article; a gold quote may occur more than once.",
    )
    id: str | None = Field(default=None, description="Predicted claim id, for diffs.")


class ClaimSimilarity(Result):
    text: float = Field(description="(IDF-weighted) content-token F1 of the claim texts.")
    quote_overlap: float | None = Field(description="Best quote-span IoU; None without spans.")
    score: float = Field(description="Assignment score: text + quote_bonus * quote_overlap.")


def claim_similarity(
    predicted: ClaimForAlignment,
    gold: ClaimForAlignment,
    settings: AlignmentSettings,
    weights: Mapping[str, float] | None = None,
) -> ClaimSimilarity:
    """Text similarity of two claims, plus the quote bonus for the assignment."""
    text = token_f1(predicted.text, gold.text, weights)
    if not predicted.spans or not gold.spans:
        return ClaimSimilarity(text=text, quote_overlap=None, score=text)
    overlap = max(span_overlap(p, g) for p in predicted.spans for g in gold.spans)
    return ClaimSimilarity(
        text=text, quote_overlap=overlap, score=text + settings.quote_bonus * overlap
    )


def hungarian_match(scores: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """One-to-one assignment (row, column) maximising the total score (scipy's Hungarian)."""
    matrix = np.asarray(scores, dtype=float)
    if matrix.size == 0:
        return []
    rows, columns = linear_sum_assignment(matrix, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, columns, strict=True)]


class ClaimMatch(Result):
    """A predicted claim paired with a gold claim."""

    predicted_index: int
    gold_index: int = Field(description="0-based position in the gold claim list.")
    predicted_id: str | None = None
    similarity: ClaimSimilarity


class ClaimAlignmentResult(Result):
    """Predicted claims matched one-to-one to gold claims; P/R/F1 of the matching."""

    prf: PRF = Field(description="tp = matched pairs; predicted/gold = all claims on each side.")
    matches: list[ClaimMatch]
    unmatched_predicted: list[int] = Field(description="Indices of predicted claims left over.")
    unmatched_gold: list[int] = Field(description="Indices of gold claims nobody found.")
    settings: AlignmentSettings


def align_claims(
    predicted: Sequence[ClaimForAlignment],
    gold: Sequence[ClaimForAlignment],
    settings: AlignmentSettings | None = None,
) -> ClaimAlignmentResult:
    """Match claims one-to-one by Hungarian assignment; a pair counts when its text >= threshold.

    Pairs below the threshold are zeroed before solving, so the assignment maximises the total
    score of admissible pairs only and a weak pair never blocks a strong one.
    """
    settings = settings or AlignmentSettings()
    weights = (
        inverse_document_frequencies([c.text for c in (*predicted, *gold)])
        if settings.idf
        else None
    )
    similarities = [[claim_similarity(p, g, settings, weights) for g in gold] for p in predicted]
    admissible = [
        [s.score if s.text >= settings.threshold and s.text > 0 else 0.0 for s in row]
        for row in similarities
    ]
    matches = [
        ClaimMatch(
            predicted_index=row,
            gold_index=column,
            predicted_id=predicted[row].id,
            similarity=similarities[row][column],
        )
        for row, column in hungarian_match(admissible)
        if admissible[row][column] > 0.0
    ]
    matched_predicted = {m.predicted_index for m in matches}
    matched_gold = {m.gold_index for m in matches}
    return ClaimAlignmentResult(
        prf=prf_from_counts(len(matches), len(predicted), len(gold)),
        matches=sorted(matches, key=lambda m: m.gold_index),
        unmatched_predicted=[i for i in range(len(predicted)) if i not in matched_predicted],
        unmatched_gold=[i for i in range(len(gold)) if i not in matched_gold],
        settings=settings,
    )


def align_report_claims(
    report: Report, fixture: Fixture, settings: AlignmentSettings | None = None
) -> ClaimAlignmentResult:
    """``align_claims`` for a report against a fixture: spans are the claims' quote offsets."""
    text = report.article.text
    predicted = [
        ClaimForAlignment(text=c.text, spans=[(c.start, c.end)], id=c.id) for c in report.claims
    ]
    gold = [
        ClaimForAlignment(
            text=g.text, spans=[(s, s + len(g.quote)) for s in find_all(text, g.quote)]
        )
        for g in fixture.claims
    ]
    return align_claims(predicted, gold, settings)


# --------------------------------------------------------------------------------------------
# Check-worthiness
# --------------------------------------------------------------------------------------------


class CheckworthinessResult(Result):
    """Check-worthiness against gold yes/no labels."""

    items: int = Field(description="Items scored (matched claims, or sentences).")
    positive: PRF = Field(description="P/R/F1 of the check-worthy class (CheckThat! metric: F1).")
    accuracy: float | None = Field(description="Share of items with the right yes/no.")
    spearman: float | None = Field(
        description=(
            "Spearman rank correlation of predicted scores with the gold labels (1/0); None "
            "with fewer than two items or when either side is constant."
        )
    )
    unrated: int = Field(
        default=0, description="Predicted claims without a rating: counted as no, score 0."
    )
    gold_labels: list[bool] = Field(description="The scored pairs, kept so results can be pooled.")
    predicted_labels: list[bool]
    predicted_scores: list[float] | None


def _spearman(scores: Sequence[float], gold: Sequence[float]) -> float | None:
    if len(scores) < 2 or len(set(scores)) < 2 or len(set(gold)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rho = spearmanr(scores, gold).statistic
    return None if rho is None or math.isnan(rho) else float(rho)


def score_checkworthiness(
    gold: Sequence[bool],
    predicted: Sequence[bool],
    scores: Sequence[float] | None = None,
    unrated: int = 0,
) -> CheckworthinessResult:
    """F1 of the positive class, accuracy and (with scores) Spearman's rho against gold labels."""
    if scores is not None and len(scores) != len(gold):
        raise ValueError(f"{len(gold)} gold labels but {len(scores)} scores")
    positive = binary_prf(gold, predicted)
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if bool(g) == bool(p))
    return CheckworthinessResult(
        items=len(gold),
        positive=positive,
        accuracy=correct / len(gold) if gold else None,
        spearman=_spearman(list(scores), [float(g) for g in gold]) if scores is not None else None,
        unrated=unrated,
        gold_labels=[bool(g) for g in gold],
        predicted_labels=[bool(p) for p in predicted],
        predicted_scores=[float(x) for x in scores] if scores is not None else None,
    )


def pool_checkworthiness(results: Iterable[CheckworthinessResult]) -> CheckworthinessResult:
    """One result over all pairs of several (F1 and Spearman on the pooled pairs, not averaged).

    Scores are pooled only when every result has them.
    """
    items = list(results)
    with_scores = all(r.predicted_scores is not None for r in items)
    return score_checkworthiness(
        [g for r in items for g in r.gold_labels],
        [p for r in items for p in r.predicted_labels],
        [x for r in items for x in r.predicted_scores or []] if with_scores else None,
        unrated=sum(r.unrated for r in items),
    )


def claim_is_check_worthy(claim: Claim, positive_labels: frozenset[CheckLabel]) -> bool:
    return claim.checkworthiness is not None and claim.checkworthiness.label in positive_labels


def score_claim_checkworthiness(
    report: Report,
    fixture: Fixture,
    alignment: ClaimAlignmentResult,
    positive_labels: frozenset[CheckLabel] = frozenset({CheckLabel.check_worthy}),
) -> CheckworthinessResult:
    """Check-worthiness on matched claim pairs only (unmatched claims are alignment's business).

    Predicted yes = label in ``positive_labels`` (by default only ``check_worthy``: ``maybe``
    is a no, as a fact-checker would not queue it). A claim without a rating counts as no
    with score 0 and is counted in ``unrated``.
    """
    gold, predicted, scores = [], [], []
    unrated = 0
    for match in alignment.matches:
        claim = report.claims[match.predicted_index]
        gold.append(fixture.claims[match.gold_index].check_worthy)
        predicted.append(claim_is_check_worthy(claim, positive_labels))
        if claim.checkworthiness is None:
            unrated += 1
            scores.append(0.0)
        else:
            scores.append(claim.checkworthiness.score)
    return score_checkworthiness(gold, predicted, scores, unrated=unrated)


def score_sentence_checkworthiness(
    report: Report,
    fixture: Fixture,
    positive_labels: frozenset[CheckLabel] = frozenset({CheckLabel.check_worthy}),
) -> CheckworthinessResult:
    """CheckThat!-style check-worthiness per gold-labelled sentence; needs no claim alignment.

    Gold yes: the sentence carries a check-worthy gold claim (its quote lies in the reference
    sentence of the anchor). Predicted yes: the predicted sentence holding the anchor has a
    claim (located by its start offset) whose label is in ``positive_labels``; its score is the
    highest claim score there, 0 without claims. Any system that marks sentences, such as the
    cue-based baseline, is scored on exactly the same items as a backend.
    """
    text = report.article.text
    spans = reference_sentence_spans(text)
    worthy_spans = [
        span
        for gold in fixture.claims
        if gold.check_worthy
        for start in find_all(text, gold.quote)
        for span in spans
        if span[0] <= start and start + len(gold.quote) <= span[1]
    ]
    claims_at: dict[int, list[Claim]] = {}
    for claim in report.claims:
        index = _sentence_at(report, claim.start)
        if index is not None:
            claims_at.setdefault(index, []).append(claim)
    gold_labels, predicted, scores = [], [], []
    for sentence in fixture.sentences:
        position = text.find(sentence.anchor)
        gold_labels.append(
            any(start <= position < end for start, end in worthy_spans) if position >= 0 else False
        )
        index = _sentence_at(report, position) if position >= 0 else None
        claims = claims_at.get(index, []) if index is not None else []
        predicted.append(any(claim_is_check_worthy(c, positive_labels) for c in claims))
        scores.append(
            max((c.checkworthiness.score for c in claims if c.checkworthiness), default=0.0)
        )
    return score_checkworthiness(gold_labels, predicted, scores)


# --------------------------------------------------------------------------------------------
# Evidence questions and kinds
# --------------------------------------------------------------------------------------------

MAX_GENERATED_QUESTIONS = 10  # AVeriTeC's eval.py keeps the first 10 predicted questions


class QuestionMatch(Result):
    generated_index: int
    gold_index: int
    score: float = Field(description="METEOR of the generated question against the gold one.")


class QuestionScore(Result):
    """AVeriTeC question-only score for one claim (Hungarian-matched METEOR)."""

    score: float = Field(description="Sum of matched scores / number of gold questions.")
    generated: int = Field(description="Generated questions considered (at most 10).")
    gold: int
    matches: list[QuestionMatch]


def _default_question_similarity() -> Callable[[str, str], float]:
    from workbench.evaluation.meteor import meteor_score

    return meteor_score


def score_questions(
    generated: Sequence[str],
    gold: Sequence[str],
    similarity: Callable[[str, str], float] | None = None,
) -> QuestionScore:
    """AVeriTeC's question-only score ("HU-meteor") for one claim.

    As AVeriTeC's ``eval.py`` does: keep the first 10 generated questions, fill the matrix
    generated x gold with ``similarity(generated, gold)`` (METEOR with the gold question as
    reference), solve the assignment maximising the total, and divide the sum of the assigned
    scores by the number of *gold* questions, so missing questions cost and surplus ones do not.
    No threshold. ``similarity`` defaults to ``meteor.meteor_score``.
    """
    if not gold:
        raise ValueError("score_questions needs at least one gold question")
    similarity = similarity or _default_question_similarity()
    kept = list(generated[:MAX_GENERATED_QUESTIONS])
    matrix = [[similarity(g, r) for r in gold] for g in kept]
    matches = [
        QuestionMatch(generated_index=row, gold_index=column, score=matrix[row][column])
        for row, column in hungarian_match(matrix)
    ]
    total = sum(m.score for m in matches)
    return QuestionScore(
        score=total / len(gold), generated=len(kept), gold=len(gold), matches=matches
    )


def mean_question_score(scores: Iterable[QuestionScore]) -> float | None:
    """AVeriTeC's dataset score: the mean of the per-claim scores (None when there are none)."""
    values = [s.score for s in scores]
    return sum(values) / len(values) if values else None


class ClaimEvidenceOutcome(Result):
    """Evidence planning for one gold claim."""

    gold_index: int
    predicted_id: str | None = Field(description="Matched predicted claim, if any.")
    questions: QuestionScore | None = Field(
        description="Question score; None when the gold claim has no questions or no match."
    )
    gold_kinds: list[str]
    predicted_kinds: list[str]


class EvidenceResult(Result):
    """How well planned evidence (questions, kinds) matches the gold, on matched claims."""

    question_score: float | None = Field(
        description="Mean question score over matched gold claims that have gold questions."
    )
    question_score_all: float | None = Field(
        description="Same mean over all gold claims with questions, unmatched ones scoring 0."
    )
    claims_with_gold_questions: int
    matched_claims_with_gold_questions: int
    kinds: PRF = Field(
        description=(
            "Evidence kinds on matched claims, micro-averaged: recall = share of gold kinds the "
            "plan names, precision = share of planned kinds that are gold."
        )
    )
    per_claim: list[ClaimEvidenceOutcome]


def planned_questions(claim: Claim) -> list[str]:
    """A claim's generated questions in plan order (needs first, questions within a need)."""
    return [q for need in claim.evidence for q in need.questions]


def score_evidence(
    report: Report,
    fixture: Fixture,
    alignment: ClaimAlignmentResult,
    similarity: Callable[[str, str], float] | None = None,
) -> EvidenceResult:
    """Question score (AVeriTeC HU-METEOR) and evidence-kind P/R on aligned claim pairs."""
    match_of_gold = {m.gold_index: m for m in alignment.matches}
    outcomes: list[ClaimEvidenceOutcome] = []
    question_scores: list[QuestionScore] = []
    with_questions = 0
    kind_counts = [0, 0, 0]  # true positives, predicted, gold
    for index, gold in enumerate(fixture.claims):
        match = match_of_gold.get(index)
        claim = report.claims[match.predicted_index] if match else None
        gold_kinds = [k.value for k in gold.evidence_kinds]
        predicted_kinds = list(dict.fromkeys(n.kind.value for n in claim.evidence)) if claim else []
        questions = None
        if gold.questions:
            with_questions += 1
            if claim is not None:
                questions = score_questions(planned_questions(claim), gold.questions, similarity)
                question_scores.append(questions)
        if claim is not None:
            kind_counts[0] += len(set(gold_kinds) & set(predicted_kinds))
            kind_counts[1] += len(predicted_kinds)
            kind_counts[2] += len(set(gold_kinds))
        outcomes.append(
            ClaimEvidenceOutcome(
                gold_index=index,
                predicted_id=claim.id if claim else None,
                questions=questions,
                gold_kinds=gold_kinds,
                predicted_kinds=predicted_kinds,
            )
        )
    matched_total = sum(s.score for s in question_scores)
    return EvidenceResult(
        question_score=mean_question_score(question_scores),
        question_score_all=matched_total / with_questions if with_questions else None,
        claims_with_gold_questions=with_questions,
        matched_claims_with_gold_questions=len(question_scores),
        kinds=prf_from_counts(*kind_counts),
        per_claim=outcomes,
    )


# --------------------------------------------------------------------------------------------
# Structured-output health
# --------------------------------------------------------------------------------------------


class StageHealth(Result):
    """How a stage's structured output behaved: validity, re-asks, cost."""

    stage: str
    calls: int
    cache_hits: int
    cache_misses: int
    model_requests: int = Field(description="Calls that went to the model: calls - cache_hits.")
    attempts: int = Field(description="Model calls made, re-asks included.")
    reasks: int = Field(description="attempts - model_requests: extra calls after invalid output.")
    first_attempt_valid: int
    first_attempt_validity: float | None = Field(
        description="first_attempt_valid / model_requests; None when nothing reached the model."
    )
    reasks_per_request: float | None
    failures: int = Field(description="Requests that never produced valid output.")
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    seconds: float
    stats: StageStats = Field(description="The raw counts these figures come from.")


class OutputHealthResult(Result):
    stages: list[StageHealth] = Field(description="One entry per stage, in run order.")
    total: StageHealth = Field(description="All stages added up (stage name 'total').")


def sum_stage_stats(stats: Iterable[StageStats]) -> StageStats:
    """Add stage statistics up, e.g. one stage over many reports."""
    return StageStats.total(stats)


def stage_health(stage: str, stats: StageStats) -> StageHealth:
    """Derived health figures of one stage's statistics."""
    requests = max(stats.calls - stats.cache_hits, 0)
    reasks = max(stats.attempts - requests, 0)
    return StageHealth(
        stage=stage,
        calls=stats.calls,
        cache_hits=stats.cache_hits,
        cache_misses=stats.cache_misses,
        model_requests=requests,
        attempts=stats.attempts,
        reasks=reasks,
        first_attempt_valid=stats.first_attempt_valid,
        first_attempt_validity=stats.first_attempt_valid / requests if requests else None,
        reasks_per_request=reasks / requests if requests else None,
        failures=stats.failures,
        prompt_tokens=stats.prompt_tokens,
        completion_tokens=stats.completion_tokens,
        cost_usd=stats.cost_usd,
        seconds=stats.seconds,
        stats=stats,
    )


def score_output_health(runs: RunInfo | Iterable[RunInfo]) -> OutputHealthResult:
    """Structured-output health from ``Report.run.stages`` of one run or several (summed)."""
    run_list = [runs] if isinstance(runs, RunInfo) else list(runs)
    return _health_of_stages([(n, s) for run in run_list for n, s in run.stages.items()])


def pool_output_health(results: Iterable[OutputHealthResult]) -> OutputHealthResult:
    """Add up several health results stage by stage (e.g. one per fixture)."""
    return _health_of_stages(
        [(stage.stage, stage.stats) for result in results for stage in result.stages]
    )


def _health_of_stages(named_stats: Sequence[tuple[str, StageStats]]) -> OutputHealthResult:
    by_stage: dict[str, list[StageStats]] = {}
    for name, stats in named_stats:
        by_stage.setdefault(name, []).append(stats)
    stages = [stage_health(name, sum_stage_stats(items)) for name, items in by_stage.items()]
    all_stats = [s for items in by_stage.values() for s in items]
    return OutputHealthResult(
        stages=stages, total=stage_health("total", sum_stage_stats(all_stats))
    )


# --------------------------------------------------------------------------------------------
# Everything for one fixture
# --------------------------------------------------------------------------------------------


class FixtureScores(Result):
    """Every scorer's result for one report against one fixture."""

    fixture_id: str
    genre: str
    grounding: GroundingResult
    sentences: SentenceDetectionResult
    claims: ClaimAlignmentResult
    checkworthiness: CheckworthinessResult
    sentence_checkworthiness: CheckworthinessResult = Field(
        description="Per gold-labelled sentence: does it carry a check-worthy claim?"
    )
    evidence: EvidenceResult
    health: OutputHealthResult


def score_report(
    report: Report,
    fixture: Fixture,
    settings: AlignmentSettings | None = None,
    question_similarity: Callable[[str, str], float] | None = None,
) -> FixtureScores:
    """Run every fixture scorer on one report; claims are aligned once and reused downstream."""
    alignment = align_report_claims(report, fixture, settings)
    return FixtureScores(
        fixture_id=fixture.id,
        genre=fixture.genre.value,
        grounding=score_grounding(report),
        sentences=score_sentence_detection(report, fixture),
        claims=alignment,
        checkworthiness=score_claim_checkworthiness(report, fixture, alignment),
        sentence_checkworthiness=score_sentence_checkworthiness(report, fixture),
        evidence=score_evidence(report, fixture, alignment, question_similarity),
        health=score_output_health(report.run),
    )


class SuiteScores(Result):
    """Fixture scores pooled over a set of fixtures (micro-averaged: counts are added up)."""

    fixtures: list[str] = Field(description="Ids of the fixtures pooled.")
    grounding: GroundingResult = Field(description="Ungrounded claim ids as 'fixture/claim'.")
    sentences: PRF
    claims: PRF
    checkworthiness: CheckworthinessResult
    sentence_checkworthiness: CheckworthinessResult
    question_score: float | None = Field(
        description="Mean question score over all matched gold claims with gold questions."
    )
    question_score_all: float | None = Field(
        description="Same over all gold claims with questions, unmatched ones scoring 0."
    )
    kinds: PRF
    health: OutputHealthResult


def summarise_fixture_scores(scores: Sequence[FixtureScores]) -> SuiteScores:
    """Pool per-fixture results into one line of numbers (group by genre first for a breakdown)."""
    ungrounded = [
        UngroundedClaim(claim_id=f"{s.fixture_id}/{u.claim_id}", reason=u.reason)
        for s in scores
        for u in s.grounding.ungrounded
    ]
    claims = sum(s.grounding.claims for s in scores)
    grounded = sum(s.grounding.grounded for s in scores)
    question_scores = [
        o.questions for s in scores for o in s.evidence.per_claim if o.questions is not None
    ]
    with_questions = sum(s.evidence.claims_with_gold_questions for s in scores)
    return SuiteScores(
        fixtures=[s.fixture_id for s in scores],
        grounding=GroundingResult(
            claims=claims,
            grounded=grounded,
            rate=grounded / claims if claims else None,
            ungrounded=ungrounded,
        ),
        sentences=sum_prf(s.sentences.prf for s in scores),
        claims=sum_prf(s.claims.prf for s in scores),
        checkworthiness=pool_checkworthiness(s.checkworthiness for s in scores),
        sentence_checkworthiness=pool_checkworthiness(s.sentence_checkworthiness for s in scores),
        question_score=mean_question_score(question_scores),
        question_score_all=(
            sum(q.score for q in question_scores) / with_questions if with_questions else None
        ),
        kinds=sum_prf(s.evidence.kinds for s in scores),
        health=pool_output_health(s.health for s in scores),
    )
