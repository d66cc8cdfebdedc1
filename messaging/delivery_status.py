"""Outbox message statuses: pester's own and the carrier's, ranked so they never step back.

Carrier callbacks arrive late, twice or out of order. A status is applied only when its rank
is higher than the current one, so a late ``sent`` never overwrites ``delivered`` and a final
status is never replaced by a different final status: ``read`` follows only ``delivered`` (or
a status short of final), never ``failed``, ``undelivered`` or ``canceled``.
"""

from __future__ import annotations

# pester's own statuses before the carrier knows the message
PENDING = "pending"  # written at launch, waiting for a worker
CLAIMED = "claimed"  # leased by a worker that may be calling the gateway right now
UNKNOWN = "unknown"  # the gateway call's outcome could not be established: a person decides
# pester's own final statuses (the carrier never saw these messages)
SUPPRESSED = "suppressed"  # opted out / do-not-contact at the last moment
CANCELLED = "cancelled"  # campaign cancelled before this one was sent
EXPIRED = "expired"  # not-after passed before it could be sent
REJECTED = "rejected"  # the gateway refused it permanently

# the carrier's statuses (Twilio's names)
CARRIER_RANK: dict[str, int] = {
    "queued": 10,
    "accepted": 10,
    "scheduled": 10,
    "sending": 20,
    "sent": 30,
    "partially_delivered": 40,
    "undelivered": 50,
    "failed": 50,
    "canceled": 50,
    "delivered": 50,
    "read": 60,
}
CARRIER_FINAL = frozenset({"undelivered", "failed", "canceled", "delivered", "read"})
LOCAL_RANK: dict[str, int] = {PENDING: 0, CLAIMED: 1, UNKNOWN: 5}
LOCAL_FINAL = frozenset({SUPPRESSED, CANCELLED, EXPIRED, REJECTED})
FINAL = CARRIER_FINAL | LOCAL_FINAL
# Handed to the carrier: counts as sent for exactly-once purposes.
AT_CARRIER = frozenset(CARRIER_RANK)
NOT_YET_SENT = frozenset({PENDING, CLAIMED})
DELIVERED = frozenset({"delivered", "read"})
FAILED = frozenset({"undelivered", "failed", REJECTED, EXPIRED})


def rank(status: str) -> int:
    """The status's position in the one-way order (unknown names rank lowest)."""
    if status in CARRIER_RANK:
        return CARRIER_RANK[status]
    if status in LOCAL_FINAL:
        return 100
    return LOCAL_RANK.get(status, -1)


def should_apply(current: str, incoming: str) -> bool:
    """True when a callback's ``incoming`` status moves a message forward from ``current``."""
    if incoming not in CARRIER_RANK:
        return False
    if current in LOCAL_FINAL:
        return False
    if current in CARRIER_FINAL and incoming in CARRIER_FINAL:
        # A different final status never replaces the first one; the one step on from a
        # final status is delivered → read (a read never rewrites a failure).
        return current == "delivered" and incoming == "read"
    return rank(incoming) > rank(current)


def is_final(status: str) -> bool:
    return status in FINAL
