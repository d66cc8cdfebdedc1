"""Signing in, sessions, and enforcing each view's declared permission."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

import argon2.profiles
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select

from campaigns.api_tokens import load_api_user
from campaigns.audit import record
from campaigns.login_throttle import LoginThrottle, Throttled, shared_redis
from campaigns.permissions import PUBLIC, SPECIAL, WEBHOOK, permission_of, requires, role_has
from messaging import runtime, tenancy
from messaging.db import db, utcnow
from messaging.models import Role, User

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class AuthError(ValueError):
    """Sign-in refused; the message is safe to show (it never says which part was wrong)."""


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def password_hasher() -> PasswordHasher:
    """The argon2 hasher of the configured profile (stored hashes carry their own costs)."""
    return _hasher_for(runtime.current().settings.argon2_profile)


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def create_user(
    email: str,
    role: str,
    *,
    password: str | None = None,
    name: str = "",
    force_id: int | None = None,
) -> tuple[User, str]:
    """Add a user (to ``force_id``, else the scope's force, else the only force); returns it
    and the password (a one-time one when none was given). Emails are unique across forces:
    an email signs one person in."""
    if role not in set(Role):
        raise ValueError(f"role must be one of {', '.join(Role)}")
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError("that does not look like an email address")
    session_ = db.session
    taken = select(User.id).where(func.lower(User.email) == email)
    if session_.scalar(tenancy.across_forces(taken)):
        raise ValueError("a user with that email already exists")
    one_time = password is None
    password = password or secrets.token_urlsafe(12)
    user = User(
        email=email,
        display_name=name or email.split("@")[0],
        role=role,
        password_hash=hash_password(password),
        must_change_password=one_time,
    )
    if force_id is not None:
        user.force_id = force_id
    session_.add(user)
    session_.commit()
    return user, password


def authenticate(email: str, password: str) -> User:
    """Check credentials, counting failures and locking the account after too many."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = utcnow()
    if user is None or not user.active:
        password_hasher().hash("timing-equaliser")  # don't reveal which emails exist by timing
        raise AuthError("Email or password is incorrect.")
    if user.locked_until and user.locked_until > now:
        raise AuthError("Too many failed attempts. Try again in 15 minutes or ask an admin.")
    try:
        password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            log.warning("user %s locked after repeated failed sign-ins", user.id)
        db.session.commit()
        raise AuthError("Email or password is incorrect.") from None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if password_hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()
    return user


def current_user() -> User | None:
    return g.get("user")


def _load_user() -> None:
    g.user = None
    if request.path.startswith("/api/"):
        load_api_user()  # the API takes bearer tokens only: a session cookie never counts
        return
    user_id = session.get("user_id")
    if user_id is None:
        return
    last_seen = session.get("last_seen")
    signed_in_at = session.get("signed_in_at")
    timeout = current_app.config["SESSION_TIMEOUT"]
    now = datetime.now(UTC)
    if last_seen is None or now - datetime.fromtimestamp(last_seen, UTC) > timeout:
        session.clear()
        return
    # The idle timeout alone lets a session that is used every few minutes live for ever.
    if signed_in_at is None or now - datetime.fromtimestamp(signed_in_at, UTC) > session_cap():
        session.clear()
        return
    user = db.session.get(User, user_id)
    if user is None or not user.active or session.get("epoch") != user.password_hash[-16:]:
        session.clear()
        return
    session["last_seen"] = now.timestamp()
    g.user = user


def session_cap() -> timedelta:
    """How long after sign-in a session ends in any case (``PESTER_SESSION_MAX_HOURS``)."""
    return current_app.config["SESSION_MAX_AGE"]


# Signing in finds a person by email (or a half-signed-in one by id) whatever their force; these
# views show no force's data. Carrier webhooks are the pipeline, which works for every force.
SIGN_IN_ENDPOINTS = frozenset({"auth.login", "account.second_factor"})


def _request_scope() -> tenancy.ForceScope:
    """The force this request acts for: the signed-in user's (or token's), else none."""
    user = current_user()
    if user is not None:
        return user.force_id
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint in SIGN_IN_ENDPOINTS or (view and permission_of(view) == WEBHOOK):
        return tenancy.ALL_FORCES
    return tenancy.NO_FORCE


def enter_force_scope() -> None:
    """Scope every query of this request to its force (set once, here, for every view)."""
    g.force_scope = tenancy.enter(_request_scope())


def leave_force_scope(_exc: BaseException | None) -> None:
    token = g.pop("force_scope", None)
    if token is not None:
        tenancy.leave(token)


def enforce_permission() -> None:
    """Refuse any request whose view has not declared a permission, or lacks it."""
    if request.endpoint is None:
        return  # 404s and 405s are answered by Flask
    view = current_app.view_functions.get(request.endpoint)
    permission = permission_of(view) if view else None
    if permission is None:
        log.error("endpoint %s has no permission decision: refused", request.endpoint)
        abort(403)
    if permission in SPECIAL:
        return
    user = current_user()
    if user is None:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path))  # type: ignore[return-value]
    if not role_has(user.role, permission):
        abort(403)
    token = g.get("api_token")
    if token is not None and not role_has(token.role, permission):
        abort(403)  # a token acts only within its own role
    if (
        token is None
        and user.must_change_password
        and request.endpoint not in CHANGE_PASSWORD_FIRST_EXEMPT
    ):
        flash("Choose a new password before you go on.")
        return redirect(url_for("account.index"))  # type: ignore[return-value]
    return None


