"""Approval: a supervisor who did not make the campaign approves exactly what will be sent.

The approval page shows the message as it will be frozen, with its recipients and cost.
The form carries a fingerprint of what the supervisor saw; if anything changed before they
pressed Approve (an officer's edit, a new import, a service's number edited), the approval
is refused and the page shows the new version instead.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, flash, redirect, render_template, request, url_for

from campaigns import lifecycle
from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires
from campaigns.views.campaigns import campaign_context, campaign_or_404
from messaging import runtime
from messaging.db import db
from messaging.models import Campaign, CampaignState

bp = Blueprint("approval", __name__, url_prefix="/campaigns")
MAX_COMMENT = 2000


def fingerprint(campaign: Campaign, body: str, recipients: int, body_b: str = "") -> str:
    """A digest of what the supervisor is shown: the text (both, for an A/B test), who gets
    it, from whom, when."""
    seen = {
        "body": body,
        "body_b": body_b,
        "template_version_b_id": campaign.template_version_b_id,
        "arm_seed": campaign.arm_seed,
        "recipients": recipients,
        "sender": campaign.sender,
        "template_version_id": campaign.template_version_id,
        "service_id": campaign.service_id,
        "rule": campaign.recipients_rule,
        "not_before": campaign.not_before.isoformat() if campaign.not_before else None,
        "not_after": campaign.not_after.isoformat() if campaign.not_after else None,
        "urgent": campaign.urgent,
        "urgency_reason": campaign.urgency_reason,
    }
    return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode()).hexdigest()


def _page(campaign: Campaign, errors: dict[str, str] | None = None, comment: str = ""):  # type: ignore[no-untyped-def]
    context = campaign_context(campaign)
    message = context["message"]
    return render_template(
        "campaigns/approval.html",
        user=current_user(),
        errors=errors or {},
        comment=comment,
        editable=False,
        seen=fingerprint(campaign, message.body, message.recipients, message.body_b),  # type: ignore[attr-defined]
        **context,
    ), 200 if not errors else 422


@bp.route("/<int:campaign_id>/approval")
@requires("campaigns:approve")
def review(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    if campaign.state != CampaignState.AWAITING_APPROVAL:
        flash("This campaign is not waiting for approval.", "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return _page(campaign)


@bp.route("/<int:campaign_id>/approve", methods=["POST"])
@requires("campaigns:approve")
def approve(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    comment = request.form.get("comment", "").strip()
    if len(comment) > MAX_COMMENT:
        return _page(campaign, {"comment": f"Use at most {MAX_COMMENT} characters."}, comment)
    settings = runtime.current().settings
    seen = request.form.get("seen")
    session = db.session
    if seen is not None and campaign.state == CampaignState.AWAITING_APPROVAL:
        now = lifecycle.preview(session, campaign, settings=settings)
        if fingerprint(campaign, now.body, now.recipients, now.body_b) != seen:
            flash(
                "The campaign changed while you were looking at it. Check this version, "
                "then approve it or send it back.",
                "error",
            )
            return _page(campaign, comment=comment)
    try:
        snapshot = lifecycle.approve(
            session, campaign, current_user(), settings=settings, comment=comment
        )
    except lifecycle.LifecycleError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    if (
        seen is not None
        and fingerprint(
            campaign,
            snapshot.get("body", ""),
            snapshot.get("recipient_count", -1),
            snapshot.get("body_b", ""),
        )
        != seen
    ):
        session.rollback()
        flash("The campaign changed as you approved it: check it again.", "error")
        return redirect(url_for("approval.review", campaign_id=campaign_id))
    record(
        "alteration",
        "campaign_approved",
        "campaign",
        campaign.id,
        commit=False,
        details={
            "snapshot_hash": campaign.snapshot_hash,
            "recipients": snapshot.get("recipient_count"),
        },
        reason=comment,
    )
    session.commit()
    flash("Approved. The officer can now launch it; what was approved is frozen.")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/reject", methods=["POST"])
@requires("campaigns:approve")
def reject(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = campaign_or_404(campaign_id)
    comment = request.form.get("comment", "").strip()
    if not comment:
        return _page(campaign, {"comment": "Say why the campaign is being sent back."}, comment)
    if len(comment) > MAX_COMMENT:
        return _page(campaign, {"comment": f"Use at most {MAX_COMMENT} characters."}, comment)
    try:
        lifecycle.reject(db.session, campaign, current_user(), comment=comment)
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    record("alteration", "campaign_rejected", "campaign", campaign.id, commit=False, reason=comment)
    db.session.commit()
    flash("Sent back to the officer with your comment.")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))
