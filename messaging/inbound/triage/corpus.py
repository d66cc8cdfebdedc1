"""The labelled triage corpus shipped with the package, and fixed splits of it.

The corpus (``corpus/*.jsonl`` beside this module; its README says how it was written and
labelled) is what ``pester replies train`` fits the model on and what ``bench/triage.py``
measures against. Every line names its author (``source``: ``author-a``, ``author-b``, …),
so triage can be measured on one author's replies with a model trained on the others'
(:func:`by_author`). Splits are a pure function of the examples and a seed: examples are put in
a fixed order first, identical texts (ignoring case and spacing) always fall on the same
side, and each stratum (risk kind, else first label) is split in the same proportion, so a
small kind is never left out of a test split by chance.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from messaging.inbound.triage.labels import Label, RiskKind

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


class CorpusError(ValueError):
    """A corpus line that is not a valid labelled reply (names the file and line)."""


@dataclass(frozen=True)
class Example:
    """One labelled reply."""

    text: str
    labels: frozenset[Label]
    risk_kinds: frozenset[RiskKind]
    register: str = ""
    situation: str = ""
    source: str = ""  # who wrote it (author-a, …); empty in a file from outside the corpus
    origin: str = ""  # file:line, for error messages and reports

    @property
    def group(self) -> str:
        """Texts equal but for case and spacing share a group (and a side of every split)."""
        return " ".join(self.text.casefold().split())

    @property
    def stratum(self) -> str:
        """What a split keeps in proportion: the first risk kind by name, else the first label."""
        if self.risk_kinds:
            return min(str(kind) for kind in self.risk_kinds)
        return min(str(label) for label in self.labels)


def load_corpus(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every example in the ``*.jsonl`` files of a directory, in a fixed order; each must
    name its author."""
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no *.jsonl files in {directory}")
    examples: list[Example] = []
    for path in files:
        examples.extend(load_examples(path))
    unsigned = next((e for e in examples if not e.source), None)
    if unsigned is not None:
        raise CorpusError(f"{unsigned.origin}: a corpus reply names its author (source)")
    return _ordered(examples)


def by_author(examples: Iterable[Example]) -> dict[str, list[Example]]:
    """The examples of each author, authors in name order."""
    authors: dict[str, list[Example]] = defaultdict(list)
    for example in _ordered(examples):
        authors[example.source].append(example)
    return dict(sorted(authors.items()))


def load_examples(path: Path) -> list[Example]:
    """The examples of one JSONL file (one object a line: text, labels, risk_kinds, …)."""
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                examples.append(_example(line, f"{path.name}:{number}"))
    return examples


def _example(line: str, origin: str) -> Example:
    try:
        row = json.loads(line)
        labels = frozenset(Label(label) for label in row["labels"])
        kinds = frozenset(RiskKind(kind) for kind in row.get("risk_kinds", []))
        text = row["text"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{origin}: not a labelled reply ({exc})") from exc
    if not isinstance(text, str) or not text.strip() or not labels:
        raise CorpusError(f"{origin}: needs a non-empty text and at least one label")
    if (Label.RISK_DISCLOSURE in labels) != bool(kinds):
        raise CorpusError(f"{origin}: risk kinds are given exactly with risk_disclosure")
    if Label.OTHER in labels and len(labels) > 1:
        raise CorpusError(f"{origin}: 'other' is a label only on its own")
    return Example(
        text=text,
        labels=labels,
        risk_kinds=kinds,
        register=str(row.get("register", "")),
        situation=str(row.get("situation", "")),
        source=str(row.get("source", "")),
        origin=origin,
    )


def split(
    examples: Sequence[Example], *, seed: int, test_share: float = 0.2
) -> tuple[list[Example], list[Example]]:
    """A fixed (train, test) split: about ``test_share`` of every stratum goes to test."""
    folds = _grouped_folds(examples, seed=seed, parts=round(1 / test_share))
    test = folds[0]
    train = [e for fold in folds[1:] for e in fold]
    return _ordered(train), _ordered(test)


def k_folds(examples: Sequence[Example], *, k: int, seed: int) -> list[list[Example]]:
    """``k`` disjoint folds covering every example, each stratum spread evenly."""
    return [_ordered(fold) for fold in _grouped_folds(examples, seed=seed, parts=k)]


def _grouped_folds(examples: Sequence[Example], *, seed: int, parts: int) -> list[list[Example]]:
    groups: dict[str, list[Example]] = defaultdict(list)
    for example in _ordered(examples):
        groups[example.group].append(example)
    strata: dict[str, list[str]] = defaultdict(list)
    for key, members in groups.items():
        strata[members[0].stratum].append(key)
    rng = random.Random(seed)
    folds: list[list[Example]] = [[] for _ in range(parts)]
    offset = 0
    for stratum in sorted(strata):
        keys = sorted(strata[stratum])
        rng.shuffle(keys)
        for index, key in enumerate(keys):
            folds[(index + offset) % parts].extend(groups[key])
        offset += len(keys)  # the next stratum starts where this one stopped
    return folds


def _ordered(examples: Iterable[Example]) -> list[Example]:
    return sorted(examples, key=lambda e: (e.group, e.text, e.origin))
