"""Sharing the workbench: `workbench ui` binds loopback unless told otherwise, refuses to expose
it without authentication, and the app's gate shows nothing but the sign-in to a stranger.

The CLI tests replace ``os.execve`` (no server starts); the gate runs under AppTest, with the
server address set as `workbench ui` would set it (see ``exposed`` in conftest). The real
server in a real browser is tests/ui/test_share_browser.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.net import free_port, listening
from tests.support.ui_steps import by_label
from tests.ui.conftest import FAKE_CONFIG
from workbench import cli
from workbench.ui import access

PASSWORD = "correct horse battery staple"
PAGES = ["Check", "Review", "Compare", "Evals", "Backends & cache"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """What `workbench ui` would exec; cwd is restored after the CLI's chdir to the repo."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(access.PASSWORD_ENV, raising=False)
    monkeypatch.delenv("STREAMLIT_SERVER_ADDRESS", raising=False)
    monkeypatch.setattr(access, "_auth_section", lambda: None)  # whatever ~/.streamlit holds
    calls: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execve", lambda _exe, argv, _env: calls.append(argv))
    return calls


def address_of(argv: list[str]) -> str:
    return argv[argv.index("--server.address") + 1]


def test_loopback_by_default(started: list[list[str]]) -> None:
    cli.main(["ui"])
    assert address_of(started[0]) == "127.0.0.1"
    assert started[0][-2:] == ["--server.address", "127.0.0.1"]


