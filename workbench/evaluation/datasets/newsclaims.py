"""NewsClaims (Reddy et al. 2022), dev split: real news articles with their claim sentences.

Spec ``newsclaims:PATH``, PATH the folder with ``dev.json`` and ``dev_all_sents.json``, or the
gold file itself (``X.json``, with ``X_all_sents.json`` beside it). The source hash of the run is
the gold file's.

**The article.** The raw text was not released: each article is rebuilt by placing every
sentence of ``*_all_sents.json`` at its ``start_char`` (``end_char`` is inclusive, so
``text[start_char:end_char + 1] == sentence``). Gaps are filled with white space: a one-character
gap with a space, a longer one with line breaks (a guess at a paragraph break; it changes
paragraphing only, never an offset). Whole articles run through the real pipeline
(``check_article``), as the fixtures do.

**Claim sentences.** Scored on the dataset's own sentences, whatever the pipeline's segmenter
did. A dataset sentence is *predicted* when a predicted claim's quote span ``[start, end)``
shares at least one character with the sentence's span ``[start_char, end_char + 1)`` in the
rebuilt article. A gold claim sentence is *found* when it is predicted. Recall = gold claim
sentences found / gold claim sentences; precision = predicted sentences that are gold /
predicted sentences; both pooled over articles. Only claims on four COVID-19 topics (origin,
transmission, cure, protection) are gold, so every other checkable statement counts against
precision: precision is understated (human F1 is about 0.60) and recall is the headline.

**Claimers.** Over the gold claim sentences that have a claimer (``has_claimer``) and were found:
the claimer is right when one of the predicted claims on that sentence names it, loosely: the
claimer or any name of the attribution chain, and the gold claimer, are reduced to their
lower-cased words without "the", "a", "an" and a possessive "'s"; they match when either word
set holds the other ("Behravesh" ~ "Casey Barton Behravesh", "WHO" ~ "the World Health
Organization (WHO)"; "WHO" does not match "World Health Organization").

**Topics** (``newsclaims-topics:PATH``, the benchmark's own setting): the same articles run with
NewsClaims' four topics given as topics of interest (``TOPICS``, descriptions written from the
topic names); only claims about one of them (non-empty ``topics``) count as predicted. Both
settings also report the share of sentences given a claim and of claims rated check-worthy, and
the check-first order (``workbench.classifier.rank``) by precision at 3 and 5 and average
precision per article against the gold claim sentences (``ranking_score``).

The heuristic beside it: ``heuristic.heuristic_report`` on the same rebuilt articles (one claim
per sentence the cues flag, claimed by the author), scored the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from workbench.classifier.rank import check_first
from workbench.core.errors import ConfigError
from workbench.core.prompts import PromptSet
from workbench.core.schema import Article, CheckLabel, Claim, Strict
from workbench.evaluation.dataset_runner import (
    DatasetRun,
    dataset_run,
    health_items,
    health_metrics,
)
from workbench.evaluation.datasets import Dataset, Item, ItemCallback, LoadedDataset, check_unique
from workbench.evaluation.fixture_runner import check_articles
from workbench.evaluation.heuristic import heuristic_report
from workbench.evaluation.items import ItemCounter, ItemSpec, ItemTable
from workbench.evaluation.metrics import MetricValues
from workbench.evaluation.scoring.claimers import same_claimer
from workbench.evaluation.scoring.prf import prf_from_counts
from workbench.evaluation.scoring.ranking import RankingScore, mean_ranking
from workbench.evaluation.stats import Pooling
from workbench.llm import StructuredClient
from workbench.pipeline import assign_topics

GOLD_FILE = "dev.json"

# The topic-aware setting (``newsclaims-topics``): NewsClaims' four topics as topics of interest,
# described from the topic names and general knowledge of the pandemic, not from the gold
# sentences (written once, before any run with them).
TOPICS = (
    "The origin of the coronavirus: where and how the virus that causes COVID-19 first emerged, "
    "whether it jumped to humans from bats, pangolins or another animal at a Wuhan market, or "
    "leaked from a laboratory.",
    "How the coronavirus spreads and is transmitted between people: respiratory droplets, "
    "aerosols in the air, contaminated surfaces, close contact, people without symptoms passing "
    "on the infection, animals and pets catching or passing it.",
    "Cures and treatments for COVID-19: drugs, medicines, antivirals and therapies such as "
    "hydroxychloroquine, remdesivir, plasma or home remedies, and whether they treat, cure or "
    "kill the virus.",
    "Protection against the coronavirus: how people can avoid infection with masks, face "
    "coverings, hand washing, disinfectant, social distancing, staying at home, vaccines and "
    "immunity.",
)


class SentenceSpan(Strict):
    id: str
    start: int
    end: int = Field(description="Exclusive: end_char + 1.")


class GoldClaimSentence(Strict):
    sentence_id: str
    sentence: str
    topic: str
    claimer: str | None = Field(description="The gold claimer when has_claimer, else None.")


class NewsArticle(Item):
    """One article rebuilt from its sentences, with its gold claim sentences."""

    text: str
    sentences: list[SentenceSpan] = Field(description="Every sentence, in article order.")
    claims: list[GoldClaimSentence] = Field(description="Gold claim sentences, in article order.")


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (NewsClaims keeps every sentence there)") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: invalid JSON at line {err.lineno} ({err.msg})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object of articles")
    return data


def rebuild_article(sentences: dict[str, Any], where: str) -> tuple[str, list[SentenceSpan]]:
    """The article text with every sentence at its offsets, and the sentences' spans."""
    placed = []
    for sentence_id, entry in sentences.items():
        try:
            text = str(entry["sentence"])
            start, last = int(entry["start_char"]), int(entry["end_char"])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                f"{where} {sentence_id}: needs sentence, start_char and end_char") from None
        if last - start + 1 != len(text):
            raise ConfigError(f"{where} {sentence_id}: start_char..end_char does not fit the "
                              f"sentence ({last - start + 1} characters for {len(text)})")
        placed.append((start, sentence_id, text))
    placed.sort()
    pieces: list[str] = []
    spans: list[SentenceSpan] = []
    cursor = 0
    for start, sentence_id, text in placed:
        gap = start - cursor
        if gap < 0:
            raise ConfigError(f"{where} {sentence_id}: overlaps the sentence before it")
        pieces.append(" " if gap == 1 else "\n" * gap)
        pieces.append(text)
        spans.append(SentenceSpan(id=sentence_id, start=start, end=start + len(text)))
        cursor = start + len(text)
    return "".join(pieces), spans


