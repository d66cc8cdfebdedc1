"""Campaigns: the list, each campaign's page and results, and launch / pause / resume / cancel.

Building a campaign is in ``campaign_wizard``; approving it in ``approval``. A draft's own
page is the wizard's last step (check and submit).
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from campaigns import lifecycle, wizard
from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.campaign_rules import available_actions
from campaigns.permissions import requires, role_has
from campaigns.results import campaign_results
from messaging import runtime
from messaging.db import db
from messaging.models import (
    Campaign,
    CampaignState,
    MessageTemplate,
    Service,
    TemplateVersion,
    User,
)
from messaging.sending.progress import campaign_progress

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
LIVE = (CampaignState.SENDING, CampaignState.PAUSED, CampaignState.SCHEDULED)


def campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.route("/")
@requires("campaigns:read")
def index():  # type: ignore[no-untyped-def]
    state = request.args.get("state", "")
    query = select(Campaign).order_by(Campaign.id.desc()).limit(200)
    if state in set(CampaignState):
        query = query.where(Campaign.state == state)
    else:
        state = ""
    campaigns = db.session.scalars(query).all()
    makers = {u.id: u for u in db.session.scalars(select(User)).all()}
    return render_template(
        "campaigns/index.html",
        campaigns=campaigns,
        makers=makers,
        state=state,
        states=list(CampaignState),
    )


def message_view(campaign: Campaign) -> wizard.MessageView:
    """What the campaign sends: the frozen snapshot once approved, else a live preview."""
    settings = runtime.current().settings
    if campaign.snapshot is not None:
        return wizard.from_snapshot(campaign.snapshot, settings.price_per_segment_pence)
    return wizard.from_preview(lifecycle.preview(db.session, campaign, settings=settings))


def campaign_context(campaign: Campaign) -> dict[str, object]:
    """Everything the summary of a campaign shows (its page, its approval page)."""
    session = db.session
    version = (
        session.get(TemplateVersion, campaign.template_version_id)
        if campaign.template_version_id
        else None
    )
    return {
        "campaign": campaign,
        "message": message_view(campaign),
        "maker": session.get(User, campaign.created_by_id),
        "approver": session.get(User, campaign.approved_by_id) if campaign.approved_by_id else None,
        "version": version,
        "template": session.get(MessageTemplate, version.template_id) if version else None,
        "service": session.get(Service, campaign.service_id) if campaign.service_id else None,
        "values": campaign.placeholder_values or {},
        "rule_text": wizard.describe_rule(campaign.recipients_rule or {}),
        "step_for_problem": wizard.step_for_problem,
        "steps": wizard.STEPS,
        "settings": runtime.current().settings,
    }


@bp.route("/<int:campaign_id>")
@requires("campaigns:read")
def show(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    user = current_user()
    progress_now = campaign_progress(db.session, campaign.id)
    results_now = campaign_results(db.session, campaign.id) if progress_now["total"] else None
    label_times = (
        [datetime.fromisoformat(label) for label in results_now["timeline"]["labels"]]
        if results_now
        else []
    )
    is_draft = campaign.state == CampaignState.DRAFT
    actions = set(available_actions(campaign, user))
    return render_template(
        "campaigns/show.html",
        progress=progress_now,
        results=results_now,
        label_times=label_times,
        live=campaign.state in LIVE,
        user=user,
        is_draft=is_draft,
        actions=actions,
        editable=is_draft and "edit" in actions,
        can_read_replies=role_has(user.role, "replies:read")
        and "replies.index" in current_app.view_functions,
        **campaign_context(campaign),
    )


@bp.route("/<int:campaign_id>/progress.json")
@requires("campaigns:read")
def progress(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    data = campaign_progress(db.session, campaign.id)
    data["state"] = campaign.state
    data["stop_reason"] = campaign.stop_reason
    return jsonify(data)


@bp.route("/<int:campaign_id>/results.json")
@requires("campaigns:read")
def results(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    data = campaign_results(db.session, campaign.id)
    data["state"] = campaign.state
    return jsonify(data)


def _control(campaign_id: int, action: str):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    user = current_user()
    rt = runtime.current()
    session = db.session
    try:
        if action == "launch":
            written = lifecycle.launch(
                session, campaign, user, redis=rt.redis, settings=rt.settings
            )
            message = f"Launched: {written} texts queued."
        elif action == "pause":
            lifecycle.pause(session, campaign, user)
            message = "Paused. No more texts will go until you resume."
        elif action == "resume":
            lifecycle.resume(session, campaign, user, redis=rt.redis, settings=rt.settings)
            message = "Resumed."
        else:
            reason = request.form.get("reason", "").strip()[:500]
            cancelled = lifecycle.cancel(session, campaign, user, reason=reason)
            message = f"Cancelled. {cancelled} texts not yet sent will not go."
    except lifecycle.LifecycleError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    record(
        "disclosure" if action == "launch" else "alteration",
        f"campaign_{action}",
        "campaign",
        campaign.id,
        commit=False,
        details={"state": campaign.state, "recipients": campaign.recipient_count},
        recipient=rt.settings.sms_gateway if action == "launch" else "",
        reason=request.form.get("reason", "").strip()[:500] if action == "cancel" else "",
    )
    session.commit()
    flash(message)
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/launch", methods=["POST"])
@requires("campaigns:control")
def launch(campaign_id: int):  # type: ignore[no-untyped-def]
    return _control(campaign_id, "launch")


@bp.route("/<int:campaign_id>/pause", methods=["POST"])
@requires("campaigns:control")
def pause(campaign_id: int):  # type: ignore[no-untyped-def]
    return _control(campaign_id, "pause")


@bp.route("/<int:campaign_id>/resume", methods=["POST"])
@requires("campaigns:control")
def resume(campaign_id: int):  # type: ignore[no-untyped-def]
    return _control(campaign_id, "resume")


@bp.route("/<int:campaign_id>/cancel", methods=["POST"])
@requires("campaigns:control")
def cancel(campaign_id: int):  # type: ignore[no-untyped-def]
    return _control(campaign_id, "cancel")
