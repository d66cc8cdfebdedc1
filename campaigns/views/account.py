"""Your own account: change your password, set up or turn off the second factor.

Also the second step of signing in for people with a second factor: the code page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from campaigns import two_factor
from campaigns.audit import record
from campaigns.auth import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    THROTTLED_MESSAGE,
    complete_sign_in,
    current_user,
    hash_password,
    login_throttle,
    password_hasher,
)
from campaigns.login_throttle import Throttled, shared_redis
from campaigns.permissions import PUBLIC, requires
from messaging import runtime
from messaging.crypto import DecryptionError, Place, cipher
from messaging.db import db, utcnow
from messaging.models import AuditEvent, User

bp = Blueprint("account", __name__)
MIN_PASSWORD = 12
MAX_PASSWORD = 256
SEALED_SETUP_KEY = "totp_setup_sealed"  # session key of the sealed key being set up
PENDING_FOR = timedelta(minutes=5)  # how long a half-finished sign-in waits for its code
# The password form's fields.
CURRENT, NEW, CONFIRM = "current_password", "new_password", "confirm_password"


def _password_ok(user: User, password: str) -> bool:
    try:
        return password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _spend(secret: str, code: str, user: User) -> bool:
    """Check a code and mark it used, so it is never accepted again."""
    return two_factor.verify(
        secret,
        code,
        user_id=user.id,
        redis=shared_redis(),
        prefix=runtime.current().settings.queue_prefix,
    )


def _setup_secret() -> str:
    """The key being set up, kept across the set-up page's visits.

    The session cookie is signed, not encrypted: anyone who sees it (a proxy log, a shared
    machine) could read what is in it. So the key travels sealed with the data key and is
    opened only here; a cookie sealed under a key since removed starts set-up afresh.
    """
    # Sealed for this user's set-up only: a cookie from another account's set-up won't open.
    place = Place("session", SEALED_SETUP_KEY, current_user().id)
    sealed = session.get(SEALED_SETUP_KEY)
    if isinstance(sealed, bytes):
        try:
            return cipher().open(sealed, place)
        except DecryptionError:
            pass
    secret = two_factor.new_secret()
    session[SEALED_SETUP_KEY] = cipher().seal(secret, place)
    return secret


def _code_ok(user: User, code: str) -> bool:
    return bool(user.totp_secret) and _spend(user.totp_secret or "", code, user)


@bp.route("/account")
@requires("account")
def index():  # type: ignore[no-untyped-def]
    user = current_user()
    sign_ins = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id, AuditEvent.action == "signed_in")
        .order_by(AuditEvent.id.desc())
        .limit(5)
    ).all()
    return render_template("account/index.html", user=user, errors={}, sign_ins=sign_ins)


@bp.route("/account/password", methods=["POST"])
@requires("account")
def password():  # type: ignore[no-untyped-def]
    user = current_user()
    current = request.form.get(CURRENT, "")
    new = request.form.get(NEW, "")
    errors: dict[str, str] = {}
    if not _password_ok(user, current):
        errors[CURRENT] = "Your current password is not right."
    if len(new) < MIN_PASSWORD:
        errors[NEW] = f"Use at least {MIN_PASSWORD} characters."
    elif len(new) > MAX_PASSWORD:
        errors[NEW] = f"Use at most {MAX_PASSWORD} characters."
    elif new == current:
        errors[NEW] = "Choose a password different from the current one."
    elif new.strip().lower() in {user.email.lower(), user.email.split("@")[0].lower()}:
        errors[NEW] = "Do not use your email address as your password."
    if new != request.form.get(CONFIRM, ""):
        errors.setdefault(CONFIRM, "The two new passwords do not match.")
    if errors:
        return render_template("account/index.html", user=user, errors=errors, sign_ins=[]), 400
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.failed_logins = 0
    # Other sessions of this user end (their epoch no longer matches); this one carries on.
    session["epoch"] = user.password_hash[-16:]
    record("access", "password_changed", "user", user.id, commit=False)
    db.session.commit()
    flash("Your password has been changed. Other sessions have been signed out.")
    return redirect(url_for("account.index"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@requires("account")
def two_factor_setup():  # type: ignore[no-untyped-def]
    user = current_user()
    if user.totp_secret:
        return render_template("account/two_factor.html", user=user, enabled=True, error=None)
    secret = _setup_secret()
    error, status = None, 200
    if request.method == "POST":
        if not _spend(secret, request.form.get("code", ""), user):
            error, status = (
                "That code is not right. Check the time on your phone and try again.",
                400,
            )
        else:
            user.totp_secret = secret
            session.pop(SEALED_SETUP_KEY, None)
            record("access", "second_factor_enabled", "user", user.id, commit=False)
            db.session.commit()
            flash("Two-step sign-in is on. You will be asked for a code each time you sign in.")
            return redirect(url_for("account.index"))
    page = render_template(
        "account/two_factor.html",
        user=user,
        enabled=False,
        error=error,
        secret=two_factor.grouped(secret),
        uri=two_factor.provisioning_uri(user.email, secret),
    )
    return page, status


@bp.route("/account/two-factor/disable", methods=["POST"])
@requires("account")
def two_factor_disable():  # type: ignore[no-untyped-def]
    user = current_user()
    if not user.totp_secret:
        return redirect(url_for("account.index"))
    ok = _password_ok(user, request.form.get("current_password", "")) and _code_ok(
        user, request.form.get("code", "")
    )
    if not ok:
        error = "Your password or code is not right."
        return render_template("account/two_factor.html", user=user, enabled=True, error=error), 400
    user.totp_secret = None
    record("access", "second_factor_disabled", "user", user.id, commit=False)
    db.session.commit()
    flash("Two-step sign-in is off.")
    return redirect(url_for("account.index"))


def _pending_user() -> User | None:
    """The half-signed-in user waiting for a code, if the wait has not run out."""
    user_id = session.get("pending_user_id")
    since = session.get("pending_since")
    if user_id is None or since is None:
        return None
    if datetime.now(UTC) - datetime.fromtimestamp(since, UTC) > PENDING_FOR:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.totp_secret:
        return None
    if user.locked_until is not None and user.locked_until > utcnow():
        return None  # locked meanwhile (wrong codes here, or passwords elsewhere)
    if session.get("pending_epoch") != user.password_hash[-16:]:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@requires(PUBLIC)
def second_factor():  # type: ignore[no-untyped-def]
    user = _pending_user()
    if user is None:
        session.clear()
        flash("Sign in again.")
        return redirect(url_for("auth.login"))
    error, status = None, 200
    if request.method == "POST":
        throttle = login_throttle()
        address = request.remote_addr or ""
        try:
            throttle.check(address, user.email)
        except Throttled as exc:
            session.clear()
            page = render_template("account/code.html", error=THROTTLED_MESSAGE)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        if _code_ok(user, request.form.get("code", "")):
            throttle.succeeded(user.email)
            user.failed_logins = 0
            return complete_sign_in(user, session.get("pending_next"), second_factor=True)
        throttle.failed(address, user.email)
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = utcnow() + LOCKOUT
            user.failed_logins = 0
            session.clear()
        db.session.commit()
        error, status = "That code is not right. Enter the 6-digit code your app shows now.", 401
    return render_template("account/code.html", error=error), status
