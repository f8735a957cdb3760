"""The project's scripts/ as modules a test can call (they are files, not a package)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.support.fake_reports import REPO


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` imported as the module ``name``."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module
