"""One lock per phone number, in Redis, that orders a STOP's commit against a text's send.

A STOP (a reply, the carrier's 21610, an analyst's opt-out, a number put on do-not-contact)
holds the number's lock around its commit (:func:`hold_until_commit`). A worker holds the
same lock from its last check of the number against the database until the gateway
call for it has returned (:mod:`messaging.sending.final_check`). Claim: **a STOP whose
commit completes before a text's gateway call begins is never sent.**

Proof. Let C be the STOP's commit, K the worker's check (a fresh read of the database) and
S the start of its gateway call. The worker asks for the lock at time t0 (by its own
clock) with a life of L = the longest gateway call + 5 s; Redis sets it after t0, so it
cannot expire before t0 + L, and nobody else can set the key while it lives (only the
holder's token deletes it). The worker reads (K) and starts the call (S) only if S comes
before t0 + L - (longest call + 1 s), so it holds the lock without a break from before K
until after the call has returned, when it releases it; otherwise it does not send. The
STOP takes the lock before it writes and, just before committing, confirms with one atomic
Redis step that the key still carries its token (taking it again if not), releasing only
after C has completed. Two holders never hold one key at once, so the STOP's hold (which
contains C) and the worker's hold (which contains K and S) do not overlap:

- if the STOP's hold ends first, C completed before the worker took the lock, so before K,
  and a read that starts after a commit completes sees it (PostgreSQL's read committed,
  SQLite's WAL): the worker finds the opt-out and does not send;
- if the worker's hold ends first, C comes after the call has returned, so after S: the
  text's call began before the STOP was committed, which the claim allows (and the
  carrier had received it before the commit).

What the proof assumes: Redis keeps the key while it lives (a Redis restart or a failover
that loses keys mid-hold can reopen the window, for the texts in flight then), and clocks
run at the same rate over a few seconds (the 1 s margin absorbs any drift).

A STOP is never lost to this lock: with no Redis configured, Redis unreachable, or the lock
still busy after the longest a worker may hold it, the STOP commits without it (logged).
Workers stop sending when Redis is unreachable (their rate limiter needs it too).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from messaging import runtime

log = logging.getLogger(__name__)
# Confirm (and extend) the lock only if it is still ours: atomic, so an expired or
# re-taken lock is never mistaken for ours.
_CONFIRM = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
local released = 0
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[i] then
    released = released + redis.call('del', key)
  end
end
return released
"""
# Take many locks at once (a wave of sends): 1 for each taken, 0 for each already held.
_ACQUIRE_MANY = """
local taken = {}
for i, key in ipairs(KEYS) do
  if redis.call('set', key, ARGV[i], 'NX', 'PX', ARGV[#KEYS + 1]) then
    taken[i] = 1
  else
    taken[i] = 0
  end
end
return taken
"""
STOP_HOLD_MS = 15_000  # a STOP's hold, extended at commit: far longer than its commit
_HELD = "pester_number_locks"  # session.info key: the locks this transaction holds
_LISTENING = "pester_number_lock_listeners"  # session.info key: listeners are in place


