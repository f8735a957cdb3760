"""Engines that answer a stage without a language model: rules, surface cues, a trained classifier.

A 135M model cannot carry every stage, so each stage of a backend runs a chain of engines
(``[backends.NAME.stages.STAGE] engine = [...]``): ``model`` asks the backend's model, the others
are here. Each answers in the stage's own response shape from the request's variables, so the
pipeline, the cache, recordings and reports treat every engine alike; the answer's ``engine`` is
kept in each claim's provenance.

- ``rules`` (``rules``): select by the cue scorer's verdict; claims and evidence plans read
  from spaCy's parse;
- ``cues`` (``ratings``): check-worthiness from the cue scorer of ``workbench.language.cues``
  (fitted on CheckThat! train);
- ``classifier`` (``ratings``): select and check-worthiness from the trained sentence classifier
  (``workbench.classifier``), a claim read alone and in its sentence.

The package itself holds the registry (``ENGINES``: which engine answers which stage, how) and
each engine's cache identity. The engines may import ``workbench.classifier``,
``workbench.language`` and ``workbench.core``; ``workbench.llm`` runs them
(``engine_client``), so they never import it.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.schema import Stage
from workbench.engines import ratings, rules
from workbench.engines.ratings import classifier_rating, classifier_select, cue_rating, cue_select
from workbench.engines.rules import rules_evidence, rules_extract

if TYPE_CHECKING:  # the names and what each answers: workbench.core.config, which the config checks
    from workbench.core.config import EngineName

Answer = Callable[[Mapping[str, Any]], dict[str, Any]]

ENGINES: dict[EngineName, dict[Stage, Answer]] = {
    "rules": {
        Stage.select: cue_select,
        Stage.extract: rules_extract,
        Stage.checkworthiness: lambda v: cue_rating(str(v["claim"])),
        Stage.evidence: rules_evidence,
    },
    "cues": {
        Stage.select: cue_select,
        Stage.checkworthiness: lambda v: cue_rating(str(v["claim"])),
    },
    "classifier": {
        Stage.select: classifier_select,
        Stage.checkworthiness: lambda v: classifier_rating(str(v["claim"]), str(v["sentence"])),
    },
}


def engine_answer(engine: EngineName, stage: Stage, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer of a non-model ``engine`` for one request of ``stage``."""
    try:
        answer = ENGINES[engine][stage]
    except KeyError:
        raise ValueError(f"engine {engine!r} does not answer the {stage} stage") from None
    return answer(variables)


def engine_identity(engine: EngineName, stage: Stage) -> dict[str, Any]:
    """What changes a non-model engine's answer (its cache identity): the code that computes it
    and the fitted weights it reads, by content hash, so an edit is never served stale answers."""
    from workbench.core import schema
    from workbench.language import (
        attribution,
        cues,
        dates,
        evidence_sources,
        parse,
        questions,
        reporting,
        segment,
        sources,
        standalone,
    )

    identity: dict[str, Any] = {
        "engine": engine,
        "code": _sha256(
            Path(__file__), Path(rules.__file__), Path(ratings.__file__), Path(cues.__file__)
        ),
    }
    if engine == "rules":  # every module this one imports that shapes an answer
        modules = (
            attribution, reporting, sources, parse, questions, dates, segment, evidence_sources,
            standalone, schema,
        )  # fmt: skip
        identity["parser"] = _sha256(*(Path(str(m.__file__)) for m in modules))
    if engine == "classifier":
        # Located, not imported: importing the classifier brings numpy, a fifth of what a run
        # served from the cache costs, and the key needs only the files' bytes.
        from workbench.classifier import HEAD_PATH

        identity["classifier"] = _sha256(
            HEAD_PATH,
            _module_path("workbench.classifier.head"),
            _module_path("workbench.classifier.encoder"),
        )
    return identity


def _module_path(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name  # our own modules
    return Path(spec.origin)


@cache
def _sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
