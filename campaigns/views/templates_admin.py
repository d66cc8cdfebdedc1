"""SMS templates in the web UI: officers and admins write and edit them; others read them.

Editing never changes a text a campaign already uses: it adds a new version, and campaigns
keep the version they were built (and approved) with. Preview shows the text filled in
with sample values, its encoding and segments, before anything is saved.

A force sees the national templates (shipped with pester, kept by the system operator) and
its own; it writes, edits, withdraws and restores only its own, and may copy a national one
to adapt it. Another force's template is not found (404); a national one is read-only (403).
A new template's slug is unique among the rows its force can see (national slugs are
reserved); another force's slugs never block it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.forms import TemplateForm, first_errors
from campaigns.permissions import requires, role_has
from campaigns.template_check import check_template
from messaging import runtime
from messaging.content.sms_templates import ALLOWED_PLACEHOLDERS, PURPOSES
from messaging.db import db
from messaging.models import Campaign, MessageTemplate, Service, TemplateVersion, User

bp = Blueprint("templates_admin", __name__, url_prefix="/templates")


def _template_or_404(template_id: int) -> MessageTemplate:
    template = db.session.get(MessageTemplate, template_id)
    if template is None or not template.versions:
        abort(404)
    return template


def _own_template_or_404(template_id: int) -> MessageTemplate:
    """The force's own template (404 for another force's; 403, explained, for a national one)."""
    template = _template_or_404(template_id)
    if template.shared:
        abort(_national(template))
    return template


def _national(template: MessageTemplate):  # type: ignore[no-untyped-def]
    """The answer to a change of a national template: read-only to a force, copy to adapt."""
    writer = role_has(current_user().role, "templates:write")
    page = render_template(
        "admin/national_read_only.html",
        name=f"“{template.name}”",
        hint=(
            "To say it differently, make a copy for your force: the copy is yours to edit, "
            "and campaigns that already use the national text keep it."
        ),
        back=url_for("templates_admin.show", template_id=template.id),
        back_label=template.name,
        copy_url=url_for("templates_admin.copy", template_id=template.id) if writer else None,
    )
    return make_response(page, 403)


def _services() -> list[Service]:
    return list(
        db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.name))
    )


def _preview_service() -> Service | None:
    service_id = request.values.get("preview_service_id", type=int)
    return db.session.get(Service, service_id) if service_id else None


@bp.route("/")
@requires("templates:read")
def index():  # type: ignore[no-untyped-def]
    templates = db.session.scalars(
        select(MessageTemplate).order_by(
            MessageTemplate.active.desc(), MessageTemplate.purpose, MessageTemplate.name
        )
    ).all()
    return render_template(
        "admin/templates.html",
        templates=[t for t in templates if t.versions],
        can_write=role_has(current_user().role, "templates:write"),
    )


@bp.route("/<int:template_id>")
@requires("templates:read")
def show(template_id: int):  # type: ignore[no-untyped-def]
    template = _template_or_404(template_id)
    ids = [v.id for v in template.versions]
    used = dict(
        db.session.execute(
            select(Campaign.template_version_id, func.count())
            .where(Campaign.template_version_id.in_(ids))
            .group_by(Campaign.template_version_id)
        ).all()
    )
    people = {u.id: u for u in db.session.scalars(select(User))}
    settings = runtime.current().settings
    return render_template(
        "admin/template.html",
        template=template,
        used=used,
        people=people,
        check=check_template(
            template.current.body, service=_preview_service(), max_segments=settings.max_segments
        ),
        services=_services(),
        can_write=role_has(current_user().role, "templates:write"),
    )


def _form_page(template: MessageTemplate | None, form: Any, errors: dict[str, str], check):  # type: ignore[no-untyped-def]
    return render_template(
        "admin/template_form.html",
        template=template,
        form=form,
        errors=errors,
        check=check,
        purposes=PURPOSES,
        allowed=sorted(ALLOWED_PLACEHOLDERS),
        services=_services(),
    ), 200 if not errors else 422


def _validate() -> tuple[dict[str, Any], dict[str, str], Any]:
    """The posted form's values, its errors by field, and the body's check (if it has one)."""
    errors: dict[str, str] = {}
    try:
        data = TemplateForm().load(request.form)
    except ValidationError as exc:
        data, errors = {}, first_errors(exc)
    body = request.form.get("body", "").strip()
    check = None
    if body:
        settings = runtime.current().settings
        check = check_template(body, service=_preview_service(), max_segments=settings.max_segments)
        if check.error and "body" not in errors:
            errors["body"] = check.error
    return data, errors, check


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60] or "template"
    slug, n = base, 2
    while db.session.scalar(select(MessageTemplate.id).where(MessageTemplate.slug == slug)):
        slug, n = f"{base}_{n}", n + 1
    return slug


@bp.route("/new", methods=["GET", "POST"])
@requires("templates:write")
def new():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _form_page(None, {"body": "{{ force_name }}: … {{ reply_route }}"}, {}, None)
    data, errors, check = _validate()
    if errors or request.form.get("action") == "preview":
        return _form_page(None, request.form, errors, check)
    template = MessageTemplate(
        slug=_slug(data["name"]),
        name=data["name"],
        purpose=data["purpose"],
        description=data.get("description", ""),
    )
    db.session.add(template)
    try:
        db.session.flush()
    except IntegrityError:  # someone else took the same name (slug) a moment ago
        db.session.rollback()
        errors = {"name": "A template with this name was saved a moment ago: choose another."}
        page, _ = _form_page(None, request.form, errors, check)
        return page, 409
    _first_version(template, data["body"], list(check.placeholders), {})
    flash(f"Template “{template.name}” saved. Your force's officers can choose it.")
    return redirect(url_for("templates_admin.show", template_id=template.id))


def _first_version(
    template: MessageTemplate, body: str, placeholders: list[str], details: dict[str, Any]
) -> TemplateVersion:
    """Save a new template's first version, audit the template's addition and commit."""
    version = TemplateVersion(
        template_id=template.id,
        version=1,
        body=body,
        placeholders=placeholders,
        created_by_id=current_user().id,
    )
    db.session.add(version)
    db.session.flush()
    record(
        "administration",
        "template_added",
        "template",
        template.id,
        commit=False,
        details={"version_id": version.id, **details},
    )
    db.session.commit()
    return version


@bp.route("/<int:template_id>/copy", methods=["POST"])
@requires("templates:write")
def copy(template_id: int):  # type: ignore[no-untyped-def]
    """Copy a template the force can see (a national one, usually) into a template of its
    own, to adapt: the original, and campaigns using it, are untouched."""
    original = _template_or_404(template_id)
    name = f"{original.name} (our copy)"[:120]
    template = MessageTemplate(
        slug=_slug(name),
        name=name,
        purpose=original.purpose,
        description=original.description,
        answers=list(original.answers or []),
    )
    db.session.add(template)
    db.session.flush()
    current = original.current
    _first_version(
        template, current.body, list(current.placeholders or []), {"copied_from": original.id}
    )
    flash(f"Copied as “{name}”: edit it to suit your force. The original is unchanged.")
    return redirect(url_for("templates_admin.edit", template_id=template.id))


@bp.route("/<int:template_id>/edit", methods=["GET", "POST"])
@requires("templates:write")
def edit(template_id: int):  # type: ignore[no-untyped-def]
    template = _own_template_or_404(template_id)
    if request.method == "GET":
        form = {
            "name": template.name,
            "purpose": template.purpose,
            "description": template.description,
            "body": template.current.body,
            "base_version": str(template.current.version),
        }
        return _form_page(template, form, {}, None)
    data, errors, check = _validate()
    if errors or request.form.get("action") == "preview":
        return _form_page(template, request.form, errors, check)
    if _edited_a_stale_version(template):
        return _saved_meanwhile(template_id, check)
    details: dict[str, Any] = {}
    for name in ("name", "purpose", "description"):
        value = data.get(name, "")
        if getattr(template, name) != value:
            setattr(template, name, value)
            details.setdefault("fields", []).append(name)
    if data["body"] != template.current.body:
        version = TemplateVersion(
            template_id=template.id,
            version=template.current.version + 1,
            body=data["body"],
            placeholders=list(check.placeholders),
            created_by_id=current_user().id,
        )
        db.session.add(version)
        try:
            db.session.flush()
        except IntegrityError:
            return _saved_meanwhile(template_id, check)
        details["new_version"] = version.version
    if not details:
        flash("Nothing changed.")
        return redirect(url_for("templates_admin.show", template_id=template.id))
    record(
        "administration", "template_changed", "template", template.id, commit=False, details=details
    )
    db.session.commit()
    if "new_version" in details:
        flash(
            f"Saved as version {details['new_version']}. New campaigns use it; campaigns already "
            "built keep the version they chose until the officer changes it."
        )
    else:
        flash("Saved.")
    return redirect(url_for("templates_admin.show", template_id=template.id))


def _edited_a_stale_version(template: MessageTemplate) -> bool:
    """True when the editor started from a version someone has since replaced.

    The form carries the version it was opened at: saving over a newer one would quietly
    throw away the other person's text.
    """
    base = request.form.get("base_version", "")
    return base.isdigit() and int(base) != template.current.version


def _saved_meanwhile(template_id: int, check: Any):  # type: ignore[no-untyped-def]
    """Someone saved a new version of this template while this edit was being made: nothing
    of this edit is saved, and the editor is told, with their text kept to reapply."""
    db.session.rollback()
    template = _own_template_or_404(template_id)
    logging.getLogger(__name__).info(
        "template %s: concurrent save refused (now version %s)",
        template_id,
        template.current.version,
    )
    errors = {
        "body": (
            f"Someone else saved this template (now version {template.current.version}) "
            "while you were editing it. Your changes were not saved: open the template to see "
            "their version, then make your changes again."
        )
    }
    page, _ = _form_page(template, request.form, errors, check)
    return page, 409


def _set_active(template_id: int, active: bool):  # type: ignore[no-untyped-def]
    template = _own_template_or_404(template_id)
    if template.active != active:
        template.active = active
        record(
            "administration",
            "template_restored" if active else "template_withdrawn",
            "template",
            template.id,
        )
    flash("Officers can choose it again." if active else "Withdrawn: new campaigns cannot use it.")
    return redirect(url_for("templates_admin.show", template_id=template.id))


@bp.route("/<int:template_id>/withdraw", methods=["POST"])
@requires("templates:write")
def withdraw(template_id: int):  # type: ignore[no-untyped-def]
    return _set_active(template_id, False)


@bp.route("/<int:template_id>/restore", methods=["POST"])
@requires("templates:write")
def restore(template_id: int):  # type: ignore[no-untyped-def]
    return _set_active(template_id, True)
