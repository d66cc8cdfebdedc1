"""Throughput: 75 keep-alive connections at 150 ms latency keep the carrier near 500 texts/s."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from messaging.gateways.base import OutgoingSms

CONNECTIONS = 75
LATENCY_S = 0.150
TEXTS = 1500


@pytest.mark.slow
def test_seventy_five_connections_at_150ms_reach_nearly_500_texts_a_second(start_carrier, connect):
    carrier = start_carrier(latency_ms=LATENCY_S * 1000, callbacks=False)
    gateway = connect(carrier, pool_size=CONNECTIONS)
    texts = [
        OutgoingSms(
            to=f"+447700900{n % 900:03d}", body="Free help: 0300 123 6600", sender="+447700900001"
        )
        for n in range(TEXTS)
    ]
    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        list(pool.map(gateway.send, texts[:CONNECTIONS]))  # open the connections first
        started = time.perf_counter()
        list(pool.map(gateway.send, texts))
        elapsed = time.perf_counter() - started

    rate = TEXTS / elapsed
    ceiling = CONNECTIONS / LATENCY_S  # 500/s: every connection waits 150 ms per text
    print(f"sandbox throughput: {rate:.0f} texts/s (ceiling {ceiling:.0f}/s)")
    assert carrier.stats()["accepted"] == TEXTS + CONNECTIONS
    # Client and carrier share one interpreter here; in separate processes it gets closer.
    assert rate >= 0.85 * ceiling
