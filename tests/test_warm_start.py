"""A re-run served from the cache costs what reading the cache costs, from the command line too.

A warm ``workbench extract`` process must not import the libraries that only a cache miss needs
(litellm, instructor, llama.cpp, spaCy, onnxruntime and its tokenizer, numpy): each costs from a
fraction of a second to three seconds of start-up, more than the cached run itself. Checked by
what the process has imported, not by a clock (bench/run.py times it: ``cli_warm_seconds``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.articles import article_text
from workbench.core.cache import ResponseCache, cache_key
from workbench.language.attribution import attribute, parser_identity

REPO = Path(__file__).resolve().parent.parent

# What a run answered entirely from the cache has no use for (each has one home: STYLE.md).
MISS_ONLY = (
    "litellm",
    "instructor",
    "openai",
    "llama_cpp",
    "spacy",
    "onnxruntime",
    "tokenizers",
    "numpy",
    "streamlit",
    "trafilatura",
    "nltk",
    "scipy",
)

# The CLI in a process of its own, reporting what it imported on its last stderr line.
PROBE = """
import json, sys
from workbench.cli import main
code = main(sys.argv[1:])
names = {name.split(".")[0] for name in sys.modules}
print(json.dumps({"exit": code, "modules": sorted(names)}), file=sys.stderr)
"""


def extract(workdir: Path, article: Path) -> tuple[dict[str, Any], set[str]]:
    """``workbench extract`` of ``article`` on the built-in backend: its report and the
    top-level modules the process imported."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "WORKBENCH_CACHE_DIR": str(workdir / "cache"),
        "XDG_CONFIG_HOME": str(workdir / "xdg"),  # no user config: the built-in backend
    }
    env.pop("WORKBENCH_CONFIG", None)
    out = workdir / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "extract", str(article), "--out", str(out), "--quiet"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["exit"] == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8")), set(probe["modules"])


def answers(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The claims without the seconds each engine took (the only part a re-run changes)."""
    return [{k: v for k, v in claim.items() if k != "usage"} for claim in report["claims"]]


def test_a_cached_rerun_imports_nothing_that_only_a_miss_needs(tmp_path: Path) -> None:
    article = tmp_path / "article.md"
    article.write_text(article_text(3), encoding="utf-8")
    cold, cold_modules = extract(tmp_path, article)
    # The probe sees the heavy imports where they happen: on the cold run the engines need them.
    assert {"spacy", "onnxruntime", "numpy"} <= cold_modules
    assert cold["claims"], "the article must give the stages something to answer"

    warm, warm_modules = extract(tmp_path, article)
    totals = warm["run"]["totals"]
    assert totals["cache_misses"] == 0 and totals["cache_hits"] > 0
    assert answers(warm) == answers(cold)
    assert sorted(warm_modules & set(MISS_ONLY)) == []


def test_the_parser_options_are_remembered_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extract's request (so its cache key) is built from the parser's source options: a
    re-run reads them back instead of parsing; another parser, or a corrupt entry, parses."""
    from workbench.language import attribution

    memo = ResponseCache(tmp_path / "cache")
    sentence, before = "The mayor said the bridge would reopen in May.", "Traffic was heavy."
    found = attribute(sentence, before, memo)
    assert found.claimer == "The mayor"

    def no_parse(*args: object) -> None:
        raise AssertionError("parsed although the options were remembered")

    monkeypatch.setattr(attribution, "_attribute", no_parse)
    assert attribute(sentence, before, memo) == found
    key = cache_key({"attribution": parser_identity(), "sentence": sentence, "before": before})
    memo.set(key, {"attribution": {"claimer": 3, "chain": [], "options": [], "verbs": []}})
    with pytest.raises(AssertionError, match="parsed although"):
        attribute(sentence, before, memo)  # a corrupt entry is a miss
    monkeypatch.setattr(attribution, "parser_identity", lambda: {"code": "another parser"})
    with pytest.raises(AssertionError, match="parsed although"):
        attribute(sentence, before, memo)