@pytest.mark.parametrize(
    "args",
    [
        ["--host", "0.0.0.0"],
        ["--host", "::"],
        ["--host", "192.168.1.20"],
        ["--host", "lab-box.example.org"],
        ["--server.address", "0.0.0.0"],
        ["--server.address=0.0.0.0"],
        ["--server.port", "8600", "--server.address", "0.0.0.0"],
    ],
)
def test_exposed_without_authentication_refuses_in_one_line(
    started: list[list[str]], capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert cli.main(["ui", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: refusing to listen on ")
    assert "without authentication: set $WORKBENCH_UI_PASSWORD" in err
    assert err.count("\n") == 1
    assert started == []


def test_streamlit_own_setting_is_an_exposure_too(
    started: list[list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMLIT_SERVER_ADDRESS", "0.0.0.0")
    assert cli.main(["ui"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err


def test_the_real_command_refuses_and_nothing_listens(tmp_path: Path) -> None:
    """The installed `workbench` in a process of its own, as a person would type it."""
    env = {k: v for k, v in os.environ.items() if k not in {access.PASSWORD_ENV, "HOME"}}
    env.pop("STREAMLIT_SERVER_ADDRESS", None)
    port = free_port()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "workbench"), "ui", "--host", "0.0.0.0"]
        + ["--port", str(port)],
        env={**env, "HOME": str(tmp_path)},  # no ~/.streamlit/secrets.toml of this machine
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: refusing to listen on 0.0.0.0 without authentication")
    assert result.stderr.count("\n") == 1
    assert not listening(port)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_need_no_login(started: list[list[str]], host: str) -> None:
    cli.main(["ui", "--host", host, "--port", "8611"])
    assert address_of(started[0]) == host
    assert started[0][started[0].index("--server.port") + 1] == "8611"


def test_exposed_with_the_password_execs_streamlit_on_that_address(
    started: list[list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(access.PASSWORD_ENV, PASSWORD)
    cli.main(["ui", "--host", "0.0.0.0", "--server.headless", "true"])
    argv = started[0]
    assert argv[1:4] == ["-m", "workbench.ui.serve", "run"]
    assert address_of(argv) == "0.0.0.0"
    assert argv[-2:] == ["--server.headless", "true"]
    assert "--logger.hideWelcomeMessage" in argv  # its welcome would ask an outside service
    err = capsys.readouterr().err
    assert "listening on 0.0.0.0" in err and "password login" in err
    assert PASSWORD not in err and PASSWORD not in " ".join(argv)


def test_a_password_on_the_command_line_is_refused(
    started: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ui", "--host", "0.0.0.0", "--password", PASSWORD]) == 2
    err = capsys.readouterr().err
    assert "--password is refused" in err and "WORKBENCH_UI_PASSWORD" in err
    assert PASSWORD not in err
    assert started == []


def test_a_short_password_is_refused(
    started: list[list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(access.PASSWORD_ENV, "hunter2")
    assert cli.main(["ui", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "shorter than 12 characters" in err and "hunter2" not in err


def test_conflicting_addresses_are_a_usage_error(
    started: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ui", "--host", "127.0.0.1", "--server.address", "0.0.0.0"]) == 2
    assert "--host and --server.address disagree" in capsys.readouterr().err


def test_oidc_needs_authlib_and_then_starts(
    started: list[list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    section = {"redirect_uri": "http://lab:8501/oauth2callback", "cookie_secret": "x"}
    monkeypatch.setattr(access, "_auth_section", lambda: section)
    monkeypatch.setattr("streamlit.auth_util.is_authlib_installed", lambda: False)
    assert cli.main(["ui", "--host", "0.0.0.0"]) == 2
    assert "Authlib" in capsys.readouterr().err
    monkeypatch.setattr(access, "oidc_problem", lambda _section: "")
    cli.main(["ui", "--host", "0.0.0.0"])
    assert address_of(started[0]) == "0.0.0.0"
    assert "OIDC login" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        (None, False),  # Streamlit's default: every interface
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("lab-box", False),  # a name we do not resolve counts as exposed
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert access.is_loopback(address) is loopback


def test_password_comparison() -> None:
    assert access.password_matches(PASSWORD, PASSWORD)
    assert not access.password_matches(PASSWORD[:-1], PASSWORD)
    assert not access.password_matches("", PASSWORD)
    assert not access.password_matches(PASSWORD + " ", PASSWORD)


# --------------------------------------------------------------------------------------------
# The gate in the app (AppTest)
# --------------------------------------------------------------------------------------------


def page_text(app: AppTest) -> str:
    """Every value and label the script produced, flattened (what a browser could show)."""
    parts: list[str] = []
    for node in app._tree:  # noqa: SLF001 - AppTest has no public walk of every element
        parts += _texts(node)
    return "\n".join(parts)


def _texts(node: Any) -> list[str]:
    found = [str(getattr(node, a)) for a in ("value", "label", "body") if hasattr(node, a)]
    for child in getattr(node, "children", {}).values():
        found += _texts(child)
    return found


def shows_pages(app: AppTest) -> bool:
    return any(b.label == "Run check" for b in app.button)


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(access.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(access, "WRONG_PASSWORD_DELAY", 0.0)
    return PASSWORD


def sign_in(app: AppTest, given: str) -> AppTest:
    app.text_input(key="access-password").input(given)
    by_label(app.button, "Sign in").click()
    return app.run()


def test_exposed_without_authentication_shows_only_the_refusal(
    exposed: str, make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(access.PASSWORD_ENV, raising=False)
    app = make_app()
    assert [e.value for e in app.error] == [
        f"refusing to listen on {exposed} without authentication: set $WORKBENCH_UI_PASSWORD "
        "(12+ characters) or configure OIDC login in the [auth] section of "
        ".streamlit/secrets.toml"
    ]
    assert not shows_pages(app)
    assert not app.text_input  # no sign-in either: nothing to sign in with


def test_wrong_password_shows_nothing_right_password_the_check_page(
    exposed: str, password: str, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    assert not shows_pages(app)
    assert [b.label for b in app.button] == ["Sign in"]
    for wrong in ["", "correct horse battery", password.upper(), password + "x"]:
        sign_in(app, wrong)
        assert [e.value for e in app.error] == ["Wrong password."]
        assert not shows_pages(app)
        text = page_text(app)
        assert not any(title in text for title in ("Run check", "Backends", "Response cache"))
    sign_in(app, password)
    assert shows_pages(app), page_text(app)
    assert not app.error
    # Only the fact of signing in is remembered, never the password itself.
    assert password not in repr(app.session_state)
    app.run()
    assert shows_pages(app)  # remembered for this browser session


def test_a_configured_password_is_asked_on_loopback_too(
    password: str, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    assert not shows_pages(app)
    assert sign_in(app, password) and shows_pages(app)


def test_loopback_without_authentication_opens_directly(
    make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(access.PASSWORD_ENV, raising=False)
    assert shows_pages(make_app())


def test_oidc_login_is_streamlits(
    exposed: str,
    write_config: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``[auth]`` in the secrets the gate offers Streamlit's login and trusts st.user;
    the password (set too, here) is not asked."""
    from tests.ui.conftest import APP

    monkeypatch.setenv(access.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(access, "oidc_problem", lambda _section: "")
    logins: list[str] = []
    monkeypatch.setattr("streamlit.login", lambda provider=None: logins.append(provider))
    write_config(FAKE_CONFIG)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.secrets = {
        "auth": {
            "redirect_uri": "http://lab:8501/oauth2callback",
            "cookie_secret": "s",
            "client_id": "id",
            "client_secret": "secret",
            "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
        }
    }
    app.run()
    assert not shows_pages(app) and not app.text_input
    by_label(app.button, "Sign in").click()
    app.run()
    assert logins == ["default"]
    assert not shows_pages(app)

    app.user = {"is_logged_in": True, "email": "ana@lab.example"}
    app.run()
    assert shows_pages(app)


BACKENDS = "views/backends.py"


def test_clearing_the_cache_needs_a_signed_in_user_when_exposed(
    exposed: str, password: str, make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    sign_in(app, password)
    app.switch_page(BACKENDS)
    app.run()
    assert any(b.label == "Clear cache" for b in app.button)
    # A page reached without signing in (were the gate ever bypassed) offers no clearing.
    monkeypatch.setattr(access, "gate", lambda: None)
    app.session_state[access.SIGNED_IN] = False
    app.run()
    assert not any(b.label == "Clear cache" for b in app.button)
    assert any("needs a signed-in user" in c.value for c in app.caption)


def test_server_folders_are_fixed_when_exposed(
    exposed: str, password: str, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    sign_in(app, password)
    app.switch_page("views/evals.py")
    app.run()
    assert app.text_input(key="ev-dir").disabled
    app.session_state["ev-dir"] = "/etc"  # what a hand-made websocket message could send
    app.run()
    messages = [str(m.value) for m in [*app.info, *app.warning, *app.error]]
    assert messages and not any("/etc" in m for m in messages), messages
