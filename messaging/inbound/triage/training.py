"""Training the triage model from the corpus (``pester replies train``); needs scikit-learn.

For each output (:data:`~messaging.inbound.triage.model.OUTPUTS`: five labels and five risk
kinds, one-vs-rest) a logistic regression over the features of
:mod:`messaging.inbound.triage.features`, with Platt (sigmoid) calibration fitted on
cross-validated scores (scikit-learn's ``CalibratedClassifierCV``, ``ensemble=False``: one
model on all the data, one calibration), exported as plain numbers. The labels learn from
every reply; the risk kinds from the risk disclosures alone, since a kind only ever names
what a reply already found to be a disclosure discloses (trained on every reply, a kind
model spends its weights telling disclosures from the rest and confuses the kinds).

Thresholds are chosen on training folds only: the training examples are split in
:data:`TrainingSettings.threshold_folds` folds, each scored by a model trained on the others,
and each output's threshold is picked on those out-of-fold probabilities *together with the
rules* (the model only has to catch what the rules miss):

* risk disclosure itself, and each risk kind: the highest threshold at which the model on
  its own still finds :data:`TrainingSettings.risk_recall` (for a kind,
  :data:`TrainingSettings.kind_recall` of that kind among the disclosures). The rules' hits are
  not counted: they were written looking at this corpus, so here they find more than they
  will in replies nobody has seen, and a model leaning on them would be set too high;
* any other label: the threshold with the best F1 of rules or model.

The needs-a-person band starts where the out-of-fold scores of replies nothing placed would
fill about :data:`TrainingSettings.needs_person_share` of all replies.

The run is reproducible: examples in a fixed order, fixed seeds, single-threaded solvers,
numbers rounded before they are written, and gzip without a time stamp; retraining from the
same corpus with the pinned scikit-learn gives the same file. Nothing here runs at reply
time: scikit-learn is imported only when training starts.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from messaging.inbound.triage.corpus import Example, k_folds
from messaging.inbound.triage.features import features, words_of_normal
from messaging.inbound.triage.findings import RuleFindings, apply_rules
from messaging.inbound.triage.labels import Label
from messaging.inbound.triage.model import (
    KIND_PREFIX,
    LABEL_OUTPUTS,
    MODEL_FORMAT,
    MODEL_VERSION,
    OUTPUTS,
    RISK_OUTPUTS,
    UNCERTAIN_OUTPUTS,
    TriageModel,
    model_from_json,
)

SKLEARN_VERSION = "1.9.1"  # as pinned in pyproject.toml's train and test extras
_DIGITS = 4
# The model always flags a risk it is this sure of, however well the rules did in training.
_HIGHEST_RISK_THRESHOLD = 0.8


class TrainingError(RuntimeError):
    """Training cannot run (scikit-learn missing or of another version, too few examples)."""


@dataclass(frozen=True)
class TrainingSettings:
    """How a model is trained; stored in the model file."""

    seed: int = 12
    min_count: int = 2  # a feature must occur in this many replies to be kept
    c: float = 10.0  # inverse regularisation strength
    balanced: bool = True  # weight each output's rare positives up to its negatives
    calibration_folds: int = 5
    threshold_folds: int = 5
    risk_recall: float = 0.93  # the model's own, on training folds
    kind_recall: float = 0.93  # each kind's, among the disclosures of training folds
    count_rules_for_risk: bool = False  # whether the rules' hits count towards risk_recall
    needs_person_share: float = 0.08


def train(examples: Sequence[Example], settings: TrainingSettings | None = None) -> dict:
    """A model, as the JSON its file holds, trained on ``examples``."""
    settings = settings or TrainingSettings()
    _check_sklearn()
    fitted = fit_outputs(examples, settings)
    findings = [apply_rules(e.text) for e in examples]
    oof = out_of_fold_probabilities(examples, settings)
    thresholds = choose_thresholds(examples, findings, oof, settings)
    fitted["thresholds"] = [thresholds[o] for o in OUTPUTS]
    fitted["uncertain_from"] = choose_uncertain_from(findings, oof, thresholds, settings)
    fitted["trained"] = {
        "examples": len(examples),
        "corpus_sha256": corpus_digest(examples),
        "settings": asdict(settings),
        "scikit_learn": SKLEARN_VERSION,
    }
    return fitted


def corpus_digest(examples: Sequence[Example]) -> str:
    """A digest of the examples' texts and labels, to tell which corpus a model came from."""
    digest = hashlib.sha256()
    for e in examples:
        row = [e.text, sorted(map(str, e.labels)), sorted(map(str, e.risk_kinds))]
        digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def _check_sklearn() -> None:
    try:
        import sklearn  # training only: the runtime never imports it
    except ImportError as exc:
        raise TrainingError("training needs scikit-learn: pip install 'pester[train]'") from exc
    if sklearn.__version__ != SKLEARN_VERSION:
        raise TrainingError(
            f"training needs scikit-learn {SKLEARN_VERSION} (found {sklearn.__version__}) "
            "so that the model file it writes can be reproduced"
        )


