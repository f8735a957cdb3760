"""Every data type that crosses a stage boundary, in one place.

Two audiences read these models: the code (validation, exports) and, for the response models
at the bottom, the LLM itself — their field descriptions are part of the prompt the model sees.
All offsets are character offsets into ``Article.text``, the text as the workbench shows and
exports it (``article.text[start:end] == quote``).

About 500 lines on purpose: one place for every shape is what lets a reader (and the LLM) see
the whole data flow at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema


class Strict(BaseModel):
    """Base for our own data: unknown fields are an error, not silently kept."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------
# Article and its segments
# --------------------------------------------------------------------------------------------


class Article(Strict):
    """An article as the workbench sees it after reading and normalising the input."""

    text: str = Field(description="The article text; every offset in a report refers to it.")
    source: str = Field(default="<text>", description="File name, '-' for stdin, or a label.")
    input_format: Literal["text", "markdown", "html"] = Field(
        default="text", description="How the input was interpreted before normalising."
    )
    title: str | None = Field(default=None, description="First heading, when there is one.")
    date: str | None = Field(
        default=None,
        description="Publication date: the HTML page's published date (ISO), else the dateline "
        "as written; relative times in claims are resolved against it (workbench.language.dates).",
    )


class Role(StrEnum):
    """What part of the article a paragraph is; only ``body`` is sent to the model."""

    body = "body"
    heading = "heading"
    metadata = "metadata"  # byline, dateline, tags
    boilerplate = "boilerplate"  # ads, promotions, disclaimers, copyright, share/comment blocks
    reference = "reference"  # notes / sources lists: kept as references, not claims


class Paragraph(Strict):
    index: int
    start: int
    end: int
    role: Role
    role_reason: str = Field(default="", description="Why the segmenter gave this role.")


class Status(StrEnum):
    """Every sentence ends with exactly one of these; nothing is dropped silently."""

    pending = "pending"
    claims = "claims"  # checkable content, claims extracted
    no_claim = "no_claim"  # opinion, rhetoric, no verifiable content
    ambiguous = "ambiguous"  # verifiable content that cannot be pinned down from the text
    skipped = "skipped"  # heading, metadata, boilerplate, reference: not sent to the model
    failed = "failed"  # the backend failed on this sentence after retries


class Sentence(Strict):
    id: str = Field(description="Stable id, e.g. 's12'.")
    index: int
    paragraph: int
    start: int
    end: int
    text: str
    role: Role
    status: Status = Status.pending
    reason: str = Field(default="", description="Why it has its status (model or rule).")
    claim_ids: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Claims, check-worthiness, evidence
# --------------------------------------------------------------------------------------------


class ClaimType(StrEnum):
    event = "event"
    quantity = "quantity"
    statement = "statement"  # somebody said / announced something
    causal = "causal"
    prediction = "prediction"
    property = "property"  # an attribute of a person, place, thing


class EvidenceKind(StrEnum):
    official_record = "official_record"
    primary_document = "primary_document"
    dataset_statistic = "dataset_statistic"
    independent_report = "independent_report"  # independent eyewitness or media report
    expert_assessment = "expert_assessment"
    claimer_source = "claimer_source"  # the claimer's own source
    imagery = "imagery"  # photos, video, satellite imagery and their provenance


class CheckLabel(StrEnum):
    check_worthy = "check_worthy"
    maybe = "maybe"
    not_check_worthy = "not_check_worthy"


class Checkworthiness(Strict):
    score: float = Field(ge=0.0, le=1.0)
    label: CheckLabel
    rationale: str


class EvidenceNeed(Strict):
    kind: EvidenceKind
    need: str = Field(description="What specifically would settle the claim.")
    questions: list[str] = Field(min_length=1, max_length=5)
    where: list[str] = Field(default_factory=list)
    as_of: str | None = Field(
        default=None,
        description="The date the evidence must speak for: the model's, else the claim's time "
        "(an ISO date, or an ISO 8601 interval 'start/end' for a period).",
    )


class Usage(Strict):
    """What model calls cost when they were made: tokens, USD (litellm's price table; local
    models are free) and seconds. A cached answer keeps the cost of making it."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    @classmethod
    def of(cls, outcome: Any, share: float = 1.0) -> Usage:
        """``share`` of one answer's usage (an ``Outcome`` of the LLM seam)."""
        return cls(
            prompt_tokens=round(outcome.prompt_tokens * share),
            completion_tokens=round(outcome.completion_tokens * share),
            cost_usd=outcome.cost_usd * share,
            seconds=outcome.seconds * share,
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            seconds=self.seconds + other.seconds,
        )

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class QuoteSpan(Strict):
    """Another place in the article that makes the same claim."""

    sentence_id: str
    quote: str = Field(description="Verbatim text of the article.")
    start: int
    end: int


