"""The services directory: local treatment and support services a campaign can signpost.

Admins keep it. A service is never deleted (campaigns and their approved snapshots name
it): it is withdrawn, and no new campaign can choose it. A force sees the national services
(shared by every force, kept by the system operator with ``pester services``) and its own;
it adds, changes, withdraws and restores only its own. Another force's service is not found
(404), like any other force's row; a national one is shown as read-only (403).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from campaigns.audit import record
from campaigns.forms import ServiceForm, first_errors
from campaigns.permissions import requires
from messaging.db import db
from messaging.models import Campaign, Service

bp = Blueprint("services", __name__, url_prefix="/admin/services")
FIELDS = ("name", "phone", "url", "hours", "areas")


def _service_or_404(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


def _national(service: Service):  # type: ignore[no-untyped-def]
    """The answer to a change of a national service: it is read-only to a force."""
    hint = (
        "If your force needs different details (a local number, other hours), add your own "
        "service and choose it in your campaigns."
    )
    page = render_template(
        "admin/national_read_only.html",
        name=service.name,
        hint=hint,
        back=url_for("services.index"),
        back_label="Services directory",
        copy_url=None,
    )
    return page, 403


@bp.route("/")
@requires("admin")
def index():  # type: ignore[no-untyped-def]
    services = db.session.scalars(
        select(Service).order_by(
            Service.active.desc(), Service.force_id.is_(None), Service.national.desc(), Service.name
        )
    ).all()
    used = dict(
        db.session.execute(
            select(Campaign.service_id, func.count())
            .where(Campaign.service_id.is_not(None))
            .group_by(Campaign.service_id)
        ).all()
    )
    return render_template("admin/services.html", services=services, used=used)


def _load() -> tuple[dict[str, Any], dict[str, str]]:
    try:
        return ServiceForm().load(request.form), {}
    except ValidationError as exc:
        return {}, first_errors(exc)


def _form_page(service: Service | None, form: Any, errors: dict[str, str]):  # type: ignore[no-untyped-def]
    return render_template(
        "admin/service_form.html", service=service, form=form, errors=errors
    ), 200 if not errors else 422


@bp.route("/new", methods=["GET", "POST"])
@requires("admin")
def new():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _form_page(None, {}, {})
    data, errors = _load()
    if errors:
        return _form_page(None, request.form, errors)
    service = Service(**data)
    db.session.add(service)
    db.session.flush()
    record("administration", "service_added", "service", service.id, commit=False)
    db.session.commit()
    flash(f"{service.name} added. Your force's officers can choose it for new campaigns.")
    return redirect(url_for("services.index"))


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit(service_id: int):  # type: ignore[no-untyped-def]
    service = _service_or_404(service_id)
    if service.shared:
        return _national(service)
    if request.method == "GET":
        return _form_page(service, {f: getattr(service, f) for f in FIELDS}, {})
    data, errors = _load()
    if errors:
        return _form_page(service, request.form, errors)
    changed = sorted(f for f in FIELDS if getattr(service, f) != data.get(f, ""))
    for name in FIELDS:
        setattr(service, name, data.get(name, ""))
    if changed:
        record(
            "administration",
            "service_changed",
            "service",
            service.id,
            commit=False,
            details={"fields": changed},
        )
    db.session.commit()
    flash(
        f"{service.name} saved. Campaigns already approved keep the details they were approved "
        "with; drafts and campaigns awaiting approval use the new ones."
        if changed
        else "Nothing changed."
    )
    return redirect(url_for("services.index"))


def _set_active(service_id: int, active: bool):  # type: ignore[no-untyped-def]
    service = _service_or_404(service_id)
    if service.shared:
        return _national(service)
    if service.active != active:
        service.active = active
        record(
            "administration",
            "service_restored" if active else "service_withdrawn",
            "service",
            service.id,
        )
    flash(f"{service.name} {'can be chosen again' if active else 'withdrawn from new campaigns'}.")
    return redirect(url_for("services.index"))


@bp.route("/<int:service_id>/withdraw", methods=["POST"])
@requires("admin")
def withdraw(service_id: int):  # type: ignore[no-untyped-def]
    return _set_active(service_id, False)


@bp.route("/<int:service_id>/restore", methods=["POST"])
@requires("admin")
def restore(service_id: int):  # type: ignore[no-untyped-def]
    return _set_active(service_id, True)
