"""The process of ``workbench ui``: Streamlit's own command line, made safe for many sessions.

Every Streamlit session runs its script in a thread of one process. CPython 3.11 keeps the
recursion depth of its AST constructor in state the whole interpreter shares (CPython issue
gh-106905): when two threads build ASTs at once, one of them fails with "SystemError: AST
constructor recursion depth mismatch". Threads here build ASTs more often than one would
think: Streamlit compiles each page through ``ast.parse`` on its first visit ("magic"),
``traceback`` parses source lines to place its carets when an error is logged, ``inspect``
parses a builtin's signature text when pydantic builds a response model for a request. The
8-session load test lost a Review page to it (tests/ui/test_load_browser.py), so the server
parses one AST at a time; a parse takes well under a millisecond.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from typing import Any


def serialise_ast_parsing() -> None:
    """Make ``ast.parse`` (and ``ast.literal_eval``, which calls it) one thread at a time.

    Re-entrant: a parse in a thread may run a garbage-collection callback that parses again."""
    if getattr(ast.parse, "__wrapped__", None) is not None:
        return
    lock = threading.RLock()
    parse = ast.parse

    @functools.wraps(parse)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = one_at_a_time


def main() -> None:
    serialise_ast_parsing()
    from streamlit.web.cli import main as streamlit

    # the same program name as `python -m streamlit`, which Streamlit reads back
    sys.exit(streamlit(prog_name="streamlit"))


if __name__ == "__main__":
    main()
