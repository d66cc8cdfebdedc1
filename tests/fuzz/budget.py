"""Measuring one input's cost: wall time and peak Python memory (tracemalloc)."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Cost:
    seconds: float = 0.0
    peak_bytes: int = 0


@contextmanager
def measured() -> Iterator[Cost]:
    """Time a block and record the peak of memory it allocated (tracing only inside it)."""
    cost = Cost()
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - started
        cost.peak_bytes = max(0, tracemalloc.get_traced_memory()[1] - baseline)
        if not already:
            tracemalloc.stop()


def within(func: Callable[[], T], *, seconds: float, peak_mib: float) -> T:
    """Run ``func`` and fail if it took longer, or allocated more at its peak, than allowed."""
    with measured() as cost:
        result = func()
    assert cost.seconds < seconds, f"took {cost.seconds:.2f} s (budget {seconds} s)"
    assert cost.peak_bytes < peak_mib * 2**20, (
        f"peaked at {cost.peak_bytes / 2**20:.1f} MiB (budget {peak_mib} MiB)"
    )
    return result
