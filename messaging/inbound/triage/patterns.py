"""How triage rules are written: named alternatives over normalised text, compiled once.

Each table is a list of (name, alternatives) rows, so every line reads as one way of saying
the thing. Patterns are written over normalised text (:mod:`messaging.inbound.triage.text`)
with single spaces between words; a space stands for any run of spaces, commas and line
breaks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
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
    of them in one regex, so a reply that matches none costs one search, not one per rule.
    Alternatives that start at a word (``\\b…``) share one look-behind in the screen, so the
    search skips the middle of words at once instead of trying each alternative there."""

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
    return tuple(RuleTable(tuple(group), _screen(group)) for group in tables)


def _screen(rules: list[Rule]) -> re.Pattern[str]:
    pieces = [_NAMED_GROUP.sub("(?:", piece) for r in rules for piece in _pieces(r.pattern.pattern)]
    at_word = "|".join(f"(?:{piece})" for piece in pieces if piece.startswith(r"\b"))
    elsewhere = [f"(?:{piece})" for piece in pieces if not piece.startswith(r"\b")]
    return re.compile("|".join(([rf"(?<!\w)(?:{at_word})"] if at_word else []) + elsewhere))


def _pieces(regex: str) -> list[str]:
    """The alternatives of a regex at its top level, looking inside groups that are whole
    alternatives: ``(?:a|b)|c`` gives ``a``, ``b`` and ``c``."""
    found = []
    for piece in _split_top_level(regex):
        inner = piece[3:-1] if piece.startswith("(?:") and _closes_at_end(piece) else None
        found.extend(_pieces(inner) if inner is not None else [piece])
    return found


def _structure(regex: str) -> Iterator[tuple[int, str, int]]:
    """Each bracket and bar of a regex outside escapes and character classes, with the depth
    of groups it sits in (after it, for a bracket)."""
    depth, index, in_class = 0, 0, False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += len(next((p for p in ("[^]", "[]") if regex.startswith(p, index)), "[")) - 1
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield index, char, depth
        index += 1


def _split_top_level(regex: str) -> list[str]:
    cuts = [index for index, char, depth in _structure(regex) if char == "|" and depth == 0]
    bounds = [-1, *cuts, len(regex)]
    return [regex[start + 1 : end] for start, end in itertools.pairwise(bounds)]


def _closes_at_end(piece: str) -> bool:
    """Whether the group opening at the start of ``piece`` closes at its last character."""
    closing = next((i for i, char, depth in _structure(piece) if char == ")" and depth == 0), -1)
    return closing == len(piece) - 1


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
