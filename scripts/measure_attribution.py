"""Measure claimer options against gold labels: the old regex options vs the spaCy parser's.

    PYTHONPATH=. python scripts/measure_attribution.py [--newsclaims DIR] [--show-misses]

For every gold claim of ``evals/fixtures/*.yaml`` (the sentence that holds its quote, with the
two sentences before it as context) it reports how often the gold claimer is

- (a) among the options offered to the model, and
- (b) the top claimer: the parser's ``Attribution.claimer``; for the regexes, the first name a
  reporting regex finds in the sentence, else "the author".

Optionally the same for NewsClaims dev (claim sentences whose claimer is labelled; split by
whether the claimer is named in the sentence). This is measurement only: the fixtures and the
data set are evaluation data, no rule of ``workbench.language.attribution`` is fitted to their text.

A gold claimer "matches" a name when both are equal up to case, a leading article and a
possessive ("strict"), or when one contains the other word for word ("Anna Falk" in "Committee
chair Anna Falk": "loose"). "the author" only matches "the author".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.evaluation.fixtures import load_fixtures, reference_sentence_spans
from workbench.language.attribution import attribute
from workbench.language.sources import AUTHOR

# --------------------------------------------------------------------------------------------
# The regex baseline: workbench/stages/extract.py's source_options before the parser replaced it
# (commit 72814c9), kept verbatim here so that the comparison can be re-run.
# --------------------------------------------------------------------------------------------

_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:of|the|for|de|al|bin)?\s*[A-Z][\w.'’-]*){0,5}"
_VERB = (
    r"(?:said|says|say|reports?|reported|explains?|explained|"
    r"told|tells|announced|announces|stated|states|claims?|claimed|wrote|writes|added|warned|"
    r"called|congratulated|confirmed|denied|insisted)"
)
_REPORTED_BY = re.compile(rf"({_NAME})\s+(?:has\s+|have\s+)?{_VERB}\b")
_REPORTED_AFTER = re.compile(rf"[,”\"']\s*{_VERB}\s+((?:the\s+)?{_NAME})")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those"}
_SENTENCE_END = re.compile(r"(?<=[a-z]{2})\.\s+")
_TITLES = {"mrs", "gen", "col", "sgt", "gov", "sen", "rep", "prof", "capt", "maj", "adm", "cpl"}
_ACCORDING_TO = re.compile(rf"\baccording to\s+((?:the\s+)?{_NAME})")
_PROPER_PHRASE = re.compile(r"\b[A-Z][\w.'’-]+(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w.'’-]+)+")
MAX_OPTIONS = 8


def _clean(names: list[str]) -> list[str]:
    out = []
    for name in (part for match in names for part in _SENTENCE_END.split(match)):
        name = name.strip(" .,;:'’\"")
        if name and name.lower() not in _PRONOUNS | _TITLES:
            out.append(name)
    return out


def regex_options(sentence: str, before: str) -> list[str]:
    options = [AUTHOR]
    for text in (sentence, before):
        found = [m.group(1) for m in _REPORTED_BY.finditer(text)]
        found += [m.group(1) for m in _REPORTED_AFTER.finditer(text)]
        found += [m.group(1) for m in _ACCORDING_TO.finditer(text)]
        found += [m.group(0) for m in _PROPER_PHRASE.finditer(text)]
        for name in _clean(found):
            if _key(name) not in {_key(o) for o in options}:
                options.append(name)
    return options[:MAX_OPTIONS]


def regex_claimer(sentence: str, before: str) -> str:
    found = [m.group(1) for m in _REPORTED_BY.finditer(sentence)]
    found += [m.group(1) for m in _REPORTED_AFTER.finditer(sentence)]
    found += [m.group(1) for m in _ACCORDING_TO.finditer(sentence)]
    names = _clean(found)
    return names[0] if names else AUTHOR


def parser_options(sentence: str, before: str) -> list[str]:
    return attribute(sentence, before).options[:MAX_OPTIONS]


def parser_claimer(sentence: str, before: str) -> str:
    return attribute(sentence, before).claimer


# --------------------------------------------------------------------------------------------
# Matching and counting
# --------------------------------------------------------------------------------------------


def _key(name: str) -> str:
    key = " ".join(re.sub(r"[^\w\s']", " ", name.lower().replace("’", "'")).split())
    for article in ("the ", "a ", "an "):
        key = key.removeprefix(article)
    return key.removesuffix("'s").removesuffix(" s")


def matches(gold: str, name: str, loose: bool) -> bool:
    if _key(gold) == _key(AUTHOR) or _key(name) == _key(AUTHOR):
        return _key(gold) == _key(name)
    g, n = _key(gold), _key(name)
    if g == n:
        return True
    return loose and bool(g and n) and (f" {g} " in f" {n} " or f" {n} " in f" {g} ")


@dataclass
class Case:
    sentence: str
    before: str
    gold: str
    group: str


@dataclass
class Tally:
    n: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, hit: bool) -> None:
        self.counts[key] = self.counts.get(key, 0) + int(hit)


Method = tuple[Callable[[str, str], list[str]], Callable[[str, str], str]]
METHODS: dict[str, Method] = {
    "regex": (regex_options, regex_claimer),
    "parser": (parser_options, parser_claimer),
}


def fixture_cases(directory: Path) -> list[Case]:
    cases = []
    for fixture in load_fixtures(directory):
        text = fixture.article.text
        spans = reference_sentence_spans(text)
        for claim in fixture.claims:
            start = text.index(claim.quote)
            index = next(
                i for i, (a, b) in enumerate(spans) if a <= start and start + len(claim.quote) <= b
            )
            before = " ".join(text[a:b] for a, b in spans[max(0, index - 2) : index])
            group = "author" if _key(claim.claimer) == _key(AUTHOR) else "named"
            a, b = spans[index]
            cases.append(Case(text[a:b], before, claim.claimer, group))
    return cases


def newsclaims_cases(directory: Path) -> list[Case]:
    labelled = json.loads((directory / "dev.json").read_text(encoding="utf-8"))
    every = json.loads((directory / "dev_all_sents.json").read_text(encoding="utf-8"))
    cases = []
    for article, claims in labelled.items():
        order = sorted(every[article].values(), key=lambda s: s["start_char"])
        texts = [s["sentence"] for s in order]
        for claim in claims.values():
            if not claim.get("has_claimer") or not claim.get("claimer"):
                continue
            index = texts.index(claim["sentence"])
            before = " ".join(texts[max(0, index - 2) : index])
            group = "in sentence" if claim.get("claimer_in_sentence") else "not in sentence"
            cases.append(Case(claim["sentence"], before, claim["claimer"], group))
    return cases


def measure(cases: list[Case], show_misses: bool) -> dict[str, dict[str, Tally]]:
    table: dict[str, dict[str, Tally]] = {}
    for case in cases:
        for group in ("all", case.group):
            for method, (options_of, claimer_of) in METHODS.items():
                tally = table.setdefault(group, {}).setdefault(method, Tally())
                tally.n += 1
                options = options_of(case.sentence, case.before)
                top = claimer_of(case.sentence, case.before)
                for loose in (False, True):
                    suffix = "loose" if loose else "strict"
                    offered = any(matches(case.gold, o, loose) for o in options)
                    tally.add(f"options {suffix}", offered)
                    tally.add(f"top {suffix}", matches(case.gold, top, loose))
        if show_misses:
            attribution = attribute(case.sentence, case.before)
            if not any(matches(case.gold, o, True) for o in attribution.options[:MAX_OPTIONS]) or (
                not matches(case.gold, attribution.claimer, True)
            ):
                print(f"gold {case.gold!r} top {attribution.claimer!r} "
                      f"options {attribution.options[:MAX_OPTIONS]}\n    {case.sentence}")
    return table


def report(title: str, table: dict[str, dict[str, Tally]]) -> str:
    lines = [f"### {title}", "",
             "| claims | method | n | in options (strict / loose) | top claimer (strict / loose) |",
             "| --- | --- | --- | --- | --- |"]
    for group, methods in table.items():
        for method, t in methods.items():
            def pct(key: str, t: Tally = t) -> str:
                return f"{t.counts.get(key, 0)}/{t.n} ({100 * t.counts.get(key, 0) / t.n:.0f}%)"

            lines.append(
                f"| {group} | {method} | {t.n} | {pct('options strict')} / {pct('options loose')}"
                f" | {pct('top strict')} / {pct('top loose')} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=Path("evals/fixtures"))
    parser.add_argument("--newsclaims", type=Path, default=None, help="folder with dev.json")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    print(report("evals/fixtures", measure(fixture_cases(args.fixtures), args.show_misses)))
    if args.newsclaims is not None:
        cases = newsclaims_cases(args.newsclaims)
        print()
        print(report("NewsClaims dev (has_claimer)", measure(cases, args.show_misses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
