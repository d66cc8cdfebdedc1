"""API bearer tokens: issued once, stored as SHA-256, scoped to a role, revocable.

A token acts for its user, but only within its own role: a request is allowed when both
the token's role and the user's current role hold the permission, so demoting or
deactivating a user narrows or stops their tokens at once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.permissions import PERMISSIONS, role_has
from messaging.db import db, utcnow
from messaging.models import ApiToken, Role, User

log = logging.getLogger(__name__)

PREFIX = "pester_"
TOKEN_SHAPE = re.compile(r"pester_[A-Za-z0-9_-]{40,60}")
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write on every request


class TokenError(ValueError):
    """A token cannot be issued or revoked; the message says why."""


def hash_token(secret: str) -> str:
    """The value stored for a token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def role_within(role: str, user_role: str) -> bool:
    """Whether every permission of ``role`` is also one of ``user_role``'s."""
    return all(role_has(user_role, p) for p in PERMISSIONS if role_has(role, p))


def issue_token(
    session: Session, user: User, *, name: str, role: str | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it and the secret, which is never stored."""
    role = role or user.role
    if role not in set(Role):
        raise TokenError(f"role must be one of {', '.join(Role)}")
    if not user.active:
        raise TokenError("that user is not active")
    if not role_within(role, user.role):
        raise TokenError(f"a {user.role} cannot hold a token with the {role} role")
    name = name.strip()
    if not name or len(name) > 120:
        raise TokenError("give the token a name of 1 to 120 characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, role=role, token_hash=hash_token(secret))
    session.add(token)
    session.flush()
    log.info("API token %s issued to user %s with role %s", token.id, user.id, role)
    return token, secret


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Stop a token working from now on (it stays listed, marked revoked)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        log.info("API token %s revoked", token.id)
    return token


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token whose secret this is, or None (unknown, revoked, or inactive user)."""
    if not TOKEN_SHAPE.fullmatch(secret):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.force_id != token.user.force_id:
        return None  # issued in another force than the user's now: it acts for neither
    return token


def bearer_secret() -> str | None:
    """The token in this request's ``Authorization: Bearer …`` header, if any."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def load_api_user() -> None:
    """Set ``g.user`` and ``g.api_token`` from the bearer token (never from a cookie)."""
    g.api_token = None
    secret = bearer_secret()
    if secret is None:
        return
    token = authenticate(db.session, secret)
    if token is None:
        log.info("API request refused: unknown or revoked token")
        return
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    g.user = token.user
    g.api_token = token


def current_token() -> ApiToken | None:
    return g.get("api_token")


def token_allows(permission: str) -> bool:
    """Whether this request's token (and its user) hold ``permission``."""
    token = current_token()
    user: User | None = g.get("user")
    if token is None or user is None:
        return False
    return role_has(token.role, permission) and role_has(user.role, permission)


def token_recipient() -> str:
    """How audit entries name the API client a disclosure went to."""
    token = current_token()
    return f"api token {token.id}" if token is not None else "api"
