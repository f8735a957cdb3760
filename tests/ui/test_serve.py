"""The `workbench ui` process parses ASTs one thread at a time (workbench/ui/serve.py).

Four threads parse a large module while every garbage collection yields the GIL (as a
finaliser or a logging handler can): on CPython 3.11 that interleaves two AST constructors and
one fails with "SystemError: AST constructor recursion depth mismatch" (gh-106905), as a
Streamlit page did in the 8-session load test. Run in a child interpreter: the guard changes
``ast`` for the whole process.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

STRESS = """
import ast, gc, sys, threading, time
if sys.argv[1] == "guarded":
    from workbench.ui.serve import serialise_ast_parsing
    serialise_ast_parsing()
    serialise_ast_parsing()  # twice: one lock, not a lock around a lock
source = open(ast.__file__).read()
errors = []
def parse():
    try:
        for _ in range(15):
            ast.parse(source)
            ast.literal_eval("{'a': [1, 2]}")
    except SystemError as error:
        errors.append(str(error))
gc.set_threshold(50)
gc.callbacks.append(lambda phase, info: time.sleep(0))
threads = [threading.Thread(target=parse) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), errors[:1])
"""


def stress(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", STRESS, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_guarded_parsing_survives_threads_that_interleave() -> None:
    assert stress("guarded") == "0 []"


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the race is CPython 3.11's")
def test_unguarded_parsing_fails_here_so_the_test_above_means_something() -> None:
    assert "AST constructor recursion depth mismatch" in stress("unguarded")