def fit_outputs(examples: Sequence[Example], settings: TrainingSettings) -> dict:
    """Fit every output on ``examples``: weights, intercepts and calibration as JSON."""
    import numpy as np
    from scipy.sparse import csr_matrix

    rows = [features(reply_words(e.text)) for e in examples]
    risky = np.array([Label.RISK_DISCLOSURE in e.labels for e in examples])
    counts = Counter(name for names, _ in rows for name in names)
    vocabulary = sorted(name for name, count in counts.items() if count >= settings.min_count)
    index = {name: column for column, name in enumerate(vocabulary)}
    data, row_ids, col_ids = [], [], []
    for row_id, (names, value) in enumerate(rows):
        for name in names:
            if name in index:
                data.append(value)
                row_ids.append(row_id)
                col_ids.append(index[name])
    matrix = csr_matrix((data, (row_ids, col_ids)), shape=(len(rows), len(vocabulary)))
    weights, intercepts, calibration = [], [], []
    for output in OUTPUTS:
        target = np.array([_has(e, output) for e in examples], dtype=int)
        if output.startswith(KIND_PREFIX):  # learnt from the disclosures alone
            coef, intercept, a, b = _fit_one(matrix[risky], target[risky], settings)
        else:
            coef, intercept, a, b = _fit_one(matrix, target, settings)
        weights.append(coef)
        intercepts.append(round(intercept, _DIGITS))
        calibration.append([round(a, _DIGITS), round(b, _DIGITS)])
    by_feature = {}
    for column, name in enumerate(vocabulary):
        row = [round(float(w[column]), _DIGITS) + 0.0 for w in weights]
        if any(row):
            by_feature[name] = row
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "outputs": list(OUTPUTS),
        "intercepts": intercepts,
        "calibration": calibration,
        "weights": by_feature,
    }


@functools.lru_cache(maxsize=4096)
def reply_words(text: str) -> list[str]:
    """The words the model reads in a reply (its normalised text, as the rules read it)."""
    return words_of_normal(apply_rules(text).normal.text)


def _has(example: Example, output: str) -> bool:
    if output.startswith(KIND_PREFIX):
        return output.removeprefix(KIND_PREFIX) in {str(k) for k in example.risk_kinds}
    return output in {str(label) for label in example.labels}


def _fit_one(matrix: Any, target: Any, settings: TrainingSettings) -> tuple:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    base = LogisticRegression(
        C=settings.c, class_weight="balanced" if settings.balanced else None,
        solver="liblinear", max_iter=1000,
        random_state=settings.seed,
    )  # fmt: skip
    folds = StratifiedKFold(settings.calibration_folds, shuffle=True, random_state=settings.seed)
    calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=False)
    calibrated.fit(matrix, target)
    fitted = calibrated.calibrated_classifiers_[0]
    sigmoid = fitted.calibrators[0]
    return (
        fitted.estimator.coef_[0],
        float(fitted.estimator.intercept_[0]),
        float(sigmoid.a_),
        float(sigmoid.b_),
    )


def out_of_fold_probabilities(
    examples: Sequence[Example], settings: TrainingSettings
) -> list[dict[str, float]]:
    """Each example's probabilities from a model trained on the other folds (run-time
    scoring, so thresholds are chosen on what the classifier will see)."""
    position = {id(e): i for i, e in enumerate(examples)}
    result: list[dict[str, float]] = [{} for _ in examples]
    folds = k_folds(examples, k=settings.threshold_folds, seed=settings.seed)
    for held_out in folds:
        held = {id(e) for e in held_out}
        rest = [e for e in examples if id(e) not in held]
        model = _unthresholded(fit_outputs(rest, settings))
        for e in held_out:
            result[position[id(e)]] = model.score(reply_words(e.text), OUTPUTS).probabilities
    return result


