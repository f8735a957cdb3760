"""The packages' layers hold, and a wrong-way import fails the build.

The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); `make lint` runs them
(`lint-imports`). Here they run on the real import graph of the workbench, once as the code is
and once with one import added that the code does not have: each added import goes the wrong
way and must break the contracts that forbid it (an import up the layers often closes a cycle
too), and only those.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from grimp import ImportGraph
from importlinter import api  # noqa: F401  (configures import-linter's adapters)
from importlinter.adapters.building import GraphBuilder
from importlinter.application import use_cases
from importlinter.application.app_config import settings

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = REPO / "pyproject.toml"

CONTRACTS = {"layers", "language-layers", "stages-independent", "acyclic"}  # their ids


class GraphWithImport(GraphBuilder):
    """The workbench's import graph as grimp reads it from the files, plus one import."""

    def __init__(self, importer: str, imported: str) -> None:
        self.importer, self.imported = importer, imported

    def build(self, *args: Any, **kwargs: Any) -> ImportGraph:
        graph = super().build(*args, **kwargs)
        for module in (self.importer, self.imported):
            assert module in graph.modules, f"{module} is not a workbench module"
        graph.add_import(
            importer=self.importer,
            imported=self.imported,
            line_number=1,
            line_contents=f"import {self.imported}",
        )
        return graph


@pytest.fixture
def graph_builder() -> Iterator[None]:
    """Put import-linter's own graph builder back after a test swaps it."""
    real = settings.GRAPH_BUILDER
    yield
    settings.configure(GRAPH_BUILDER=real)


def kept(contracts: set[str]) -> bool:
    """Does the current graph keep every one of ``contracts`` (import-linter's own run)?"""
    spec = importlib.util.find_spec("workbench")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).is_relative_to(REPO), "the graph must be of this tree's workbench"
    return use_cases.lint_imports(
        str(PYPROJECT), limit_to_contracts=tuple(sorted(contracts)), cache_dir=None, no_logo=True
    )


def test_the_workbench_keeps_its_import_contracts() -> None:
    assert kept(CONTRACTS)


ALL = CONTRACTS


@pytest.mark.parametrize(
    ("importer", "imported", "broken"),
    [
        # The shared types reaching up to the composer: the layers, and through the composer
        # every contract (the stages and the language modules now reach each other through it).
        ("workbench.core.schema", "workbench.pipeline", ALL),
        # the analysis reaching for the model seam, which reaches back down through the engines
        ("workbench.language.dates", "workbench.llm", {"layers", "language-layers", "acyclic"}),
        # the evaluation reading the Review page's logic, which reads the evaluation
        ("workbench.evaluation.gate", "workbench.review.compare", {"layers", "acyclic"}),
        # io and session are sibling layers, independent of each other
        ("workbench.io.batch", "workbench.session", {"layers"}),
        # the parse reading its own readers
        ("workbench.language.parse", "workbench.language.questions",
         {"language-layers", "acyclic"}),
        # a stage calling another instead of the pipeline chaining them
        ("workbench.stages.evidence", "workbench.stages.extract", {"stages-independent"}),
        # a cycle inside a package without layers of its own
        ("workbench.llm.interface", "workbench.llm.wrappers", {"acyclic"}),
        # and an import down the layers, as the code has many: nothing breaks
        ("workbench.language.cues", "workbench.language.parse", set()),
    ],
)
def test_a_wrong_way_import_breaks_the_contract_that_forbids_it(
    graph_builder: None, importer: str, imported: str, broken: set[str]
) -> None:
    settings.configure(GRAPH_BUILDER=GraphWithImport(importer, imported))
    assert all(not kept({contract}) for contract in broken)  # each of them fails on its own
    others = CONTRACTS - broken
    assert not others or kept(others)  # and no other does
