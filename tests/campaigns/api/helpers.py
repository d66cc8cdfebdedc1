"""Helpers for API tests: tokens, authorised requests, and the audit entries they leave."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.api_tokens import hash_token, issue_token
from messaging.db import db
from messaging.models import ApiToken, AuditEvent, User


def bearer(user: User, *, role: str | None = None, name: str = "test") -> dict[str, str]:
    """An Authorization header with a fresh token for ``user``."""
    _token, secret = issue_token(db.session, user, name=name, role=role)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def token_id(headers: dict[str, str]) -> int:
    secret = headers["Authorization"].removeprefix("Bearer ")
    found = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(secret)))
    assert found is not None
    return found


def audit_entries(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of an API error answer, checking the body's shape on the way."""
    assert response.mimetype == "application/json", response.data[:200]
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["fields"], dict)
    assert body["error"]["message"]
    return body["error"]
