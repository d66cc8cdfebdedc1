"""Turn one row of a call or message log (CSV or Excel) into interactions with the line.

The counterpart is the party that is not the line itself: the "From" party of an incoming
call, the "To" parties of an outgoing one. Parties marked "(owner)", or matching the number
seen in most rows of the log, are the line and are left out; they also tell the direction
when no column does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from datetime import time as clock_time

from messaging.intake.extractions.cell_text import Party, parse_parties, party_key
from messaging.intake.extractions.interaction_values import (
    parse_direction,
    parse_kind,
    parse_timestamp,
)
from messaging.intake.extractions.records import ExtractedInteraction, RejectedRecord, RejectReason
from messaging.intake.extractions.table_layout import LogLayout

_RAW_LIMIT = 500


def read_log_row(
    cells: Sequence[object], layout: LogLayout, position: str
) -> tuple[list[ExtractedInteraction], RejectedRecord | None]:
    """Return the interactions one log row records, or why it gives none."""
    parties = _parties(cells, layout)
    if layout.owner_key is not None:
        parties = [
            replace(p, is_owner=True) if _is_owner_key(p, layout.owner_key) else p for p in parties
        ]
    type_text = _text(cells, layout.type)
    direction = parse_direction(_text(cells, layout.direction)) or parse_direction(type_text)
    kind = parse_kind(type_text) or layout.default_kind
    interactions, reason = interactions_with(
        parties,
        direction,
        kind,
        _occurred_at(cells, layout),
        position,
        deleted_state=_text(cells, layout.deleted) or None,
    )
    if reason is not None:
        return [], RejectedRecord(position, _row_text(cells), reason)
    return interactions, None


def interactions_with(
    parties: Sequence[Party],
    direction: str | None,
    kind: str,
    occurred_at: datetime | None,
    position: str,
    *,
    deleted_state: str | None = None,
    source_app: str | None = None,
) -> tuple[list[ExtractedInteraction], RejectReason | None]:
    """Return one interaction per counterpart (the parties that are not the line), or why not.

    ``deleted_state`` and ``source_app`` are the record's, kept as provenance.
    """
    owners = [p for p in parties if p.is_owner]
    others = [p for p in parties if not p.is_owner]
    if direction is None:
        direction = _direction_from_roles(owners, others)
    if direction == "incoming" and any(p.role == "from" for p in others):
        others = [p for p in others if p.role == "from"]
    elif direction == "outgoing" and any(p.role == "to" for p in others):
        others = [p for p in others if p.role == "to"]
    if not others:
        return [], RejectReason.NO_NUMBER
    if direction is None and {"from", "to"} <= {p.role for p in others}:
        return [], RejectReason.DIRECTION_UNCLEAR
    state = deleted_state[:40] if deleted_state else None
    return [
        ExtractedInteraction(
            position, party.raw, kind, occurred_at, direction, state, source_app, party.name
        )
        for party in others
    ], None


def _parties(cells: Sequence[object], layout: LogLayout) -> list[Party]:
    parties: list[Party] = []
    for index, role in (
        *((i, None) for i in layout.parties),
        (layout.from_col, "from"),
        (layout.to_col, "to"),
    ):
        text = _text(cells, index)
        if text:
            parties.extend(parse_parties(text, role))
    return parties


def _is_owner_key(party: Party, owner_key: str | None) -> bool:
    return owner_key is not None and party_key(party.raw) == owner_key


def _direction_from_roles(owners: list[Party], others: list[Party]) -> str | None:
    """The line sent it if it is the sender; else the side the file leaves out is the line."""
    owner_roles = {p.role for p in owners if p.role}
    if owner_roles == {"from"}:
        return "outgoing"
    if owner_roles == {"to"}:
        return "incoming"
    if owner_roles:
        return None  # the line on both sides: a note to self
    other_roles = {p.role for p in others}
    if other_roles == {"from"}:
        return "incoming"
    if other_roles == {"to"}:
        return "outgoing"
    return None


def _occurred_at(cells: Sequence[object], layout: LogLayout) -> datetime | None:
    if layout.timestamp is not None:
        return parse_timestamp(_value(cells, layout.timestamp))
    date, time = _value(cells, layout.date), _value(cells, layout.time)
    if isinstance(date, datetime) and isinstance(time, clock_time):
        return parse_timestamp(datetime.combine(date.date(), time))
    if isinstance(date, datetime) or (date and not time):
        return parse_timestamp(date)
    if date and time:
        return parse_timestamp(f"{_as_text(date)} {_as_text(time)}")
    return parse_timestamp(time)


def _value(cells: Sequence[object], index: int | None) -> object:
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    return value.strip() if isinstance(value, str) else value


def _text(cells: Sequence[object], index: int | None) -> str:
    value = _value(cells, index)
    return "" if value is None else _as_text(value)


def _as_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _row_text(cells: Sequence[object]) -> str:
    return " | ".join(_as_text(c) for c in cells if c not in (None, ""))[:_RAW_LIMIT]
