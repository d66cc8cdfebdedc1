"""Audit entries from the web: adds who (the signed-in user) and from where (IP, agent)."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request

from messaging.db import db
from messaging.models import User
from messaging.records import audit
from messaging.tenancy import current_force_id


def download_recipient(user: User | None = None) -> str:
    """Who a download was disclosed to, for the audit entry's ``recipient``: the signed-in
    user, to their browser (whose address and user agent are the entry's own fields)."""
    user = user or (g.get("user") if has_request_context() else None)
    if user is None:
        return "anonymous (download)"
    return f"user:{user.id} {user.email} (download)"


def request_origin() -> tuple[str, str]:
    """The client address and user agent of the current request ("" outside one)."""
    if not has_request_context():
        return "", ""
    return request.remote_addr or "", request.headers.get("User-Agent", "")


def record(
    category: str,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    *,
    details: dict[str, Any] | None = None,
    recipient: str = "",
    reason: str = "",
    actor: User | None = None,
    commit: bool = True,
    force_id: int | None = None,
) -> None:
    """Append an audit entry for the current request's user, committing by default; it
    belongs to the request's force (or ``force_id``, or the actor's)."""
    user = actor or (g.get("user") if has_request_context() else None)
    ip, user_agent = request_origin()
    audit.append(
        db.session,
        category=category,
        action=action,
        actor=f"user:{user.id} {user.email}" if user else "anonymous",
        actor_id=user.id if user else None,
        object_type=object_type,
        object_id=object_id,
        details=details,
        recipient=recipient,
        ip=ip,
        user_agent=user_agent,
        reason=reason,
        force_id=force_id or current_force_id() or (user.force_id if user else None),
    )
    if commit:
        db.session.commit()
