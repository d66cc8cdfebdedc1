"""One lock per phone number, in Redis, that orders a STOP's commit against a text's send.

A STOP (a reply, the carrier's 21610, an analyst's opt-out, a number put on do-not-contact)
holds the number's lock around its commit (:func:`hold_until_commit`). A worker holds the
same lock from its last check of the number against the database until the gateway
call for it has returned (:mod:`messaging.sending.final_check`). Claim: **a STOP whose
commit completes before a text's gateway call begins is never sent.**

Proof. Let C be the STOP's commit, K the worker's check (a fresh read of the database) and
S the start of its gateway call. The worker takes the lock, then reads (K), then, just
before S, confirms with one atomic Redis step that the lock is still its own and extends
it past the call; it releases the lock only after the call returns. A lock that had
expired would no longer carry the worker's token, so a successful confirmation means the
worker held the lock without a break from before K until after S. The STOP takes the lock
before it writes, and before committing confirms the same way that it still holds it (or
takes it again), releasing only after C has completed. Two holders with different tokens
never hold one key at once, so the STOP's hold (which contains C) and the worker's hold
(which contains K and S) do not overlap:

- if the STOP's hold ends first, C completed before the worker took the lock, so before K,
  and a read that starts after a commit completes sees it (PostgreSQL's read committed,
  SQLite's WAL): the worker finds the opt-out and does not send;
- if the worker's hold ends first, C comes after the call has returned, so after S: the
  text's call began before the STOP was committed, which the claim allows (and the
  carrier had received it before the commit).

What the proof assumes: Redis keeps the key while it is held (a Redis restart or a
failover that loses keys mid-hold can reopen the window, for the texts in flight then),
and neither side's lock is taken from it early (each side confirms it, and gives up
rather than proceed unconfirmed, except that a STOP always commits: see below).

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
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
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

    def key(self, phone_hash: str) -> str:
        return f"{self.prefix}:number-lock:{phone_hash}"

    def acquire(self, phone_hash: str, *, hold_ms: int, wait_s: float) -> str | None:
        """Take the lock (waiting up to ``wait_s``); its token, or None if still busy."""
        token = secrets.token_hex(8)
        deadline = time.monotonic() + wait_s
        pause = 0.002
        while True:
            if self.redis.set(self.key(phone_hash), token, nx=True, px=hold_ms):
                return token
            if time.monotonic() >= deadline:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def confirm(self, phone_hash: str, token: str, *, hold_ms: int) -> bool:
        """Still ours, without a break since it was taken? Then hold it ``hold_ms`` more."""
        return bool(self._confirm(keys=[self.key(phone_hash)], args=[token, hold_ms]))

    def release(self, phone_hash: str, token: str) -> None:
        self._release(keys=[self.key(phone_hash)], args=[token])


def longest_send_hold_ms(settings: Any) -> int:
    """How long a worker may hold a number's lock: its check, then one gateway call."""
    return int((settings.gateway_timeout_s + 5) * 1000)


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