class ClaimTime(Strict):
    """The time a claim refers to, read from its quote and resolved against the article date."""

    expression: str = Field(
        description="The words of the article that name the time, e.g. 'last year', 'Monday', "
        "'4 March 2025'."
    )
    basis: Literal["explicit", "relative", "unresolved"] = Field(
        description="explicit: the text names the date itself ('4 March 2025', '2017'); "
        "relative: resolved against the article date ('last year', 'on Monday', 'in March'); "
        "unresolved: relative, but the article has no date to resolve it against."
    )
    unit: Literal["day", "week", "month", "year", "years", "recent"] | None = Field(
        default=None,
        description="How precise the time is ('recent': a vague stretch up to the article date, "
        "'the last few days'); None when unresolved.",
    )
    start: str | None = Field(default=None, description="First day of the time, ISO date.")
    end: str | None = Field(default=None, description="Last day of the time, ISO date.")

    @property
    def as_of(self) -> str | None:
        """One ISO date, or an ISO 8601 interval 'start/end' for a period; None if unresolved."""
        if self.start is None or self.end is None:
            return None
        return self.start if self.start == self.end else f"{self.start}/{self.end}"


class Claim(Strict):
    id: str
    sentence_id: str
    text: str = Field(description="Atomic, standalone restatement of the claim.")
    quote: str = Field(description="Verbatim text of the article the claim rests on.")
    start: int
    end: int
    claimer: str = Field(description="Who makes the claim, e.g. 'the author' or a named source.")
    attribution: list[str] = Field(
        default_factory=list, description="Chain from the outermost reporter inwards."
    )
    type: ClaimType
    also_quoted: list[QuoteSpan] = Field(
        default_factory=list,
        description="Later sentences that make the same claim (same claimer, near-identical "
        "text), merged into this one so a checker checks it once.",
    )
    time: ClaimTime | None = Field(
        default=None,
        description="The time the claim refers to, from its quote (else its sentence's one time "
        "expression), resolved against the article date; None when the text names no time.",
    )
    checkworthiness: Checkworthiness | None = None
    topics: list[str] = Field(
        default_factory=list,
        description="The user's topics (as given) the claim is about: relevance at or over the "
        "threshold of workbench.classifier.topics; empty when no topic was given or none fits.",
    )
    topic_relevance: dict[str, float] = Field(
        default_factory=dict,
        description="Relevance to each topic given (cosine of sentence vectors, rounded); "
        "empty when no topic was given.",
    )
    evidence: list[EvidenceNeed] = Field(default_factory=list)
    review: Literal["unreviewed", "accepted", "rejected", "edited", "added"] = "unreviewed"
    evidence_reviewed: bool = Field(
        default=False,
        description="A reviewer wrote or edited the evidence plan (only then is it gold).",
    )
    usage: Usage = Field(
        default_factory=Usage,
        description="What this claim cost: its share of its sentence's select and extract "
        "calls plus its own check-worthiness and evidence calls.",
    )
    provenance: dict[str, str] = Field(
        default_factory=dict,
        description="Which engine answered each stage for this claim (model, rules, cues, "
        "classifier), and why it fell back to it.",
    )


# --------------------------------------------------------------------------------------------
# The report: what the CLI exports and the UI and evals consume
# --------------------------------------------------------------------------------------------


class Stage(StrEnum):
    """The model-backed stages, in pipeline order: the one vocabulary for prompts, config,
    statistics, cache keys and progress."""

    select = "select"
    extract = "extract"
    checkworthiness = "checkworthiness"
    evidence = "evidence"


class PromptInfo(Strict):
    name: str
    version: str
    hash: str


class StageStats(Strict):
    calls: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    attempts: int = 0  # model calls made, re-asks included (0 for cache hits)
    first_attempt_valid: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    @classmethod
    def total(cls, items: Iterable[StageStats]) -> StageStats:
        """Field-by-field sum, e.g. all stages of a run or one stage over many reports."""
        total = cls()
        for item in items:
            for name in cls.model_fields:
                setattr(total, name, getattr(total, name) + getattr(item, name))
        return total


class RunInfo(Strict):
    backend: str
    model: str
    api_base: str | None = None
    prompts: list[PromptInfo] = Field(default_factory=list)
    stages: dict[str, StageStats] = Field(default_factory=dict)
    started_at: str = ""
    seconds: float = 0.0
    workbench_version: str = ""
    totals: StageStats = Field(
        default_factory=StageStats, description="All stages summed: hits, misses, tokens, cost."
    )

    @property
    def cache_hits(self) -> int:
        return sum(s.cache_hits for s in self.stages.values())

    @property
    def cache_misses(self) -> int:
        return sum(s.cache_misses for s in self.stages.values())


