"""Stage 4, extract: atomic, standalone claims of one sentence, each grounded in a verbatim quote.

The model restates claims in its own words but *chooses* the quote and the sources from
numbered options we derive from the text: clause spans of the sentence, and the author plus the
names that appear around it. Grounding is therefore by construction (and grammar-enforced on
backends that constrain decoding), and offsets are ours, never the model's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.core.cache import ResponseStore
from workbench.core.prompts import Prompt
from workbench.core.schema import Claim, ExtractResponse, Sentence, Stage, extract_response_for
from workbench.language.attribution import Attribution, attribute
from workbench.language.dates import claim_time
from workbench.language.sources import AUTHOR
from workbench.language.support import claim_support
from workbench.llm import Outcome, Request, StructuredClient

MAX_OPTIONS = 8

_CLAUSE_BREAK = re.compile(
    r"[,;:]\s+|\s+[-–—]\s+|\s+(?=(?:that|and|but|while|which|after|before|because)\s)"
)


@dataclass
class Extraction:
    claims: list[Claim]
    outcome: Outcome[ExtractResponse]


def quote_options(
    sentence: str, before: str = "", memo: ResponseStore | None = None
) -> list[tuple[int, int]]:
    """Spans (relative to ``sentence``) a claim may rest on: the whole sentence, what its
    claimer asserts when somebody else is quoted (the parser's attributed clause), the clauses
    it joins with "and", "but", ... (the parser's ``parts``), then clauses by punctuation.

    Clauses come from punctuation and conjunctions; fragments under four words are merged
    into their neighbour so each option reads as a statement. ``before`` resolves pronoun
    speakers ("she said that ...") as in ``source_options``.
    """
    return _quote_spans(sentence, attribute(sentence, before, memo))


def _quote_spans(sentence: str, parsed: Attribution) -> list[tuple[int, int]]:
    cuts = [0] + [m.start() for m in _CLAUSE_BREAK.finditer(sentence)] + [len(sentence)]
    pieces = [[cuts[i], cuts[i + 1]] for i in range(len(cuts) - 1)]
    merged: list[list[int]] = []
    for piece in pieces:
        if merged and len(sentence[merged[-1][0] : merged[-1][1]].split()) < 4:
            merged[-1][1] = piece[1]
        else:
            merged.append(piece)
    if len(merged) > 1 and len(sentence[merged[-1][0] : merged[-1][1]].split()) < 4:
        last = merged.pop()  # pop first: ``merged[-2][1] = merged.pop()[1]`` indexes after the pop
        merged[-1][1] = last[1]
    spans = [(0, len(sentence))]
    clauses = [(part.start, part.end) for part in parsed.parts]
    for span in [parsed.content, *clauses]:  # what the claimer asserts, clause by clause
        if span is not None and span not in spans:
            spans.append(span)
    for start, end in merged:
        text = sentence[start:end]
        stripped = text.strip(" ,;:-–—")
        start += text.index(stripped) if stripped else 0
        span = (start, start + len(stripped))
        if len(stripped.split()) >= 3 and span not in spans:
            spans.append(span)
    return spans[:MAX_OPTIONS]


def source_options(sentence: str, before: str, memo: ResponseStore | None = None) -> list[str]:
    """Who may be asserting the claim: the author, then the sources and names the parser finds
    in the sentence and its context (``workbench.language.attribution``, remembered in ``memo``), at
    most ``MAX_OPTIONS``."""
    return _sources(attribute(sentence, before, memo))


def _sources(parsed: Attribution) -> list[str]:
    return parsed.options[:MAX_OPTIONS]


def _chain(claimer: str, links: list[str]) -> list[str]:
    """Attribution outermost-first, starting with the author and ending with the claimer."""
    chain = [AUTHOR]
    for link in [*links, claimer]:
        if link.lower() != chain[-1].lower():
            chain.append(link)
    return chain


async def extract_claims(
    client: StructuredClient,
    prompt: Prompt[ExtractResponse],
    sentence: Sentence,
    *,
    before: str,
    date: str | None,
    grounds: list[str] | None = None,
    memo: ResponseStore | None = None,
) -> Extraction:
    """Claims of ``sentence`` with article offsets and the time each refers to (resolved against
    the article ``date``); the pipeline numbers them in reading order.

    With ``grounds`` (``workbench.language.support.claim_grounds``), a claim that says more than its
    quote and context is invalid: the model is re-asked, then the next engine answers. ``memo``
    (the response cache) keeps the parser's options, from which the request and so its cache
    key are built: with both cached, no parser is loaded."""
    parsed = attribute(sentence.text, before, memo)  # one parse (or memo read) per sentence
    spans = _quote_spans(sentence.text, parsed)
    quotes = [sentence.text[start:end] for start, end in spans]
    sources = _sources(parsed)
    outcome = await client.complete(
        Request(
            Stage.extract,
            prompt,
            {
                "sentence": sentence.text,
                "before": before,
                "date": date or "",
                "quote_options": quotes,
                "source_options": sources,
            },
            context={
                "quote_options": quotes,
                "source_options": sources,
                **(
                    {"grounds": grounds, "claim_support": claim_support}
                    if grounds is not None
                    else {}
                ),
            },
            narrowed_model=extract_response_for(len(quotes), len(sources)),
        )
    )
    response = outcome.value
    claims: list[Claim] = []
    for item in response.claims:
        if any(item.claim.lower() == c.text.lower() for c in claims):
            continue  # small models repeat themselves
        start, end = spans[item.quote - 1]
        claimer = sources[item.claimer - 1]
        claims.append(
            Claim(
                id=f"{sentence.id}-{len(claims) + 1}",
                sentence_id=sentence.id,
                text=item.claim,
                quote=quotes[item.quote - 1],
                start=sentence.start + start,
                end=sentence.start + end,
                claimer=claimer,
                attribution=_chain(claimer, [sources[n - 1] for n in item.attribution]),
                type=item.type,
                # From the quote, whatever engine wrote the claim: the text is the article's.
                time=claim_time(sentence.text, start, end, date, parsed.dates),
            )
        )
    return Extraction(claims=claims, outcome=outcome)
