"""Triage labels: the queues a reply can belong in, and the kinds of risk it can disclose."""

from __future__ import annotations

import enum


class Label(enum.StrEnum):
    """A triage queue a reply belongs in."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP_SEEKING = "help_seeking"
    RISK_DISCLOSURE = "risk_disclosure"
    HOSTILE = "hostile"
    WRONG_NUMBER = "wrong_number"
    SUPPLY_INTEL = "supply_intel"
    OTHER = "other"


class RiskKind(enum.StrEnum):
    """What kind of harm a risk disclosure describes."""

    OVERDOSE = "overdose"
    SELF_HARM = "self_harm"
    EXPLOITATION = "exploitation"
    CHILD_AT_RISK = "child_at_risk"
    VIOLENCE = "violence"
