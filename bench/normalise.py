"""Benchmark: phone-number normalisation against a naive phonenumbers parse per row.

Generates seeded, synthetic messy inputs of the kind an extraction holds (UK mobiles in every
common writing, Excel damage, extensions, trailing words, landlines, non-geographic and Irish
numbers, garbage, several numbers in a cell). Numbers are drawn from a pool, so as in a real
call log the same number turns up several times, written in different ways.

Prints ONE JSON object: {"inputs", "per_s", "naive_per_s", "speedup"}. Both sides start
with cold caches; each is timed three times and the best run counts.

    python bench/normalise.py [--inputs 100000] [--pool 40000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import phonenumbers

from messaging.intake import phone_numbers
from messaging.intake.phone_numbers import normalise

MOBILE_LEADS = ["71", "73", "74", "75", "77", "78", "79", "7624", "7781", "7797", "7700900"]
LANDLINE_LEADS = ["20", "113", "121", "161", "131", "117", "191", "28", "29"]
NON_GEOGRAPHIC_LEADS = ["800", "808", "300", "345", "70", "76", "909", "871"]
GARBAGE = ["", " ", "-", "n/a", "#N/A", "unknown", "Private number", "123", "07400", "+44"]
WORDS = [" mob", " (mob)", " work", " home", " ext 12", " x12", "mob", " - mobile"]


def national_number(rng: random.Random, leads: list[str], length: int = 10) -> str:
    lead = rng.choice(leads)
    return lead + "".join(rng.choice("0123456789") for _ in range(length - len(lead)))


def pool_number(rng: random.Random) -> tuple[str, str]:
    """One underlying number: (kind, national digits or a full international number)."""
    roll = rng.random()
    if roll < 0.75:
        return "uk", national_number(rng, MOBILE_LEADS)
    if roll < 0.87:
        return "uk", national_number(rng, LANDLINE_LEADS)
    if roll < 0.93:
        return "uk", national_number(rng, NON_GEOGRAPHIC_LEADS)
    if roll < 0.97:
        return "intl", "+353 8" + rng.choice("35679") + f" {rng.randrange(10**7):07d}"
    return "intl", "+33 6 " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))


def write_uk(rng: random.Random, national: str) -> str:
    """A common (or damaged) way of writing a UK national number."""
    style = rng.random()
    grouped = f"{national[:4]} {national[4:]}" if rng.random() < 0.6 else national
    if style < 0.40:
        text = "0" + grouped
    elif style < 0.60:
        text = "+44 " + grouped
    elif style < 0.65:
        text = "+44 (0)" + grouped
    elif style < 0.70:
        text = "0044 " + grouped
    elif style < 0.75:
        text = "44" + national
    elif style < 0.80:
        text = national  # the leading zero was lost
    elif style < 0.84:
        text = f"{national[0]}.{national[1:]}E+09"
    elif style < 0.87:
        text = f"0{national}.0"
    elif style < 0.91:
        text = f"0{national[:4]}-{national[4:7]}-{national[7:]}"
    elif style < 0.95:
        text = f"0{national[:4]}.{national[4:7]}.{national[7:]}"
    else:
        text = "０" + grouped.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if rng.random() < 0.08:
        text += rng.choice(WORDS)
    if rng.random() < 0.05:
        text = f"  {text} "
    return text


def messy_inputs(count: int, pool_size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = [pool_number(rng) for _ in range(pool_size)]
    inputs = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.03:
            inputs.append(rng.choice(GARBAGE))
        elif roll < 0.04:
            (_, a), (_, b) = rng.choice(pool), rng.choice(pool)
            inputs.append(f"0{a} / 0{b}")
        else:
            kind, number = rng.choice(pool)
            inputs.append(write_uk(rng, number) if kind == "uk" else number)
    return inputs


def naive(raw: str) -> None:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        return
    phonenumbers.is_valid_number(number)
    phonenumbers.number_type(number)


def best_rate(inputs: list[str], run: Callable[[str], object], reset: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(3):
        reset()
        started = time.perf_counter()
        for raw in inputs:
            run(raw)
        best = min(best, time.perf_counter() - started)
    return len(inputs) / best


def clear_caches() -> None:
    phone_numbers._verdict_for_raw.cache_clear()
    phone_numbers._classify.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=40_000, help="distinct numbers behind them")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    inputs = messy_inputs(args.inputs, args.pool, args.seed)
    normalise("07700 900123")  # load phonenumbers' metadata and compile patterns before timing
    naive("07700 900123")
    naive_per_s = best_rate(inputs, naive, lambda: None)
    per_s = best_rate(inputs, normalise, clear_caches)
    print(
        json.dumps(
            {
                "inputs": len(inputs),
                "per_s": round(per_s),
                "naive_per_s": round(naive_per_s),
                "speedup": round(per_s / naive_per_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
