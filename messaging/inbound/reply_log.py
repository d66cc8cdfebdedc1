"""The analysts' reply log: filtering, searching and the per-number conversation.

Filters (line, campaign, label, dates, handled, reviewed, has-intelligence, urgent, tag)
run in SQL. Full-text search cannot: reply bodies and notes are sealed at rest, and the
database only sees ciphertext. So search works in two ways:

* **A phone number** typed as the search ("07700 900123", "+447700900123") is normalised
  and matched exactly through the keyed lookup hashes: replies *from* that number and
  replies *mentioning* it, across the whole log, with no window.
* **Words** are matched by decrypting and filtering inside the already-filtered set, most
  recent first, over at most :data:`SEARCH_WINDOW` candidate replies. Every word must
  appear (case, accents and spacing ignored) in the reply text, its notes or its tags.
  When the window was exhausted the page says so, and the analyst narrows the filter
  (a date range, a line) to search further back. This keeps a search's cost bounded and
  keeps plaintext out of the database (no plaintext index to leak or to purge).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from messaging.crypto import lookup_hash
from messaging.inbound.triage.labels import Label
from messaging.inbound.triage.queues import QUEUES, Queue
from messaging.intake.phone_numbers import normalise
from messaging.models import (
    Campaign,
    Line,
    Reply,
    ReplyNumber,
)
from messaging.sending.send_window import LONDON

SEARCH_WINDOW = 5000  # replies decrypted at most per word search
EXPORT_LIMIT = 20000  # rows per export; larger sets must be narrowed first
LABELS: tuple[str, ...] = tuple(str(label) for label in Label)
# How the log can be ordered: newest first, or by queue (risk, needs a person, help, opt-out,
# …; within a queue the model's risk score, highest first; then newest first).
SORTS: tuple[str, ...] = ("newest", "queue")


@dataclass(frozen=True)
class ReplyFilter:
    """What an analyst asked to see. Every field is optional."""

    line_id: int | None = None
    campaign_id: int | None = None
    label: str | None = None
    received_from: date | None = None  # London dates, inclusive
    received_to: date | None = None
    handled: bool | None = None
    reviewed: bool | None = None
    intelligence: bool | None = None
    urgent: bool | None = None
    tag: str | None = None
    queue: str | None = None
    sort: str = "newest"
    q: str = ""

    def for_audit(self) -> dict[str, Any]:
        """The filter as audit details: ids, labels, dates and flags; never the search text
        or the tag (free text that may hold a number or words from a reply), only that there
        was one."""
        details: dict[str, Any] = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.__dict__.items()
            if name not in ("q", "tag") and value is not None
        }
        if self.sort == "newest":
            details.pop("sort")
        if self.tag:
            details["tag"] = True
        if self.q:
            details["search"] = "number" if searched_number(self.q) else "words"
        return details


def searched_number(q: str) -> str | None:
    """The E.164 number a search is for, when the search text is a phone number."""
    text = q.strip()
    digits = sum(ch.isdigit() for ch in text)
    if digits < 7 or any(not (ch.isdigit() or ch in " +()-.") for ch in text):
        return None
    return normalise(text).e164


def queue_rank() -> Any:
    """SQL for a reply's queue as a number, most urgent (risk) first."""
    return case(
        {queue: rank for rank, queue in enumerate(QUEUES)}, value=Reply.queue, else_=len(QUEUES)
    )


def queue_order() -> tuple[Any, ...]:
    """ORDER BY for the queues: most urgent queue first, highest risk score within it, then
    newest (replies never scored sort after scored ones in their queue)."""
    return (
        queue_rank(),
        Reply.score.is_(None),
        Reply.score.desc(),
        Reply.received_at.desc(),
        Reply.id.desc(),
    )


def filtered_query(f: ReplyFilter) -> Select:
    """Replies matching every SQL-side filter, in the order asked for (newest first unless
    sorted by queue); search words are not applied."""
    if f.sort == "queue":
        query = select(Reply).order_by(*queue_order())
    else:
        query = select(Reply).order_by(Reply.received_at.desc(), Reply.id.desc())
    if f.queue:
        query = query.where(Reply.queue == f.queue)
    if f.line_id is not None:
        query = query.where(Reply.line_id == f.line_id)
    if f.campaign_id is not None:
        query = query.where(Reply.campaign_id == f.campaign_id)
    if f.label:
        query = query.where(_json_list_has(Reply.labels, f.label))
    if f.tag:
        query = query.where(_json_list_has(Reply.tags, f.tag))
    if f.received_from is not None:
        query = query.where(Reply.received_at >= _london_midnight(f.received_from))
    if f.received_to is not None:
        query = query.where(Reply.received_at < _london_midnight(f.received_to + timedelta(1)))
    if f.handled is not None:
        query = query.where(
            Reply.handled_at.is_not(None) if f.handled else Reply.handled_at.is_(None)
        )
    if f.reviewed is not None:
        query = query.where(
            Reply.reviewed_at.is_not(None) if f.reviewed else Reply.reviewed_at.is_(None)
        )
    if f.urgent is not None:
        query = query.where(Reply.urgent.is_(f.urgent))
    if f.intelligence is not None:
        has_intel = or_(
            exists(select(ReplyNumber.id).where(ReplyNumber.reply_id == Reply.id)),
            _json_list_has(Reply.labels, str(Label.SUPPLY_INTEL)),
        )
        query = query.where(has_intel if f.intelligence else ~has_intel)
    number = searched_number(f.q) if f.q else None
    if number:
        phone_hash = lookup_hash(number)
        query = query.where(
            or_(
                Reply.phone_hash == phone_hash,
                exists(
                    select(ReplyNumber.id).where(
                        ReplyNumber.reply_id == Reply.id, ReplyNumber.phone_hash == phone_hash
                    )
                ),
            )
        )
    return query


