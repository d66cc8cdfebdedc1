"""Campaigns: build, preview, submit, approve, launch, and watch them send."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from campaigns import lifecycle
from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.forms import CampaignForm, first_errors
from campaigns.permissions import requires
from messaging import runtime
from messaging.db import db
from messaging.models import (
    Campaign,
    Contact,
    Line,
    MessageTemplate,
    Service,
    TemplateVersion,
    User,
)
from messaging.progress import campaign_progress

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _form_choices() -> dict[str, object]:
    session = db.session
    templates = session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.active.is_(True))
        .order_by(MessageTemplate.name)
    ).all()
    return {
        "lines": session.scalars(
            select(Line).where(Line.purged_at.is_(None)).order_by(Line.reference)
        ).all(),
        "templates": [(t, t.current) for t in templates if t.versions],
        "services": session.scalars(
            select(Service).where(Service.active.is_(True)).order_by(Service.name)
        ).all(),
        "contact_counts": dict(
            session.execute(
                select(Contact.line_id, func.count())
                .where(Contact.textable.is_(True))
                .group_by(Contact.line_id)
            ).all()
        ),
    }


@bp.route("/")
@requires("campaigns:read")
def index():  # type: ignore[no-untyped-def]
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(200)).all()
    return render_template("campaigns/index.html", campaigns=campaigns)


def _draft(data: dict) -> lifecycle.CampaignDraft:  # type: ignore[type-arg]
    return lifecycle.CampaignDraft(**data)


@bp.route("/new", methods=["GET", "POST"])
@requires("campaigns:write")
def new():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = CampaignForm().load(request.form)
        except ValidationError as exc:
            errors = first_errors(exc)
        else:
            if db.session.get(TemplateVersion, data["template_version_id"]) is None:
                errors["template_version_id"] = "Choose a message template."
            if not errors:
                campaign = lifecycle.create_campaign(db.session, _draft(data), current_user())
                record("alteration", "campaign_created", "campaign", campaign.id, commit=False)
                db.session.commit()
                return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template(
        "campaigns/new.html", errors=errors, form=request.form, **_form_choices()
    )


@bp.route("/<int:campaign_id>")
@requires("campaigns:read")
def show(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = _campaign_or_404(campaign_id)
    settings = runtime.current().settings
    preview = None
    if campaign.snapshot is None:
        preview = lifecycle.preview(db.session, campaign, settings=settings)
    maker = db.session.get(User, campaign.created_by_id)
    approver = db.session.get(User, campaign.approved_by_id) if campaign.approved_by_id else None
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        preview=preview,
        maker=maker,
        approver=approver,
        progress=campaign_progress(db.session, campaign.id),
        user=current_user(),
    )


@bp.route("/<int:campaign_id>/progress.json")
@requires("campaigns:read")
def progress(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = _campaign_or_404(campaign_id)
    data = campaign_progress(db.session, campaign.id)
    data["state"] = campaign.state
    data["stop_reason"] = campaign.stop_reason
    return jsonify(data)


def _act(campaign_id: int, action: str):  # type: ignore[no-untyped-def]
    campaign = _campaign_or_404(campaign_id)
    user = current_user()
    rt = runtime.current()
    try:
        if action == "submit":
            lifecycle.submit(db.session, campaign, user, settings=rt.settings)
            message = "Submitted for approval."
        elif action == "approve":
            lifecycle.approve(
                db.session,
                campaign,
                user,
                settings=rt.settings,
                comment=request.form.get("comment", ""),
            )
            message = "Approved. The officer can now launch it."
        elif action == "reject":
            lifecycle.reject(db.session, campaign, user, comment=request.form.get("comment", ""))
            message = "Sent back to the officer."
        elif action == "launch":
            written = lifecycle.launch(
                db.session, campaign, user, redis=rt.redis, settings=rt.settings
            )
            message = f"Launched: {written} texts queued."
        elif action == "pause":
            lifecycle.pause(db.session, campaign, user)
            message = "Paused. No more texts will go until you resume."
        elif action == "resume":
            lifecycle.resume(db.session, campaign, user, redis=rt.redis, settings=rt.settings)
            message = "Resumed."
        elif action == "cancel":
            lifecycle.cancel(db.session, campaign, user, reason=request.form.get("reason", ""))
            message = "Cancelled. Texts not yet sent will not go."
        else:
            abort(404)
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    category = "disclosure" if action == "launch" else "alteration"
    record(
        category,
        f"campaign_{action}",
        "campaign",
        campaign.id,
        commit=False,
        details={"state": campaign.state, "recipients": campaign.recipient_count},
        recipient=rt.settings.sms_gateway if action == "launch" else "",
    )
    db.session.commit()
    flash(message)
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/submit", methods=["POST"])
@requires("campaigns:write")
def submit(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "submit")


@bp.route("/<int:campaign_id>/approve", methods=["POST"])
@requires("campaigns:approve")
def approve(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "approve")


@bp.route("/<int:campaign_id>/reject", methods=["POST"])
@requires("campaigns:approve")
def reject(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "reject")


@bp.route("/<int:campaign_id>/launch", methods=["POST"])
@requires("campaigns:control")
def launch(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "launch")


@bp.route("/<int:campaign_id>/pause", methods=["POST"])
@requires("campaigns:control")
def pause(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "pause")


@bp.route("/<int:campaign_id>/resume", methods=["POST"])
@requires("campaigns:control")
def resume(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "resume")


@bp.route("/<int:campaign_id>/cancel", methods=["POST"])
@requires("campaigns:control")
def cancel(campaign_id: int):  # type: ignore[no-untyped-def]
    return _act(campaign_id, "cancel")
