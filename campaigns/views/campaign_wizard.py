"""The campaign wizard: lines and recipients → message → sender and timing → check.

Server-rendered forms that work without JavaScript. Step 1 saves a draft campaign; each
later step edits it; the campaign's own page is the last step (check and submit). A step
that fails validation saves nothing and shows the officer's input again, with an inline
error by each field and a summary at the top.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select

from campaigns import lifecycle, wizard
from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.forms import (
    CampaignMessageForm,
    CampaignRecipientsForm,
    CampaignSendingForm,
    first_errors,
)
from campaigns.permissions import requires
from messaging import runtime
from messaging.audience.recipients import RecipientsRule, count_recipients
from messaging.db import db
from messaging.models import Campaign, CampaignState, Contact, Line, Service

bp = Blueprint("campaign_wizard", __name__, url_prefix="/campaigns")

STEP_FORMS: dict[str, type[Schema]] = {
    "recipients": CampaignRecipientsForm,
    "message": CampaignMessageForm,
    "sending": CampaignSendingForm,
}


def _editable(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if campaign.state not in lifecycle.EDITABLE:
        flash("This campaign has launched: it can no longer be changed.", "error")
        abort(redirect(url_for("campaigns.show", campaign_id=campaign.id)))
    return campaign


def _load(step: str, form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate one step's fields, then what the step needs beyond their shape."""
    try:
        values = STEP_FORMS[step]().load(form)
    except ValidationError as exc:
        return {}, first_errors(exc)
    session = db.session
    if step == "recipients":
        errors = wizard.check_lines(session, values["line_ids"])
    elif step == "message":
        errors = wizard.check_message(session, values)
    else:
        sender, errors = wizard.check_sender(values["sender"])
        if sender:
            values["sender"] = sender
    return values, errors


def _has_step(form: Any, step: str) -> bool:
    return any(form.get(name) not in (None, "") for name in wizard.STEP_FIELDS[step])


def _choices(step: str, campaign: Campaign | None, form: Any) -> dict[str, Any]:
    session = db.session
    if step == "recipients":
        return {
            "lines": session.scalars(
                select(Line).where(Line.purged_at.is_(None)).order_by(Line.reference)
            ).all(),
            "textable": dict(
                session.execute(
                    select(Contact.line_id, func.count())
                    .where(Contact.textable.is_(True))
                    .group_by(Contact.line_id)
                ).all()
            ),
        }
    if step == "message":
        pinned = campaign.template_version_id if campaign else None
        return {
            "templates": wizard.template_choices(session, pinned),
            "services": session.scalars(
                select(Service).where(Service.active.is_(True)).order_by(Service.name)
            ).all(),
            "default_reply_route": wizard.DEFAULT_REPLY_ROUTE,
        }
    return {"one_way": wizard.sender_is_one_way(form.get("sender", ""))}


def _so_far(campaign: Campaign | None) -> dict[str, Any] | None:
    """The running summary beside steps 2 and 3: lines and how many numbers match."""
    if campaign is None:
        return None
    settings = runtime.current().settings
    rule = RecipientsRule.from_json(
        campaign.recipients_rule or {}, allow_drama=settings.sms_gateway == "sandbox"
    )
    return {"lines": campaign.lines, "recipients": count_recipients(db.session, rule)}


def _render(step: str, campaign: Campaign | None, form: Any, errors: dict[str, str]):  # type: ignore[no-untyped-def]
    status = 200 if not errors else 422
    return render_template(
        f"campaigns/wizard_{step}.html",
        step=step,
        steps=wizard.STEPS,
        campaign=campaign,
        form=form,
        errors=errors,
        so_far=_so_far(campaign),
        settings=runtime.current().settings,
        **_choices(step, campaign, form),
    ), status


def _next(campaign: Campaign, step: str):  # type: ignore[no-untyped-def]
    names = [name for name, _ in wizard.STEPS]
    following = names[names.index(step) + 1]
    if following == "check" or request.form.get("return_to") == "check":
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return redirect(url_for(f"campaign_wizard.{following}", campaign_id=campaign.id))


@bp.route("/new", methods=["GET", "POST"])
@requires("campaigns:write")
def new():  # type: ignore[no-untyped-def]
    """Step 1 for a new campaign; a post carrying later steps' fields fills those in too."""
    if request.method == "GET":
        form = request.args.copy()
        return _render("recipients", None, form, {})
    values, errors = _load("recipients", request.form)
    later = [s for s in ("message", "sending") if _has_step(request.form, s)]
    for step in later:
        step_values, step_errors = _load(step, request.form)
        values.update(step_values)
        errors.update(step_errors)
    if errors:
        return _render("recipients", None, request.form, errors)
    campaign = wizard.start(db.session, values, current_user())
    record("alteration", "campaign_created", "campaign", campaign.id, commit=False)
    db.session.commit()
    if later == ["message", "sending"]:
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return redirect(url_for("campaign_wizard.message", campaign_id=campaign.id))


def _step(campaign_id: int, step: str):  # type: ignore[no-untyped-def]
    campaign = _editable(campaign_id)
    if request.method == "GET":
        form = wizard.form_values(campaign)
        if step == "message" and not form.get("reply_route"):
            form["reply_route"] = wizard.DEFAULT_REPLY_ROUTE
        if step == "message" and not form.get("force_name"):
            form["force_name"] = _last_force_name()
        return _render(step, campaign, form, {})
    values, errors = _load(step, request.form)
    if errors:
        return _render(step, campaign, request.form, errors)
    was = campaign.state
    wizard.save_step(db.session, campaign, values, current_user())
    record(
        "alteration",
        "campaign_edited",
        "campaign",
        campaign.id,
        commit=False,
        details={"step": step, "state_before": was},
    )
    db.session.commit()
    if was != CampaignState.DRAFT:
        flash("Your change withdrew the campaign from approval: submit it again when ready.")
    return _next(campaign, step)


def _last_force_name() -> str:
    """The force name this officer used last, to save typing it for every campaign."""
    recent = db.session.scalars(
        select(Campaign.placeholder_values)
        .where(Campaign.created_by_id == current_user().id)
        .order_by(Campaign.id.desc())
        .limit(5)
    ).all()
    for values in recent:
        if (values or {}).get("force_name"):
            return str(values["force_name"])
    return ""


@bp.route("/<int:campaign_id>/recipients", methods=["GET", "POST"])
@requires("campaigns:write")
def recipients(campaign_id: int):  # type: ignore[no-untyped-def]
    return _step(campaign_id, "recipients")


@bp.route("/<int:campaign_id>/message", methods=["GET", "POST"])
@requires("campaigns:write")
def message(campaign_id: int):  # type: ignore[no-untyped-def]
    return _step(campaign_id, "message")


@bp.route("/<int:campaign_id>/sending", methods=["GET", "POST"])
@requires("campaigns:write")
def sending(campaign_id: int):  # type: ignore[no-untyped-def]
    return _step(campaign_id, "sending")


@bp.route("/<int:campaign_id>/submit", methods=["POST"])
@requires("campaigns:write")
def submit(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    try:
        preview = lifecycle.submit(
            db.session, campaign, current_user(), settings=runtime.current().settings
        )
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    record(
        "alteration",
        "campaign_submitted",
        "campaign",
        campaign.id,
        commit=False,
        details={"recipients": preview.recipients, "segments": preview.segments},
    )
    db.session.commit()
    flash("Submitted for approval. A supervisor (not you) must approve it before it can go.")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))