def _json_list_has(column: Any, value: str) -> Any:
    # Labels and tags are short [a-z0-9_-] words, so the JSON text holds them as "value".
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f'%"{escaped}"%', escape="\\")


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


@dataclass
class SearchOutcome:
    """The ids a filter (and search) selected, newest first, and how the search went."""

    ids: list[int]
    searched: int = 0  # replies decrypted for a word search
    window_exhausted: bool = False  # older replies were not searched


def matching_ids(
    session: Session, f: ReplyFilter, *, limit: int | None = None, window: int = SEARCH_WINDOW
) -> SearchOutcome:
    """Ids of replies matching the filter and the search, newest first (at most ``limit``);
    a word search decrypts at most ``window`` candidates."""
    query = filtered_query(f)
    words = _words(f.q) if _word_search(f) else []
    if not words:
        id_query = query.with_only_columns(Reply.id)
        if limit is not None:
            id_query = id_query.limit(limit)
        return SearchOutcome(ids=list(session.scalars(id_query)))
    candidates = session.execute(
        query.with_only_columns(Reply.id, Reply.body, Reply.notes, Reply.tags).limit(window)
    ).all()
    ids = [row.id for row in candidates if _matches(words, row.body, row.notes, row.tags)]
    if limit is not None:
        ids = ids[:limit]
    return SearchOutcome(
        ids=ids, searched=len(candidates), window_exhausted=len(candidates) >= window
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _words(q: str) -> list[str]:
    return [word for word in _fold(q).split(" ") if word][:10]


def _matches(words: list[str], body: str | None, notes: str | None, tags: list | None) -> bool:
    haystack = _fold(" ".join([body or "", notes or "", " ".join(tags or [])]))
    return all(word in haystack for word in words)


@dataclass
class ReplyPage:
    replies: list[Reply]
    total: int
    page: int
    pages: int
    outcome: SearchOutcome


def find_replies(
    session: Session, f: ReplyFilter, *, page: int = 1, per_page: int = 50
) -> ReplyPage:
    """One page of the filtered (and searched) reply log, newest first."""
    if _word_search(f):
        outcome = matching_ids(session, f)
        total = len(outcome.ids)
    else:  # everything is in SQL: count, then fetch one page
        query = filtered_query(f)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        outcome = SearchOutcome(ids=[])
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    if _word_search(f):
        wanted = outcome.ids[(page - 1) * per_page : page * per_page]
    else:
        wanted = list(
            session.scalars(
                filtered_query(f)
                .with_only_columns(Reply.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        )
    return ReplyPage(load_replies(session, wanted), total, page, pages, outcome)


def _word_search(f: ReplyFilter) -> bool:
    return bool(f.q) and not searched_number(f.q)


def load_replies(session: Session, ids: list[int]) -> list[Reply]:
    """Replies by id, in the order of ``ids``."""
    by_id: dict[int, Reply] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        by_id.update((r.id, r) for r in session.scalars(select(Reply).where(Reply.id.in_(chunk))))
    return [by_id[i] for i in ids if i in by_id]


def mentions_of(session: Session, reply_ids: list[int]) -> dict[int, list[ReplyNumber]]:
    """The numbers each reply mentions, with their links."""
    found: dict[int, list[ReplyNumber]] = {i: [] for i in reply_ids}
    for start in range(0, len(reply_ids), 500):
        chunk = reply_ids[start : start + 500]
        for mention in session.scalars(
            select(ReplyNumber).where(ReplyNumber.reply_id.in_(chunk)).order_by(ReplyNumber.id)
        ):
            found[mention.reply_id].append(mention)
    return found


def needs_person_queue(session: Session, *, limit: int = 100) -> list[Reply]:
    """Replies triage could not place that nobody has reviewed yet, longest waiting first."""
    return list(
        session.scalars(
            select(Reply)
            .where(Reply.queue == str(Queue.NEEDS_PERSON), Reply.reviewed_at.is_(None))
            .order_by(Reply.received_at, Reply.id)
            .limit(limit)
        )
    )


def urgent_queue(session: Session, *, limit: int = 100) -> list[Reply]:
    """Risk disclosures nobody has marked handled yet, longest waiting first."""
    return list(
        session.scalars(
            select(Reply)
            .where(Reply.urgent.is_(True), Reply.handled_at.is_(None))
            .order_by(Reply.received_at, Reply.id)
            .limit(limit)
        )
    )


def names_for(session: Session, replies: list[Reply]) -> tuple[dict[int, str], dict[int, str]]:
    """Line references and campaign names for the replies shown."""
    line_ids = {r.line_id for r in replies if r.line_id}
    campaign_ids = {r.campaign_id for r in replies if r.campaign_id}
    lines = dict(
        session.execute(select(Line.id, Line.reference).where(Line.id.in_(line_ids))).all()
    )
    campaigns = dict(
        session.execute(
            select(Campaign.id, Campaign.name).where(Campaign.id.in_(campaign_ids))
        ).all()
    )
    return lines, campaigns
