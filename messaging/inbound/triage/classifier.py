"""Explainable triage labels for a reply: risk, help-seeking, opt-out, hostility, intelligence.

The classifier is a pure function over tables of named regular expressions
(:mod:`messaging.inbound.triage.rules`), so an analyst can see which words put a reply in
which queue (``Classification.why``). A reply may carry several labels; ``other`` only when nothing
else fired.

Text is first normalised so one pattern covers the ways people write: lower case,
contractions expanded ("they're" → "they are", "dont" → "do not"), text-speak mapped ("u",
"ur", "pls", "m8", "wer", "gonna", "fkn", dropped g's), letters typed three or more times
counted once, and knife/gun emoji read as words (:mod:`messaging.inbound.triage.text`). Reported
matches quote the original words.

Decisions:

* **Risk is never negated.** "not suicidal", "he isn't breathing" and "not being forced"
  all flag a risk disclosure: someone raising the subject needs a human to read it, and
  the cost of a missed disclosure is far higher than an analyst's minute. The ``why`` entry
  says when a negation stood before the match.
* **Help-seeking is negated** ("don't need your help"), since a false label there only
  misfiles the reply; opt-out uses :func:`messaging.inbound.triage.keywords.keyword_action`, which
  guards both ways.
* **Threats at the sender are hostile, not risk**: "I'll stab you" is hostile; "they
  stabbed my mate" and "they'll kill me" are risk disclosures (violence).
* A phone number in a reply adds ``supply_intel`` unless help-line words name it ("FRANK
  0300…", "is 0161… the drug service?"): someone quoting a service back. FRANK,
  Crimestoppers, SafeCall and other help lines are never extracted at all (see
  :mod:`messaging.inbound.reply_numbers`); ``service_numbers`` leaves out the campaign's own.
* "Who is this", "wrong number", "not me", "new phone", "is this a scam" are
  ``wrong_number``: all say the text reached someone who does not recognise it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from messaging.inbound.reply_numbers import find_numbers
from messaging.inbound.triage.keywords import KeywordAction, keyword_action
from messaging.inbound.triage.labels import Label, RiskKind
from messaging.inbound.triage.patterns import Rule
from messaging.inbound.triage.rules import RULES
from messaging.inbound.triage.text import APOSTROPHES, normalise_text

__all__ = [
    "LABEL_ORDER",
    "NUMBER_REASON",
    "RULES",
    "Classification",
    "Label",
    "RiskKind",
    "Rule",
    "classify",
]


# Most urgent first: the order analysts' queues are sorted by.
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
NUMBER_REASON = "mentions a phone number"


@dataclass(frozen=True)
class Classification:
    """The labels of one reply, the numbers it mentions, and why each label was given."""

    labels: tuple[Label, ...]
    risk_kinds: tuple[RiskKind, ...]
    numbers: tuple[str, ...]
    why: dict[str, list[str]] = field(default_factory=dict, hash=False)

    @property
    def urgent(self) -> bool:
        """True when a person should read this reply now (a risk disclosure)."""
        return Label.RISK_DISCLOSURE in self.labels

    def as_json(self) -> dict:
        """A JSON-ready dict: labels, numbers, why and risk kinds as plain strings."""
        return {
            "labels": [str(label) for label in self.labels],
            "numbers": list(self.numbers),
            "why": {label: list(reasons) for label, reasons in self.why.items()},
            "risk_kinds": [str(kind) for kind in self.risk_kinds],
        }


def classify(text: str, *, service_numbers: Collection[str] = frozenset()) -> Classification:
    """Label a reply for triage, with the rules that fired and the numbers it mentions.

    ``service_numbers`` (E.164) are local services the campaign signposted: quoted back,
    they are neither listed nor treated as intelligence.
    """
    original = unicodedata.normalize("NFKC", text).translate(APOSTROPHES)
    normal = normalise_text(original)
    why: dict[Label, list[str]] = {}
    kinds: set[RiskKind] = set()

    keyword = keyword_action(text)
    keyword_label = _KEYWORD_LABELS.get(keyword.action)
    if keyword_label is not None:
        why.setdefault(keyword_label, []).append(keyword.rule)

    for rule in RULES:
        for match in rule.pattern.finditer(normal.text):
            if rule.accept is not None and not rule.accept(match):
                continue
            before = normal.text[max(0, match.start() - _LOOKBACK) : match.start()]
            if rule.label is Label.HELP_SEEKING and _HELP_NEGATION.search(before):
                continue
            negated = rule.label is Label.RISK_DISCLOSURE and _NEGATION_BEFORE.search(before)
            excerpt = normal.original_of(match.start(), match.end())
            prefix = "/".join(rule.kinds) + "." if rule.kinds else ""
            reason = f"{prefix}{rule.name}: {excerpt}"
            if negated:
                reason += " (after a negation; flagged anyway)"
            why.setdefault(rule.label, []).append(reason)
            kinds.update(rule.kinds)
            break  # one explanation per rule is enough

    found = find_numbers(original, exclude=service_numbers)
    if any(not _quotes_a_help_line(original, number.start, number.end) for number in found):
        why.setdefault(Label.SUPPLY_INTEL, []).append(NUMBER_REASON)

    if not why:
        why[Label.OTHER] = ["no rule fired"]
    labels = tuple(label for label in LABEL_ORDER if label in why)
    return Classification(
        labels=labels,
        risk_kinds=tuple(kind for kind in RiskKind if kind in kinds),
        numbers=tuple(number.e164 for number in found),
        why={str(label): why[label] for label in labels},
    )


_KEYWORD_LABELS = {
    KeywordAction.OPT_OUT: Label.OPT_OUT,
    KeywordAction.OPT_IN: Label.OPT_IN,
    KeywordAction.HELP: Label.HELP_SEEKING,
}
_LOOKBACK = 30
_NEGATION_BEFORE = re.compile(r"\b(?:not|never|no)(?: \w+){0,2} $")
# Only a denial of needing or wanting help cancels help-seeking; "not ok please help" stands.
_HELP_NEGATION = re.compile(
    r"\b(?:not|never|no) (?:(?:need|want|needed|wanted|asking for|asked for|ask for) )?"
    r"(?:(?:your|any|the|no|for|of|a|an) )?$"
)
_HELP_LINE_WORDS = (
    r"(?:help ?line|frank|samaritans|childline|crimestoppers|safecall|"
    r"(?:drugs?|treatment|support|local|the) service|support line|advice line|cgl|"
    r"change grow live|turning point|humankind|open road|nhs)\b"
)
_HELP_LINE_BEFORE = re.compile(rf"(?i)\b{_HELP_LINE_WORDS}")
_HELP_LINE_AFTER = re.compile(
    rf"(?i)^\W*(?:(?:is|was) )?(?:(?:that|this|it) )?(?:the |a |your )?{_HELP_LINE_WORDS}"
)


def _quotes_a_help_line(text: str, start: int, end: int) -> bool:
    """A number named as a help line or service ("FRANK 0300…", "0161… the drug service?")."""
    return bool(
        _HELP_LINE_BEFORE.search(text[max(0, start - _LOOKBACK) : start])
        or _HELP_LINE_AFTER.search(text[end : end + _LOOKBACK])
    )