def read_newsclaims(path: Path) -> list[NewsArticle]:
    """Every article of ``X_all_sents.json`` beside ``path`` (``X.json``), with its gold claim
    sentences from ``path``."""
    gold = _load_json(path)
    everything = _load_json(path.with_name(f"{path.stem}_all_sents.json"))
    unknown = sorted(set(gold) - set(everything))
    if unknown:
        raise ConfigError(f"{path}: article {unknown[0]!r} has no sentences in the _all_sents file")
    items = []
    for article_id, sentences in everything.items():
        where = f"{path.stem}_all_sents.json: {article_id}"
        if not isinstance(sentences, dict):
            raise ConfigError(f"{where}: expected an object of sentences")
        text, spans = rebuild_article(sentences, where)
        known = {span.id for span in spans}
        claims = []
        for sentence_id, label in (gold.get(article_id) or {}).items():
            if sentence_id not in known:
                raise ConfigError(f"{path}: {article_id} {sentence_id} is not among its sentences")
            claimer = str(label.get("claimer") or "").strip()
            claims.append(GoldClaimSentence(
                sentence_id=sentence_id,
                sentence=str(label.get("sentence", "")),
                topic=str(label.get("topic", "")),
                claimer=claimer if label.get("has_claimer") and claimer else None,
            ))
        order = {span.id: index for index, span in enumerate(spans)}
        items.append(NewsArticle(id=f"newsclaims:{article_id}", text=text, sentences=spans,
                                 claims=sorted(claims, key=lambda c: order[c.sentence_id])))
    check_unique([item.id for item in items], path)
    return items


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------

def _overlaps(claim: Claim, span: SentenceSpan) -> bool:
    return min(claim.end, span.end) > max(claim.start, span.start)


