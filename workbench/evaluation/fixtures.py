"""Hand-labelled eval fixtures: the YAML format of ``evals/FORMAT.md``, loaded and checked.

A fixture is one article plus gold labels for its sentences and claims. The loader resolves the
article, normalises it with the workbench's own reader (``workbench.io.ingest.read_article``) so
that gold anchors and quotes refer to the same text a report's offsets refer to, and enforces the
format's rules. Every problem is a ``ConfigError`` with one line naming the file and the problem.

Sentence boundaries for the rules "an anchor lies inside exactly one sentence" and "a quote lies
inside a sentence labelled ``claims``" come from pysbd applied line by line, the "standard
sentence splitter" of ``evals/GUIDELINES.md``. The loader deliberately does not call the
workbench's own segmenter: gold labels must not be validated by the system they evaluate.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pysbd
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from workbench.core.errors import ConfigError, InputError, one_line
from workbench.core.schema import Article, ClaimType, EvidenceKind
from workbench.io.ingest import read_article


class Genre(StrEnum):
    """What kind of article a fixture is; reports break scores down by it."""

    wire = "wire"
    politics_quotes = "politics-quotes"
    science_health = "science-health"
    press_release = "press-release"
    correction = "correction"
    opinion = "opinion"
    attribution = "attribution"
    injection = "injection"
    seed = "seed"
    reviewed = "reviewed"
    court = "court"
    business = "business"
    sport = "sport"
    interview = "interview"
    live_blog = "live-blog"
    minutes = "minutes"
    obituary = "obituary"
    translated_wire = "translated-wire"
    weather = "weather"


GoldStatus = Literal["claims", "no_claim", "ambiguous", "skipped"]


class GoldSentence(BaseModel):
    """The gold status of one sentence, located by a verbatim anchor."""

    model_config = ConfigDict(extra="forbid")

    anchor: str = Field(
        min_length=1,
        description=(
            "A verbatim substring of the normalised article text, unique in it, lying inside "
            "exactly one sentence (usually its first 4-8 words)."
        ),
    )
    status: GoldStatus = Field(
        description="claims | no_claim | ambiguous | skipped (heading, metadata, boilerplate)."
    )


class GoldClaim(BaseModel):
    """One gold atomic claim with its quote, rating, evidence kinds and optional questions."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="Standalone, decontextualised restatement.")
    quote: str = Field(
        min_length=1,
        description="Verbatim words of the article the claim rests on; inside a `claims` sentence.",
    )
    check_worthy: bool = Field(description="Would a professional fact-checker spend time on it?")
    claimer: str = Field(
        min_length=1, description="Who makes the claim; 'the author' if nobody else."
    )
    attribution: list[str] = Field(
        default_factory=list, description="Who reports whom, outermost first."
    )
    type: ClaimType = Field(
        description="event | quantity | statement | causal | prediction | property"
    )
    evidence_kinds: list[EvidenceKind] = Field(
        default_factory=list,
        description="Kinds of evidence that would settle it, most decisive first.",
    )
    questions: list[str] = Field(
        default_factory=list,
        description="Optional gold questions (AVeriTeC style) whose answers settle the claim.",
    )


