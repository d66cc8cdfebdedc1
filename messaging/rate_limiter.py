"""One send rate for every worker on every machine: a token bucket per sender in Redis.

Tokens are message segments (carriers meter segments, not messages). The bucket lives in
Redis and is updated by a Lua script using Redis's own clock, so workers on different hosts
with skewed clocks still share one budget.
"""

from __future__ import annotations

import random
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


class RateLimiter:
    """Blocks callers until the sender's shared segment budget allows a send."""

    def __init__(self, redis: Redis, *, prefix: str = "pester") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_TAKE)

    def try_take(self, sender: str, segments: int, *, rate: float, burst: float) -> float:
        """Take ``segments`` tokens now if possible; return 0.0, or seconds to wait."""
        want = min(segments, burst)  # a message longer than the burst still goes, alone
        wait_ms = self._script(keys=[f"{self._prefix}:rate:{sender}"], args=[rate, burst, want])
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
    ) -> bool:
        """Wait until the tokens are taken (True) or ``should_stop`` says give up (False)."""
        burst = burst if burst is not None else max(rate, float(segments))
        while True:
            wait = self.try_take(sender, segments, rate=rate, burst=burst)
            if wait == 0:
                return True
            if should_stop():
                return False
            # Jitter keeps many workers from waking in lockstep.
            sleep(min(wait, 1.0) * (1 + random.random() * 0.1))


def backoff_seconds(attempt: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with full jitter for retryable gateway errors."""
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))