# With a one-time password, only these are open until the user chooses their own.
CHANGE_PASSWORD_FIRST_EXEMPT = frozenset({"account.index", "account.password", "auth.logout"})


def init_app(app: Flask) -> None:
    app.before_request(_load_user)  # before the scope: finding the user needs no force
    app.before_request(enter_force_scope)
    app.teardown_request(leave_force_scope)
    app.before_request(enforce_permission)
    app.register_blueprint(bp)


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site that is safe to redirect to, else None.

    Browsers are lenient: they read a backslash as ``/`` and drop tabs and newlines, so
    ``/\\evil.com`` and ``/<tab>/evil.com`` both lead to ``//evil.com``, another site. A target
    is accepted only if it starts with a single ``/``, holds no backslash and no control or
    invisible character, and has neither scheme nor host even with backslashes read as
    slashes.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc:
        return None
    return target


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login():  # type: ignore[no-untyped-def]
    error, status = None, 200
    if request.method == "POST":
        email = request.form.get("email", "")
        throttle = login_throttle()
        try:
            throttle.check(request.remote_addr or "", email)
            user = authenticate(email, request.form.get("password", ""))
        except Throttled as exc:
            log.warning("sign-in refused: too many failures per %s", exc.scope)
            page = render_template("auth/login.html", error=THROTTLED_MESSAGE)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        except AuthError as exc:
            throttle.failed(request.remote_addr or "", email)
            error, status = str(exc), 401
        else:
            if user.totp_secret:
                return begin_second_factor(user, request.args.get("next"))
            throttle.succeeded(email)
            return complete_sign_in(user, request.args.get("next"))
    return render_template("auth/login.html", error=error), status


THROTTLED_MESSAGE = "Too many failed sign-ins from here or for this account. Wait and try again."


def login_throttle() -> LoginThrottle:
    return LoginThrottle(shared_redis(), prefix=runtime.current().settings.queue_prefix)


def complete_sign_in(user: User, target: str | None, *, second_factor: bool = False):  # type: ignore[no-untyped-def]
    """Start the user's session (after every factor has been checked) and record it."""
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["epoch"] = user.password_hash[-16:]
    now = datetime.now(UTC).timestamp()
    session["signed_in_at"] = session["last_seen"] = now
    record(
        "access",
        "signed_in",
        "user",
        user.id,
        actor=user,
        details={"second_factor": second_factor},
        force_id=user.force_id,
    )
    return redirect(_safe_next(target))


def begin_second_factor(user: User, target: str | None):  # type: ignore[no-untyped-def]
    """The password was right: remember who is half signed in and ask for their code."""
    session.clear()
    session["pending_user_id"] = user.id
    session["pending_epoch"] = user.password_hash[-16:]
    session["pending_since"] = datetime.now(UTC).timestamp()
    session["pending_next"] = _safe_next(target)
    return redirect(url_for("account.second_factor"))


@bp.route("/logout", methods=["POST"])
@requires("account")
def logout():  # type: ignore[no-untyped-def]
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))
