"""The last check before each gateway call: under the number's lock, against the database.

:class:`FinalCheck` gives a send thread clearance for one text: it takes the number's lock
(:mod:`messaging.audience.number_lock`, whose docstring proves the ordering) for the check
and the longest call, reads the database for an opt-out or a do-not-contact entry and,
when the read was quick enough for the lock to outlive the call, clears it; the caller
makes the gateway call inside the clearance, and the lock is released when the call has
returned. A STOP committed before the call begins is therefore always seen.

Done one text at a time, that is two Redis round trips and a query per text from every
send thread at once. Instead the work is combined in waves (:class:`Waves`): a thread that
wants clearance joins the current wave; the first thread of a wave waits a few
milliseconds for others to join, then takes every member's lock in one Redis step, reads
the database once for all of them, and hands the next wave to one of its waiting threads.
Each number's read starts after its own lock was taken, as the proof needs. Releases are
combined the same way, without the wait.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

from messaging.audience.number_lock import SEND_CHECK_ROOM_S, NumberLocks
from messaging.audience.suppression import blocked_now
from messaging.db import db

log = logging.getLogger(__name__)
ACQUIRE_WAIT_S = 2.0  # a number busy longer (a STOP committing, another campaign's text)
CLOCK_MARGIN_S = 1.0  # kept back from the lock's spare life, for clock drift and the call
# How long the first thread of a wave waits for others to join it: a few milliseconds on
# a call of a hundred or more, for a fraction of the Redis steps and reads.
WAVE_GATHER_S = 0.005

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class Clearance(enum.Enum):
    GO = "go"  # make the gateway call now, inside the clearance
    SUPPRESSED = "suppressed"  # opted out or on the do-not-contact list
    BUSY = "busy"  # the number's lock stayed taken: try the text again shortly
    LOST = "lost"  # the lock ran out before the read finished: try again shortly


class _Ask(Generic[Item, Answer]):
    __slots__ = ("answer", "done", "error", "item", "lead", "ready")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.ready = threading.Event()
        self.lead = False
        self.done = False
        self.answer: Answer | None = None
        self.error: BaseException | None = None

    def result(self) -> Answer:
        if self.error is not None:
            raise self.error
        return self.answer  # type: ignore[return-value]


class Waves(Generic[Item, Answer]):
    """Serves many threads' requests in waves: one ``serve`` call answers a whole wave."""

    def __init__(
        self, serve: Callable[[list[Item]], list[Answer]], *, gather_s: float = 0.0
    ) -> None:
        self._serve = serve
        self._gather_s = gather_s
        self._mutex = threading.Lock()
        self._waiting: list[_Ask[Item, Answer]] = []
        self._serving = False  # a wave is being served: later askers form the next one

    def ask(self, item: Item) -> Answer:
        ask: _Ask[Item, Answer] = _Ask(item)
        with self._mutex:
            self._waiting.append(ask)
            leads = not self._serving
            self._serving = True
        if not leads:
            ask.ready.wait()
            if ask.done:
                return ask.result()
        self._serve_one_wave()
        return ask.result()

    def _serve_one_wave(self) -> None:
        if self._gather_s:
            time.sleep(self._gather_s)  # let the threads close behind join this wave
        with self._mutex:
            wave, self._waiting = self._waiting, []
        try:
            answers = self._serve([a.item for a in wave])
        except BaseException as exc:  # every member hears about it
            for a in wave:
                a.error, a.done = exc, True
                a.ready.set()
        else:
            for a, answer in zip(wave, answers, strict=True):
                a.answer, a.done = answer, True
                a.ready.set()
        with self._mutex:
            if self._waiting:  # the next wave is served by one of its own threads
                successor = self._waiting[0]
                successor.lead = True
                successor.ready.set()
            else:
                self._serving = False


