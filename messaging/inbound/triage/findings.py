"""What the exact rules find in a reply: labels with reasons, risk kinds, and numbers.

The rules half of triage (:mod:`messaging.inbound.triage.classifier` adds the model). Text
is normalised first (:mod:`messaging.inbound.triage.text`) so one pattern covers the ways
people write; reasons quote the original words.

Decisions:

* **Risk is never negated.** "not suicidal", "he isn't breathing" and "not being forced"
  all flag a risk disclosure: someone raising the subject needs a human to read it, and
  the cost of a missed disclosure is far higher than an analyst's minute. The reason says
  when a negation stood before the match.
* **Help-seeking is negated** ("don't need your help"), since a false label there only
  misfiles the reply; opt-out uses :func:`messaging.inbound.triage.keywords.keyword_action`,
  which guards both ways.
* **Threats at the sender are hostile, not risk**: "I'll stab you" is hostile; "they
  stabbed my mate" and "they'll kill me" are risk disclosures (violence).
* A phone number in a reply adds ``supply_intel`` unless help-line words name it ("FRANK
  0300…", "is 0161… the drug service?"): someone quoting a service back; or the words
  before it give it to receive the texts ("my new number is …", "can you add …", "text her
  on …"): the writer's own or a friend's, not a line's. FRANK,
  Crimestoppers, SafeCall and other help lines are never extracted at all (see
  :mod:`messaging.inbound.reply_numbers`); ``service_numbers`` leaves out the campaign's own.
* "Who is this", "wrong number", "not me", "new phone", "is this a scam" are
  ``wrong_number``: all say the text reached someone who does not recognise it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from messaging.inbound.reply_numbers import find_numbers
from messaging.inbound.triage.keywords import KeywordAction, keyword_action
from messaging.inbound.triage.labels import Label, RiskKind
from messaging.inbound.triage.patterns import Rule
from messaging.inbound.triage.rules import RULE_TABLES
from messaging.inbound.triage.text import APOSTROPHES, NormalisedText, normalise_text

NUMBER_REASON = "mentions a phone number"


@dataclass(frozen=True)
class RuleFindings:
    """The labels the rules gave (with reasons), the risk kinds, the numbers, and the
    normalised text they read."""

    why: dict[Label, list[str]]
    kinds: frozenset[RiskKind]
    numbers: tuple[str, ...]
    normal: NormalisedText


def apply_rules(text: str, *, service_numbers: Collection[str] = frozenset()) -> RuleFindings:
    """Run the keyword rules, the pattern tables and the number finder over a reply."""
    original = unicodedata.normalize("NFKC", text).translate(APOSTROPHES)
    normal = normalise_text(original)
    why: dict[Label, list[str]] = {}
    kinds: set[RiskKind] = set()

    keyword = keyword_action(text)
    keyword_label = _KEYWORD_LABELS.get(keyword.action)
    if keyword_label is not None:
        why.setdefault(keyword_label, []).append(keyword.rule)

    for rule in _rules_that_may_match(normal.text):
        if rule.label is Label.OPT_IN and keyword.action is KeywordAction.OPT_OUT:
            continue  # a reply that opts out is never also asking for the texts
        for match in rule.pattern.finditer(normal.text):
            if rule.accept is not None and not rule.accept(match):
                continue
            before = normal.text[max(0, match.start() - _LOOKBACK) : match.start()]
            if rule.label is Label.HELP_SEEKING and _HELP_NEGATION.search(before):
                continue
            if rule.label is Label.OPT_IN and _OPT_IN_NEGATION.search(before):
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
    if any(_is_intelligence(original, number.start, number.end) for number in found):
        why.setdefault(Label.SUPPLY_INTEL, []).append(NUMBER_REASON)
    numbers = tuple(number.e164 for number in found)
    return RuleFindings(why, frozenset(kinds), numbers, normal)


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
# "don't want the texts" is not asking for them ("no, don't stop" still is).
_OPT_IN_NEGATION = re.compile(r"\b(?:not|never) (?:(?:want|need|wanted|needed) )?(?:\w+ )?$")
_HELP_LINE_WORDS = (
    r"(?:help ?line|frank|samaritans|childline|crimestoppers|safecall|"
    r"(?:drugs?|treatment|support|local|the) service|support line|advice line|cgl|"
    r"change grow live|turning point|humankind|open road|nhs)\b"
)
_HELP_LINE_BEFORE = re.compile(rf"(?i)\b{_HELP_LINE_WORDS}")
# A number given to receive the texts (the writer's own, a friend's) is not intelligence:
# "my new number is …", "can you add …", "text her on …".
_FOR_THE_TEXTS_BEFORE = re.compile(
    r"(?i)(?:\b(?:my|her|his) (?:new |other |work )?(?:number|no|num)\b[^.?!\d]{0,15}|"
    r"\b(?:add|put|include)\b[^.?!\d]{0,25}|"
    r"\b(?:text|send|txt) (?:her|him|me|us|them)(?: \w+)? (?:on|to)|\bfor me is)\W*$"
)
_HELP_LINE_AFTER = re.compile(
    rf"(?i)^\W*(?:(?:is|was) )?(?:(?:that|this|it) )?(?:the |a |your )?{_HELP_LINE_WORDS}"
)


def _rules_that_may_match(text: str) -> Iterator[Rule]:
    """The rules of every table whose screen finds something in the text, in table order."""
    for rules_table in RULE_TABLES:
        if rules_table.screen.search(text):
            yield from rules_table.rules


def _is_intelligence(text: str, start: int, end: int) -> bool:
    """A number that is neither a help line quoted back nor one given to receive the texts."""
    before = text[max(0, start - _LOOKBACK) : start]
    return not _quotes_a_help_line(text, start, end) and not _FOR_THE_TEXTS_BEFORE.search(before)


def _quotes_a_help_line(text: str, start: int, end: int) -> bool:
    """A number named as a help line or service ("FRANK 0300…", "0161… the drug service?")."""
    return bool(
        _HELP_LINE_BEFORE.search(text[max(0, start - _LOOKBACK) : start])
        or _HELP_LINE_AFTER.search(text[end : end + _LOOKBACK])
    )