class Fixture(BaseModel):
    """One hand-labelled article: the schema of ``evals/fixtures/*.yaml``.

    Build it with ``load_fixture`` (or ``build_fixture``), which also attaches the normalised
    ``article``; a bare ``Fixture.model_validate`` checks the keys only.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="Unique id: the file name without '.yaml'.")
    title: str = Field(description="Shown in reports.")
    genre: Genre = Field(description="Kind of article; scores are broken down by it.")
    text_path: str | None = Field(
        default=None, description="Article file, relative to the fixture file."
    )
    text: str | None = Field(default=None, description="The article inline, instead of text_path.")
    labeller: str = Field(description="Initials or name of who labelled it.")
    notes: str = Field(default="", description="Hard cases, decisions, doubts.")
    sentences: list[GoldSentence] = Field(
        default_factory=list, description="Gold status of every sentence that matters."
    )
    claims: list[GoldClaim] = Field(default_factory=list, description="Gold atomic claims.")

    _article: Article | None = PrivateAttr(default=None)
    _origin: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _one_text_source(self) -> Fixture:
        if (self.text_path is None) == (self.text is None):
            raise ValueError("give exactly one of `text_path` and `text`")
        return self

    @property
    def article(self) -> Article:
        """The normalised article the labels refer to (attached by the loader)."""
        if self._article is None:
            raise ConfigError(f"fixture {self.id!r}: article not loaded; use load_fixture()")
        return self._article

    @property
    def origin(self) -> str:
        """Where the fixture came from (its file path), for messages and provenance."""
        return self._origin or self.id


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice: PyYAML would silently keep the last one."""


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _read_yaml(file: Path) -> Any:
    try:
        source = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such fixture file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{file}: cannot read the fixture ({err})") from None
    try:
        return yaml.load(source, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{file}: invalid YAML{where}: {problem}") from None


def _one_line_validation_error(err: ValidationError) -> str:
    errors = err.errors()
    first = errors[0]
    location = "".join(
        f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
    ).lstrip(".")  # list positions 1-based, as a person counts YAML items
    if first["type"] == "extra_forbidden":
        message = f"unknown key {location!r} (misspelt? see evals/FORMAT.md)"
    elif first["type"] == "missing":
        message = f"missing required key {location!r}"
    else:
        message = f"{location}: {first['msg']}" if location else first["msg"]
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return message


def _short(text: str, limit: int = 60) -> str:
    """A quote of the fixture's text in a message: one line, cut, in quotes."""
    return repr(one_line(text, limit))


def _read_fixture_article(fixture: Fixture, where: str, base_dir: Path | None) -> Article:
    try:
        if fixture.text is not None:
            return read_article(fixture.text, fixture.id)
        if base_dir is None:
            raise ConfigError(f"{where}: text_path needs the fixture's file location to resolve")
        file = base_dir / str(fixture.text_path)
        if not file.is_file():
            raise ConfigError(f"{where}: text_path {fixture.text_path!r} is not a file ({file})")
        return read_article(file.read_bytes(), file.name)
    except InputError as err:
        raise ConfigError(f"{where}: the article cannot be read: {err}") from None


def build_fixture(
    raw: Any,
    *,
    origin: str,
    base_dir: Path | None = None,
    expected_id: str | None = None,
) -> Fixture:
    """Validate parsed YAML into a ``Fixture``, read its article and check the labels against it.

    ``origin`` names the source in error messages; ``base_dir`` resolves ``text_path``;
    ``expected_id`` (the file name without suffix) must equal the ``id`` when given.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{origin}: a fixture is a mapping of keys (id, title, ...), not {type(raw).__name__}"
        )
    try:
        fixture = Fixture.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{origin}: {_one_line_validation_error(err)}") from None
    if expected_id is not None and fixture.id != expected_id:
        raise ConfigError(
            f"{origin}: id {fixture.id!r} must equal the file name without suffix ({expected_id!r})"
        )
    article = _read_fixture_article(fixture, origin, base_dir)
    check_labels_against_text(fixture, article.text, origin)
    fixture._article = article
    fixture._origin = origin
    return fixture


def load_fixture(path: str | Path) -> Fixture:
    """Load one fixture file, resolve and normalise its article, and enforce FORMAT.md's rules."""
    file = Path(path)
    suffix_free = file.name.removesuffix(".yaml").removesuffix(".yml")
    return build_fixture(
        _read_yaml(file), origin=str(file), base_dir=file.parent, expected_id=suffix_free
    )


def load_fixtures(directory: str | Path) -> list[Fixture]:
    """Load every ``*.yaml`` fixture in ``directory`` (not its sub-folders), sorted by id."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: fixture folder does not exist")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    fixtures = [load_fixture(file) for file in files]
    first_seen: dict[str, str] = {}
    for fixture in fixtures:
        if fixture.id in first_seen:
            raise ConfigError(
                f"{fixture.origin}: id {fixture.id!r} is also used by {first_seen[fixture.id]}"
            )
        first_seen[fixture.id] = fixture.origin
    return sorted(fixtures, key=lambda f: f.id)


# --------------------------------------------------------------------------------------------
# Label rules
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _splitter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def reference_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` by pysbd, each line split on its own (no sentence spans lines)."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        line_text = line.group(0)
        cursor = 0
        for piece in _splitter().segment(line_text):
            piece = piece.strip()
            if not piece:
                continue
            found = line_text.find(piece, cursor)
            if found < 0:  # pysbd changed the text: take the rest of the line as one sentence
                rest = line_text[cursor:].strip()
                if not rest:
                    continue
                found, piece = line_text.index(rest, cursor), rest
            cursor = found + len(piece)
            spans.append((line.start() + found, line.start() + cursor))
    return spans


def find_all(text: str, needle: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``needle`` in ``text``."""
    starts: list[int] = []
    found = text.find(needle)
    while found >= 0:
        starts.append(found)
        found = text.find(needle, found + 1)
    return starts


def _sentence_containing(spans: list[tuple[int, int]], start: int, end: int) -> int | None:
    for index, (span_start, span_end) in enumerate(spans):
        if span_start <= start and end <= span_end:
            return index
    return None


def check_labels_against_text(fixture: Fixture, text: str, where: str) -> None:
    """Enforce the label rules of FORMAT.md and GUIDELINES.md against the normalised ``text``.

    Anchors occur exactly once and lie inside one sentence, no two anchors label the same
    sentence; every quote occurs inside a sentence labelled ``claims``; every ``claims``
    sentence carries at least one gold claim.
    """
    spans = reference_sentence_spans(text)
    status_of_sentence: dict[int, GoldStatus] = {}
    anchor_of_sentence: dict[int, str] = {}
    for number, gold in enumerate(fixture.sentences, 1):
        label = f"sentences[{number}] anchor {_short(gold.anchor)}"
        starts = find_all(text, gold.anchor)
        if not starts:
            raise ConfigError(
                f"{where}: {label} does not occur in the normalised article text "
                "(copy it from `python -m workbench.io.ingest ARTICLE`)"
            )
        if len(starts) > 1:
            raise ConfigError(
                f"{where}: {label} occurs {len(starts)} times; lengthen it until it is unique"
            )
        start, end = starts[0], starts[0] + len(gold.anchor)
        index = _sentence_containing(spans, start, end)
        if index is None:
            raise ConfigError(
                f"{where}: {label} runs across a sentence break; shorten it so it lies in one "
                "sentence"
            )
        if index in anchor_of_sentence:
            raise ConfigError(
                f"{where}: {label} labels the same sentence as anchor "
                f"{_short(anchor_of_sentence[index])}"
            )
        anchor_of_sentence[index] = gold.anchor
        status_of_sentence[index] = gold.status

    carried: set[int] = set()
    for number, claim in enumerate(fixture.claims, 1):
        label = f"claims[{number}] quote {_short(claim.quote)}"
        starts = find_all(text, claim.quote)
        if not starts:
            raise ConfigError(
                f"{where}: {label} does not occur verbatim in the normalised article text"
            )
        holders = {_sentence_containing(spans, s, s + len(claim.quote)) for s in starts}
        in_claims = {i for i in holders if i is not None and status_of_sentence.get(i) == "claims"}
        if not in_claims:
            found_in = sorted(i for i in holders if i is not None)
            if not found_in:
                why = "it runs across a sentence break"
            elif found_in[0] in status_of_sentence:
                why = f"its sentence is labelled {status_of_sentence[found_in[0]]!r}"
            else:
                start, end = spans[found_in[0]]
                why = f"its sentence {_short(text[start:end], 40)} has no anchor"
            raise ConfigError(f"{where}: {label} is not inside a sentence labelled claims ({why})")
        carried |= in_claims

    for index, status in status_of_sentence.items():
        if status == "claims" and index not in carried:
            raise ConfigError(
                f"{where}: sentence {_short(anchor_of_sentence[index])} is labelled claims but no "
                "gold claim quotes it"
            )


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------


def fixture_hash(fixture: Fixture) -> str:
    """SHA-256 of a fixture's labels and normalised article text.

    Stable over content: YAML layout, comments, key order, the article's file name and its
    Markdown spelling (as long as it normalises to the same text) do not change it.
    """
    labels = fixture.model_dump(mode="json", exclude={"text_path", "text"})
    payload = {"labels": labels, "article_text": fixture.article.text}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fixture_set_hash(fixtures: Iterable[Fixture]) -> str:
    """SHA-256 over the sorted (id, fixture_hash) pairs: one value naming a set's content."""
    lines = sorted(f"{fixture.id}:{fixture_hash(fixture)}" for fixture in fixtures)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
