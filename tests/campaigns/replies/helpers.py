"""Replies stored through the real inbound path (without HTTP), and page scraping helpers."""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import select

from messaging.db import db
from messaging.inbound.replies import receive_reply
from messaging.models import AuditEvent, Reply
from tests.messaging.inbound.webhooks.helpers import SENDER, inbound_params, new_sid


def store_reply(
    from_: str, body: str, *, to: str = SENDER, received_at: datetime | None = None
) -> Reply:
    with db.transaction() as session:
        result = receive_reply(session, inbound_params(new_sid(), from_, body, to=to))
    reply = db.session.get(Reply, result.reply_id)
    if received_at is not None:
        reply.received_at = received_at
        db.session.commit()
    return reply


def logged_ids(html: str) -> list[int]:
    """Ids of the replies listed in the reply log's results table, in order."""
    return [int(i) for i in re.findall(r'id="log-(\d+)"', html)]


def audit_entries(action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def audit_text() -> str:
    """Everything the audit log holds, as one string, to look for leaked data in."""
    return "\n".join(
        json.dumps(
            [e.action, e.object_type, e.object_id, e.details, e.reason, e.recipient], default=str
        )
        for e in audit_entries()
    )


def sign_in(client, user) -> None:  # type: ignore[no-untyped-def]
    """Sign in, then drop the CSRF token cached in ``g``.

    The ``app`` fixture keeps one app context pushed for the whole test, so ``g`` outlives
    each request; signing in clears the session (and its CSRF secret) but not ``g``, and
    later pages would render a token the session no longer backs.
    """
    from flask import g

    from tests.support.factories import login

    login(client, user)
    g.pop("csrf_token", None)
