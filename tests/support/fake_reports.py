"""A small article with every kind of sentence, checked on the deterministic fake backend."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.prompts import PromptSet
from workbench.core.schema import Report
from workbench.io.ingest import read_article
from workbench.llm import FakeClient
from workbench.llm.fake import heuristic_responder
from workbench.pipeline import check_article_sync

REPO = Path(__file__).resolve().parents[2]
SEED_FILES = sorted((REPO.parent / "shared" / "seeds").glob("*.txt"))

# Heading, byline and dateline (skipped), claims with numbers, an attributed claim, a script tag
# and dollar signs (escaping), a question and an opinion (no claim), a newsletter line (skipped).
ARTICLE = """# Flood closes Route 9

By Ana Ruiz

March 3, 2025

Flood water closed Route 9 near Geneva on Monday, the county said. About 1,200 homes lost power, \
according to Geneva Power. Residents said the <script>alert(1)</script> warning came too late. \
The repairs will cost $4.2 million and $1 million more next year.

Is this the worst flood in memory? Nobody really knows.

Subscribe to our newsletter for more.
"""


def fake_report(raw: str | bytes = ARTICLE, name: str = "flood.md") -> Report:
    """The article through the whole pipeline on the fake backend (instant, no model)."""
    return check_article_sync(read_article(raw, name), FakeClient(heuristic_responder), PromptSet())


FAKE_BACKENDS = """
default = "fake"

[backends.fake]
model = "fake/heuristic"

[backends.fake2]
model = "fake/second"
"""
EVAL_FIXTURE = "wire-port-strike-2026"


@functools.cache
def eval_runs() -> Path:
    """A reports folder with two `workbench eval` runs of the fake backend on one fixture:
    the first blesses the baseline; the second runs against a baseline edited to differ (a
    claim dropped, one reworded, one label and one sentence status changed, claims.f1 raised),
    so it shows a regression and a per-claim diff. Made once per test session."""
    root = Path(tempfile.mkdtemp(prefix="wb-evals-"))
    atexit.register(shutil.rmtree, root, True)
    evals = root / "evals"
    (evals / "baselines").mkdir(parents=True)
    shutil.copy(REPO / "evals" / "config.toml", evals / "config.toml")
    (evals / "fixtures").symlink_to(REPO / "evals" / "fixtures")
    (root / "workbench.toml").write_text(FAKE_BACKENDS, encoding="utf-8")
    args = [
        "eval",
        "--backend",
        "fake",
        "--evals",
        str(evals),
        "--fixture",
        EVAL_FIXTURE,
        "--quiet",
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_CONFIG", str(root / "workbench.toml"))
        assert main([*args, "--bless"]) == 0
        baseline_path = evals / "baselines" / "fake.json"
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
        predicted = baseline["fixtures"][EVAL_FIXTURE]
        predicted["claims"].pop(1)
        predicted["claims"][0]["text"] = "A claim the baseline worded differently."
        predicted["claims"][2]["checkworthiness"]["label"] = "maybe"
        predicted["sentences"][5]["status"] = "ambiguous"
        for entry in baseline["sets"].values():
            entry["metrics"]["claims.f1"] = 0.99
        baseline_path.write_text(json.dumps(baseline), encoding="utf-8")
        time.sleep(1.1)  # run folders are named by the second they start
        assert main(args) == 1  # the raised claims.f1 is a regression
    return evals / "reports"
