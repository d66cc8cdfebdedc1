"""A/B arms: which recipients of a campaign get which of its two approved texts.

The split is random but reproducible: the recipients' contact ids, sorted, are shuffled by
a generator seeded with the campaign's ``arm_seed`` (stored on the campaign and frozen by
its approval), and the first half (rounded up) gets arm A, the rest arm B. Anyone can
recompute who got what from the seed and the ids, and a relaunch after a crash can never
deal the arms differently. Each outbox row records its arm.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable

ARMS = ("A", "B")
SEED_LIMIT = 2**31  # fits a 32-bit integer column everywhere


def new_seed() -> int:
    """A fresh seed for a campaign's split (unpredictable to whoever builds the campaign)."""
    return secrets.randbelow(SEED_LIMIT)


def assign_arms(contact_ids: Iterable[int], seed: int) -> dict[int, str]:
    """Contact id → "A" or "B", half each (A gets the odd one), reproducible from ``seed``."""
    order = sorted(set(contact_ids))
    random.Random(seed).shuffle(order)
    cut = (len(order) + 1) // 2
    return {contact_id: ("A" if index < cut else "B") for index, contact_id in enumerate(order)}


def arm_sizes(recipients: int) -> tuple[int, int]:
    """How many recipients each arm gets: (A, B)."""
    return (recipients + 1) // 2, recipients // 2
