"""A test text of a campaign to the signed-in officer's own phone (POST only).

Its own blueprint so the campaign pages can be rebuilt independently: a page offers the
button as a form posting here with the CSRF token; this answers with a redirect back to the
campaign and a message saying what happened.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for

from campaigns import lifecycle
from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires
from messaging import runtime
from messaging.db import db
from messaging.models import Campaign

bp = Blueprint("test_sends", __name__, url_prefix="/campaigns")


@bp.route("/<int:campaign_id>/test-send", methods=["POST"])
@requires("campaigns:write")
def send(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    rt = runtime.current()
    back = redirect(url_for("campaigns.show", campaign_id=campaign_id))
    try:
        result = lifecycle.test_send(
            db.session, campaign, current_user(), settings=rt.settings, redis=rt.redis
        )
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return back
    record(
        "disclosure",
        "campaign_test_send",
        "campaign",
        campaign.id,
        commit=False,
        details={"test_send_id": result.id, "outcome": result.outcome},
        recipient=rt.settings.sms_gateway,
    )
    db.session.commit()
    if result.outcome == "sent":
        flash("Test text sent to your phone. It does not count as a campaign send.")
    else:
        flash(result.detail, "error")
    return back