class Failure(Strict):
    """A step that failed after retries; the rest of the article still completed."""

    stage: str
    sentence_id: str
    claim_id: str | None = None
    message: str


class Report(Strict):
    article: Article
    paragraphs: list[Paragraph]
    sentences: list[Sentence]
    claims: list[Claim]
    failures: list[Failure] = Field(default_factory=list)
    run: RunInfo

    @property
    def topics(self) -> list[str]:
        """The topics of interest the run was given, in order (each claim's ``topic_relevance``
        names them all); empty without topics, so such a report is as before."""
        return next((list(c.topic_relevance) for c in self.claims if c.topic_relevance), [])

    def summary(self) -> str:
        """One line a person reads first, e.g. '12 claims · 5 check-worthy · 31 sentences'."""
        worthy = sum(
            1
            for c in self.claims
            if c.checkworthiness and c.checkworthiness.label == CheckLabel.check_worthy
        )
        ambiguous = sum(1 for s in self.sentences if s.status == Status.ambiguous)
        failed = sum(1 for s in self.sentences if s.status == Status.failed)
        parts = [
            f"{len(self.claims)} claims",
            f"{worthy} check-worthy",
            f"{len(self.sentences)} sentences",
            f"{ambiguous} ambiguous",
        ]
        if failed:
            parts.append(f"{failed} failed")
        return " · ".join(parts)


# --------------------------------------------------------------------------------------------
# Response models: what the LLM fills in. Descriptions are written for the model too.
# Length limits keep a small model from looping; validators reject degenerate output so
# instructor re-asks with the error.
# --------------------------------------------------------------------------------------------

_REPEAT = re.compile(r"\b(\w+)(?:\W+\1\b){3,}", re.IGNORECASE)
# "a law that is based on the law, which is a law that is based on the law, which is ..."
_PHRASE_LOOP = re.compile(r"\b((?:\w+\W+){2,12}?)\1{2}", re.IGNORECASE)


