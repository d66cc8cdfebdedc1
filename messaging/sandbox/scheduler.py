"""Run callables after a delay on a small thread pool (the carrier's callbacks and replies)."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class DelayedExecutor:
    """One timer thread hands due jobs to a pool, so a slow receiver cannot hold the clock."""

    def __init__(self, *, workers: int, name: str = "sandbox-delayed") -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name=f"{name}-timer", daemon=True)
        self._thread.start()

    def call_later(self, delay_s: float, job: Callable[[], None]) -> None:
        """Run ``job`` on the pool about ``delay_s`` seconds from now."""
        with self._wake:
            if self._stopped:
                return
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), job))
            self._pending += 1
            self._wake.notify()

    def idle(self) -> bool:
        """Whether every scheduled job has finished (for tests waiting on callbacks)."""
        with self._wake:
            return self._pending == 0

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every scheduled job has finished; return False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._wake:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def stop(self) -> None:
        """Drop jobs not yet due, let running ones finish, and end the threads."""
        with self._wake:
            self._stopped = True
            self._pending -= len(self._heap)
            self._heap.clear()
            self._wake.notify_all()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        with self._wake:
            while not self._stopped:
                if not self._heap:
                    self._wake.wait()
                    continue
                due, _, job = self._heap[0]
                delay = due - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._heap)
                self._pool.submit(self._guarded, job)

    def _guarded(self, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            # A failing job must not kill the pool thread; the carrier counts failures itself.
            log.exception("sandbox delayed job failed")
        finally:
            with self._wake:
                self._pending -= 1
                self._wake.notify_all()
