"""The do-not-contact list: numbers never to text (officers, professionals, known victims).

Admins add numbers, which are normalised, stored encrypted with a keyed lookup hash, and
never shown in full in a list (only the last three digits). A number can be checked
against the list without listing anything. Every addition, check and removal is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.forms import DoNotContactForm, first_errors
from campaigns.permissions import requires
from messaging.audience.number_lock import hold_until_commit
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.phone_numbers import normalise
from messaging.models import DoNotContact, User

bp = Blueprint("do_not_contact", __name__, url_prefix="/admin/do-not-contact")
PER_PAGE = 100


def _page(errors: dict[str, str] | None = None, form: object = None, checked: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).select_from(DoNotContact)) or 0
    entries = db.session.scalars(
        select(DoNotContact)
        .order_by(DoNotContact.created_at.desc(), DoNotContact.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    people = {u.id: u for u in db.session.scalars(select(User))}
    record(
        "consultation",
        "do_not_contact_listed",
        "do_not_contact",
        "",
        details={"shown": len(entries), "page": page},
    )
    return render_template(
        "admin/do_not_contact.html",
        entries=entries,
        people=people,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        errors=errors or {},
        form=form or {},
        checked=checked,
    ), 200 if not errors else 422


@bp.route("/")
@requires("admin")
def index():  # type: ignore[no-untyped-def]
    return _page()


def _normalised(raw: str) -> tuple[str | None, str | None]:
    """The number in E.164, or a message saying why it is not one."""
    number = normalise(raw)
    if number.e164 is None:
        return (
            None,
            "That is not a valid phone number. Enter it like 07700 900123 or +44 7700 900123.",
        )
    return number.e164, None


@bp.route("/add", methods=["POST"])
@requires("admin")
def add():  # type: ignore[no-untyped-def]
    try:
        data = DoNotContactForm().load(request.form)
    except ValidationError as exc:
        return _page(first_errors(exc), request.form)
    e164, problem = _normalised(data["number"])
    if e164 is None:
        return _page({"number": problem or ""}, request.form)
    phone_hash = lookup_hash(e164)
    existing = db.session.scalar(select(DoNotContact).where(DoNotContact.phone_hash == phone_hash))
    if existing is not None:
        flash(f"The number ending {e164[-3:]} is already on the list.")
        return redirect(url_for("do_not_contact.index"))
    # Ordered against any worker about to text the number, as an opt-out is.
    hold_until_commit(db.session, phone_hash)
    entry = DoNotContact(
        phone_hash=phone_hash, phone=e164, reason=data["reason"], added_by_id=current_user().id
    )
    db.session.add(entry)
    db.session.flush()
    # The reason may name a person: it stays in the encrypted-at-rest table, not the audit log.
    record("collection", "do_not_contact_added", "do_not_contact", entry.id, commit=False)
    db.session.commit()
    flash(
        f"Added the number ending {e164[-3:]}. It will not be texted: queued texts to it are "
        "skipped at the moment they would be sent."
    )
    return redirect(url_for("do_not_contact.index"))


@bp.route("/check", methods=["POST"])
@requires("admin")
def check():  # type: ignore[no-untyped-def]
    raw = request.form.get("check_number", "").strip()
    if not raw:
        return _page({"check_number": "Enter the number to check."}, request.form)
    e164, problem = _normalised(raw[:40])
    if e164 is None:
        return _page({"check_number": problem or ""}, request.form)
    entry = db.session.scalar(
        select(DoNotContact).where(DoNotContact.phone_hash == lookup_hash(e164))
    )
    record(
        "consultation",
        "do_not_contact_checked",
        "do_not_contact",
        entry.id if entry else "",
        details={"found": entry is not None},
    )
    return _page(checked={"ending": e164[-3:], "entry": entry})


@bp.route("/<int:entry_id>/remove", methods=["GET", "POST"])
@requires("admin")
def remove(entry_id: int):  # type: ignore[no-untyped-def]
    entry = db.session.get(DoNotContact, entry_id)
    if entry is None:
        abort(404)
    ending = (entry.phone or "")[-3:]
    reason = request.form.get("reason", "").strip()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not reason:
            errors["reason"] = "Say why the number is being removed from the list."
        elif len(reason) > 500:
            errors["reason"] = "Use at most 500 characters."
        else:
            db.session.delete(entry)
            record(
                "erasure",
                "do_not_contact_removed",
                "do_not_contact",
                entry_id,
                commit=False,
                reason=reason,
            )
            db.session.commit()
            flash(f"Removed the number ending {ending}. New campaigns may text it again.")
            return redirect(url_for("do_not_contact.index"))
    return render_template(
        "admin/do_not_contact_remove.html",
        entry=entry,
        ending=ending,
        errors=errors,
        form={"reason": reason},
    ), 200 if not errors else 422
