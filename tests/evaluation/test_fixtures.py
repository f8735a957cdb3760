"""The fixture loader: valid fixtures load; each broken rule is a one-line ConfigError."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.flood_article import ARTICLE, FIXTURE_DATA
from workbench.core.errors import ConfigError
from workbench.evaluation.fixtures import (
    Fixture,
    Genre,
    build_fixture,
    fixture_hash,
    fixture_set_hash,
    load_fixture,
    load_fixtures,
)


def write_fixture(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    file = folder / f"{name or data['id']}.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return file


def with_text_file(folder: Path, data: dict[str, Any]) -> dict[str, Any]:
    (folder / "articles").mkdir(exist_ok=True)
    (folder / "articles" / "flood.md").write_text(ARTICLE, encoding="utf-8")
    data = copy.deepcopy(data)
    del data["text"]
    data["text_path"] = "articles/flood.md"
    return data


def test_a_valid_fixture_loads_with_its_normalised_article(tmp_path: Path) -> None:
    file = write_fixture(tmp_path, with_text_file(tmp_path, FIXTURE_DATA))
    fixture = load_fixture(file)
    assert fixture.id == "flood"
    assert fixture.genre is Genre.wire
    assert fixture.article.input_format == "markdown"
    assert fixture.article.source == "flood.md"
    assert "Flood water closed Route 9" in fixture.article.text
    assert fixture.origin == str(file)
    assert (
        len(fixture.claims) == 3 and fixture.claims[0].evidence_kinds[0].value == "official_record"
    )


def test_markdown_is_normalised_before_anchors_are_checked(tmp_path: Path) -> None:
    data = copy.deepcopy(FIXTURE_DATA)
    data["text"] = ARTICLE.replace("Flood water closed", "Flood water **closed**")
    fixture = build_fixture(data, origin="flood.yaml")
    assert "**" not in fixture.article.text


def test_a_bare_fixture_has_no_article() -> None:
    fixture = Fixture.model_validate(FIXTURE_DATA)
    with pytest.raises(ConfigError, match="not loaded"):
        _ = fixture.article


Mutation = Callable[[dict[str, Any]], None]


def set_key(key: str, value: Any) -> Mutation:
    return lambda data: data.__setitem__(key, value)


def set_sentence(index: int, **changes: Any) -> Mutation:
    return lambda data: data["sentences"][index].update(changes)


def set_claim(index: int, **changes: Any) -> Mutation:
    return lambda data: data["claims"][index].update(changes)


def drop_claim(index: int) -> Mutation:
    return lambda data: data["claims"].pop(index)


BROKEN: list[tuple[str, Mutation, str]] = [
    ("misspelt key", set_key("qoute", "x"), "unknown key 'qoute'"),
    ("missing key", lambda d: d.pop("title"), "missing required key 'title'"),
    ("both texts", set_key("text_path", "a.md"), "exactly one of `text_path` and `text`"),
    ("no text", lambda d: d.pop("text"), "exactly one of `text_path` and `text`"),
    ("bad genre", set_key("genre", "blog"), "genre"),
    ("bad status", set_sentence(1, status="claim"), "sentences[2].status"),
    ("bad claim type", set_claim(0, type="fact"), "claims[1].type"),
    ("bad evidence kind", set_claim(0, evidence_kinds=["vibes"]), "claims[1].evidence_kinds[1]"),
    ("misspelt claim key", set_claim(0, checkworthy=True), "unknown key 'claims[1].checkworthy'"),
    ("anchor missing", set_sentence(1, anchor="Floodwater closed"), "does not occur"),
    ("anchor twice", set_sentence(1, anchor="Route 9"), "occurs 2 times"),
    ("anchor across sentences", set_sentence(1, anchor="Tuesday. The water"), "sentence break"),
    ("two anchors, one sentence", set_sentence(3, anchor="homes lost power"), "same sentence"),
    ("quote missing", set_claim(0, quote="Flood waters closed"), "does not occur verbatim"),
    ("quote case differs", set_claim(0, quote="flood water closed"), "does not occur verbatim"),
    ("quote in no_claim", set_claim(2, quote="What a disaster"), "labelled 'no_claim'"),
    ("quote without anchor", lambda d: d["sentences"].pop(3), "has no anchor"),
    ("quote across sentences", set_claim(0, quote="Tuesday. The water"), "sentence break"),
    ("claims sentence with no claim", drop_claim(2), "no gold claim quotes it"),
    ("empty anchor", set_sentence(1, anchor=""), "sentences[2].anchor"),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, msg) for _, m, msg in BROKEN], ids=[n for n, _, _ in BROKEN]
)
def test_each_broken_rule_is_a_one_line_config_error(
    fixture_data: dict[str, Any], mutate: Mutation, message: str
) -> None:
    mutate(fixture_data)
    with pytest.raises(ConfigError) as caught:
        build_fixture(fixture_data, origin="evals/fixtures/flood.yaml")
    text = str(caught.value)
    assert message in text
    assert text.startswith("evals/fixtures/flood.yaml: ")
    assert "\n" not in text


FILE_PROBLEMS: list[tuple[str, str, str]] = [
    ("invalid yaml", "id: [unclosed\n", "invalid YAML at line"),
    ("duplicate key", "id: flood\nid: flood\n", "duplicate key 'id'"),
    ("not a mapping", "- just\n- a list\n", "a fixture is a mapping"),
]


@pytest.mark.parametrize(
    ("source", "message"),
    [(s, m) for _, s, m in FILE_PROBLEMS],
    ids=[n for n, _, _ in FILE_PROBLEMS],
)
def test_unreadable_files_are_one_line_config_errors(
    tmp_path: Path, source: str, message: str
) -> None:
    file = tmp_path / "flood.yaml"
    file.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_fixture(file)
    assert str(caught.value).startswith(str(file)) and "\n" not in str(caught.value)


def test_the_id_must_be_the_file_name(tmp_path: Path) -> None:
    file = write_fixture(tmp_path, FIXTURE_DATA, name="other")
    with pytest.raises(ConfigError, match="must equal the file name"):
        load_fixture(file)


def test_a_missing_text_path_names_the_file(tmp_path: Path) -> None:
    data = with_text_file(tmp_path, FIXTURE_DATA)
    data["text_path"] = "articles/gone.md"
    with pytest.raises(ConfigError, match="text_path 'articles/gone.md' is not a file"):
        load_fixture(write_fixture(tmp_path, data))


def test_an_empty_article_is_a_config_error(fixture_data: dict[str, Any]) -> None:
    fixture_data.update(text="   \n", sentences=[], claims=[])
    with pytest.raises(ConfigError, match="the article cannot be read"):
        build_fixture(fixture_data, origin="flood.yaml")


def test_load_fixtures_sorts_by_id_and_rejects_duplicates(tmp_path: Path) -> None:
    for fixture_id in ("zeta", "alpha"):
        write_fixture(tmp_path, {**FIXTURE_DATA, "id": fixture_id})
    assert [f.id for f in load_fixtures(tmp_path)] == ["alpha", "zeta"]
    (tmp_path / "alpha.yml").write_text((tmp_path / "alpha.yaml").read_text(), encoding="utf-8")
    with pytest.raises(ConfigError, match="is also used by"):
        load_fixtures(tmp_path)


def test_load_fixtures_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_fixtures(tmp_path / "nope")


def test_the_hash_follows_content_not_layout(tmp_path: Path) -> None:
    inline = build_fixture(copy.deepcopy(FIXTURE_DATA), origin="a.yaml")
    from_file = load_fixture(write_fixture(tmp_path, with_text_file(tmp_path, FIXTURE_DATA)))
    reordered = build_fixture(dict(reversed(list(FIXTURE_DATA.items()))), origin="b.yaml")
    assert fixture_hash(inline) == fixture_hash(from_file) == fixture_hash(reordered)

    changed = copy.deepcopy(FIXTURE_DATA)
    changed["claims"][2]["check_worthy"] = True
    assert fixture_hash(build_fixture(changed, origin="c.yaml")) != fixture_hash(inline)


def test_the_set_hash_ignores_order_and_sees_every_member() -> None:
    first = build_fixture(copy.deepcopy(FIXTURE_DATA), origin="a.yaml")
    second = build_fixture({**copy.deepcopy(FIXTURE_DATA), "id": "other"}, origin="b.yaml")
    assert fixture_set_hash([first, second]) == fixture_set_hash([second, first])
    assert fixture_set_hash([first, second]) != fixture_set_hash([first])
    assert len(fixture_set_hash([])) == 64
