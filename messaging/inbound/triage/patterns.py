"""How triage rules are written: named alternatives over normalised text, compiled once.

Each table is a list of (name, alternatives) rows, so every line reads as one way of saying
the thing. Patterns are written over normalised text (:mod:`messaging.inbound.triage.text`)
with single spaces between words; a space stands for any run of spaces, commas and line
breaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from messaging.inbound.triage.labels import Label, RiskKind


@dataclass(frozen=True)
class Rule:
    """A named pattern over normalised text that gives a label (and maybe risk kinds)."""

    name: str
    label: Label
    pattern: re.Pattern[str]
    kinds: tuple[RiskKind, ...] = ()
    accept: Callable[[re.Match[str]], bool] | None = None


_GAP = r"[\s,]+"
Rows = list[tuple[str, tuple[str, ...]]]


def compile_alternatives(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    """Compile a rule's alternatives, letting each space match any gap between words."""
    pattern = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return re.compile(pattern.replace(" ?", r"[\s,]*").replace(" ", _GAP))


@dataclass(frozen=True)
class RuleTable:
    """Rules for one label and kinds, behind one screening pattern: the alternatives of all
    of them in one regex, so a reply that matches none costs one search, not one per rule."""

    rules: tuple[Rule, ...]
    screen: re.Pattern[str]


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def screened(rules: tuple[Rule, ...]) -> tuple[RuleTable, ...]:
    """Neighbouring rules with the same label and kinds, grouped behind a screen each."""
    tables: list[list[Rule]] = []
    for rule in rules:
        if tables and (tables[-1][0].label, tables[-1][0].kinds) == (rule.label, rule.kinds):
            tables[-1].append(rule)
        else:
            tables.append([rule])
    return tuple(
        RuleTable(
            tuple(group),
            re.compile("|".join(_NAMED_GROUP.sub("(?:", r.pattern.pattern) for r in group)),
        )
        for group in tables
    )


def table(
    label: Label,
    rows: Rows,
    kinds: tuple[RiskKind, ...] = (),
    accept: Callable[[re.Match[str]], bool] | None = None,
) -> list[Rule]:
    """Rules for one label (and risk kinds) from (name, alternatives) rows."""
    return [
        Rule(name, label, compile_alternatives(alternatives), kinds, accept)
        for name, alternatives in rows
    ]
