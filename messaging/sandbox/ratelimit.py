"""An in-process token bucket: the sandbox carrier's message capacity per second."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Allows ``rate`` takes per second on average and ``burst`` at once; thread-safe."""

    def __init__(self, rate: float, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = float(burst if burst is not None else max(1, round(rate)))
        self._tokens = self.burst
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def try_take(self) -> bool:
        """Take one token if there is one; never waits."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False
