"""The triage corpus: big enough, varied, synthetic, and split the same way every time."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from messaging.inbound.reply_numbers import find_numbers
from messaging.inbound.triage.corpus import (
    CORPUS_DIR,
    CorpusError,
    by_author,
    k_folds,
    load_corpus,
    load_examples,
    split,
)
from messaging.inbound.triage.labels import Label, RiskKind

CORPUS = load_corpus()
README = (CORPUS_DIR / "README.md").read_text(encoding="utf-8")
_DRAMA = re.compile(r"\+447700900\d{3}")


def test_the_corpus_is_at_least_two_thousand_seven_hundred_replies() -> None:
    assert len(CORPUS) >= 2_700


@pytest.mark.parametrize("kind", list(RiskKind), ids=str)
def test_every_risk_kind_has_at_least_two_hundred_and_fifty_examples(kind: RiskKind) -> None:
    assert sum(kind in e.risk_kinds for e in CORPUS) >= 250


@pytest.mark.parametrize("label", list(Label), ids=str)
def test_every_label_has_at_least_one_hundred_and_forty_examples(label: Label) -> None:
    assert sum(label in e.labels for e in CORPUS) >= 140


def test_three_authors_wrote_the_corpus_and_every_reply_names_its_author() -> None:
    authors = by_author(CORPUS)
    assert set(authors) == {"author-a", "author-b", "author-c"}
    assert all(len(written) >= 500 for written in authors.values())
    for written in authors.values():  # each author wrote every kind and every label
        assert all(any(kind in e.risk_kinds for e in written) for kind in RiskKind)
        assert all(any(label in e.labels for e in written) for label in Label)


def test_a_corpus_reply_without_an_author_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "ok", "labels": ["other"]}) + "\n")
    with pytest.raises(CorpusError, match=r"a\.jsonl:1: .*author"):
        load_corpus(tmp_path)


def test_every_relabelled_reply_says_what_it_was_and_which_rule_it_now_follows() -> None:
    relabelled = 0
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "relabelled" not in row:
                continue
            relabelled += 1
            note = row["relabelled"]
            assert note["rule"] and note["rule"] in README, note["rule"]
            was = (sorted(note["was"]["labels"]), sorted(note["was"]["risk_kinds"]))
            assert was != (sorted(row["labels"]), sorted(row["risk_kinds"])), row["text"]
    assert relabelled == int(re.search(r"(\d+) replies of [\d,]+ were relabelled", README)[1])


def test_the_replies_are_written_in_many_registers_and_often_carry_several_labels() -> None:
    registers = Counter(e.register for e in CORPUS)
    for register in (
        "textspeak", "slang", "misspelt", "nopunct", "dark_humour", "sarcasm", "negation",
        "question", "multi_sentence", "multi_label", "hard_negative",
    ):  # fmt: skip
        assert registers[register] >= 5, register
    assert sum(len(e.labels) > 1 for e in CORPUS) >= 250
    assert sum(len(e.risk_kinds) > 1 for e in CORPUS) >= 250


def test_uk_drug_slang_from_the_brief_is_in_the_corpus() -> None:
    text = " ".join(e.text.casefold() for e in CORPUS)
    for word in (
        "brown", "white", "gear", "shotting", "running", "country", "trap", "cuckoo",
        "plug", "nodding", "owe", "tax", "ops", "nitazene",
    ):  # fmt: skip
        assert re.search(rf"\b{word}", text), word


def test_figures_of_speech_are_in_the_corpus_as_other() -> None:
    others = {e.text.casefold() for e in CORPUS if e.labels == {Label.OTHER}}
    for text in ("dying for a brew after that shift", "i'm dead lol 😂", "my laptop died"):
        assert text in others


def test_every_number_in_the_corpus_is_fictional_or_a_national_help_line() -> None:
    """find_numbers returns every valid number except the national help lines."""
    found = 0
    for example in CORPUS:
        for number in find_numbers(example.text):
            found += 1
            assert _DRAMA.fullmatch(number.e164), example.text
    assert found >= 20


def test_risk_kinds_come_exactly_with_a_risk_disclosure() -> None:
    for example in CORPUS:
        assert bool(example.risk_kinds) == (Label.RISK_DISCLOSURE in example.labels)


def test_the_corpus_ships_inside_the_package() -> None:
    assert CORPUS_DIR.parent.name == "triage"
    assert len(list(CORPUS_DIR.glob("*.jsonl"))) >= 5


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not a labelled reply"),
        ('{"text": "hi", "labels": ["nonsense"]}', "not a labelled reply"),
        ('{"text": "", "labels": ["other"]}', "non-empty text"),
        ('{"text": "he od\'d", "labels": ["risk_disclosure"]}', "risk kinds"),
        ('{"text": "hi", "labels": ["other"], "risk_kinds": ["overdose"]}', "risk kinds"),
        ('{"text": "hi", "labels": ["other", "hostile"]}', "on its own"),
    ],
)
def test_a_bad_corpus_line_is_refused_naming_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "ok", "labels": ["other"]}) + "\n" + line + "\n")
    with pytest.raises(CorpusError, match=rf"bad\.jsonl:2: .*{message}"):
        load_examples(path)


def test_the_split_is_fixed_by_its_seed_and_keeps_every_kind_in_proportion() -> None:
    train, test = split(CORPUS, seed=12)
    _, again_test = split(list(reversed(CORPUS)), seed=12)
    assert [e.text for e in test] == [e.text for e in again_test]
    assert len(train) + len(test) == len(CORPUS)
    assert 0.18 <= len(test) / len(CORPUS) <= 0.22
    assert {e.group for e in train}.isdisjoint({e.group for e in test})
    for kind in RiskKind:
        share = sum(kind in e.risk_kinds for e in test) / sum(kind in e.risk_kinds for e in CORPUS)
        assert 0.12 <= share <= 0.3, kind
    assert [e.text for e in split(CORPUS, seed=13)[1]] != [e.text for e in test]


def test_folds_are_disjoint_and_cover_the_corpus() -> None:
    folds = k_folds(CORPUS, k=5, seed=12)
    assert sorted(e.origin for fold in folds for e in fold) == sorted(e.origin for e in CORPUS)
    groups = [{e.group for e in fold} for fold in folds]
    for i, first in enumerate(groups):
        for second in groups[i + 1 :]:
            assert first.isdisjoint(second)


HOLDOUTS = sorted((Path(__file__).parents[3] / "data" / "replies").glob("holdout-*.jsonl"))


@pytest.mark.parametrize("path", HOLDOUTS, ids=lambda p: p.stem)
def test_every_holdout_is_well_formed_and_holds_only_fictional_numbers(path: Path) -> None:
    """The measured sets kept apart from the corpus: valid labels, risk kinds exactly with a
    disclosure, and every number in the drama range or a national help line."""
    examples = load_examples(path)
    assert len(examples) >= 500
    for example in examples:
        assert bool(example.risk_kinds) == (Label.RISK_DISCLOSURE in example.labels)
        for number in find_numbers(example.text):
            assert _DRAMA.fullmatch(number.e164), example.text


def test_the_three_holdouts_are_there() -> None:
    assert [p.stem for p in HOLDOUTS] == [
        "holdout-author-d",
        "holdout-author-e",
        "holdout-author-f",
    ]