def reject_degenerate(text: str) -> str:
    """Reject the typical failure of small models: empty text, a token or a phrase looping."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("must not be empty")
    if _REPEAT.search(stripped):
        raise ValueError("repeats the same word over and over; write a normal sentence")
    if _PHRASE_LOOP.search(stripped):
        raise ValueError("repeats the same phrase over and over; write a normal sentence")
    return stripped


MAX_CLAIM_CHARS = 300
# A question may state its claim in full ("What evidence shows that <claim>?"): cut at 160
# characters, as it was, "Did ... on 14 October 2026?" lost its date.
MAX_QUESTION_CHARS = MAX_CLAIM_CHARS + 40


ShortText = Annotated[str, Field(max_length=200)]


class SelectResponse(BaseModel):
    """Does this sentence state something that could be checked against evidence?"""

    checkable: Literal["yes", "no", "unclear"] = Field(
        description=(
            "yes: states a number, date, event, or what someone did or said. no: only opinion, "
            "feeling, rhetoric or a question. unclear: checkable in principle but too vague."
        )
    )


class ExtractedClaim(BaseModel):
    claim: str = Field(
        max_length=MAX_CLAIM_CHARS,
        description=(
            "One atomic fact restated as a standalone sentence: replace pronouns, 'there', "
            "'recently' and similar words with what they refer to, using the context."
        ),
    )
    quote: int = Field(
        ge=1,
        le=8,
        description="The number of the quote option (a span of the sentence) it rests on.",
    )
    claimer: int = Field(
        ge=1, le=8, description="The number of the source option who asserts the claim."
    )
    attribution: list[Annotated[int, Field(ge=1, le=8)]] = Field(
        default_factory=list,
        max_length=3,
        description="Source option numbers: who reports whom, outermost first, starting with 1.",
    )
    type: ClaimType = Field(description="What kind of claim it is.")

    @field_validator("claim")
    @classmethod
    def _not_degenerate(cls, v: str) -> str:
        return reject_degenerate(v)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> ExtractedClaim:
        """Quote and sources must be among the options offered: spans and names of the text;
        given ``grounds``, the context's ``claim_support`` must find the claim in its quote and
        them."""
        context: dict[str, Any] = info.context or {}
        quotes, sources = context.get("quote_options"), context.get("source_options")
        if quotes is not None and not 1 <= self.quote <= len(quotes):
            raise ValueError(f"quote must be the number of one of the {len(quotes)} quote options")
        if sources is not None and not all(
            1 <= n <= len(sources) for n in [self.claimer, *self.attribution]
        ):
            raise ValueError(
                f"claimer and attribution must be numbers of the {len(sources)} source options"
            )
        grounds = context.get("grounds")
        if grounds is not None and quotes is not None:
            # The check comes with the grounds (workbench.language.support.claim_support, given
            # by the extract stage): the data types every layer shares import no text analysis.
            claim_support = context["claim_support"]
            support = claim_support(self.claim, [quotes[self.quote - 1], *grounds])
            if not support.supported:
                raise ValueError(
                    "the claim says what its quote and context do not ("
                    + ", ".join(support.missing[:6])
                    + "): restate only what the chosen quote says"
                )
        return self


class ExtractResponse(BaseModel):
    """The checkable claims in one sentence."""

    claims: list[ExtractedClaim] = Field(max_length=4, description="At most four claims.")


@cache  # at most 8 x 8 classes; building one takes pydantic milliseconds
def extract_response_for(quote_count: int, source_count: int) -> type[ExtractResponse]:
    """``ExtractResponse`` whose quote and sources are numbers of the options offered.

    Quotes and claimers are chosen, not written: as JSON-schema enums the choice is
    grammar-enforced on backends that constrain decoding, so even a 135M model grounds every
    claim verbatim and names only sources that appear in the text. The article text itself never
    enters a grammar (quote marks in it break llama.cpp's schema converter).
    """
    quotes = Literal[tuple(range(1, quote_count + 1))]  # type: ignore[valid-type]
    sources = Literal[tuple(range(1, source_count + 1))]  # type: ignore[valid-type]
    quote_field = Field(description="The number of the quote option the claim rests on.")
    claimer_field = Field(description="The number of the source option who asserts it.")
    claim_model = create_model(
        "ExtractedClaim",
        __base__=ExtractedClaim,
        quote=(quotes, quote_field),  # type: ignore[arg-type]
        claimer=(sources, claimer_field),  # type: ignore[arg-type]
        attribution=(
            list[sources],  # type: ignore[valid-type]
            Field(
                default_factory=list,
                max_length=3,
                description="Source option numbers: who reports whom, outermost first.",
            ),
        ),
    )
    return create_model(
        "ExtractResponse",
        __base__=ExtractResponse,
        claims=(list[claim_model], Field(max_length=4, description="At most four claims.")),  # type: ignore[valid-type]
    )


class CheckworthinessResponse(BaseModel):
    """How much a fact-checker should care about verifying this claim."""

    rating: Literal[1, 2, 3, 4, 5] = Field(
        description=(
            "1 = trivial or not checkable, 3 = checkable but of modest public interest, "
            "5 = specific, consequential and likely to mislead if false."
        )
    )
    rationale: str = Field(max_length=200, description="One line: why this rating.")
    # Set by the engines that estimate it (cues, the trained classifier), never asked of a model:
    # hidden from the schema, so prompts, grammars and cache keys do not change.
    probability: SkipJsonSchema[float | None] = Field(default=None, ge=0, le=1)

    @field_validator("rationale")
    @classmethod
    def _not_degenerate(cls, v: str) -> str:
        return reject_degenerate(v)


class PlannedNeed(BaseModel):
    kind: EvidenceKind = Field(description="The kind of evidence that would settle the claim.")
    need: str = Field(max_length=200, description="What specifically to find.")
    questions: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        min_length=1,
        max_length=4,
        description="Concrete questions a fact-checker must answer, each ending with '?'.",
    )
    where: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list,
        max_length=3,
        description="Where to look: types of sources or named institutions.",
    )
    as_of: str | None = Field(
        default=None, max_length=40, description="The date the claim refers to, if time matters."
    )

    @field_validator("need")
    @classmethod
    def _need_not_degenerate(cls, v: str) -> str:
        return reject_degenerate(v)

    @field_validator("questions")
    @classmethod
    def _questions_not_degenerate(cls, v: list[str]) -> list[str]:
        # Repeats are dropped, not re-asked: small models repeat, and re-asking rarely helps.
        return list(dict.fromkeys(reject_degenerate(q) for q in v))

    @field_validator("where")
    @classmethod
    def _where_once(cls, v: list[str]) -> list[str]:
        """Each place once (ignoring case and spacing): small models repeat themselves."""
        seen: dict[str, str] = {}
        for place in v:
            seen.setdefault(" ".join(place.lower().split()), place.strip())
        return [place for place in seen.values() if place]


class EvidenceResponse(BaseModel):
    """What evidence would settle the claim."""

    needs: list[PlannedNeed] = Field(min_length=1, max_length=2)

    @field_validator("needs")
    @classmethod
    def _distinct_needs(cls, v: list[PlannedNeed]) -> list[PlannedNeed]:
        distinct: dict[tuple[str, str], PlannedNeed] = {}
        for need in v:
            distinct.setdefault((need.kind.value, need.need.lower()), need)
        return list(distinct.values())


class ProbeResponse(BaseModel):
    """A tiny structured answer that shows a backend is reachable and follows a schema."""

    answer: Literal["yes", "no"] = Field(description="yes or no")
