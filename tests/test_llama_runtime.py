"""The local-model runtime runs wherever it installs: built for instructions the CPU runs, checked
on a long prompt in a child process, and optional (a model backend without it says how to get it).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.config import embedded_backend
from workbench.core.errors import ConfigError
from workbench.llm import backend as llm_backend
from workbench.llm import open_client
from workbench.llm.runtime_check import PROMPT_TOKENS, check

REPO = Path(__file__).resolve().parents[1]
# AVX-512 works on zmm registers and opmasks ({%k1}); AMX on tiles. A portable build has none.
WIDE = re.compile(r"%zmm\d|\{%k[1-7]\}|\b(tileloadd|tilestored|ldtilecfg|tdpb[a-z]*|tdpfp16ps)\b")


@pytest.mark.model
def test_the_embedded_model_runs_a_long_prompt_in_a_child_process() -> None:
    code, line = check()
    assert code == 0, line
    assert line.startswith(f"the embedded model ran a {PROMPT_TOKENS}-token prompt in ")


@pytest.mark.model
def test_the_default_build_carries_no_avx512_or_amx_instruction() -> None:
    build = (REPO / ".venv" / ".llama-build").read_text(encoding="utf-8")
    if "build=native" in build:
        pytest.skip("a native build was asked for (WORKBENCH_LLAMA_BUILD=native)")
    assert "-DGGML_NATIVE=OFF" in build
    objdump = shutil.which("objdump")
    assert objdump, "objdump is missing: apt-get install binutils (scripts/setup.sh dev)"
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.origin
    libraries = sorted(Path(spec.origin).parent.glob("lib/libggml-cpu*.so"))
    assert libraries, "llama_cpp ships no libggml-cpu library"
    for library in libraries:
        listing = subprocess.run(
            [objdump, "-d", "--no-show-raw-insn", str(library)],
            capture_output=True, text=True, check=True,
        ).stdout
        assert len(listing) > 100_000  # really disassembled
        wide = sorted({match.group(0) for match in WIDE.finditer(listing)})
        assert wide == [], f"{library.name} uses {wide[:10]}"


def test_a_crashing_runtime_is_one_line_that_says_how_to_rebuild() -> None:
    dies = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]
    code, line = check(dies)
    assert code == 1 and "\n" not in line
    assert line.startswith("the embedded model's runtime crashed with SIGILL (likely an ")
    assert "scripts/llama_runtime.sh" in line


def test_a_missing_runtime_is_one_line_that_says_how_to_install_it() -> None:
    # What the child prints where llama-cpp-python is not installed.
    missing = [sys.executable, "-c", "raise ModuleNotFoundError(\"No module named 'llama_cpp'\")"]
    code, line = check(missing)
    assert (code, "\n" in line) == (2, False)
    assert line.startswith("the local-model runtime is not installed (") and "make model" in line


def test_a_model_backend_without_the_runtime_fails_before_any_work(
    monkeypatch: pytest.MonkeyPatch, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        llm_backend.importlib.util, "find_spec",
        lambda name, *a: None if name == "llama_cpp" else real(name, *a),
    )
    with pytest.raises(ConfigError, match=r"needs the local-model runtime .* run `make model`"):
        open_client(embedded_backend())
    article = chdir_tmp / "a.txt"
    article.write_text("The council said 40 new staff joined in May.\n", encoding="utf-8")
    code = main(["extract", str(article), "--backend", "embedded"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "backend 'embedded' runs SmolLM2 in-process" in err and "make model" in err
    assert main(["extract", str(article), "--out", str(chdir_tmp / "r.json")]) == 0  # builtin
