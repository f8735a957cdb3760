"""Config: lookup order, backends, refusing keys in the file, one-line errors. No model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.core.config import (
    BUILTIN,
    EMBEDDED,
    NO_MODEL,
    InputLimits,
    find_config_file,
    load_config,
    parse_config,
)
from workbench.core.errors import ConfigError


def write(path: Path, default: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'default = "{default}"\n[backends.{default}]\nmodel = "openai/{default}"\n',
                    encoding="utf-8")
    return path


@pytest.fixture()
def places(chdir_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A config file in each of the four places; the user config dir lives under tmp."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(chdir_tmp / "xdg"))
    monkeypatch.delenv("WORKBENCH_CONFIG", raising=False)
    return {
        "cli": write(chdir_tmp / "elsewhere" / "cli.toml", "cli"),
        "env": write(chdir_tmp / "elsewhere" / "env.toml", "env"),
        "cwd": write(chdir_tmp / "workbench.toml", "cwd"),
        "user": write(chdir_tmp / "xdg" / "claimcheck-workbench" / "workbench.toml", "user"),
    }


def test_lookup_order(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CONFIG", str(places["env"]))
    assert load_config(str(places["cli"])).default == "cli"
    assert load_config().default == "env"
    monkeypatch.delenv("WORKBENCH_CONFIG")
    assert load_config().default == "cwd"
    places["cwd"].unlink()
    assert load_config().default == "user"
    assert load_config().path == str(places["user"])
    places["user"].unlink()
    config = load_config()
    assert (config.path, config.default) == (None, BUILTIN)
    assert list(config.backends) == [BUILTIN, EMBEDDED]


@pytest.mark.parametrize(("source", "option"), [("--config", "cli"), ("WORKBENCH_CONFIG", "env")])
def test_named_config_must_exist(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch, source: str, option: str
) -> None:
    missing = str(places["cwd"].parent / "missing.toml")
    if option == "env":
        monkeypatch.setenv("WORKBENCH_CONFIG", missing)
    with pytest.raises(ConfigError, match=f"config file from {source} not found: .*missing.toml"):
        find_config_file(missing if option == "cli" else None)


def test_builtin_backends_need_no_config() -> None:
    config = parse_config({})
    builtin = config.backend()
    assert (builtin.name, builtin.model, builtin.has_model) == (BUILTIN, NO_MODEL, False)
    assert not builtin.uses_model() and not builtin.is_embedded
    embedded = config.backend(EMBEDDED)
    assert embedded.is_embedded and embedded.uses_model()
    assert embedded.model == "embedded/smollm2-135m-instruct"
    assert builtin.api_key() is None and embedded.api_key() is None


@pytest.mark.parametrize("engines", ["model", ["rules", "model"]])
def test_a_backend_without_a_model_cannot_ask_one(engines: str | list[str]) -> None:
    with pytest.raises(ConfigError, match="has no model to answer extract: name the engines"):
        parse_config({"backends": {BUILTIN: {"stages": {"extract": {"engine": engines}}}}})
    with pytest.raises(ConfigError, match="has no model to answer select, extract, "):
        parse_config({"backends": {"mine": {"model": NO_MODEL}}})


def test_backends_from_file() -> None:
    config = parse_config({
        "default": "local",
        "backends": {
            "local": {"model": "openai/my-model", "api_base": "http://127.0.0.1:8080/v1",
                      "concurrency": 8, "stages": {"evidence": {"max_tokens": 800}}},
            "embedded": {"max_tokens": 100},  # overrides fields of the built-in one
        },
        "limits": {"max_bytes": 1000},
        "cache": {"dir": "/tmp/somewhere"},
    }, "w.toml")
    local = config.backend()
    assert (local.name, local.api_base, local.concurrency) == (
        "local", "http://127.0.0.1:8080/v1", 8)
    assert local.stages["evidence"].max_tokens == 800
    assert config.backend("embedded").max_tokens == 100
    assert config.backend("embedded").model == "embedded/smollm2-135m-instruct"
    assert config.limits == InputLimits(max_bytes=1000)
    assert config.cache_dir == "/tmp/somewhere"


def test_api_key_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = parse_config(
        {"backends": {"gpt": {"model": "openai/gpt-4o-mini", "api_key_env": "WB_TEST_KEY"}}}
    ).backend("gpt")
    monkeypatch.delenv("WB_TEST_KEY", raising=False)
    with pytest.raises(ConfigError, match="backend 'gpt' needs an API key: set .*WB_TEST_KEY"):
        backend.api_key()
    monkeypatch.setenv("WB_TEST_KEY", "sk-secret-value")
    assert backend.api_key() == "sk-secret-value"
    assert "sk-secret-value" not in backend.model_dump_json()


@pytest.mark.parametrize(
    "table",
    [
        {"model": "openai/x", "api_key": "sk-live-123456"},
        {"model": "openai/x", "key": "sk-live-123456"},
        {"model": "openai/x", "token": "sk-live-123456"},
        {"model": "openai/x", "api_key_env": "sk-live-123456"},
        {"model": "openai/x", "headers": {"Authorization": "Bearer sk-live-123456"}},
        {"model": "openai/x", "stages": {"select": {"api_key": "sk-live-123456"}}},
    ],
)
def test_a_key_in_the_file_is_refused_without_echoing_it(table: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"backends": {"gpt": table}}, "w.toml")
    message = str(err.value)
    assert message.startswith("w.toml: [backends.gpt] ")
    assert "sk-live-123456" not in message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"default": "nope"}, "unknown backend 'nope'; configured backends: builtin, embedded"),
        ({"backends": []}, r"\[backends\] must be a table"),
        ({"backends": {"a": "x"}}, r"\[backends.a\] must be a table"),
        ({"backends": {"a": {}}}, r"\[backends.a\] model: Field required"),
        ({"backends": {"a": {"model": "openai/x", "temperature": "hot"}}}, "temperature"),
        ({"backends": {"a": {"model": "openai/x", "concurrency": 0}}}, "concurrency"),
        ({"backends": {"a": {"model": "openai/x", "schema_mode": "bogus"}}}, "schema_mode"),
        ({"backends": {"a": {"model": "openai/x", "stages": {"rank": {}}}}}, "stages"),
        ({"backends": {"a": {"model": "openai/x", "colour": "red"}}}, "colour"),
        ({"extra": 1}, "unknown top-level keys: extra"),
        ({"limits": {"max_bytes": "big"}}, r"\[limits\] max_bytes must be a positive whole number"),
        ({"limits": {"max_chars": -5}}, r"\[limits\] max_chars must be a positive whole number"),
        ({"limits": {"max_bytes": True}}, r"\[limits\] max_bytes must be a positive whole number"),
        ({"limits": {"max_pages": 3}}, r"\[limits\] unknown key 'max_pages'"),
        ({"limits": "big"}, r"\[limits\] must be a table"),
        ({"cache": "somewhere"}, r"\[cache\] must be a table"),
        ({"cache": {"directory": "x"}}, r"\[cache\] must be a table with keys dir, url"),
        ({"cache": {"dir": 5}}, r"\[cache\] dir: "),
        ({"backends": {"p": {"model": "openai/x", "api_base": "http://a:1/v1",
                             "api_bases": ["http://a:1/v1", "http://b:1/v1"]}}},
         r"\[backends.p\] give api_base \(one endpoint\) or api_bases \(a pool\), not both"),
        ({"backends": {"p": {"model": "openai/x", "api_bases": ["http://a:1/v1"]}}},
         "a pool needs at least 2 endpoints"),
        ({"backends": {"p": {"model": "openai/x", "api_bases": ["http://a:1/v1", "a:2"]}}},
         "api_bases: 'a:2' is not an http"),
        ({"backends": {"p": {"model": "openai/x", "api_bases": ["http://a/v1", "http://a/v1"]}}},
         "listed twice"),
        ({"backends": {"p": {"model": "openai/x", "api_base": "http://a:1/v1",
                             "routing": "least-busy"}}}, "only a pool"),
        ({"backends": {"p": {"model": "openai/x", "api_bases": ["http://a/v1", "http://b/v1"],
                             "routing": "fastest"}}}, "routing"),
        ({"backends": {"p": {"model": "openai/x", "api_bases": ["http://a/v1", "http://b/v1"],
                             "stages": {"select": {"model": "openai/y"}}}}}, "a pool serves one"),
        ({"cache": {"url": "http://h:6379"}}, r"\[cache\] url: must look like redis://"),
        ({"cache": {"url": "redis://:hunter2@h:6379/0"}}, "never put a password in the config"),
        ({"cache": {"fallback": "local"}}, "only a shared cache"),
        ({"cache": {"url": "redis://h:6379/0", "fallback": "disk"}}, "fallback"),
    ],
)
def test_bad_config_is_one_line_config_error(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_config(data, "w.toml")
    assert "\n" not in str(err.value)
    assert err.value.exit_code == 2


def test_unknown_backend_lists_the_configured_ones() -> None:
    config = parse_config({"backends": {"local": {"model": "openai/m"}}})
    with pytest.raises(ConfigError, match="'gpt'; configured backends: builtin, embedded, local"):
        config.backend("gpt")


@pytest.mark.parametrize(
    "content",
    [b"default = ", b"[backends.x\nmodel = 'a'", b"a = 1\na = 2", b"\xff\xfe not utf-8 \x80"],
)
def test_bad_toml_is_one_line_config_error(chdir_tmp: Path, content: bytes) -> None:
    path = chdir_tmp / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    message = str(err.value)
    assert message.startswith(f"{path}: not valid TOML (")
    assert "\n" not in message
