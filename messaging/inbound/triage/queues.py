"""The queues analysts read replies in, most urgent first, and the one test for "risk".

Every reply is in exactly one queue. A risk disclosure is in ``risk``; a reply that neither
rules nor model placed confidently (nothing fired, yet the model's risk or help score sat in
its uncertainty band) is in ``needs_person``, just below risk, since it is where a missed
disclosure would be; the rest follow their most urgent label (``LABEL_ORDER``'s order).
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from messaging.inbound.triage.labels import Label


class Queue(enum.StrEnum):
    """Where a reply waits for an analyst; the members are in the order queues are read."""

    RISK = "risk"
    NEEDS_PERSON = "needs_person"
    HELP_SEEKING = "help_seeking"
    OPT_OUT = "opt_out"
    HOSTILE = "hostile"
    SUPPLY_INTEL = "supply_intel"
    WRONG_NUMBER = "wrong_number"
    OPT_IN = "opt_in"
    OTHER = "other"


QUEUE_ORDER: tuple[Queue, ...] = tuple(Queue)
QUEUES: tuple[str, ...] = tuple(str(queue) for queue in Queue)
_RANK = {str(queue): rank for rank, queue in enumerate(QUEUE_ORDER)}
_BY_LABEL = {
    Label.HELP_SEEKING: Queue.HELP_SEEKING,
    Label.OPT_OUT: Queue.OPT_OUT,
    Label.HOSTILE: Queue.HOSTILE,
    Label.SUPPLY_INTEL: Queue.SUPPLY_INTEL,
    Label.WRONG_NUMBER: Queue.WRONG_NUMBER,
    Label.OPT_IN: Queue.OPT_IN,
}


def in_risk_queue(labels: Collection[str]) -> bool:
    """Whether a reply with these labels is a risk disclosure a person must read now.

    The one definition: ``Classification.urgent`` and ``Reply.urgent`` (what the reply log's
    urgent panel and alerts select on) are this, and the queue is ``risk`` exactly then.
    """
    return str(Label.RISK_DISCLOSURE) in {str(label) for label in labels}


def queue_for(labels: Collection[str], *, uncertain: bool) -> Queue:
    """The queue of a reply with these labels; ``uncertain`` when nothing placed it
    confidently (only ``other``, with a model score in the uncertainty band)."""
    names = {str(label) for label in labels}
    if in_risk_queue(names):
        return Queue.RISK
    if uncertain and names <= {str(Label.OTHER)}:
        return Queue.NEEDS_PERSON
    for label, queue in _BY_LABEL.items():
        if str(label) in names:
            return queue
    return Queue.OTHER


def queue_rank(queue: str | None) -> int:
    """0 for the most urgent queue; unknown or missing queues sort last."""
    return _RANK.get(queue or "", len(_RANK))
