"""API: a campaign's outcomes, overall and per A/B arm, with 95% Wilson intervals.

Counts only: no phone number, no reply text.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from campaigns.api.routes import fetch, operation
from messaging.db import db
from messaging.inbound.campaign_outcomes import MEASURES, campaign_outcomes
from messaging.models import Campaign


class ProportionOut(Schema):
    count = fields.Integer()
    of = fields.Integer(metadata={"description": "Texts the carrier accepted (the denominator)."})
    rate = fields.Float(allow_none=True)
    ci95 = fields.List(
        fields.Float(), metadata={"description": "The 95% Wilson score interval, [low, high]."}
    )


MeasuresOut = Schema.from_dict(
    {
        name: fields.Nested(ProportionOut, metadata={"description": label})
        for name, label in MEASURES
    },
    name="MeasuresOut",
)


class OutcomeRowOut(Schema):
    key = fields.String()
    label = fields.String()
    campaign_id = fields.Integer(allow_none=True)
    arm = fields.String(allow_none=True)
    template_version_id = fields.Integer(allow_none=True)
    recipients = fields.Integer()
    sent = fields.Integer()
    measures = fields.Nested(MeasuresOut)
    median_first_reply_seconds = fields.Float(allow_none=True)


class OutcomesOut(Schema):
    campaign_id = fields.Integer()
    name = fields.String()
    ab_test = fields.Boolean()
    total = fields.Nested(OutcomeRowOut)
    arms = fields.List(fields.Nested(OutcomeRowOut))
    confidence = fields.Float()
    interval = fields.String()
    denominator = fields.String()


@operation(
    "/campaigns/<int:campaign_id>/outcomes",
    tag="campaigns",
    summary="Whether a campaign helped: outcomes with 95% confidence intervals",
    permission="outcomes:read",
    response=OutcomesOut,
)
def campaign_outcomes_view(campaign_id: int) -> dict[str, Any]:
    """Delivered, replied, opted out, asked for help, disclosed a risk and each recorded
    conversion, as counts of the texts the carrier accepted with 95% Wilson intervals, and
    the median time to a first reply; per A/B arm too when the campaign is an A/B test."""
    campaign = fetch(Campaign, campaign_id, "Campaign")
    return campaign_outcomes(db.session, campaign).as_json()
