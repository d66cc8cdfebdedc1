"""Explainable triage for a reply: exact rules, a statistical model beside them, and a queue.

Two layers, combined so that a disclosure is hard to miss and every label says why:

* **Rules** (:mod:`messaging.inbound.triage.findings`): exact keywords for opt-out, opt-in
  and help, named pattern tables for the rest. Opt-out and opt-in come from the rules
  alone, never from the model: no false STOP, ever.
* **The model** (:mod:`messaging.inbound.triage.model`): a calibrated linear model over
  words, word pairs and pieces of words, trained on the shipped corpus, for the paraphrases
  no rule names ("everyone would be better off without me", "he's gone grey and floppy").
  It may add risk disclosure (and its kinds), help-seeking, hostile, wrong number and
  supply intelligence when its probability reaches the threshold chosen on training folds.

Risk is the union: a rule firing is enough, the model's risk-disclosure output reaching its
threshold is enough. The model's risk-kind outputs (learnt from disclosures alone: given a
disclosure, which kinds) then name the kinds the rules did not (a kind alone does not make a
reply a risk disclosure), and a disclosure always names at least one kind: the model's
likeliest when nothing else did.
``why`` keeps the rules' reasons and adds the model's: its probability and the words that
weighed most (``self_harm.model: 0.91 (better off +1.2, burden +0.8)``).

Every reply gets a ``queue`` (:mod:`messaging.inbound.triage.queues`): ``risk`` for a risk
disclosure; ``needs_person`` when nothing fired yet the model's risk or help probability
sat in its uncertainty band, so an unplaced reply is never left as plain ``other``; else its
most urgent label. ``score`` is the model's calibrated probability that the reply is a risk
disclosure (0 to 1), whichever layer decided: the order within a queue.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from messaging.inbound.triage.features import words_of_normal
from messaging.inbound.triage.findings import NUMBER_REASON, RuleFindings, apply_rules
from messaging.inbound.triage.labels import Label, RiskKind
from messaging.inbound.triage.model import (
    KIND_OUTPUTS,
    KIND_PREFIX,
    UNCERTAIN_OUTPUTS,
    Scores,
    TriageModel,
    shipped_model,
)
from messaging.inbound.triage.patterns import Rule
from messaging.inbound.triage.queues import Queue, in_risk_queue, queue_for
from messaging.inbound.triage.rules import RULES

__all__ = [
    "LABEL_ORDER",
    "NUMBER_REASON",
    "RULES",
    "Classification",
    "Label",
    "Queue",
    "RiskKind",
    "Rule",
    "classify",
    "classify_by_rules",
]


# Most urgent first: the order labels are listed in, and queues follow.
LABEL_ORDER: tuple[Label, ...] = (
    Label.RISK_DISCLOSURE,
    Label.HELP_SEEKING,
    Label.OPT_OUT,
    Label.HOSTILE,
    Label.SUPPLY_INTEL,
    Label.WRONG_NUMBER,
    Label.OPT_IN,
    Label.OTHER,
)
# The least probability at which the model names a kind: beside kinds a rule named, and on
# its own (a disclosure always gets its likeliest kind in any case). Measured across authors,
# these keep about 1.8 kinds a disclosure; at 0.3 and 0.25 a missed kind was twice as likely.
_ALSO_A_KIND = 0.2
_A_KIND = 0.15
_MODEL_ADDS = (Label.HELP_SEEKING, Label.HOSTILE, Label.WRONG_NUMBER, Label.SUPPLY_INTEL)


@dataclass(frozen=True)
class Classification:
    """The labels of one reply, the numbers it mentions, why each label was given, the
    model's risk score and the queue it belongs in."""

    labels: tuple[Label, ...]
    risk_kinds: tuple[RiskKind, ...]
    numbers: tuple[str, ...]
    why: dict[str, list[str]] = field(default_factory=dict, hash=False)
    score: float = 0.0
    queue: Queue = Queue.OTHER

    @property
    def urgent(self) -> bool:
        """True when a person should read this reply now (a risk disclosure)."""
        return in_risk_queue(self.labels)

    def as_json(self) -> dict:
        """A JSON-ready dict: labels, numbers, why, risk kinds, score and queue."""
        return {
            "labels": [str(label) for label in self.labels],
            "numbers": list(self.numbers),
            "why": {label: list(reasons) for label, reasons in self.why.items()},
            "risk_kinds": [str(kind) for kind in self.risk_kinds],
            "score": self.score,
            "queue": str(self.queue),
        }


