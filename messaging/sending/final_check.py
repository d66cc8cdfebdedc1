"""The last check before each gateway call: under the number's lock, against the database.

:class:`FinalCheck` gives a send thread clearance for one text: it takes the number's lock
(:mod:`messaging.audience.number_lock`, whose docstring proves the ordering), reads the
database for an opt-out or a do-not-contact entry, confirms the lock is still its own and
extends it past the call; the caller makes the gateway call inside the clearance, and the
lock is released when the call has returned. A STOP committed before the call begins is
therefore always seen.

One read per text would be one query per text from every send thread at once. Instead the
reads are combined (:class:`WaveQuery`): a thread that wants an answer joins the current
wave; the first thread of a wave reads the database once for every number that joined it,
and hands the next wave to a waiting thread. Every number in a wave joined after its lock
was taken, and the wave's read starts after that, so a combined answer is as fresh as a
thread's own read would be.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from messaging.audience.number_lock import NumberLocks
from messaging.audience.suppression import blocked_hashes
from messaging.db import db

log = logging.getLogger(__name__)
ACQUIRE_WAIT_S = 2.0  # a number busy longer (a STOP committing, another campaign's text)
CHECK_HOLD_MS = 5_000  # the hold until the read is done and the hold is extended


class Clearance(enum.Enum):
    GO = "go"  # make the gateway call now, inside the clearance
    SUPPRESSED = "suppressed"  # opted out or on the do-not-contact list
    BUSY = "busy"  # the number's lock stayed taken: try the text again shortly
    LOST = "lost"  # the lock ran out before the read finished: try again shortly


class _Ask:
    __slots__ = ("answer", "error", "lead", "phone_hash", "ready")

    def __init__(self, phone_hash: str) -> None:
        self.phone_hash = phone_hash
        self.ready = threading.Event()
        self.lead = False
        self.answer = False
        self.error: BaseException | None = None

    def result(self) -> bool:
        if self.error is not None:
            raise self.error
        return self.answer


class WaveQuery:
    """Answers "is this number blocked?" for many threads, one database read per wave."""

    def __init__(self, read: Callable[[list[str]], set[str]]) -> None:
        self._read = read
        self._mutex = threading.Lock()
        self._waiting: list[_Ask] = []
        self._reading = False  # a wave is being read: later askers form the next wave

    def blocked(self, phone_hash: str) -> bool:
        ask = _Ask(phone_hash)
        with self._mutex:
            self._waiting.append(ask)
            leads = not self._reading
            self._reading = True
        if not leads:
            ask.ready.wait()
            if not ask.lead:
                return ask.result()
        self._serve_one_wave()
        return ask.result()

    def _serve_one_wave(self) -> None:
        with self._mutex:
            wave, self._waiting = self._waiting, []
        try:
            found = self._read([a.phone_hash for a in wave])
        except BaseException as exc:  # every waiter hears about it
            for a in wave:
                a.error = exc
                a.ready.set()
        else:
            for a in wave:
                a.answer = a.phone_hash in found
                a.lead = False
                a.ready.set()
        with self._mutex:
            if self._waiting:  # the next wave is read by one of its own threads
                successor = self._waiting[0]
                successor.lead = True
                successor.ready.set()
            else:
                self._reading = False


def read_blocked(hashes: list[str]) -> set[str]:
    """One fresh read: which of these numbers are opted out or on do-not-contact now."""
    with db.transaction() as session:
        return blocked_hashes(session, hashes)


class FinalCheck:
    """Clearance for one text at a time, shared by a batch's (or a worker's) send threads."""

    def __init__(self, locks: NumberLocks, *, hold_ms: int, query: WaveQuery | None = None):
        self._locks = locks
        self._hold_ms = hold_ms
        self._query = query or WaveQuery(read_blocked)

    @contextmanager
    def clearance(self, phone_hash: str) -> Iterator[Clearance]:
        """Hold the number from the last check until the block ends (the gateway call)."""
        token = self._locks.acquire(phone_hash, hold_ms=CHECK_HOLD_MS, wait_s=ACQUIRE_WAIT_S)
        if token is None:
            yield Clearance.BUSY
            return
        try:
            if self._query.blocked(phone_hash):
                yield Clearance.SUPPRESSED
            elif not self._locks.confirm(phone_hash, token, hold_ms=self._hold_ms):
                yield Clearance.LOST
            else:
                yield Clearance.GO
        finally:
            try:
                self._locks.release(phone_hash, token)
            except RedisError as exc:  # it runs out by itself; the call's outcome matters more
                log.warning("number lock not released (%s); it expires", type(exc).__name__)
