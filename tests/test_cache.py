"""The response cache: JSON values, corrupt entries are misses, keys hold all that changes the
answer and nothing secret. No model."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import diskcache
import pytest

from workbench.core import cache as cache_module
from workbench.core.cache import ResponseCache, cache_key, default_cache_dir
from workbench.core.config import BackendConfig, parse_config
from workbench.core.errors import WorkbenchError
from workbench.core.prompts import DEFAULT_PROMPTS_DIR, PromptSet
from workbench.core.schema import extract_response_for
from workbench.llm import CachingClient, FakeClient, Outcome, Request
from workbench.llm.litellm_client import LiteLLMClient
from workbench.llm.wrappers import request_key
from workbench.stages.extract import quote_options

PROMPTS = PromptSet()
SECRET = "sk-test-0123456789abcdef-SECRET"


@pytest.fixture()
def store(tmp_path: Path) -> ResponseCache:
    cache = ResponseCache(tmp_path / "cache")
    yield cache  # type: ignore[misc]
    cache.close()


def raw_store(cache: ResponseCache) -> diskcache.Cache:
    cache.close()
    return diskcache.Cache(str(cache.directory))


def test_values_are_json_text_not_pickles(store: ResponseCache) -> None:
    value = {"value": {"checkable": "yes"}, "raw": '{"checkable": "yes"}', "n": [1, 2.5]}
    store.set("k", value)
    assert store.get("k") == value
    raw = raw_store(store).get("k")
    assert isinstance(raw, str) and json.loads(raw) == value
    db = (store.directory / "cache.db").read_bytes()
    assert b'"checkable"' in db  # stored as readable text ...
    assert b"\x80\x04\x95" not in db and b"\x80\x05\x95" not in db  # ... not as pickle frames


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("{not json", id="unparsable"),
        pytest.param("[1, 2, 3]", id="json-not-an-object"),
        pytest.param('"text"', id="json-string"),
        pytest.param({"value": {"checkable": "yes"}}, id="pickled-dict"),
        pytest.param(b"\x00\x01binary", id="bytes"),
        pytest.param(42, id="int"),
    ],
)
def test_corrupt_entry_is_a_miss(store: ResponseCache, raw: Any) -> None:
    raw_store(store).set("k", raw)
    reopened = ResponseCache(store.directory)
    assert reopened.get("k") is None
    assert reopened.corrupt_entries == 1
    reopened.set("k", {"fresh": True})  # and it can be overwritten
    assert reopened.get("k") == {"fresh": True}
    reopened.close()


def test_corrupt_database_is_a_miss_and_does_not_fail_writes(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / "cache.db").write_bytes(b"this is not sqlite " * 100)
    cache = ResponseCache(directory)
    assert cache.get("k") is None
    cache.set("k", {"a": 1})  # the run goes on without the cache
    assert cache.write_errors == 1
    with pytest.raises(WorkbenchError, match=r"cache at .* is unreadable .*delete that directory"):
        cache.stats()
    with pytest.raises(WorkbenchError, match="unreadable"):
        cache.clear()


def test_disabled_cache_neither_reads_nor_writes(store: ResponseCache, tmp_path: Path) -> None:
    store.set("k", {"a": 1})
    off = ResponseCache(store.directory, enabled=False)
    assert off.get("k") is None
    off.set("other", {"b": 2})
    assert store.get("other") is None


def test_stats_and_clear(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "never-created")
    assert cache.stats()["entries"] == 0 and cache.clear() == 0
    assert not cache.directory.exists()
    for n in range(3):
        cache.set(f"k{n}", {"n": n})
    assert cache.stats()["entries"] == 3 and cache.stats()["size_bytes"] > 0
    assert cache.clear() == 3
    assert cache.stats()["entries"] == 0


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache_dir("/configured") == tmp_path / "env"
    monkeypatch.delenv("WORKBENCH_CACHE_DIR")
    assert default_cache_dir("/configured") == Path("/configured")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "claimcheck-workbench" / "responses"


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "model": "openai/smollm2",
    "api_base": "http://127.0.0.1:8080/v1",
    "temperature": 0.0,
    "max_tokens": 384,
    "seed": 0,
}
SENTENCE = "The council approved a budget of 4.2 million dollars on Tuesday."


def select_request(sentence: str = SENTENCE, prompts: PromptSet = PROMPTS) -> Request:
    return Request("select", prompts["select"], {"sentence": sentence, "before": "", "after": ""})


def key_for(settings: dict[str, Any], request: Request | None = None) -> str:
    backend = BackendConfig.model_validate({"name": "b", **settings})
    return request_key(LiteLLMClient(backend), request or select_request())


def edited_prompts(tmp_path: Path, stage: str, old: str, new: str) -> PromptSet:
    directory = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, directory)
    path = directory / f"{stage}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return PromptSet(directory)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"api_base": "http://127.0.0.1:8081/v1"}, id="endpoint"),
        pytest.param({"model": "openai/other"}, id="model"),
        pytest.param({"temperature": 0.7}, id="temperature"),
        pytest.param({"max_tokens": 100}, id="max_tokens"),
        pytest.param({"seed": 1}, id="seed"),
        pytest.param({"schema_mode": "json"}, id="schema-mode"),
        pytest.param({"stages": {"select": {"max_tokens": 10}}}, id="stage-override"),
        pytest.param({"stages": {"select": {"model": "openai/big"}}}, id="stage-model"),
    ],
)
def test_backend_settings_change_the_key(change: dict[str, Any]) -> None:
    assert key_for({**BASE, **change}) != key_for(BASE)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"name": "renamed"}, id="backend-name"),
        pytest.param({"concurrency": 16}, id="concurrency"),
        pytest.param({"timeout": 5.0}, id="timeout"),
        pytest.param({"stages": {"evidence": {"max_tokens": 10}}}, id="other-stage-override"),
    ],
)
def test_settings_that_do_not_change_the_answer_keep_the_key(change: dict[str, Any]) -> None:
    backend = BackendConfig.model_validate({"name": "b", **BASE, **change})
    assert request_key(LiteLLMClient(backend), select_request()) == key_for(BASE)


def test_two_servers_with_the_same_model_name_do_not_collide() -> None:
    # litellm's own cache key leaves api_base out (litellm issue #16947); ours must not.
    one = key_for({**BASE, "api_base": "http://127.0.0.1:8080/v1"})
    two = key_for({**BASE, "api_base": "http://127.0.0.1:9090/v1"})
    assert one != two


def test_model_path_of_an_embedded_backend_changes_the_key(tmp_path: Path) -> None:
    first, second = tmp_path / "a.gguf", tmp_path / "b.gguf"
    first.write_bytes(b"GGUF")
    second.write_bytes(b"GGUF")
    settings = {"model": "embedded/mine", "temperature": 0.0}
    assert key_for({**settings, "model_path": str(first)}) != key_for(
        {**settings, "model_path": str(second)}
    )


def test_input_text_changes_the_key() -> None:
    assert key_for(BASE, select_request(SENTENCE + " ")) != key_for(BASE)
    assert key_for(BASE, select_request("Another sentence.")) != key_for(BASE)


def test_context_variables_change_the_key() -> None:
    with_context = Request(
        "select", PROMPTS["select"], {"sentence": SENTENCE, "before": "Earlier text.", "after": ""}
    )
    assert key_for(BASE, with_context) != key_for(BASE)


@pytest.mark.parametrize(
    ("stage", "old", "new"),
    [
        ("select", "You help fact-checkers.", "You help fact checkers."),  # system
        ("select", "Answer yes, no, or unclear", "Say yes, no, or unclear"),  # user template
        ("select", 'version = "2.0"', 'version = "2.1"'),  # version
    ],
)
def test_prompt_changes_change_the_key(tmp_path: Path, stage: str, old: str, new: str) -> None:
    edited = edited_prompts(tmp_path, stage, old, new)
    assert key_for(BASE, select_request(prompts=edited)) != key_for(BASE)


def test_few_shot_example_change_changes_the_key(tmp_path: Path) -> None:
    edited = edited_prompts(tmp_path, "checkworthiness", "checkable but trivial", "trivial")
    variables = {"claim": SENTENCE, "claimer": "the author", "sentence": SENTENCE}
    original = Request("checkworthiness", PROMPTS["checkworthiness"], variables)
    changed = Request("checkworthiness", edited["checkworthiness"], variables)
    assert key_for(BASE, original) != key_for(BASE, changed)


def test_response_schema_changes_the_key() -> None:
    variables = {
        "sentence": SENTENCE,
        "before": "",
        "date": "",
        "quote_options": [SENTENCE],
        "source_options": ["the author"],
    }
    narrow = Request(
        "extract", PROMPTS["extract"], variables, narrowed_model=extract_response_for(1, 1)
    )
    wider = Request(
        "extract", PROMPTS["extract"], variables, narrowed_model=extract_response_for(2, 1)
    )
    assert key_for(BASE, narrow) != key_for(BASE, wider)


def test_key_format_version_changes_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = key_for(BASE)
    monkeypatch.setattr(cache_module, "KEY_FORMAT_VERSION", cache_module.KEY_FORMAT_VERSION + 1)
    assert key_for(BASE) != before


def test_cache_key_is_stable_and_order_independent() -> None:
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert len(cache_key({"a": 1})) == 64


def test_no_secret_in_keys_or_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WB_TEST_API_KEY", SECRET)
    backend = parse_config(
        {"backends": {"gpt": {**BASE, "api_key_env": "WB_TEST_API_KEY"}}}
    ).backend("gpt")
    live = LiteLLMClient(backend)
    assert SECRET not in json.dumps(live.identity("select"))

    async def answer(request: Request) -> Outcome:
        return Outcome(
            value=request.response_model.model_validate({"checkable": "yes"}),
            raw='{"checkable": "yes"}',
        )

    monkeypatch.setattr(live, "complete", answer)
    store = ResponseCache(tmp_path / "cache")
    asyncio.run(CachingClient(live, store).complete(select_request()))
    store.close()
    for file in (tmp_path / "cache").rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file


# --------------------------------------------------------------------------------------------
# The caching client
# --------------------------------------------------------------------------------------------


def test_caching_client_serves_hits(
    store: ResponseCache,
) -> None:
    answers = {"select": {"checkable": "yes"}}

    def responder(request: Request) -> dict[str, Any]:
        return answers[request.stage]

    fake = FakeClient(responder)
    client = CachingClient(fake, store)
    first = asyncio.run(client.complete(select_request()))
    second = asyncio.run(client.complete(select_request()))
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert second.value == first.value and len(fake.calls) == 1


def test_identical_requests_in_flight_are_asked_once(store: ResponseCache) -> None:
    """Two sentences can yield the same claim; asked twice, a model may answer differently and
    the cache would keep only the last answer, so a re-run would not reproduce the report."""
    counter = iter(range(100))

    def responder(request: Request) -> dict[str, Any]:
        return {"checkable": ["yes", "no"][next(counter) % 2]}  # a different answer every time

    fake = FakeClient(responder, latency=0.05)
    client = CachingClient(fake, store)

    async def both() -> list[Outcome]:
        return list(
            await asyncio.gather(
                client.complete(select_request()), client.complete(select_request())
            )
        )

    first, second = asyncio.run(both())
    assert len(fake.calls) == 1
    assert first.value == second.value
    assert sorted([first.cache_hit, second.cache_hit]) == [False, True]
    rerun = asyncio.run(client.complete(select_request()))
    assert rerun.value == first.value and rerun.cache_hit


def test_quote_options_and_cached_values_revalidate(store: ResponseCache) -> None:
    """A cached answer that no longer validates (e.g. an option number out of range) is a miss."""
    quotes = [SENTENCE[a:b] for a, b in quote_options(SENTENCE)]
    variables = {
        "sentence": SENTENCE,
        "before": "",
        "date": "",
        "quote_options": quotes,
        "source_options": ["the author"],
    }
    request = Request(
        "extract",
        PROMPTS["extract"],
        variables,
        context={"quote_options": quotes, "source_options": ["the author"]},
        narrowed_model=extract_response_for(len(quotes), 1),
    )
    fake = FakeClient(lambda r: {"claims": []})
    key = request_key(fake, request)
    store.set(
        key, {"value": {"claims": [{"claim": "x y z", "quote": 99, "claimer": 1, "type": "event"}]}}
    )
    outcome = asyncio.run(CachingClient(fake, store).complete(request))
    assert not outcome.cache_hit and len(fake.calls) == 1


# --------------------------------------------------------------------------------------------
# Cached failures (temperature 0) and validators that changed since
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ('{"checkable": "yes"}', True),
        ('{"checkable": "maybe"}', False),
        ('{"checkable": "yes"', False),
    ],
)
def test_a_cached_failure_whose_output_validates_now_is_an_answer(
    store: ResponseCache, raw: str, valid: bool
) -> None:
    """A failure cached under stricter validators than today's (they are not in the key) must
    not outlive them; one that still fails is served as the cached failure, with no new call."""
    fake = FakeClient(lambda request: {"checkable": "no"})
    client = CachingClient(fake, store)
    request = select_request()
    store.set(request_key(fake, request), {"failure": "an older, stricter rule", "raw": raw})
    if valid:
        outcome = asyncio.run(client.complete(request))
        assert outcome.cache_hit and outcome.value.model_dump() == {"checkable": "yes"}
    else:
        with pytest.raises(WorkbenchError, match="an older, stricter rule"):
            asyncio.run(client.complete(request))
    assert fake.calls == []
