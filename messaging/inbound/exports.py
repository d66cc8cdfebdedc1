"""Exporting the filtered reply log as CSV or JSON, safe to open in a spreadsheet.

Reply text is written by strangers and some of it is hostile. A cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (CSV injection), so such a cell gets a leading apostrophe
(:func:`messaging.csv_safety.safe_cell`, shared by every export),
which spreadsheets show as plain text. JSON exports get the same treatment, because JSON
is also pasted into and converted to spreadsheets. Numbers in E.164 start with ``+``, so
they appear as ``'+447…`` in both: the apostrophe is the price of safety, and documented.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from messaging.csv_safety import safe_cell
from messaging.inbound.reply_log import load_replies, mentions_of, names_for

COLUMNS: tuple[str, ...] = (
    "reply_id",
    "received_at",
    "line",
    "campaign_id",
    "campaign",
    "from_number",
    "reply_text",
    "labels",
    "risk_kinds",
    "urgent",
    "queue",
    "score",
    "handled_at",
    "reviewed_at",
    "tags",
    "notes",
    "numbers_mentioned",
)


def export_rows(session: Session, reply_ids: list[int]) -> list[dict[str, Any]]:
    """One plain row per reply, in the order of ``reply_ids`` (not yet neutralised)."""
    replies = load_replies(session, reply_ids)
    lines, campaigns = names_for(session, replies)
    mentions = mentions_of(session, [r.id for r in replies])
    return [
        {
            "reply_id": r.id,
            "received_at": r.received_at.isoformat(),
            "line": lines.get(r.line_id, "") if r.line_id else "",
            "campaign_id": r.campaign_id,
            "campaign": campaigns.get(r.campaign_id, "") if r.campaign_id else "",
            "from_number": r.phone or "",
            "reply_text": r.body if r.body is not None else "",
            "labels": ";".join(r.labels or []),
            "risk_kinds": ";".join(r.risk_kinds or []),
            "urgent": bool(r.urgent),
            "queue": r.queue,
            "score": r.score if r.score is not None else "",
            "handled_at": r.handled_at.isoformat() if r.handled_at else "",
            "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else "",
            "tags": ";".join(r.tags or []),
            "notes": r.notes or "",
            "numbers_mentioned": ";".join(f"{m.phone or ''} ({m.link})" for m in mentions[r.id]),
        }
        for r in replies
    ]


def to_csv(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    """CSV text (UTF-8 with BOM for Excel's sake is the caller's choice), every cell safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_cell(row.get(c)) for c in columns])
    return out.getvalue()


def to_json(rows: Iterable[Mapping[str, Any]]) -> str:
    """A JSON array of objects, every string value safe."""
    return json.dumps(
        [{key: safe_cell(value) for key, value in row.items()} for row in rows],
        ensure_ascii=False,
        indent=1,
    )
