"""Administration: the admin hub, and people and their roles (add, change role, deactivate,
reactivate, reset password). Admins only; every change is audited."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from campaigns.audit import record
from campaigns.auth import create_user, current_user, hash_password
from campaigns.forms import FORCE_ROLES, RoleForm, UserForm, first_errors
from campaigns.permissions import requires, role_has
from messaging.db import db
from messaging.models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Areas of administration built elsewhere; listed on the hub when their page exists.
OTHER_AREAS = (
    ("Opt-outs", "suppressions.index", "suppressions:write", "Numbers that said STOP."),
    ("Retention", "retention.index", "admin", "When each line's personal data is deleted."),
    ("Audit log", "audit_log.index", "audit:read", "Who did what with personal data, and when."),
)  # fmt: skip
ROLE_HELP = {
    Role.OFFICER: "registers lines, imports extractions, builds and launches campaigns",
    Role.SUPERVISOR: "approves campaigns (never their own), can pause and cancel",
    Role.ANALYST: "reviews the reply log and triages urgent replies",
    Role.ADMIN: "manages people, services, templates, do-not-contact, retention and audit",
}


@bp.route("/")
@requires("admin")
def index():  # type: ignore[no-untyped-def]
    user = current_user()
    others = []
    seen = set()
    for label, endpoint, permission, text in OTHER_AREAS:
        if label in seen or endpoint not in current_app.view_functions:
            continue
        if role_has(user.role, permission):
            others.append((label, url_for(endpoint), text))
            seen.add(label)
    return render_template("admin/index.html", others=others)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _active_admins() -> int:
    return (
        db.session.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        or 0
    )


@bp.route("/users")
@requires("admin")
def users():  # type: ignore[no-untyped-def]
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("admin/users.html", people=people, role_help=ROLE_HELP)


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin")
def new_user():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = UserForm().load(request.form)
        except ValidationError as exc:
            errors = first_errors(exc)
        else:
            try:
                user, password = create_user(
                    data["email"], data["role"], name=data.get("display_name", "")
                )
            except ValueError as exc:
                errors["email"] = str(exc).capitalize() + "."
            else:
                record(
                    "administration",
                    "user_added",
                    "user",
                    user.id,
                    details={"role": user.role},
                )
                return _one_time_password(user, password, added=True)
    return render_template(
        "admin/user_new.html",
        errors=errors,
        form=request.form,
        roles=FORCE_ROLES,
        role_help=ROLE_HELP,
    ), 200 if not errors else 422


def _one_time_password(user: User, password: str, *, added: bool):  # type: ignore[no-untyped-def]
    """Shown once, never stored in clear: the admin passes it on; it must be changed at sign-in."""
    return render_template("admin/user_password.html", person=user, password=password, added=added)


@bp.route("/users/<int:user_id>")
@requires("admin")
def user(user_id: int):  # type: ignore[no-untyped-def]
    person = _user_or_404(user_id)
    return render_template(
        "admin/user.html",
        person=person,
        roles=FORCE_ROLES,
        role_help=ROLE_HELP,
        errors={},
        is_me=person.id == current_user().id,
    )


def _refuse_self_or_last_admin(person: User, *, losing_admin: bool) -> str | None:
    if person.id == current_user().id:
        return "You cannot change your own account here: ask another administrator."
    if losing_admin and person.role == Role.ADMIN and person.active and _active_admins() <= 1:
        return "This is the only active administrator: add another one first."
    return None


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@requires("admin")
def change_role(user_id: int):  # type: ignore[no-untyped-def]
    person = _user_or_404(user_id)
    try:
        role = RoleForm().load(request.form)["role"]
    except ValidationError as exc:
        return render_template(
            "admin/user.html",
            person=person,
            roles=FORCE_ROLES,
            role_help=ROLE_HELP,
            errors=first_errors(exc),
            is_me=person.id == current_user().id,
        ), 422
    refusal = _refuse_self_or_last_admin(person, losing_admin=role != Role.ADMIN)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.user", user_id=person.id))
    if role == person.role:
        flash(f"{person.email} is already {_a(role)}.")
        return redirect(url_for("admin.user", user_id=person.id))
    before = person.role
    person.role = role
    # Permissions are checked against the stored role on every request: this applies at once.
    record(
        "administration",
        "user_role_changed",
        "user",
        person.id,
        details={"from": before, "to": role},
    )
    flash(f"{person.email} is now {_a(role)}.")
    return redirect(url_for("admin.user", user_id=person.id))


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires("admin")
def deactivate(user_id: int):  # type: ignore[no-untyped-def]
    person = _user_or_404(user_id)
    refusal = _refuse_self_or_last_admin(person, losing_admin=True)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.user", user_id=person.id))
    if person.active:
        person.active = False
        record("administration", "user_deactivated", "user", person.id)
    flash(f"{person.email} can no longer sign in. Their past actions stay in the audit log.")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@requires("admin")
def reactivate(user_id: int):  # type: ignore[no-untyped-def]
    person = _user_or_404(user_id)
    if not person.active:
        person.active = True
        person.failed_logins = 0
        person.locked_until = None
        record("administration", "user_reactivated", "user", person.id)
    flash(f"{person.email} can sign in again.")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires("admin")
def reset_password(user_id: int):  # type: ignore[no-untyped-def]
    person = _user_or_404(user_id)
    if person.id == current_user().id:
        flash("Change your own password from your account page.", "error")
        return redirect(url_for("admin.user", user_id=person.id))
    password = secrets.token_urlsafe(12)
    # A new hash also ends every session they have (sessions carry part of the hash).
    person.password_hash = hash_password(password)
    person.must_change_password = True
    person.failed_logins = 0
    person.locked_until = None
    record("administration", "user_password_reset", "user", person.id)
    return _one_time_password(person, password, added=False)
