"""Who asserts a sentence, and through whom: claimers and attribution chains from a parser.

The cues of a sentence (``workbench.language.reporting``: "said", "according to", ... with their
sources and the clause each attributes) are read from spaCy's dependency parse and named
entities (``en_core_web_sm``, run by ``workbench.language.parse``) instead of regular expressions.
A cue whose verb lies inside another cue's content is nested in it: in "X reports that Y said Z"
the chain is the author → X → Y and Y is the claimer; like the labelling guidelines
(evals/GUIDELINES.md 3.4) a chain keeps the author and the two innermost speakers. A sentence
that names no source of its own continues the speaker the sentence before hands over to ("She
explains that", or a quotation it goes on with).

The claimer options offered to the model rank the chain first, then the sources of every cue,
the people and organisations named in the sentence (``workbench.language.sources``), then those
of the preceding context. The result is remembered in the response cache, so a cached re-run
loads no parser.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from workbench.core.cache import ResponseStore, cache_key
from workbench.language import parse as parse_module
from workbench.language import reporting, segment, sources
from workbench.language.parse import MODEL, Part, coordinated, parse
from workbench.language.reporting import (
    SAYING_PARTICIPLES,
    Cue,
    asserted_clause,
    content_span,
    find_cues,
    news_in_itself,
    subject_tokens,
)
from workbench.language.sources import (
    AUTHOR,
    add_options,
    asserting_names,
    could_assert,
    noun_phrase,
    same_source,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

_MAX_LINKS = 2  # a chain keeps the author and the two innermost speakers (GUIDELINES 3.4)


@dataclass(frozen=True)
class Attribution:
    """Who asserts a sentence, as the parser reads it.

    ``claimer`` is the innermost source of the deepest attribution cue, or, for a sentence that
    names no source, the speaker the sentence before hands over to ("She explains that"); else
    "the author"; ``chain`` runs from the author inwards to
    the claimer; ``options`` ranks who *may* be asserting it, for the model to choose from: the
    author, the sources of every cue (chain first), then other people and organisations named in
    the sentence, then sources and people of the preceding context. ``verbs`` are the reporting
    cues found, as written ("said", "according to"). ``content`` is the character span of the
    sentence that the claimer asserts (the clause the innermost cue attributes), when the parse
    gives one; ``statement`` says the saying is news in itself (a quotation, or a speech act such
    as "announced" or "denied": GUIDELINES 3.5), so the saying is a claim beside its content.
    ``dates`` are the character spans of the sentence's DATE entities (``workbench.language.dates``
    resolves them; kept here so a cached run needs no parse for them either). ``parts`` are the
    clauses that what the claimer asserts (``content``, else the sentence) joins with "and",
    "but", ... (``parse.coordinated``): separately checkable, so each can be a claim of its own.
    """

    claimer: str = AUTHOR
    chain: list[str] = field(default_factory=lambda: [AUTHOR])
    options: list[str] = field(default_factory=lambda: [AUTHOR])
    verbs: list[str] = field(default_factory=list)
    content: tuple[int, int] | None = None
    statement: bool = False
    dates: list[tuple[int, int]] = field(default_factory=list)  # the parse's DATE entities
    parts: list[Part] = field(default_factory=list)


def attribute(sentence: str, before: str = "", memo: ResponseStore | None = None) -> Attribution:
    """Claimer, attribution chain and claimer options of ``sentence`` after context ``before``.

    ``before`` is the text that precedes the sentence (a sentence or two); it resolves pronoun
    subjects ("She explains ..."), hands over the speaker of a frame or quotation that the
    sentence continues, and contributes lower-ranked options. Results are kept in
    this process and, given a ``memo`` (the response cache), in it: the extract stage's
    request is built from these options, and a re-run served from the cache must not pay for
    loading spaCy (about 2 s) to find its cache key.
    """
    key = None
    if memo is not None and memo.enabled:
        key = cache_key({"attribution": parser_identity(), "sentence": sentence, "before": before})
        remembered = _from_record(memo.get(key))
        if remembered is not None:
            return remembered
    claimer, chain, options, verbs, content, statement, dates, parts = _attribute(sentence, before)
    found = Attribution(
        claimer=claimer,
        chain=list(chain),
        options=list(options),
        verbs=list(verbs),
        content=content,
        statement=statement,
        dates=list(dates),
        parts=list(parts),
    )
    if key is not None and memo is not None:
        record = {"attribution": _record(found), "stage": "attribution", "created": time.time()}
        memo.set(key, record)
    return found


@cache
def parser_identity() -> dict[str, str]:
    """What changes an attribution (its memo's identity): this module's code, the cues' and the
    sources' it reads them with, the parse's and the segmenter's (datelines), and spaCy and its
    English model by version, read from their installed metadata (no import, no load)."""

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "code": hashlib.sha256(
            b"".join(
                Path(str(f)).read_bytes()
                for f in (
                    __file__, reporting.__file__, sources.__file__, parse_module.__file__,
                    segment.__file__,
                )  # fmt: skip
            )
        ).hexdigest()[:16],
        "spacy": installed("spacy"),
        "model": f"{MODEL} {installed(MODEL)}",
    }


_RECORD = TypeAdapter(Attribution)  # the memo's JSON record of an Attribution, checked on read


def _record(found: Attribution) -> dict[str, Any]:
    return _RECORD.dump_python(found, mode="json")  # type: ignore[no-any-return]


def _from_record(entry: dict[str, Any] | None) -> Attribution | None:
    """A remembered attribution; None for a miss or an entry of another shape (corrupt)."""
    record = entry.get("attribution") if entry else None
    try:
        return _RECORD.validate_python(record) if isinstance(record, dict) else None
    except ValidationError:
        return None


def _nested_in(inner: Cue, outer: Cue) -> bool:
    return inner is not outer and inner.token.i in outer.content


def _depth_chain(cue: Cue, cues: list[Cue]) -> list[Cue]:
    """The cues containing ``cue``, outermost first (most containers first), then ``cue``."""
    containers = [c for c in cues if _nested_in(cue, c) and not _nested_in(c, cue)]
    # a container nested in fewer cues is further out
    containers.sort(key=lambda c: (sum(_nested_in(c, o) for o in cues), c.start))
    return [*containers, cue]


def _context_people(doc: Doc, cues: list[Cue]) -> list[tuple[int, str]]:
    """People named in the context, by position: PERSON entities, and names that are the subject
    of a reporting verb (the small model's NER reads many a surname as ORG or GPE)."""
    persons = [ent for ent in doc.ents if could_assert(ent, {"PERSON"})]
    people = [(ent.start_char, ent.text) for ent in persons]
    covered = {t.i for ent in persons for t in ent}
    for cue in cues:
        if cue.word == "according to":
            continue
        for token in subject_tokens(cue.token):
            if token.pos_ == "PROPN" and token.i not in covered:
                people.append((token.idx, noun_phrase(token) or token.text))
    return sorted(set(people))


@lru_cache(maxsize=1024)
def _attribute(
    sentence: str, before: str
) -> tuple[
    str,
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[int, int] | None,
    bool,
    tuple[tuple[int, int], ...],
    tuple[Part, ...],
]:
    context_people: list[tuple[int, str]] = []
    context_sources: list[str] = []
    context_names: list[str] = []
    framed_by: list[str] = []  # the speaker of a bare frame just before ("She explains that")
    if before.strip():
        context = parse(before)
        context_cues = find_cues(context, [])
        context_people = _context_people(context, context_cues)
        # resolve the context's own pronouns against its earlier people only
        context_cues = find_cues(context, context_people)
        context_sources = [s for cue in reversed(context_cues) for s in cue.sources]
        context_names = [name for _, name in reversed(context_people)]
        framed_by = _carried_speaker(context, context_cues, sentence)
    # a lead's opening dateline ("Aldenburg, 9 June 2026 — ") blanked out: its place asserts
    # nothing, and the parser would take it for the subject; offsets stay the sentence's
    opening = segment.dateline_end(sentence)
    read = " " * opening + sentence[opening:]
    doc = parse(read)
    cues = [c for c in find_cues(doc, context_people) if c.sources]
    chain: list[str] = [AUTHOR]
    content: tuple[int, int] | None = None
    statement = False
    if not cues and framed_by:  # GUIDELINES 2.3, 3.5: the speaker goes on
        chain = [AUTHOR, framed_by[0]]
    if cues:
        chains = [_depth_chain(c, cues) for c in cues]
        deepest = max(chains, key=lambda ch: (len(ch), -ch[-1].start))
        content = content_span(doc, asserted_clause(deepest[-1]))
        quoted = _QUOTATION.search(sentence) is not None
        statement = quoted or news_in_itself(deepest[0].token)
        for cue in deepest:
            if not same_source(cue.sources[0], chain[-1]):
                chain.append(cue.sources[0])
        chain = [AUTHOR, *chain[1:][-_MAX_LINKS:]]
    options: list[str] = [AUTHOR]
    add_options(options, chain[1:])
    add_options(options, (s for c in sorted(cues, key=lambda c: c.start) for s in c.sources))
    add_options(options, asserting_names(doc))
    add_options(options, context_sources)
    add_options(options, context_names)
    verbs = tuple(c.word for c in sorted(cues, key=lambda c: c.start))
    dates = tuple((e.start_char, e.end_char) for e in doc.ents if e.label_ == "DATE")
    parts = tuple(coordinated(read, *(content or (0, len(sentence)))))  # cached: immutable
    return chain[-1], tuple(chain), tuple(options), verbs, content, statement, dates, parts


# A frame that hands over to what follows: "... reports that", "... said:", "..., saying".
_HANDS_OVER = re.compile(
    rf"(?:\bthat|:|\b{SAYING_PARTICIPLES})[\s\"'“”‘’]*\.?$", re.IGNORECASE
)
_OPENS_QUOTATION = re.compile(r"^\s*[\"“]")


def _carried_speaker(context: Doc, cues: list[Cue], sentence: str) -> list[str]:
    """Who asserts ``sentence`` (which names no source of its own) because the sentence before
    hands over to it: a frame ("Sophie Mangal reports that", "Assad congratulated Syrian
    forces, saying": its speaker goes into the next paragraph, GUIDELINES 2.3), or a speaker
    whose quotation ``sentence`` continues (it opens with a quotation mark, 3.5)."""
    last = list(context.sents)[-1]
    spoken = [c for c in cues if last.start <= c.token.i < last.end]
    if not spoken or not (
        _HANDS_OVER.search(last.text) or _OPENS_QUOTATION.match(sentence)
    ):
        return []
    return max(spoken, key=lambda c: c.start).sources


_QUOTATION = re.compile(r"[\"“”]\s*\w[^\"“”]{10,}[\"“”]")  # a quoted stretch of a few words
