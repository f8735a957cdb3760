"""Dataset importers: spec strings, stable samples, each format on small files and the real ones."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from workbench.core.errors import ConfigError
from workbench.evaluation.datasets import load_dataset, parse_dataset_spec, stable_sample
from workbench.evaluation.datasets.averitec import AveritecClaim, read_averitec
from workbench.evaluation.datasets.checkthat import CheckworthySentence, read_checkthat
from workbench.evaluation.datasets.factcheck_gpt import DecomposedSentence, read_factcheck_gpt

CHECKTHAT_TSV = (
    "Sentence_id\tText\tclass_label\n"
    '1\t"Now, let\'s balance the budget."\tNo\n'
    "2\tUnemployment fell to 4 percent.\tYes\n"
    "24098\tWe've got to invest and grow.\tNo29286\tYou can't bring back jobs.\tNo\n"
)

FACTCHECK_RECORD = {
    "prompt": "Who was the oldest justice in 1980?",
    "response": "It was Douglas. He was born in 1898 and served until 1975. Ask me more!",
    "sentences": {
        "sentence1": {
            "text": "It was Douglas.",
            "decontext": "The oldest justice in 1980 was Douglas.",
            "sentence_checkworthiness": "yes",
            "claims": ["The oldest justice in 1980 was Douglas."],
            "claim_checkworthiness": ["factual"],
        },
        "sentence2": {
            "text": "He was born in 1898 and served until 1975.",
            "decontext": "Douglas was born in 1898 and served until 1975.",
            "sentence_checkworthiness": "yes",
            "claims": ["Douglas was born in 1898.", "Douglas served until 1975."],
            "claim_checkworthiness": ["factual", "factual"],
        },
        "sentence3": {
            "text": "Ask me more!",
            "decontext": "Ask me more!",
            "sentence_checkworthiness": "other",
            "claims": [],
            "claim_checkworthiness": [],
        },
    },
}

AVERITEC_RECORDS = [
    {
        "claim": "Sean Connery refused to appear in an Apple commercial.",
        "label": "Refuted",
        "claim_date": "31-10-2020",
        "speaker": None,
        "reporting_source": "Facebook",
        "location_ISO_code": None,
        "claim_types": ["Event/Property Claim"],
        "questions": [
            {"question": "Where was the claim first published", "answers": []},
            {"question": "  ", "answers": []},
        ],
    }
]


@pytest.fixture
def data_files(tmp_path: Path) -> dict[str, Path]:
    checkthat = tmp_path / "ct.tsv"
    checkthat.write_text(CHECKTHAT_TSV, encoding="utf-8")
    factcheck = tmp_path / "fc" / "factcheck-GPT-benchmark.jsonl"
    factcheck.parent.mkdir()
    factcheck.write_text(json.dumps(FACTCHECK_RECORD) + "\n\n", encoding="utf-8")
    averitec = tmp_path / "av" / "dev.json"
    averitec.parent.mkdir()
    averitec.write_text(json.dumps(AVERITEC_RECORDS), encoding="utf-8")
    return {"checkthat": checkthat, "factcheck": factcheck, "averitec": averitec}


# --------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------


def test_specs_resolve_files_and_folders(data_files: dict[str, Path]) -> None:
    assert (
        parse_dataset_spec(f"checkthat:{data_files['checkthat']}").path == data_files["checkthat"]
    )
    folder = data_files["factcheck"].parent
    assert parse_dataset_spec(f"factcheck-gpt:{folder}").path == data_files["factcheck"]
    assert parse_dataset_spec(f"AVERITEC:{data_files['averitec'].parent}").name == "averitec"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("checkthat", "must be NAME:PATH"),
        ("checkthat:", "must be NAME:PATH"),
        ("fever:/tmp", "unknown dataset 'fever'"),
        ("checkthat:/no/such/file.tsv", "does not exist"),
        ("checkthat:{tmp}", "is a folder; give the data file itself"),
    ],
)
def test_bad_specs_are_one_line_config_errors(tmp_path: Path, spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_dataset_spec(spec.format(tmp=tmp_path))
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------------------------
# Stable sample
# --------------------------------------------------------------------------------------------

IDS = [f"item-{n}" for n in range(200)]


def test_the_sample_does_not_depend_on_file_order() -> None:
    shuffled = IDS[:]
    random.Random(7).shuffle(shuffled)
    assert set(stable_sample(IDS, 50, key=str)) == set(stable_sample(shuffled, 50, key=str))


def test_the_sample_keeps_input_order_and_grows_by_adding() -> None:
    fifty, hundred = stable_sample(IDS, 50, key=str), stable_sample(IDS, 100, key=str)
    assert fifty == sorted(fifty, key=IDS.index)
    assert set(fifty) < set(hundred)
    assert fifty != IDS[:50]  # a hash, not the head of the file


@pytest.mark.parametrize(("limit", "size"), [(None, 200), (0, 0), (1, 1), (200, 200), (500, 200)])
def test_sample_sizes(limit: int | None, size: int) -> None:
    assert len(stable_sample(IDS, limit, key=str)) == size


def test_a_negative_limit_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="limit"):
        stable_sample(IDS, -1, key=str)


def test_the_seed_changes_the_sample() -> None:
    assert stable_sample(IDS, 20, key=str) != stable_sample(IDS, 20, key=str, seed="other")


# --------------------------------------------------------------------------------------------
# Readers on small files
# --------------------------------------------------------------------------------------------


def test_checkthat_splits_the_glued_row(data_files: dict[str, Path]) -> None:
    items = read_checkthat(data_files["checkthat"])
    assert items == [
        CheckworthySentence(
            id="checkthat:1", text='"Now, let\'s balance the budget."', check_worthy=False
        ),
        CheckworthySentence(
            id="checkthat:2", text="Unemployment fell to 4 percent.", check_worthy=True
        ),
        CheckworthySentence(
            id="checkthat:24098", text="We've got to invest and grow.", check_worthy=False
        ),
        CheckworthySentence(
            id="checkthat:29286", text="You can't bring back jobs.", check_worthy=False
        ),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id\ttext\tlabel\n", "not a CheckThat! TSV"),
        ("Sentence_id\tText\tclass_label\n1\tText\tMaybe\n", "neither Yes nor No"),
        ("Sentence_id\tText\tclass_label\n1\tText\n", "expected 3 tab-separated fields"),
        ("Sentence_id\tText\tclass_label\n1\tA\tNo\n1\tB\tYes\n", "occurs twice"),
    ],
)
def test_checkthat_problems(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "bad.tsv"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_checkthat(file)


def test_factcheck_gpt_gives_sentences_with_gold_claims(data_files: dict[str, Path]) -> None:
    items = read_factcheck_gpt(data_files["factcheck"])
    assert [i.id for i in items] == [
        "factcheck-gpt:0/sentence1",
        "factcheck-gpt:0/sentence2",
        "factcheck-gpt:0/sentence3",
    ]
    second = items[1]
    assert isinstance(second, DecomposedSentence)
    assert [c.text for c in second.claims] == [
        "Douglas was born in 1898.",
        "Douglas served until 1975.",
    ]
    assert second.check_worthy and second.context.startswith("It was Douglas.")
    assert not items[2].check_worthy and items[2].claims == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"sentence": "flat", "checkworthy": "yes"}', "not a flat subtask file"),
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_factcheck_gpt_problems(tmp_path: Path, line: str, message: str) -> None:
    file = tmp_path / "x.jsonl"
    file.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_factcheck_gpt(file)


def test_averitec_gives_claims_with_questions(data_files: dict[str, Path]) -> None:
    (claim,) = read_averitec(data_files["averitec"])
    assert claim == AveritecClaim(
        id="averitec:0",
        claim="Sean Connery refused to appear in an Apple commercial.",
        speaker=None,
        claim_date="31-10-2020",
        reporting_source="Facebook",
        location=None,
        claim_types=["Event/Property Claim"],
        label="Refuted",
        questions=["Where was the claim first published"],  # the blank question is dropped
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("{}", "expected a JSON list"), ('[{"label": "x"}]', "no 'claim'"), ("[", "invalid JSON")],
)
def test_averitec_problems(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "x.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_averitec(file)


def test_load_dataset_samples_and_records_provenance(data_files: dict[str, Path]) -> None:
    loaded = load_dataset(f"checkthat:{data_files['checkthat']}", limit=2)
    assert loaded.total == 4 and len(loaded.items) == 2 and loaded.limit == 2
    assert len(loaded.source_sha256) == 64
    again = load_dataset(loaded.spec, limit=2)
    assert again.items == loaded.items


# --------------------------------------------------------------------------------------------
# The real files, where they lie
# --------------------------------------------------------------------------------------------

REAL = [
    ("checkthat:checkthat2024/CT24_checkworthy_english_train.tsv", 22501),
    ("checkthat:checkthat2024/CT24_checkworthy_english_dev.tsv", 1032),
    ("checkthat:checkthat2024/CT24_checkworthy_english_dev-test.tsv", 318),
    ("factcheck-gpt:factcheck_gpt", 311),
    ("averitec:averitec/dev_first250.json", 250),
]


@pytest.mark.parametrize(("spec", "total"), REAL)
def test_real_files_load_with_a_limit(shared_data: Path, spec: str, total: int) -> None:
    name, _, relative = spec.partition(":")
    loaded = load_dataset(f"{name}:{shared_data / relative}", limit=25)
    assert loaded.total == total
    assert len(loaded.items) == 25
    assert len({item.id for item in loaded.items}) == 25
    assert load_dataset(f"{name}:{shared_data / relative}", limit=25).items == loaded.items
