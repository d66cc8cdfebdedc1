"""One send rate for every worker on every machine: a token bucket per sender in Redis.

Tokens are message segments (carriers meter segments, not messages). The bucket lives in
Redis and is updated by a Lua script using Redis's own clock, so workers on different hosts
with skewed clocks still share one budget. The rate per sender comes from
:func:`messaging.sending.pacing.sender_rate` (DOMAIN.md's figures per sender type, or
``PESTER_SEND_RATE`` for every sender); the burst is one second's worth.

When the carrier still answers 429 (its real limit is lower than ours, or another system
shares the account), :meth:`RateLimiter.penalise` empties the bucket for a moment so every
worker backs off together, not only the thread that was refused.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable

from redis import Redis

# KEYS[1] bucket hash; ARGV: rate per second, burst capacity, tokens wanted.
# Returns 0 when the tokens were taken, else the milliseconds to wait before retrying.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local result = 0
if tokens >= want then
  tokens = tokens - want
else
  result = math.ceil((want - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
return result
"""

# KEYS[1] bucket hash; ARGV: rate per second, seconds of silence. Puts the bucket at most at
# minus that many seconds of tokens (a floor, not a sum: many refusals at once do not pile up).
_PENALISE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local floor = -rate * tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = 0; at = now end
tokens = tokens + (now - at) * rate / 1000
if tokens > floor then tokens = floor end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return 0
"""


class RateLimiter:
    """Blocks callers until the sender's shared segment budget allows a send.

    The threads of one process share a small local reserve: one of them at a time (the
    fetcher) takes a slice of tokens (``RESERVE_SECONDS`` of the rate) from the shared
    bucket for all of them, while the others wait in the process, not on Redis. So a worker
    sending hundreds of texts a second makes tens of Redis calls, and a worker waiting on a
    one-segment-a-second long code makes about one a second, however many threads it runs.
    Tokens only ever come from the shared bucket, so the sum over every process keeps to
    the rate; a reserve left when a batch halts is used by the next, or not at all.
    """

    RESERVE_SECONDS = 0.05
    WAIT_SLICE = 0.25  # the longest nap: a pause is noticed within about this long

    def __init__(self, redis: Redis, *, prefix: str = "pester") -> None:
        self._redis = redis
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)
        self._penalise = redis.register_script(_PENALISE)
        self._reserve: dict[str, float] = {}
        self._fetching: set[str] = set()
        self._changed = threading.Condition()

    def _key(self, sender: str) -> str:
        return f"{self._prefix}:rate:{sender}"

    def try_take(self, sender: str, segments: int, *, rate: float, burst: float) -> float:
        """Take ``segments`` tokens now if possible; return 0.0, or seconds to wait."""
        want = min(segments, burst)  # a message longer than the burst still goes, alone
        wait_ms = self._take(keys=[self._key(sender)], args=[rate, burst, want])
        return int(wait_ms) / 1000.0

    def take(
        self,
        sender: str,
        segments: int,
        *,
        rate: float,
        burst: float | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float | None = None,
    ) -> bool:
        """Wait until the tokens are taken (True), or ``should_stop`` says give up, or
        ``max_wait`` seconds pass (False). Redis errors propagate."""
        burst = burst if burst is not None else max(rate, float(segments))
        want = min(float(segments), burst)
        slice_ = max(want, min(burst, float(math.ceil(rate * self.RESERVE_SECONDS))))
        deadline = None if max_wait is None else time.monotonic() + max_wait
        while True:
            with self._changed:
                left = self._reserve.get(sender, 0.0)
                if left >= want:
                    self._reserve[sender] = left - want
                    return True
                if sender in self._fetching:
                    # Another thread is fetching for this process: wait for its tokens.
                    if should_stop() or _past(deadline):
                        return False
                    self._changed.wait(self.WAIT_SLICE)
                    continue
                self._fetching.add(sender)
            got = False
            try:
                got = self._fetch(sender, slice_, rate, burst, should_stop, sleep, deadline)
            finally:
                with self._changed:
                    self._fetching.discard(sender)
                    if got:
                        self._reserve[sender] = self._reserve.get(sender, 0.0) + slice_
                    # Wake as many as the slice serves, and one more to fetch the next.
                    self._changed.notify(int(slice_ // want) + 1 if got else 1)
            if not got:
                return False

    def _fetch(
        self,
        sender: str,
        amount: float,
        rate: float,
        burst: float,
        should_stop: Callable[[], bool],
        sleep: Callable[[float], None],
        deadline: float | None,
    ) -> bool:
        """As this process's fetcher: take ``amount`` tokens from the shared bucket, waiting
        as long as it says; False when told to stop first."""
        while True:
            wait = self.try_take(sender, int(amount), rate=rate, burst=burst)
            if wait == 0:
                return True
            if should_stop() or (deadline is not None and time.monotonic() + wait > deadline):
                return False
            # Jitter keeps the fetchers of many processes from waking in lockstep.
            sleep(min(wait, self.WAIT_SLICE) * (1 + random.random() * 0.1))

    def penalise(self, sender: str, *, rate: float, seconds: float) -> None:
        """Hold every worker's sends from ``sender`` for about ``seconds`` (after a 429)."""
        with self._changed:
            self._reserve.pop(sender, None)  # this process stops too, reserve or not
        self._penalise(keys=[self._key(sender)], args=[rate, seconds])


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def backoff_seconds(attempt: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))