def ranking_score(item: NewsArticle, ranked: Sequence[Claim]) -> RankingScore:
    """The check-first order against the gold claim sentences: a claim is a hit when its quote
    overlaps a gold sentence no claim above it overlapped."""
    gold = {g.sentence_id for g in item.claims}
    credited: set[str] = set()
    hits = []
    for claim in ranked:
        new = {s.id for s in item.sentences
               if s.id in gold and s.id not in credited and _overlaps(claim, s)}
        credited |= new
        hits.append(bool(new))
    return RankingScore(gold=len(gold), hits=hits)


def score_article(item: NewsArticle, claims: Sequence[Claim]) -> dict[str, Any]:
    """Predicted and found sentences and claimer matches of one article (counts and ids)."""
    on_sentence = {
        span.id: [c for c in claims if _overlaps(c, span)] for span in item.sentences
    }
    predicted = [sentence_id for sentence_id, found in on_sentence.items() if found]
    gold = {g.sentence_id for g in item.claims}
    claimers = [
        {
            "sentence": g.sentence_id,
            "gold": g.claimer,
            "predicted": [c.claimer for c in on_sentence[g.sentence_id]],
            "right": any(same_claimer(g.claimer, name)
                         for c in on_sentence[g.sentence_id]
                         for name in (c.claimer, *c.attribution)),
        }
        for g in item.claims
        if g.claimer is not None and on_sentence[g.sentence_id]
    ]
    rated = [c.checkworthiness.label for c in claims if c.checkworthiness is not None]
    return {
        "predicted": predicted,
        "found": [s for s in predicted if s in gold],
        "gold": len(gold),
        "sentences": len(item.sentences),
        "claims": len(rated),
        "check_worthy": sum(label == CheckLabel.check_worthy for label in rated),
        "claimers": claimers,
    }


def pool(scores: Sequence[dict[str, Any]]) -> MetricValues:
    """Recall, precision and F1 of claim sentences and claimer accuracy, over articles."""
    prf = prf_from_counts(sum(len(s["found"]) for s in scores),
                          sum(len(s["predicted"]) for s in scores),
                          sum(s["gold"] for s in scores))
    claimers = [c["right"] for s in scores for c in s["claimers"]]
    sentences = sum(s["sentences"] for s in scores)
    claims = sum(s["claims"] for s in scores)
    return {
        "sentences.recall": prf.recall,
        "sentences.precision": prf.precision,
        "sentences.f1": prf.f1,
        "sentences.flagged_share": (
            sum(len(s["predicted"]) for s in scores) / sentences if sentences else None
        ),
        "claims.check_worthy_share": (
            sum(s["check_worthy"] for s in scores) / claims if claims else None
        ),
        "claimer.accuracy": sum(claimers) / len(claimers) if claimers else None,
        "claimer.scored": float(len(claimers)),
    }


NEWSCLAIMS_ITEMS: ItemSpec = {
    "sentences.recall": ("item", Pooling.recall),
    "sentences.precision": ("item", Pooling.precision),
    "sentences.f1": ("item", Pooling.f1),
    "sentences.flagged_share": ("item", Pooling.ratio),
    "claims.check_worthy_share": ("item", Pooling.ratio),
    "claimer.accuracy": ("item", Pooling.ratio),
    "claimer.scored": ("item", Pooling.total),
}


def pool_items(ids: Sequence[str], scores: Sequence[dict[str, Any]]) -> ItemTable:
    """Each article's counts toward ``pool``'s metrics."""
    items = ItemCounter(NEWSCLAIMS_ITEMS)
    for item, score in zip(ids, scores, strict=True):
        for name in ("sentences.recall", "sentences.precision", "sentences.f1"):
            items.add(name, item, len(score["found"]), len(score["predicted"]), score["gold"])
        items.add("sentences.flagged_share", item, len(score["predicted"]), score["sentences"])
        items.add("claims.check_worthy_share", item, score["check_worthy"], score["claims"])
        right = sum(c["right"] for c in score["claimers"])
        items.add("claimer.accuracy", item, right, len(score["claimers"]))
        items.add("claimer.scored", item, len(score["claimers"]))
    return items.table()


