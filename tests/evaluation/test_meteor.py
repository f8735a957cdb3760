"""Offline METEOR: the WordNet folder is built from Debian's files and gives NLTK's scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import ConfigError
from workbench.evaluation.meteor import (
    DEBIAN_PACKAGES,
    NLTK_DATA_ENV,
    REQUIRED_FILES,
    WORDNET_SOURCE,
    ensure_wordnet,
    lexnames_text,
    meteor_score,
    meteor_tokens,
    nltk_data_dir,
)
from workbench.evaluation.scoring.evidence import score_questions

needs_wordnet = pytest.mark.skipif(
    not (WORDNET_SOURCE / "data.noun").is_file(),
    reason=f"WordNet missing: apt-get install -y {' '.join(DEBIAN_PACKAGES)}",
)


def test_lexnames_is_wordnets_table_of_45_lexicographer_files() -> None:
    lines = lexnames_text().splitlines()
    assert len(lines) == 45
    assert lines[0] == "00\tadj.all\t3"
    assert lines[3] == "03\tnoun.Tops\t1"
    assert lines[29] == "29\tverb.body\t2"
    assert lines[44] == "44\tadj.ppl\t3"
    assert all(line.split("\t")[2] in {"1", "2", "3", "4"} for line in lines)


@needs_wordnet
def test_lexnames_agrees_with_the_lexicographer_numbers_in_the_data() -> None:
    # Each synset line of data.noun carries its lexicographer file number as the second field.
    names = {int(line.split("\t")[0]): line.split("\t")[1] for line in lexnames_text().splitlines()}
    with (WORDNET_SOURCE / "data.noun").open(encoding="utf-8") as handle:
        numbers = {int(line.split()[1]) for line in handle if not line.startswith("  ")}
    assert {names[n].split(".")[0] for n in numbers} == {"noun"}


def test_missing_debian_packages_are_named_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        ensure_wordnet(tmp_path / "data", source=tmp_path / "no-wordnet")
    message = str(caught.value)
    assert "wordnet-base" in message and "wordnet-sense-index" in message
    assert "\n" not in message


def test_the_folder_is_built_once_with_lexnames(tmp_path: Path) -> None:
    source = tmp_path / "debian"
    source.mkdir()
    for name in REQUIRED_FILES:
        (source / name).write_text(f"fake {name}\n", encoding="utf-8")
    (source / "bin").mkdir()  # directories in the source are not copied
    target = ensure_wordnet(tmp_path / "data", source=source)
    assert target == tmp_path / "data" / "corpora" / "wordnet"
    assert (target / "lexnames").read_text(encoding="ascii") == lexnames_text()
    assert (target / "index.sense").read_text(encoding="utf-8") == "fake index.sense\n"
    assert not (target / "bin").exists()
    (source / "data.noun").write_text("changed\n", encoding="utf-8")
    assert ensure_wordnet(tmp_path / "data", source=source) == target
    assert (target / "data.noun").read_text(encoding="utf-8") == "fake data.noun\n"  # kept


def test_an_interrupted_copy_is_rebuilt(tmp_path: Path) -> None:
    source = tmp_path / "debian"
    source.mkdir()
    for name in REQUIRED_FILES:
        (source / name).write_text("x\n", encoding="utf-8")
    half = tmp_path / "data" / "corpora" / "wordnet"
    half.mkdir(parents=True)
    (half / "data.noun").write_text("x\n", encoding="utf-8")
    ensure_wordnet(tmp_path / "data", source=source)
    assert (half / "lexnames").is_file() and (half / "verb.exc").is_file()


def test_the_data_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NLTK_DATA_ENV, str(tmp_path / "nltk"))
    assert nltk_data_dir() == tmp_path / "nltk"
    monkeypatch.delenv(NLTK_DATA_ENV)
    assert nltk_data_dir().name == "nltk_data"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "Where was the claim first published?",
            ["Where", "was", "the", "claim", "first", "published", "?"],
        ),
        ("Did the U.S. ban it?", ["Did", "the", "U.S.", "ban", "it", "?"]),
        ('Who\'s the "source"?', ["Who", "'s", "the", "``", "source", "''", "?"]),
    ],
)
def test_tokens_follow_word_tokenize(text: str, tokens: list[str]) -> None:
    assert meteor_tokens(text) == tokens


@needs_wordnet
@pytest.mark.parametrize(
    ("hypothesis", "reference", "expected"),
    [
        ("Where did the claim first appear?", "Where was the claim first published?", 0.637),
        ("Where was the claim first published?", "Where was the claim first published?", 0.9985),
        ("How many homes lost power", "Which party won the election", 0.0),
        ("How many homes lost power?", "Which party won the election?", 0.0833),  # the '?'s
        ("", "Which party won the election?", 0.0),
    ],
)
def test_meteor_scores(hypothesis: str, reference: str, expected: float) -> None:
    assert meteor_score(hypothesis, reference) == pytest.approx(expected, abs=5e-4)


@needs_wordnet
def test_meteor_uses_wordnet_synonyms() -> None:
    # 'car' and 'auto' share a synset: only WordNet can match them. (NLTK looks synonyms up
    # after stemming the reference, so 'automobile' -> 'automobil' would not match; AVeriTeC
    # scores with the same NLTK code, so we keep that behaviour.)
    assert meteor_score("Was the car red?", "Was the auto red?") == pytest.approx(0.996)
    assert meteor_score("Was the bus red?", "Was the auto red?") == pytest.approx(0.75)


@needs_wordnet
def test_question_score_with_meteor_by_default() -> None:
    result = score_questions(
        ["Where did the claim first appear?", "Who is Sean Connery?"],
        ["Where was the claim first published", "What kind of website is Scoopertino"],
    )
    assert result.gold == 2 and len(result.matches) == 2
    assert 0.3 < result.score < 0.7
