"""Benchmark: how fast the sandbox carrier accepts texts over pooled keep-alive connections.

The send benchmark's carrier must not be the bottleneck, so this measures the carrier on its
own: ``--connections`` threads share one pooled gateway (as a worker does) against a carrier
answering after ``--latency-ms``, and in the same run the baseline of one connection sending
one text after another. Client and carrier share this process, as they do in the tests.

Prints ONE JSON object: {"texts", "connections", "latency_ms", "per_s", "ceiling_per_s",
"fraction_of_ceiling", "baseline_per_s", "speedup_vs_baseline", "accepted"}.

    python bench/sandbox_throughput.py [--texts 1500] [--connections 75]
        [--latency-ms 150]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from messaging.gateways.base import Gateway, GatewaySettings, OutgoingSms
from messaging.gateways.registry import build_gateway
from messaging.sandbox import CarrierConfig, SandboxCarrier
from messaging.sandbox.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN


def _texts(count: int) -> list[OutgoingSms]:
    return [
        OutgoingSms(
            to=f"+447700900{n % 900:03d}", body="Free help: 0300 123 6600", sender="+447700900001"
        )
        for n in range(count)
    ]


def _gateway(carrier: SandboxCarrier, pool_size: int) -> Gateway:
    return build_gateway(
        GatewaySettings(
            name="sandbox",
            account_sid=DEFAULT_ACCOUNT_SID,
            auth_token=DEFAULT_AUTH_TOKEN,
            base_url=carrier.base_url,
            timeout_s=10.0,
            pool_size=pool_size,
        )
    )


def _rate(gateway: Gateway, texts: list[OutgoingSms], threads: int) -> float:
    """Texts per second accepted, with ``threads`` sending at once (connections warmed)."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(gateway.send, texts[:threads]))  # open the connections first
        started = time.perf_counter()
        list(pool.map(gateway.send, texts))
        return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1500)
    parser.add_argument("--connections", type=int, default=75)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--baseline-texts", type=int, default=40)
    args = parser.parse_args()

    carrier = SandboxCarrier(CarrierConfig(latency_ms=args.latency_ms, callbacks=False, seed=7))
    carrier.start()
    pooled, single = _gateway(carrier, args.connections), _gateway(carrier, 1)
    try:
        per_s = _rate(pooled, _texts(args.texts), args.connections)
        baseline = _rate(single, _texts(args.baseline_texts), 1)
        accepted = carrier.stats()["accepted"]
    finally:
        pooled.close()
        single.close()
        carrier.stop()
    ceiling = args.connections / (args.latency_ms / 1000)
    print(
        json.dumps(
            {
                "texts": args.texts,
                "connections": args.connections,
                "latency_ms": args.latency_ms,
                "per_s": round(per_s, 1),
                "ceiling_per_s": round(ceiling, 1),
                "fraction_of_ceiling": round(per_s / ceiling, 3),
                "baseline_per_s": round(baseline, 1),
                "speedup_vs_baseline": round(per_s / baseline, 1),
                "accepted": accepted,
            }
        )
    )


if __name__ == "__main__":
    main()