NEWSCLAIMS_METRICS = {
    "sentences.recall": "share of gold claim sentences a predicted claim's quote overlaps "
    "(the headline)",
    "sentences.precision": "share of sentences with a predicted claim that are gold claim "
    "sentences (understated: only COVID-topic claims are gold)",
    "sentences.f1": "harmonic mean of the two",
    "sentences.flagged_share": "share of all sentences a predicted claim's quote overlaps "
    "(how much of an article the backend flags)",
    "claims.check_worthy_share": "share of predicted claims rated check_worthy (maybe and not "
    "check-worthy are the rest; the heuristic rates every claim it makes check_worthy)",
    "claimer.accuracy": "found gold claim sentences with a claimer whose claimer a predicted "
    "claim names (loose match)",
    "claimer.scored": "found gold claim sentences with a claimer",
    "ranking.p_at_3": "check-first order: gold claim sentences among the first 3 claims, "
    "mean over articles",
    "ranking.p_at_5": "the same among the first 5",
    "ranking.map": "mean over articles of the check-first order's average precision",
    "health.seconds": "summed stage seconds (wall time of each stage, as for the fixtures)",
}


def article_of(item: NewsArticle) -> Article:
    return Article(text=item.text, source=item.id)


async def run_newsclaims(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
    topics: Sequence[str] = (),
) -> DatasetRun:
    """Whole articles through the pipeline; claim sentences and claimers scored (docstring).
    With ``topics`` (the topic-aware setting) only claims about one of them count."""
    items = [i for i in dataset.items if isinstance(i, NewsArticle)]

    def on_article(index: int, report: Any, seconds: float, done: int, total: int) -> None:
        if on_item is not None:
            on_item(done, total)

    checked = await check_articles([article_of(i) for i in items], client, prompts,
                                   on_article=on_article)
    if topics:
        checked = [(assign_topics(r, topics), seconds) for r, seconds in checked]
    counted = [[c for c in r.claims if c.topics or not topics] for r, _ in checked]
    scores = [score_article(i, claims) for i, claims in zip(items, counted, strict=True)]
    ranking = mean_ranking([ranking_score(i, [r.claim for r in check_first(report)])
                            for i, (report, _) in zip(items, checked, strict=True)])
    heuristic = [score_article(i, heuristic_report(article_of(i)).claims) for i in items]
    rows = [
        {
            "id": item.id,
            "sentences": len(item.sentences),
            "gold": [g.sentence_id for g in item.claims],
            "summary": report.summary(),
            "seconds": round(seconds, 2),
            **score,
            "heuristic": theirs["predicted"],
            "heuristic_found": theirs["found"],
        }
        for item, (report, seconds), score, theirs in zip(items, checked, scores, heuristic,
                                                          strict=True)
    ]
    health = health_metrics(stats for report, _ in checked for stats in report.run.stages.values())
    stages = {i.id: r.run.stages.values() for i, (r, _) in zip(items, checked, strict=True)}
    item_scores = {**pool_items([i.id for i in items], scores), **health_items(stages)}
    metrics = {**pool(scores), **ranking}
    return dataset_run(dataset, metrics, health, pool(heuristic), NEWSCLAIMS_METRICS, rows,
                       item_scores)


async def run_newsclaims_topics(
    dataset: LoadedDataset,
    client: StructuredClient,
    prompts: PromptSet,
    *,
    on_item: ItemCallback | None = None,
) -> DatasetRun:
    """The topic-aware setting: the four topics given (``TOPICS``); a gold sentence is found
    when a claim about one of them overlaps it."""
    return await run_newsclaims(dataset, client, prompts, on_item=on_item, topics=TOPICS)


def _folder_file(folder: Path) -> Path | None:
    return folder / GOLD_FILE if (folder / GOLD_FILE).is_file() else None


DATASET = Dataset(name="newsclaims", read=read_newsclaims, run=run_newsclaims,
                  folder_file=_folder_file)
VARIANTS = {
    "newsclaims-topics": Dataset(name="newsclaims-topics", read=read_newsclaims,
                                 run=run_newsclaims_topics, folder_file=_folder_file),
}
