"""What puts a reply in the risk queue: the one test every alerting decision uses.

Today a reply is in the risk queue when triage found a risk disclosure (``Reply.urgent``);
when replies carry an explicit queue, only these two functions change.
"""

from __future__ import annotations

from typing import Any

from messaging.models import Reply


def in_risk_queue(reply: Reply) -> bool:
    """Whether this reply is in the risk queue (a disclosure a person must see quickly)."""
    return bool(reply.urgent)


def risk_queue_clause() -> Any:
    """The same test as :func:`in_risk_queue`, as a SQL condition on ``Reply``."""
    return Reply.urgent.is_(True)