def classify(
    text: str,
    *,
    service_numbers: Collection[str] = frozenset(),
    model: TriageModel | None = None,
) -> Classification:
    """Label a reply for triage, with the reasons, the numbers it mentions, a score and a
    queue.

    ``service_numbers`` (E.164) are local services the campaign signposted: quoted back,
    they are neither listed nor treated as intelligence. ``model`` defaults to the shipped
    one (read once per process).
    """
    findings = apply_rules(text, service_numbers=service_numbers)
    model = model or shipped_model()
    scores = model.score(words_of_normal(findings.normal.text))
    return combine(findings, model, scores)


def classify_by_rules(
    text: str, *, service_numbers: Collection[str] = frozenset()
) -> Classification:
    """The rules alone (the baseline the benchmark compares with): no model, score 0."""
    findings = apply_rules(text, service_numbers=service_numbers)
    why = {label: list(reasons) for label, reasons in findings.why.items()}
    return _classification(findings, why, set(findings.kinds), score=0.0, uncertain=False)


def combine(findings: RuleFindings, model: TriageModel, scores: Scores) -> Classification:
    """Rules and model together: risk is their union; the model adds the labels it may."""
    why = {label: list(reasons) for label, reasons in findings.why.items()}
    kinds = set(findings.kinds)
    risk = str(Label.RISK_DISCLOSURE)
    if Label.RISK_DISCLOSURE not in why and model.fires(scores, risk):
        why[Label.RISK_DISCLOSURE] = [_reason(model, scores, risk)]
    if Label.RISK_DISCLOSURE in why:
        model.add(scores, KIND_OUTPUTS)
        # Beside kinds a rule named, the model adds a kind only when it is fairly sure.
        floor = _ALSO_A_KIND if kinds else _A_KIND
        for kind in RiskKind:
            output = KIND_PREFIX + str(kind)
            if kind not in kinds and model.fires(scores, output, at_least=floor):
                kinds.add(kind)
                why[Label.RISK_DISCLOSURE].append(_reason(model, scores, output, kind))
        if not kinds:
            likeliest = max(RiskKind, key=lambda k: scores.probabilities[KIND_PREFIX + str(k)])
            kinds.add(likeliest)
            why[Label.RISK_DISCLOSURE].append(f"{likeliest}.model: the likeliest kind")
    for label in _MODEL_ADDS:
        if label not in why and model.fires(scores, str(label)):
            why[label] = [_reason(model, scores, str(label))]
    probabilities = scores.probabilities
    uncertain = max(probabilities[o] for o in UNCERTAIN_OUTPUTS) >= model.uncertain_from
    score = round(probabilities[risk], 3)
    return _classification(findings, why, kinds, score=score, uncertain=uncertain)


def _reason(model: TriageModel, scores: Scores, output: str, kind: RiskKind | None = None) -> str:
    """The model's reason: its probability and the words that weighed most."""
    words = ", ".join(f"{w} +{added:.2f}" for w, added in model.top_words(scores, output))
    prefix = f"{kind}." if kind else ""
    return f"{prefix}model: {scores.probabilities[output]:.2f} ({words or 'no single word'})"


def _classification(
    findings: RuleFindings,
    why: dict[Label, list[str]],
    kinds: set[RiskKind],
    *,
    score: float,
    uncertain: bool,
) -> Classification:
    if not why:
        why[Label.OTHER] = ["no rule fired" if not uncertain else "nothing placed it confidently"]
    labels = tuple(label for label in LABEL_ORDER if label in why)
    return Classification(
        labels=labels,
        risk_kinds=tuple(kind for kind in RiskKind if kind in kinds),
        numbers=findings.numbers,
        why={str(label): why[label] for label in labels},
        score=score,
        queue=queue_for(labels, uncertain=uncertain),
    )
