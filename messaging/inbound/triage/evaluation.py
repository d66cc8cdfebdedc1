"""Figures for how well triage labels a set of labelled replies.

Used by ``bench/triage.py`` and by training (to pick thresholds on training folds). Pure
functions of (expected, predicted) pairs; no model, no rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from messaging.inbound.triage.labels import Label, RiskKind


@dataclass(frozen=True)
class Predicted:
    """What triage said of one reply: its labels, risk kinds and queue."""

    labels: frozenset[Label]
    risk_kinds: frozenset[RiskKind]
    queue: str = ""


@dataclass(frozen=True)
class Expected:
    """What a reply's labels are: the corpus's labels and risk kinds."""

    labels: frozenset[Label]
    risk_kinds: frozenset[RiskKind]


NEEDS_PERSON = "needs_person"


def figures(expected: Sequence[Expected], predicted: Sequence[Predicted]) -> dict:
    """Per-label precision, recall and F1, macro F1, risk recall and precision, per-kind
    recall, opt-out precision and recall, and the share of replies in the needs-a-person
    queue."""
    if len(expected) != len(predicted):
        raise ValueError("expected and predicted differ in length")
    per_label = {str(label): _prf(expected, predicted, label) for label in Label}
    risk = [
        (e, p)
        for e, p in zip(expected, predicted, strict=True)
        if Label.RISK_DISCLOSURE in e.labels
    ]
    kind_recall = {}
    for kind in RiskKind:
        with_kind = [(e, p) for e, p in risk if kind in e.risk_kinds]
        kind_recall[str(kind)] = _ratio(
            sum(kind in p.risk_kinds for _, p in with_kind), len(with_kind)
        )
    opt_out = per_label[str(Label.OPT_OUT)]
    return {
        "examples": len(expected),
        "precision": {label: values["precision"] for label, values in per_label.items()},
        "recall": {label: values["recall"] for label, values in per_label.items()},
        "f1": {label: values["f1"] for label, values in per_label.items()},
        "macro_f1": round(sum(v["f1"] for v in per_label.values()) / len(per_label), 4),
        "risk_recall": _ratio(sum(Label.RISK_DISCLOSURE in p.labels for _, p in risk), len(risk)),
        # How usable the risk queue is: the share of what it holds that is a disclosure.
        "risk_precision": per_label[str(Label.RISK_DISCLOSURE)]["precision"],
        "risk_kind_recall": kind_recall,
        "opt_out_precision": opt_out["precision"],
        "opt_out_recall": opt_out["recall"],
        "needs_person_share": _ratio(
            sum(p.queue == NEEDS_PERSON for p in predicted), len(predicted)
        ),
    }


def _prf(expected: Sequence[Expected], predicted: Sequence[Predicted], label: Label) -> dict:
    pairs = list(zip(expected, predicted, strict=True))
    true_pos = sum(label in e.labels and label in p.labels for e, p in pairs)
    said = sum(label in p.labels for _, p in pairs)
    actual = sum(label in e.labels for e, _ in pairs)
    precision = true_pos / said if said else 1.0
    recall = true_pos / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def mean_figures(runs: Sequence[dict]) -> dict:
    """The mean of several runs' figures (for cross-validation), key by key."""
    first = runs[0]
    mean: dict = {}
    for key, value in first.items():
        if isinstance(value, dict):
            mean[key] = mean_figures([run[key] for run in runs])
        elif isinstance(value, int | float):
            mean[key] = round(sum(run[key] for run in runs) / len(runs), 4)
    return mean
