"""Who may use the workbench: the one gate every page passes, and the rules ``workbench ui``
applies before it starts a server.

- Bound to loopback with no authentication configured: open (only this machine can connect).
- Authentication configured: every browser session signs in first, wherever it listens.
  OIDC (Streamlit's ``st.login``) when ``.streamlit/secrets.toml`` has an ``[auth]`` section,
  else the lab's shared password from ``$WORKBENCH_UI_PASSWORD``.
- Listening beyond loopback without authentication: the CLI refuses to start and the app shows
  nothing but that refusal (in case it was started with ``streamlit run`` directly).

The password lives only in the environment: it is compared in constant time, never shown,
logged, cached or exported; a session remembers only that it signed in.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import time
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

PASSWORD_ENV = "WORKBENCH_UI_PASSWORD"
MIN_PASSWORD_LENGTH = 12  # a shared password facing a network: long enough not to be guessed
SIGNED_IN = "access-signed-in"  # st.session_state: True once this browser session signed in
WRONG_PASSWORD_DELAY = 1.0  # seconds; slows guessing down (per attempt, per session)

Method = Literal["oidc", "password"]


def is_loopback(address: str | None) -> bool:
    """True when ``address`` accepts connections from this machine only. ``None`` or ``""``
    (Streamlit's default) means every interface; an unknown host name counts as exposed."""
    host = (address or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _auth_section() -> Any:
    """The ``[auth]`` table of Streamlit's secrets, or None."""
    # An unreadable secrets file loads as "no secrets": no OIDC, and the other rules apply.
    if not st.secrets.load_if_toml_exists():
        return None
    return st.secrets.get("auth")


def oidc_providers(section: Any) -> list[str]:
    """Provider names for ``st.login``: "default" when the client is configured at the top of
    ``[auth]``, else one per sub-table (``[auth.google]``, ...)."""
    if "client_id" in section:
        return ["default"]
    return [name for name, value in section.items() if hasattr(value, "items")]


@dataclass(frozen=True)
class Policy:
    """What the gate does for one server: which sign-in, or a refusal with its one line."""

    address: str | None
    method: Method | None
    problem: str = ""  # non-empty: refuse to serve, with this reason

    @property
    def exposed(self) -> bool:
        return not is_loopback(self.address)


def password_problem(password: str | None) -> str:
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        return f"${PASSWORD_ENV} is shorter than {MIN_PASSWORD_LENGTH} characters"
    return ""


def oidc_problem(section: Any) -> str:
    """Why Streamlit's login cannot work with this ``[auth]`` table ("" if it can)."""
    from streamlit.auth_util import is_authlib_installed, validate_auth_credentials
    from streamlit.errors import StreamlitAuthError

    if not is_authlib_installed():
        return "OIDC login is configured in [auth] but Authlib>=1.3.2 is not installed"
    providers = oidc_providers(section)
    if not providers:
        return "the [auth] section of .streamlit/secrets.toml names no identity provider"
    try:
        for provider in providers:
            validate_auth_credentials(provider)
    except StreamlitAuthError as err:
        return " ".join(str(err).split())
    return ""


def decide(address: str | None, *, check_oidc: bool = True) -> Policy:
    """The policy for a server bound to ``address``, from the environment and the secrets."""
    section = _auth_section()
    if section is not None:
        problem = oidc_problem(section) if check_oidc else ""
        return Policy(address, "oidc", problem)
    password = os.environ.get(PASSWORD_ENV) or None
    if password is not None:
        return Policy(address, "password", password_problem(password))
    if not is_loopback(address):
        where = f"{address}" if address else "every interface"
        return Policy(
            address,
            None,
            f"refusing to listen on {where} without authentication: set ${PASSWORD_ENV} "
            f"({MIN_PASSWORD_LENGTH}+ characters) or configure OIDC login in the [auth] "
            "section of .streamlit/secrets.toml",
        )
    return Policy(address, None)


def password_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; hashing first makes the time independent of the length too."""
    return hmac.compare_digest(
        hashlib.sha256(given.encode("utf-8")).digest(),
        hashlib.sha256(expected.encode("utf-8")).digest(),
    )


def configured_address() -> str | None:
    """The address Streamlit's own settings ask for (its environment variable, then its config
    files in the current directory and the user's home), if any: setting it is a choice too."""
    address = os.environ.get("STREAMLIT_SERVER_ADDRESS") or st.get_option("server.address")
    return str(address) if address else None


def configured_port() -> int:
    """The port Streamlit's own settings ask for (8501 unless set)."""
    return int(os.environ.get("STREAMLIT_SERVER_PORT") or st.get_option("server.port"))


def current_policy() -> Policy:
    """The policy for the address this Streamlit server is really bound to."""
    address = st.get_option("server.address")
    return decide(str(address) if address is not None else None)


def signed_in() -> bool:
    """Whether this browser session has a signed-in user (OIDC or password)."""
    if bool(st.session_state.get(SIGNED_IN)):
        return True
    return bool(st.user.get("is_logged_in", False))


def may_change_shared_state() -> bool:
    """Destructive actions (clearing the cache, replacing fixtures) on a server others can
    reach need a signed-in user; on loopback without authentication the user is the owner."""
    policy = current_policy()
    if policy.method is None and not policy.exposed:
        return True
    return not policy.problem and signed_in()


def _title() -> None:
    st.markdown("### Claim-check workbench")


def _password_form(expected: str) -> None:
    _title()
    with st.form("sign-in", clear_on_submit=True, border=True, width=420):
        given = st.text_input("Password", type="password", key="access-password")
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if submitted:
        if password_matches(given, expected):
            st.session_state[SIGNED_IN] = True
            st.rerun()
        time.sleep(WRONG_PASSWORD_DELAY)
        st.error("Wrong password.", icon=":material/lock:")
    st.caption("This workbench is shared: sign in with the lab's password.")


def _oidc_buttons(section: Any) -> None:
    _title()
    for provider in oidc_providers(section):
        label = "Sign in" if provider == "default" else f"Sign in with {provider}"
        if st.button(label, type="primary", icon=":material/login:", key=f"login-{provider}"):
            st.login(provider)
    st.caption("This workbench is shared: sign in with your lab account.")


def gate() -> None:
    """Call once before any page renders: returns only for a session allowed to see the pages;
    otherwise shows the sign-in (or the refusal) and stops the script."""
    policy = current_policy()
    if policy.problem:
        st.error(policy.problem, icon=":material/block:")
        st.stop()
    if policy.method is None or signed_in():
        return
    if policy.method == "oidc":
        _oidc_buttons(_auth_section())
    else:
        _password_form(os.environ[PASSWORD_ENV])
    st.stop()


def server_path(label: str, default: str, *, key: str | None = None, help: str = "") -> str:
    """A folder on the server typed into the page. On a server others can reach it stays the
    default: a path field would let anyone who signs in read or write any folder the server
    can (``--host`` is for sharing the workbench, not the machine's disk)."""
    if not current_policy().exposed:
        return st.text_input(label, default, key=key, help=help or None)
    st.text_input(
        label,
        default,
        key=key,
        disabled=True,
        help="Fixed on a shared workbench: the server's own folder.",
    )
    return default  # never what the browser sent
