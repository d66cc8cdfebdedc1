"""The triage model at run time: a linear model read from a JSON file, scored in plain Python.

``pester replies train`` (:mod:`messaging.inbound.triage.training`, which needs
scikit-learn) writes :data:`MODEL_PATH`: for every feature
(:mod:`messaging.inbound.triage.features`) one weight per output, and per output an
intercept, the sigmoid calibration that turns a score into a probability, and the threshold
chosen on training folds. Reading it needs nothing but the standard library, and nothing
connects or loads at import: :func:`shipped_model` reads the file once per process, when the
first reply is classified.

Outputs are the labels the model may give (risk disclosure, help-seeking, hostile, wrong
number, supply intelligence) and the five risk kinds. Opt-out and opt-in are never the
model's: they come from exact rules alone.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from messaging.inbound.triage.features import features, pieces_of
from messaging.inbound.triage.labels import Label, RiskKind

MODEL_PATH = Path(__file__).resolve().parent / "model" / "triage-model.json.gz"
MODEL_FORMAT = "pester-triage-model"
MODEL_VERSION = 2  # 2: risk kinds are learnt from the risk disclosures alone
KIND_PREFIX = "kind:"
# What the model may say: never opt-out or opt-in, which only exact rules decide.
MODEL_LABELS: tuple[Label, ...] = (
    Label.RISK_DISCLOSURE,
    Label.HELP_SEEKING,
    Label.HOSTILE,
    Label.WRONG_NUMBER,
    Label.SUPPLY_INTEL,
)
_TOP_WORDS = 3
# Left out of explanations (they weigh, but say nothing to an analyst on their own).
_FUNCTION_WORDS = frozenset(
    """i me my we us our you your he him his she her they them their it its a an the and or
    but to of in on at for with is am are was were be been being have has had do does did will
    would can could not no so just that this what if as by from""".split()  # noqa: SIM905
)


class ModelFileError(ValueError):
    """The model file is missing, of another format or version, or inconsistent."""


LABEL_OUTPUTS: tuple[str, ...] = tuple(str(label) for label in MODEL_LABELS)
KIND_OUTPUTS: tuple[str, ...] = tuple(KIND_PREFIX + str(kind) for kind in RiskKind)
OUTPUTS: tuple[str, ...] = LABEL_OUTPUTS + KIND_OUTPUTS
RISK_OUTPUTS: tuple[str, ...] = (str(Label.RISK_DISCLOSURE), *KIND_OUTPUTS)
# What the needs-a-person band looks at: the chance the reply discloses a risk or asks for help.
UNCERTAIN_OUTPUTS: tuple[str, ...] = (str(Label.RISK_DISCLOSURE), str(Label.HELP_SEEKING))


@dataclass(frozen=True)
class Scores:
    """The model's calibrated probabilities (of the outputs computed so far), and what it
    read."""

    probabilities: dict[str, float]
    words: list[str]
    known: list[int]  # rows of the features present that the model knows
    value: float  # the value of each feature present (unit-length scaling)


@dataclass(frozen=True)
class TriageModel:
    """A trained linear triage model: weights by feature, calibration and thresholds."""

    index: dict[str, int]  # feature → row
    columns: dict[str, list[float]]  # output → weight of each row
    intercepts: dict[str, float]
    calibration: dict[str, tuple[float, float]]  # output → (a, b): p = 1 / (1 + e^(a·s + b))
    thresholds: dict[str, float]
    uncertain_from: float  # a reply nothing placed, scored at least this, needs a person
    info: dict[str, Any]

    def score(self, words: list[str], outputs: tuple[str, ...] = LABEL_OUTPUTS) -> Scores:
        """Calibrated probabilities of some outputs (the labels unless told) for a reply's
        words; :meth:`add` computes more later from the same reading."""
        names, value = features(words)
        index = self.index
        known = [index[name] for name in names if name in index]
        scores = Scores({}, words, known, value)
        self.add(scores, outputs)
        return scores

    def add(self, scores: Scores, outputs: tuple[str, ...]) -> None:
        """Compute more outputs' probabilities into ``scores`` (risk kinds, when needed)."""
        for output in outputs:
            if output not in scores.probabilities:
                column = self.columns[output]
                raw = sum(map(column.__getitem__, scores.known)) * scores.value
                a, b = self.calibration[output]
                scores.probabilities[output] = _sigmoid(-(a * (raw + self.intercepts[output]) + b))

    def fires(self, scores: Scores, output: str, *, at_least: float = 0.0) -> bool:
        """Whether an output's probability reaches its threshold (and ``at_least``)."""
        return scores.probabilities[output] >= max(self.thresholds[output], at_least)

    def top_words(self, scores: Scores, output: str) -> list[tuple[str, float]]:
        """The words and word pairs of the reply that weighed most towards an output,
        with what each added to the score (pieces of a word count for that word). Single
        function words ("they", "and") are left out: they weigh, but tell an analyst
        nothing alone."""
        column, index, value = self.columns[output], self.index, scores.value
        weight = {row: column[row] for row in scores.known}

        def of(name: str) -> float:
            row = index.get(name)
            return weight.get(row, 0.0) if row is not None else 0.0

        found: dict[str, float] = {}
        for word in dict.fromkeys(scores.words):
            pieces = sum(of(piece) for piece in pieces_of(word))
            found[word] = (of(f"w:{word}") + pieces) * value
        for first, second in itertools.pairwise(scores.words):
            pair = f"{first} {second}"
            found.setdefault(pair, 0.0)
            found[pair] += of(f"b:{pair}") * value
        ranked = sorted(
            ((words, added) for words, added in found.items() if words not in _FUNCTION_WORDS),
            key=lambda item: (-item[1], item[0]),
        )
        return [(words, round(added, 2)) for words, added in ranked[:_TOP_WORDS] if added > 0]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def model_from_json(data: dict[str, Any]) -> TriageModel:
    """A model from the decoded JSON a training run writes (see :func:`read_model_file`)."""
    if data.get("format") != MODEL_FORMAT or data.get("version") != MODEL_VERSION:
        raise ModelFileError(
            f"not a {MODEL_FORMAT} version {MODEL_VERSION} file "
            f"(format {data.get('format')!r}, version {data.get('version')!r})"
        )
    outputs = data["outputs"]
    if tuple(outputs) != OUTPUTS:
        raise ModelFileError(f"the model's outputs {outputs} are not {list(OUTPUTS)}")
    weights: dict[str, list[float]] = data["weights"]
    index = {name: row for row, name in enumerate(weights)}
    columns = {
        output: [row[position] for row in weights.values()]
        for position, output in enumerate(outputs)
    }
    return TriageModel(
        index=index,
        columns=columns,
        intercepts=dict(zip(outputs, data["intercepts"], strict=True)),
        calibration={o: (ab[0], ab[1]) for o, ab in zip(outputs, data["calibration"], strict=True)},
        thresholds=dict(zip(outputs, data["thresholds"], strict=True)),
        uncertain_from=float(data["uncertain_from"]),
        info=dict(data.get("trained", {})),
    )


def read_model_file(path: Path) -> dict[str, Any]:
    """The decoded JSON of a model file (gzip-compressed when its name ends in .gz)."""
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw) if path.suffix == ".gz" else raw
        return json.loads(text)
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read the triage model {path.name}: {exc}") from exc


@functools.cache
def shipped_model() -> TriageModel:
    """The model that ships with pester, read once per process on first use."""
    return model_from_json(read_model_file(MODEL_PATH))
