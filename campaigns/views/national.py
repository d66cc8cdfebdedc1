"""The national picture for the NCLCC: counts per force and per pair of forces, no personal data."""

from __future__ import annotations

from flask import Blueprint, render_template

from campaigns.audit import record
from campaigns.permissions import requires
from messaging.db import db
from messaging.inbound.national import national_picture

bp = Blueprint("national", __name__, url_prefix="/national")


@bp.route("/")
@requires("national:read")
def index():  # type: ignore[no-untyped-def]
    picture = national_picture(db.session)
    record(
        "consultation",
        "national_picture_viewed",
        "national",
        "",
        details={"forces": len(picture.forces)},
    )
    labels = sorted({label for f in picture.forces for label in f.replies_by_label})
    kinds = sorted({kind for f in picture.forces for kind in f.replies_by_risk_kind})
    states = sorted({state for f in picture.forces for state in f.campaigns})
    statuses = sorted({status for f in picture.forces for status in f.texts})
    return render_template(
        "national/index.html",
        picture=picture,
        labels=labels,
        kinds=kinds,
        states=states,
        statuses=statuses,
    )
