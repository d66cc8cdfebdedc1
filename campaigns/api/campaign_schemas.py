"""Marshmallow schemas of the campaign endpoints (see ``campaigns.api.schemas``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from campaigns.api.fields import AwareDateTime, Bool, Int, object_id, text
from campaigns.api.pagination import PageQuery
from messaging.models import CampaignState

KINDS = ("mobile", "landline", "non_geographic")


class CampaignIn(Schema):
    name = text(160, blank=False, required=True)
    line_ids = fields.List(object_id(), required=True, validate=validate.Length(min=1, max=50))
    template_version_id = object_id(required=True)
    template_version_b_id = object_id(
        load_default=None,
        allow_none=True,
        metadata={"description": "An A/B test: a second template version for a random half."},
    )
    service_id = object_id(load_default=None, allow_none=True)
    sender = text(
        40,
        blank=False,
        required=True,
        metadata={"description": "An alphanumeric sender ID (≤ 11 characters) or a number."},
    )
    force_name = text(60, blank=False, required=True)
    area = text(60, load_default="")
    reply_route = text(80, load_default="")
    kinds = fields.List(
        fields.String(validate=validate.OneOf(KINDS)),
        load_default=["mobile"],
        validate=validate.Length(min=1, max=3),
    )
    min_interactions = Int(load_default=0, validate=validate.Range(min=0, max=10000))
    window_from = AwareDateTime(load_default=None, allow_none=True)
    window_to = AwareDateTime(load_default=None, allow_none=True)
    exclude_cross_line = Bool(load_default=False)
    not_before = AwareDateTime(load_default=None, allow_none=True)
    not_after = AwareDateTime(load_default=None, allow_none=True)
    urgent = Bool(
        load_default=False, metadata={"description": "Send outside quiet hours (needs a reason)."}
    )
    urgency_reason = text(500, load_default="")

    @validates_schema
    def check_together(self, data: dict[str, Any], **_: Any) -> None:
        problems: dict[str, list[str]] = {}
        if data.get("urgent") and not (data.get("urgency_reason") or "").strip():
            problems["urgency_reason"] = ["Say why this must go outside quiet hours."]
        for start, end in (("not_before", "not_after"), ("window_from", "window_to")):
            if data.get(start) and data.get(end) and data[end] <= data[start]:
                problems[end] = [f"Must be after {start}."]
        if problems:
            raise ValidationError(problems)


class ApproveIn(Schema):
    comment = text(1000, load_default="")


class RejectIn(Schema):
    comment = text(1000, blank=False, required=True)


class CancelIn(Schema):
    reason = text(500, load_default="")


class CampaignQuery(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(list(CampaignState)))


class CampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    state = fields.String(validate=validate.OneOf(list(CampaignState)))
    line_ids = fields.List(fields.Integer())
    template_version_id = fields.Integer(allow_none=True)
    template_version_b_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    sender = fields.String()
    force_name = fields.String()
    area = fields.String()
    reply_route = fields.String()
    kinds = fields.List(fields.String())
    min_interactions = fields.Integer()
    window_from = fields.DateTime(allow_none=True)
    window_to = fields.DateTime(allow_none=True)
    exclude_cross_line = fields.Boolean()
    not_before = fields.DateTime(allow_none=True)
    not_after = fields.DateTime(allow_none=True)
    urgent = fields.Boolean()
    urgency_reason = fields.String()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    approved_by_id = fields.Integer(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    review_comment = fields.String()
    snapshot_hash = fields.String(allow_none=True)
    recipient_count = fields.Integer()
    launched_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    stop_reason = fields.String()


class PreviewOut(Schema):
    body = fields.String(metadata={"description": "The text as it will be sent."})
    encoding = fields.String()
    characters = fields.Integer()
    segments = fields.Integer()
    remaining_in_segment = fields.Integer()
    non_gsm = fields.List(fields.String())
    recipients = fields.Integer()
    total_segments = fields.Integer()
    cost_pence = fields.Float()
    one_way = fields.Boolean()
    problems = fields.List(fields.String(), metadata={"description": "What blocks approval."})


class StatusOut(Schema):
    state = fields.String(validate=validate.OneOf(list(CampaignState)))
    stop_reason = fields.String()
    total = fields.Integer()
    sent = fields.Integer()
    delivered = fields.Integer()
    failed = fields.Integer()
    suppressed = fields.Integer()
    cancelled = fields.Integer()
    expired = fields.Integer()
    unknown = fields.Integer()
    remaining = fields.Integer()
    replies = fields.Integer()
    percent = fields.Float()
    rate_per_s = fields.Float()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
