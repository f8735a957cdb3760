"""AppTest set-up: the workbench app on fake backends, each test with its own config and cache.

Each test gets a fresh cache directory, which is part of the key of the one shared resource
(``st.cache_resource`` of the engine ``Session``): nothing a test computes leaks into the next.
The app keeps results only in ``st.session_state``, which is per AppTest instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "workbench" / "ui" / "app.py"
FAKE_CONFIG = """
default = "fake"

[backends.fake]
model = "fake/heuristic"

[backends.fake2]
model = "fake/second"
"""


@pytest.fixture(autouse=True)
def _server_address() -> Iterator[None]:
    """The address a server started by `workbench ui` binds by default: AppTest has no server,
    and Streamlit's unset address would mean "every interface" to the access gate."""
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def exposed(_server_address: None) -> str:
    """Play a server bound to every interface (as `workbench ui --host 0.0.0.0` does)."""
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")
    return "0.0.0.0"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory with its own config file and response cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def write_config(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = workdir / "workbench.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("WORKBENCH_CONFIG", str(path))
        return path

    return write


@pytest.fixture
def make_app(write_config: Callable[[str], Path]) -> Callable[..., AppTest]:
    """A started app; ``config`` replaces the fake-backend config."""

    def make(config: str = FAKE_CONFIG, timeout: float = 60) -> AppTest:
        write_config(config)
        app = AppTest.from_file(str(APP), default_timeout=timeout)
        app.run()
        assert not app.exception, app.exception
        return app

    return make


@pytest.fixture
def app(make_app: Callable[..., AppTest]) -> AppTest:
    return make_app()
