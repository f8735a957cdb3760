"""The composer with a fake client: statuses, claim numbering, failures, cache, progress."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from workbench.core.cache import ResponseCache
from workbench.core.errors import BackendError, ModelOutputError
from workbench.core.prompts import PromptSet
from workbench.core.schema import Report, Role, Status
from workbench.io.ingest import read_article
from workbench.llm import BoundedClient, CachingClient, FakeClient, Outcome, Request
from workbench.llm.fake import heuristic_responder
from workbench.pipeline import Progress, check_article_sync

PROMPTS = PromptSet()

ARTICLE = read_article(
    """# Council approves road budget

By Jane Doe

March 3, 2025

The city council approved a budget of 4.2 million dollars for road repairs on Tuesday. Mayor Ana \
Ruiz said the work would start in May. What a wonderful day for everyone!

According to the transport department, 312 streets need repairs. Nobody knows how long it will \
take. The opposition leader Karl Berg called the plan too small.

Residents have complained for years. Subscribers get the full story.

---

Subscribe to our newsletter.

Copyright © 2025 Example News. All rights reserved.
""",
    "budget.md",
)


def responder(request: Request) -> dict[str, Any]:
    """The heuristic fake, plus an 'unclear' answer so every status occurs."""
    if request.stage == "select" and "how long" in request.variables["sentence"]:
        return {"checkable": "unclear"}
    return heuristic_responder(request)


def run(client: Any, article: Any = ARTICLE, **kwargs: Any) -> Report:
    return check_article_sync(article, client, PROMPTS, **kwargs)


def test_every_sentence_gets_a_final_status() -> None:
    report = run(FakeClient(responder))
    statuses = {s.text: s.status for s in report.sentences}
    assert not [s for s in report.sentences if s.status == Status.pending]
    assert all(s.reason for s in report.sentences)
    assert statuses["# Council approves road budget"] == Status.skipped
    assert statuses["By Jane Doe"] == Status.skipped
    assert statuses["Subscribe to our newsletter."] == Status.skipped
    assert statuses["Mayor Ana Ruiz said the work would start in May."] == Status.claims
    assert statuses["What a wonderful day for everyone!"] == Status.no_claim
    assert statuses["Nobody knows how long it will take."] == Status.ambiguous
    for sentence in report.sentences:
        assert (sentence.status == Status.claims) == bool(sentence.claim_ids)
        if sentence.role != Role.body:
            assert sentence.status == Status.skipped
    assert report.failures == []
    assert report.article.date == "March 3, 2025"


def test_claims_are_grounded_rated_planned_and_numbered_in_reading_order() -> None:
    report = run(FakeClient(responder))
    text = report.article.text
    assert [c.id for c in report.claims] == [f"c{n}" for n in range(1, len(report.claims) + 1)]
    assert len(report.claims) >= 4
    starts = [c.start for c in report.claims]
    assert starts == sorted(starts)
    by_id = {s.id: s for s in report.sentences}
    for claim in report.claims:
        assert text[claim.start : claim.end] == claim.quote
        assert claim.id in by_id[claim.sentence_id].claim_ids
        assert claim.checkworthiness is not None
        assert claim.evidence and all(need.questions for need in claim.evidence)
        assert claim.attribution[0] == "the author" and claim.attribution[-1] == claim.claimer
    ruiz = next(c for c in report.claims if "Ana Ruiz" in c.quote)
    assert ruiz.claimer == "Mayor Ana Ruiz"


class ShuffledLatency:
    """Finishes calls in an order unrelated to reading order."""

    def __init__(self) -> None:
        self.fake = FakeClient(responder, concurrency=16)
        self.name, self.model, self.api_base = "shuffled", "fake/shuffled", None
        self.concurrency = 16
        self.rng = random.Random(7)

    def identity(self, stage: str) -> dict[str, Any]:
        return self.fake.identity(stage)

    async def complete(self, request: Request) -> Outcome:
        await asyncio.sleep(self.rng.random() / 50)
        return await self.fake.complete(request)


def test_claim_numbers_do_not_depend_on_completion_order() -> None:
    expected = run(FakeClient(responder))
    shuffled = run(ShuffledLatency())
    assert [(c.id, c.sentence_id, c.quote) for c in shuffled.claims] == [
        (c.id, c.sentence_id, c.quote) for c in expected.claims]


def failing_on(stage: str, needle: str, error: Exception) -> Any:
    def respond(request: Request) -> dict[str, Any]:
        text = request.variables.get("sentence") or request.variables.get("claim") or ""
        if request.stage == stage and needle in text:
            raise error
        return responder(request)

    return respond


def test_a_failing_sentence_is_marked_failed_and_the_rest_completes() -> None:
    error = ModelOutputError("fake", "extract", "looped", attempts=2)
    report = run(FakeClient(failing_on("extract", "312 streets", error)))
    failed = [s for s in report.sentences if s.status == Status.failed]
    assert [s.text for s in failed] == [
        "According to the transport department, 312 streets need repairs."]
    assert failed[0].reason == str(error)
    assert [(f.stage, f.sentence_id, f.claim_id) for f in report.failures] == [
        ("extract", failed[0].id, None)]
    assert report.run.stages["extract"].failures == 1
    assert any(s.status == Status.claims for s in report.sentences)
    assert all(c.checkworthiness and c.evidence for c in report.claims)
    assert "1 failed" in report.summary()


def test_an_invalid_model_answer_fails_only_its_sentence() -> None:
    def respond(request: Request) -> dict[str, Any]:
        if request.stage == "select" and "Karl Berg" in request.variables["sentence"]:
            return {"checkable": "perhaps"}  # not in the schema
        return responder(request)

    report = run(FakeClient(respond))
    failed = [s for s in report.sentences if s.status == Status.failed]
    assert len(failed) == 1 and "Karl Berg" in failed[0].text
    assert "stage select: no valid output" in failed[0].reason


@pytest.mark.parametrize("stage", ["checkworthiness", "evidence"])
def test_a_failing_claim_step_keeps_the_claim_and_lists_the_failure(stage: str) -> None:
    error = BackendError("fake", "timed out after 5s", attempts=3)
    report = run(FakeClient(failing_on(stage, "Ana Ruiz", error)))
    claim = next(c for c in report.claims if "Ana Ruiz" in c.text)
    assert (claim.checkworthiness is None) == (stage == "checkworthiness")
    assert (claim.evidence == []) == (stage == "evidence")
    assert [(f.stage, f.claim_id) for f in report.failures] == [(stage, claim.id)]
    sentence = next(s for s in report.sentences if s.id == claim.sentence_id)
    assert sentence.status == Status.claims  # the claim exists; only its rating/plan failed
    others = [c for c in report.claims if c is not claim]
    assert all(c.checkworthiness and c.evidence for c in others)


def test_an_unreachable_backend_aborts_the_run() -> None:
    def down(request: Request) -> dict[str, Any]:
        raise BackendError("fake", "cannot connect to http://127.0.0.1:9 (is the server running?)",
                           unreachable=True)

    fake = FakeClient(down, concurrency=1, latency=0.01)  # a request takes time, as on a network
    with pytest.raises(BackendError, match="cannot connect"):
        run(BoundedClient(fake))  # as open_client wraps every client
    assert len(fake.calls) <= 2  # the rest of the article is not tried against a dead server


def test_cached_rerun_is_all_hits_and_identical(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    fake = FakeClient(responder)
    cold = run(CachingClient(fake, cache))
    calls = len(fake.calls)
    warm = run(CachingClient(fake, cache))
    assert len(fake.calls) == calls  # the model was not asked again
    assert cold.run.cache_misses == calls and cold.run.cache_hits == 0
    assert warm.run.cache_misses == 0 and warm.run.cache_hits == calls
    assert warm.run.totals.cache_hits == calls and warm.run.totals.cache_misses == 0
    assert warm.claims == cold.claims
    assert [s.status for s in warm.sentences] == [s.status for s in cold.sentences]
    assert all(stats.attempts == 0 for stats in warm.run.stages.values())


def test_interrupted_run_resumes_from_the_cache(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    error = BackendError("fake", "rate-limited after 3 tries", attempts=3)
    first = run(CachingClient(FakeClient(failing_on("evidence", "312", error)), cache))
    assert len(first.failures) == 1
    again = FakeClient(responder)
    second = run(CachingClient(again, cache))
    assert second.failures == []
    assert [r.stage for r in again.calls] == ["evidence"]  # only the failed step is redone
    assert second.run.cache_misses == 1


def test_progress_events_cover_every_stage() -> None:
    events: list[Progress] = []
    report = run(FakeClient(responder), on_progress=events.append)
    stages = [e.stage for e in events]
    assert list(dict.fromkeys(stages)) == ["select", "extract", "checkworthiness", "evidence"]
    for stage in ("select", "extract", "checkworthiness", "evidence"):
        mine = [e for e in events if e.stage == stage]
        assert [e.done for e in mine] == list(range(len(mine)))
        assert mine[0].done == 0 and mine[-1].done == mine[-1].total
    body = [s for s in report.sentences if s.role == Role.body]
    assert next(e for e in events if e.stage == "select").total == len(body)
    assert events[-1].total == len(report.claims)
    assert events[-1].report is report


def test_run_info_names_backend_prompts_and_usage() -> None:
    report = run(FakeClient(responder, name="fake-one"))
    info = report.run
    assert (info.backend, info.model) == ("fake-one", "fake/fake-one")
    assert [p.name for p in info.prompts] == ["select", "extract", "checkworthiness", "evidence"]
    assert info.prompts == PROMPTS.infos
    assert info.stages["select"].calls == len([s for s in report.sentences if s.role == Role.body])
    assert info.stages["checkworthiness"].calls == len(report.claims)
    assert info.totals.prompt_tokens > 0 and info.seconds > 0 and info.started_at


def test_article_without_body_has_no_model_calls() -> None:
    fake = FakeClient(responder)
    report = run(fake, read_article("# Only a heading\n\nBy Someone", "x.md"))
    assert fake.calls == [] and report.claims == []
    assert all(s.status == Status.skipped for s in report.sentences)


class FinishInOrder:
    """Extract answers finish in the order of ``needles`` (one per selected sentence, matched
    in its text), whatever the order they were asked in; other stages answer at once."""

    def __init__(self, respond: Any, needles: list[str]) -> None:
        self.fake = FakeClient(respond, concurrency=16)
        self.name, self.model, self.api_base = "ordered", "fake/ordered", None
        self.concurrency = 16
        self.needles = needles
        self.turn = 0
        self.turns = asyncio.Condition()

    def identity(self, stage: str) -> dict[str, Any]:
        return self.fake.identity(stage)

    async def complete(self, request: Request) -> Outcome:
        if request.stage != "extract":
            return await self.fake.complete(request)
        sentence = request.variables["sentence"]
        (mine,) = [n for n, needle in enumerate(self.needles) if needle in sentence]
        async with self.turns:
            await self.turns.wait_for(lambda: self.turn == mine)
        try:
            return await self.fake.complete(request)
        finally:
            async with self.turns:
                self.turn += 1
                self.turns.notify_all()


# Reading order of the selected sentences: 4.2 million, Ana Ruiz, 312 streets, Karl Berg.
OUT_OF_ORDER = ["Ana Ruiz", "4.2 million", "Karl Berg", "312 streets"]


def extract_events(client: Any) -> tuple[Report, list[tuple[int, list[tuple[str, str]], Any]]]:
    """The report, and for each extract progress event: done, the claims (id, text) in the
    report at that moment, and the claims the event released."""
    seen: list[tuple[int, list[tuple[str, str]], Any]] = []

    def record(progress: Progress) -> None:
        if progress.stage == "extract":
            claims = [(c.id, c.text) for c in progress.report.claims]
            seen.append((progress.done, claims, [c.id for c in progress.released]))

    return run(client, on_progress=record), seen


def test_claims_appear_during_extraction_with_final_ids_in_reading_order() -> None:
    report, seen = extract_events(FinishInOrder(responder, OUT_OF_ORDER))
    # Ana Ruiz finished first but waits for the sentence before it; then both are released.
    assert [(done, released) for done, _, released in seen] == [
        (0, []), (1, []), (2, ["c1", "c2"]), (3, []), (4, ["c3", "c4"])]
    assert seen[2][1] and seen[2][0] < len(OUT_OF_ORDER)  # in the report before the stage ended
    final = {c.id: c.text for c in report.claims}
    for _, claims, _ in seen:
        assert all(final[id_] == text for id_, text in claims)  # an id shown never changes
        assert [id_ for id_, _ in claims] == list(final)[: len(claims)]
    assert list(final) == ["c1", "c2", "c3", "c4"]
    assert [c.start for c in report.claims] == sorted(c.start for c in report.claims)
    assert [next(n for n in OUT_OF_ORDER if n in c.quote) for c in report.claims] == [
        "4.2 million", "Ana Ruiz", "312 streets", "Karl Berg"]
    expected = run(FakeClient(responder))
    assert [(c.id, c.quote) for c in report.claims] == [(c.id, c.quote) for c in expected.claims]


def test_a_failed_extraction_releases_the_claims_waiting_behind_it() -> None:
    error = ModelOutputError("fake", "extract", "looped", attempts=2)
    client = FinishInOrder(failing_on("extract", "312 streets", error), OUT_OF_ORDER)
    report, seen = extract_events(client)
    # Karl Berg finished before 312 streets, which fails last: its failure releases Berg.
    assert [(done, released) for done, _, released in seen] == [
        (0, []), (1, []), (2, ["c1", "c2"]), (3, []), (4, ["c3"])]
    berg = report.claims[-1]
    assert berg.id == "c3" and "Karl Berg" in berg.quote
    by_id = {s.id: s for s in report.sentences}
    assert by_id[berg.sentence_id].status == Status.claims
    assert by_id[berg.sentence_id].claim_ids == ["c3"]
    failed = [s for s in report.sentences if s.status == Status.failed]
    assert len(failed) == 1 and "312 streets" in failed[0].text and not failed[0].claim_ids
    assert all(c.checkworthiness and c.evidence for c in report.claims)


def test_a_claim_repeated_in_a_later_sentence_is_one_claim_with_both_quotes() -> None:
    """An article that says the same thing twice (a lead and its recap) gets one claim to check,
    quoted at both places; a different claim, or the same words from another claimer, stays."""
    article = read_article(
        "The council approved a road budget of 4.2 million dollars on Tuesday. Mayor Ana Ruiz "
        "said the work would start in May. The council approved the 4.2 million dollar road "
        "budget on Tuesday, the clerk said. The council approved a road budget of 4.2 million "
        "dollars on Tuesday, officials wrote.\n",
        "repeat.md",
    )
    def answer(request: Request) -> dict[str, Any]:
        if request.stage != "extract":
            return heuristic_responder(request)
        sentence = request.variables["sentence"]
        text = "The council approved a road budget of 4.2 million dollars on Tuesday."
        if "Mayor" in sentence:
            text = "The road work would start in May."
        elif "clerk" in sentence:  # worded differently, the same fact
            text = "The council approved the 4.2 million dollar road budget on Tuesday."
        claimer = 2 if "officials" in sentence else 1  # option 2: the speaker the parser found
        return {"claims": [{"claim": text, "quote": 1, "claimer": claimer, "type": "event"}]}

    report = run(FakeClient(answer), article)
    texts = [(c.id, c.text, c.claimer) for c in report.claims]
    assert texts[0][:2] == ("c1", "The council approved a road budget of 4.2 million dollars on "
                            "Tuesday.")
    assert [t[1] for t in texts].count(texts[0][1]) == 2  # the author's and the officials'
    assert texts[-1][2] == "officials"
    first = report.claims[0]
    assert [q.sentence_id for q in first.also_quoted] == ["s3"]
    assert first.also_quoted[0].quote == article.text[first.also_quoted[0].start :
                                                      first.also_quoted[0].end]
    third = next(s for s in report.sentences if s.id == "s3")
    assert third.claim_ids == ["c1"] and third.status == Status.claims