def _unthresholded(fitted: dict) -> TriageModel:
    return model_from_json({**fitted, "thresholds": [1.0] * len(OUTPUTS), "uncertain_from": 1.0})


def choose_thresholds(
    examples: Sequence[Example],
    findings: Sequence[RuleFindings],
    oof: Sequence[dict[str, float]],
    settings: TrainingSettings,
) -> dict[str, float]:
    """Each output's threshold, chosen on out-of-fold probabilities with the rules.

    Risk kinds only name the kind of a reply already found to be a risk disclosure, so their
    thresholds are chosen on the risk disclosures alone.
    """
    thresholds = {}
    risky = [Label.RISK_DISCLOSURE in e.labels for e in examples]
    for output in OUTPUTS:
        truth = [_has(e, output) for e in examples]
        by_rules = [_rules_say(f, output) for f in findings]
        scores = [p[output] for p in oof]
        if output.startswith(KIND_PREFIX):
            keep = [i for i, r in enumerate(risky) if r]
            truth, by_rules, scores = ([v[i] for i in keep] for v in (truth, by_rules, scores))
        if output in RISK_OUTPUTS:
            # The rules were written looking at the corpus, so on it they find more than
            # they will on replies nobody has seen: the model must reach the recall alone.
            alone = [False] * len(truth) if not settings.count_rules_for_risk else by_rules
            target = (
                settings.kind_recall if output.startswith(KIND_PREFIX) else settings.risk_recall
            )
            thresholds[output] = _recall_threshold(truth, alone, scores, target)
        else:
            thresholds[output] = _f1_threshold(truth, by_rules, scores)
    return thresholds


def _rules_say(findings: RuleFindings, output: str) -> bool:
    if output.startswith(KIND_PREFIX):
        return output.removeprefix(KIND_PREFIX) in {str(k) for k in findings.kinds}
    return Label(output) in findings.why


def _candidates(scores: Sequence[float]) -> list[float]:
    return sorted({round(s, 3) for s in scores} | {0.5}, reverse=True)


def _recall_threshold(
    truth: Sequence[bool], by_rules: Sequence[bool], scores: Sequence[float], target: float
) -> float:
    """The highest threshold (at most :data:`_HIGHEST_RISK_THRESHOLD`) at which rules or
    model reach the recall target."""
    positives = sum(truth)
    for threshold in _candidates(scores):
        if threshold > _HIGHEST_RISK_THRESHOLD:
            continue
        found = sum(
            t and (r or s >= threshold) for t, r, s in zip(truth, by_rules, scores, strict=True)
        )
        if found >= target * positives:
            return threshold
    return min(_candidates(scores))


def _f1_threshold(
    truth: Sequence[bool], by_rules: Sequence[bool], scores: Sequence[float]
) -> float:
    """The threshold with the best F1 for rules or model (ties: the higher threshold)."""
    best, best_f1 = 1.0, -1.0
    for threshold in _candidates(scores):
        said = [r or s >= threshold for r, s in zip(by_rules, scores, strict=True)]
        true_pos = sum(t and p for t, p in zip(truth, said, strict=True))
        f1 = 2 * true_pos / (sum(truth) + sum(said)) if truth else 0.0
        if f1 > best_f1:
            best, best_f1 = threshold, f1
    return best


def choose_uncertain_from(
    findings: Sequence[RuleFindings],
    oof: Sequence[dict[str, float]],
    thresholds: dict[str, float],
    settings: TrainingSettings,
) -> float:
    """Where the needs-a-person band starts: nothing placed the reply, yet its highest risk
    or help probability is at least this (about ``needs_person_share`` of replies)."""
    unplaced = []
    for found, probabilities in zip(findings, oof, strict=True):
        fired = any(probabilities[o] >= thresholds[o] for o in LABEL_OUTPUTS)
        if not found.why and not fired:
            unplaced.append(max(probabilities[o] for o in UNCERTAIN_OUTPUTS))
    allowed = int(settings.needs_person_share * len(findings))
    ranked = sorted(unplaced, reverse=True)
    if len(ranked) <= allowed:
        return round(min(ranked, default=0.0), 3)
    return round(ranked[allowed - 1] if allowed else 1.0, 3)


def write_model(data: dict, path: Path) -> None:
    """Write a model file: compact JSON, keys in a fixed order, gzip without a time stamp."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode() + b"\n", compresslevel=9, mtime=0))