class BlockedReader:
    """Fresh reads of the opt-outs on one connection kept for a batch (taking one from the
    pool for every wave would cost a round trip more on PostgreSQL). Waves are served one
    at a time, so the connection is never used by two threads at once."""

    def __init__(self) -> None:
        self._connection: Connection | None = None

    def __call__(self, hashes: list[str]) -> set[str]:
        if self._connection is None:
            assert db.engine is not None
            self._connection = db.engine.connect()
        try:
            found = blocked_now(self._connection, hashes)
            # Each read is its own transaction, so the next one sees every commit made
            # before it starts (PostgreSQL's snapshot is taken per statement anyway).
            self._connection.rollback()
        except Exception:
            self.close()  # a broken connection is not reused
            raise
        return found

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                connection.close()


@dataclass(frozen=True)
class _Taken:
    token: str | None  # None: the number's lock was taken by someone else
    asked: float  # time.monotonic() when the lock was asked for
    blocked: bool


class FinalCheck:
    """Clearance for one text at a time, shared by a batch's send threads."""

    def __init__(
        self,
        locks: NumberLocks,
        *,
        longest_call_s: float,
        read: Callable[[list[str]], set[str]] | None = None,
        gather_s: float = WAVE_GATHER_S,
    ) -> None:
        self._locks = locks
        self._reader = BlockedReader() if read is None else None
        self._read = read or self._reader  # type: ignore[assignment]
        # The lock lives for the check and the longest call, with room to spare; the call
        # may start only while that much of its life is left (see number_lock's proof).
        self._hold_ms = int((longest_call_s + SEND_CHECK_ROOM_S) * 1000)
        self._start_by_s = SEND_CHECK_ROOM_S - CLOCK_MARGIN_S
        self._takes: Waves[str, _Taken] = Waves(self._take_and_read, gather_s=gather_s)
        self._release_mutex = threading.Lock()
        self._to_release: list[tuple[str, str]] = []
        self._releasing = False

    def close(self) -> None:
        """Give back the connection the reads used (at the end of the batch)."""
        if self._reader is not None:
            self._reader.close()

    @contextmanager
    def clearance(self, phone_hash: str) -> Iterator[Clearance]:
        """Hold the number from the last check until the block ends (the gateway call)."""
        taken = self._takes.ask(phone_hash)
        if taken.token is None:
            taken = self._take_alone(phone_hash)
            if taken is None:
                yield Clearance.BUSY
                return
        try:
            if taken.blocked:
                yield Clearance.SUPPRESSED
            elif time.monotonic() - taken.asked >= self._start_by_s:
                yield Clearance.LOST  # the check took too long: the lock may not last the call
            else:
                yield Clearance.GO
        finally:
            self._release(phone_hash, taken.token)  # type: ignore[arg-type]

    def _take_and_read(self, hashes: list[str]) -> list[_Taken]:
        """One wave: every member's lock in one Redis step, then one read for them all."""
        asked = time.monotonic()
        tokens = self._locks.acquire_many(hashes, hold_ms=self._hold_ms)
        held = [h for h, token in zip(hashes, tokens, strict=True) if token is not None]
        blocked = self._read(held) if held else set()
        return [_Taken(token, asked, h in blocked) for h, token in zip(hashes, tokens, strict=True)]

    def _take_alone(self, phone_hash: str) -> _Taken | None:
        """A number someone else held when its wave came: wait for it on its own (rare)."""
        taken = self._locks.acquire_timed(phone_hash, hold_ms=self._hold_ms, wait_s=ACQUIRE_WAIT_S)
        if taken is None:
            return None
        token, asked = taken
        return _Taken(token, asked, phone_hash in self._read([phone_hash]))

    def _release(self, phone_hash: str, token: str) -> None:
        """Let the number go; whoever finds no release under way sends every pending one."""
        with self._release_mutex:
            self._to_release.append((phone_hash, token))
            if self._releasing:
                return
            self._releasing = True
        while True:
            with self._release_mutex:
                pending, self._to_release = self._to_release, []
                if not pending:
                    self._releasing = False
                    return
            try:
                self._locks.release_many(pending)
            except Exception as exc:  # never hides the call's outcome; the locks run out
                log.warning("%s number locks not released (%s)", len(pending), type(exc).__name__)