class NumberLocks:
    """Per-number locks (keyed by the number's lookup hash, never the number) in Redis."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._confirm = redis.register_script(_CONFIRM)
        self._release = redis.register_script(_RELEASE)
        self._acquire_many = redis.register_script(_ACQUIRE_MANY)

    def key(self, phone_hash: str) -> str:
        return f"{self.prefix}:number-lock:{phone_hash}"

    def acquire(self, phone_hash: str, *, hold_ms: int, wait_s: float) -> str | None:
        """Take the lock (waiting up to ``wait_s``); its token, or None if still busy."""
        taken = self.acquire_timed(phone_hash, hold_ms=hold_ms, wait_s=wait_s)
        return taken[0] if taken else None

    def acquire_timed(
        self, phone_hash: str, *, hold_ms: int, wait_s: float
    ) -> tuple[str, float] | None:
        """Take the lock: its token and when (``time.monotonic()``) the successful request
        was sent. The lock lives ``hold_ms`` from when Redis set it, which is after that."""
        token = secrets.token_hex(8)
        deadline = time.monotonic() + wait_s
        pause = 0.002
        while True:
            asked = time.monotonic()
            if self.redis.set(self.key(phone_hash), token, nx=True, px=hold_ms):
                return token, asked
            if asked >= deadline:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def confirm(self, phone_hash: str, token: str, *, hold_ms: int) -> bool:
        """Still ours, without a break since it was taken? Then hold it ``hold_ms`` more."""
        return bool(self._confirm(keys=[self.key(phone_hash)], args=[token, hold_ms]))

    def release(self, phone_hash: str, token: str) -> None:
        self.release_many([(phone_hash, token)])

    def acquire_many(self, phone_hashes: list[str], *, hold_ms: int) -> list[str | None]:
        """Take each number's lock if free, in one step: a token per number, or None for
        each one held by someone else (no waiting)."""
        tokens = [secrets.token_hex(8) for _ in phone_hashes]
        taken = self._acquire_many(
            keys=[self.key(h) for h in phone_hashes], args=[*tokens, hold_ms]
        )
        return [t if ok else None for t, ok in zip(tokens, taken, strict=True)]

    def release_many(self, held: list[tuple[str, str]]) -> None:
        """Let go of these (number, token) locks, each only if it is still that token's."""
        self._release(keys=[self.key(h) for h, _ in held], args=[t for _, t in held])


SEND_CHECK_ROOM_S = 5.0  # a worker's lock lives this much longer than its longest call


def longest_send_hold_ms(settings: Any) -> int:
    """How long a worker may hold a number's lock: its check, then one gateway call."""
    return int((settings.gateway_timeout_s + SEND_CHECK_ROOM_S) * 1000)


def _locks() -> tuple[NumberLocks, Any] | None:
    try:
        rt = runtime.current()
        if rt.settings.redis_url is None:
            return None
        return NumberLocks(rt.redis, rt.settings.queue_prefix), rt.settings
    except RuntimeError:
        return None


def hold_until_commit(session: Session | scoped_session, phone_hash: str) -> None:
    """Hold the number's lock from now until this transaction commits or rolls back, so the
    opt-out it writes is ordered against every worker's send to the number (see above)."""
    target = session() if isinstance(session, scoped_session) else session
    held: dict[str, str] = target.info.setdefault(_HELD, {})
    if phone_hash in held:
        return
    wiring = _locks()
    if wiring is None:
        log.debug("no Redis: an opt-out commits without its number's lock")
        return
    locks, settings = wiring
    try:
        token = locks.acquire(
            phone_hash, hold_ms=STOP_HOLD_MS, wait_s=longest_send_hold_ms(settings) / 1000
        )
    except RedisError as exc:
        log.warning("opt-out commits without its number's lock: Redis %s", type(exc).__name__)
        return
    if token is None:
        log.warning("opt-out commits without its number's lock: still busy after the longest hold")
        return
    held[phone_hash] = token
    if not target.info.get(_LISTENING):
        target.info[_LISTENING] = True
        event.listen(target, "before_commit", _confirm_before_commit)
        event.listen(target, "after_commit", _release_all)
        event.listen(target, "after_rollback", _release_all)


def _confirm_before_commit(session: Session) -> None:
    """Make sure every lock is still held as the commit starts (take a lost one again)."""
    held: dict[str, str] = session.info.get(_HELD, {})
    wiring = _locks() if held else None
    if wiring is None:
        return
    locks, settings = wiring
    for phone_hash, token in list(held.items()):
        try:
            if locks.confirm(phone_hash, token, hold_ms=STOP_HOLD_MS):
                continue
            # Lost (the transaction outlived its hold): take it again before committing.
            again = locks.acquire(
                phone_hash, hold_ms=STOP_HOLD_MS, wait_s=longest_send_hold_ms(settings) / 1000
            )
        except RedisError:
            again = None
        if again is None:
            log.warning("opt-out commits without its number's lock (lost, and busy)")
            held.pop(phone_hash)
        else:
            held[phone_hash] = again


def _release_all(session: Session, *_: Any) -> None:
    held: dict[str, str] = session.info.pop(_HELD, {})
    wiring = _locks() if held else None
    if wiring is None:
        return
    locks, _settings = wiring
    for phone_hash, token in held.items():
        with contextlib.suppress(RedisError):  # else it expires by itself
            locks.release(phone_hash, token)
