"""Pacing: the rate each sender may send at, and this process's share of the limiter.

The limit itself is a token bucket in Redis shared by every worker on every host
(:mod:`messaging.sending.rate_limiter`); this module decides which rate a sender gets
(its kind's ``PESTER_SEND_RATE_<KIND>``, or ``PESTER_SEND_RATE`` for all).
"""

from __future__ import annotations

import threading

from redis import Redis

from messaging import runtime
from messaging.content.senders import SenderError, SenderKind, parse_sender
from messaging.sending.rate_limiter import RateLimiter


def sender_rate(sender: str) -> float:
    """Segments per second allowed for ``sender``: its kind's configured rate
    (``PESTER_SEND_RATE_<KIND>``, defaults from carrier guidance) or ``PESTER_SEND_RATE``."""
    settings = runtime.current().settings
    try:
        kind = parse_sender(sender).kind
    except SenderError:
        kind = SenderKind.LONG_CODE  # the slowest: never faster than the carrier allows
    return settings.send_rate(kind)


_limiters: dict[tuple[Redis, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter() -> RateLimiter:
    """This process's rate limiter (one per Redis client, so its local reserve outlives a
    batch instead of being dropped at the end of each)."""
    rt = runtime.current()
    key = (rt.redis, rt.settings.queue_prefix)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(rt.redis, prefix=rt.settings.queue_prefix)
        return _limiters[key]
