"""The sandbox carrier's log of accepted messages, opt-outs and counters (thread-safe)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A status a message reaches ``after_s`` seconds after it was created."""

    after_s: float
    status: str
    error_code: int | None = None


@dataclass(slots=True)
class MessageRecord:
    """One accepted message and its planned life (statuses in true order)."""

    sid: str
    account_sid: str
    to: str
    from_number: str
    service_sid: str | None
    body: str
    num_segments: int
    created_at: float
    initial_status: str
    timeline: tuple[StatusEvent, ...]
    status_callback: str | None = None
    validity_period: int | None = None

    def state_at(self, now: float) -> tuple[str, int | None, float | None, float]:
        """Return (status, error code, sent time, last update time) as of ``now``."""
        status, error_code = self.initial_status, None
        sent_at: float | None = None
        updated = self.created_at
        for event in self.timeline:
            at = self.created_at + event.after_s
            if at > now:
                break
            status, error_code, updated = event.status, event.error_code, at
            if event.status == "sent":
                sent_at = at
        return status, error_code, sent_at, updated

    @property
    def sender_key(self) -> str:
        """The address replies come back to, which is also what an opt-out applies to."""
        return self.from_number

    @property
    def date_created(self) -> datetime:
        """Creation time in UTC, to the second like Twilio's RFC 2822 dates."""
        return datetime.fromtimestamp(int(self.created_at), UTC)


@dataclass
class _Counters:
    accepted: int = 0
    segments: int = 0
    rejected_429: int = 0
    server_errors: int = 0
    callbacks_sent: int = 0
    callbacks_failed: int = 0
    replies_sent: int = 0
    replies_failed: int = 0
    rejected: Counter[int] = field(default_factory=Counter)
    per_recipient: Counter[str] = field(default_factory=Counter)


class MessageStore:
    """Every message the carrier accepted, plus opt-outs and counters, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, MessageRecord] = {}
        self._order: list[MessageRecord] = []
        self._by_recipient: dict[str, list[MessageRecord]] = {}
        self._opted_out: set[tuple[str, str]] = set()
        self._counters = _Counters()

    def add(self, record: MessageRecord) -> None:
        """Log an accepted message."""
        with self._lock:
            self._by_sid[record.sid] = record
            self._order.append(record)
            self._by_recipient.setdefault(record.to, []).append(record)
            self._counters.accepted += 1
            self._counters.segments += record.num_segments
            self._counters.per_recipient[record.to] += 1

    def get(self, sid: str) -> MessageRecord | None:
        """Return the message with this SID, if it was accepted."""
        with self._lock:
            return self._by_sid.get(sid)

    def all(self) -> list[MessageRecord]:
        """Return every accepted message, oldest first."""
        with self._lock:
            return list(self._order)

    def sent_to(self, recipient: str) -> list[MessageRecord]:
        """Return every message accepted for ``recipient``, oldest first."""
        with self._lock:
            return list(self._by_recipient.get(recipient, ()))

    def last_sender_to(self, recipient: str) -> str | None:
        """Return the address that last texted ``recipient`` (where a reply would go)."""
        with self._lock:
            records = self._by_recipient.get(recipient)
            return records[-1].sender_key if records else None

    def record_rejection(self, code: int) -> None:
        """Count a create the carrier refused with a Twilio error code."""
        with self._lock:
            if code == 20429:
                self._counters.rejected_429 += 1
            elif code == 20500:
                self._counters.server_errors += 1
            else:
                self._counters.rejected[code] += 1

    def count(self, name: str) -> None:
        """Add one to a named counter (callbacks_sent, replies_failed, …)."""
        with self._lock:
            setattr(self._counters, name, getattr(self._counters, name) + 1)

    def opt_out(self, recipient: str, sender_key: str) -> None:
        """Remember that ``recipient`` told ``sender_key`` to stop, as Twilio does."""
        with self._lock:
            self._opted_out.add((recipient, sender_key))

    def opt_in(self, recipient: str, sender_key: str) -> None:
        """Forget an opt-out after START/UNSTOP."""
        with self._lock:
            self._opted_out.discard((recipient, sender_key))

    def is_opted_out(self, recipient: str, sender_key: str) -> bool:
        """Whether Twilio would refuse this pair with 21610."""
        with self._lock:
            return (recipient, sender_key) in self._opted_out

    def stats(self) -> dict[str, object]:
        """Return the counters as plain JSON-ready values."""
        with self._lock:
            c = self._counters
            return {
                "accepted": c.accepted,
                "segments": c.segments,
                "per_recipient": dict(c.per_recipient),
                "rejected_429": c.rejected_429,
                "server_errors": c.server_errors,
                "rejected": {str(code): n for code, n in sorted(c.rejected.items())},
                "callbacks_sent": c.callbacks_sent,
                "callbacks_failed": c.callbacks_failed,
                "replies_sent": c.replies_sent,
                "replies_failed": c.replies_failed,
                "opted_out": len(self._opted_out),
            }

    def reset(self) -> None:
        """Forget every message, opt-out and counter."""
        with self._lock:
            self._by_sid.clear()
            self._order.clear()
            self._by_recipient.clear()
            self._opted_out.clear()
            self._counters = _Counters()


def now() -> float:
    """Wall-clock seconds: message dates are wall-clock, like Twilio's."""
    return time.time()
