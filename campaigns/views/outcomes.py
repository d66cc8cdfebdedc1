"""Outcomes: whether campaigns helped, side by side, with 95% confidence intervals.

Server-rendered tables hold every figure (the pages work without JavaScript); a chart drawn
with the vendored Chart.js shows the same intervals, so overlapping ones read as what they
are: no demonstrated difference. Counts only, never a number or a reply's words; viewing
them is not a consultation of personal data, so it is not audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template

from campaigns.permissions import requires
from messaging.db import db
from messaging.inbound.campaign_outcomes import (
    MEASURES,
    campaign_outcomes,
    compare_campaigns,
    compare_versions,
    launched_campaigns,
)
from messaging.models import Campaign

bp = Blueprint("outcomes", __name__)


@bp.route("/outcomes")
@requires("outcomes:read")
def index():  # type: ignore[no-untyped-def]
    campaigns = launched_campaigns(db.session)
    rows = compare_campaigns(db.session, campaigns)
    versions = compare_versions(db.session, campaigns)
    return render_template("outcomes/index.html", rows=rows, versions=versions, measures=MEASURES)


@bp.route("/outcomes.json")
@requires("outcomes:read")
def index_json():  # type: ignore[no-untyped-def]
    """The comparison's figures for its chart (the page's table holds the same)."""
    rows = compare_campaigns(db.session, launched_campaigns(db.session))
    return jsonify(_chart(rows))


def _chart(groups: list) -> dict:  # type: ignore[type-arg]
    # Measures as [name, label] pairs: an object's keys would come back sorted.
    return {"groups": [g.as_json() for g in groups], "measures": [list(m) for m in MEASURES]}


@bp.route("/campaigns/<int:campaign_id>/outcomes")
@requires("outcomes:read")
def campaign(campaign_id: int):  # type: ignore[no-untyped-def]
    found = _campaign_or_404(campaign_id)
    outcomes = campaign_outcomes(db.session, found)
    groups = [*outcomes.arms, outcomes.total]
    return render_template(
        "outcomes/campaign.html",
        campaign=found,
        outcomes=outcomes,
        groups=groups,
        measures=MEASURES,
    )


@bp.route("/campaigns/<int:campaign_id>/outcomes.json")
@requires("outcomes:read")
def campaign_json(campaign_id: int):  # type: ignore[no-untyped-def]
    """A campaign's figures for its chart (the page's table holds the same)."""
    outcomes = campaign_outcomes(db.session, _campaign_or_404(campaign_id))
    return jsonify(_chart([*outcomes.arms, outcomes.total]))


def _campaign_or_404(campaign_id: int) -> Campaign:
    found = db.session.get(Campaign, campaign_id)
    if found is None:
        abort(404)
    return found
