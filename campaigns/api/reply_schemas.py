"""Marshmallow schemas of the reply log and opt-out endpoints (see ``campaigns.api.schemas``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from campaigns.api.fields import MAX_ID, AwareDateTime, QueryBool, QueryInt, Text, text
from campaigns.api.pagination import PageQuery
from campaigns.api.schemas import PHONE_TEXT
from messaging.audience.suppression import MIN_REASON_LENGTH
from messaging.inbound.replies import MAX_TAG_LENGTH, MAX_TAGS
from messaging.inbound.reply_log import SORTS
from messaging.inbound.triage.labels import Label
from messaging.inbound.triage.queues import QUEUES
from messaging.models.suppressions import SuppressionSource

TAG = rf"[a-z0-9_][a-z0-9_-]{{0,{MAX_TAG_LENGTH - 1}}}"  # as the reply log's tag box makes them
LABELS = tuple(str(label) for label in Label)
SOURCES = tuple(v for k, v in vars(SuppressionSource).items() if k.isupper())


# --- replies ------------------------------------------------------------------------------


class ReplyQuery(PageQuery):
    campaign = QueryInt(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    line = QueryInt(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    label = fields.String(load_default=None, validate=validate.OneOf(LABELS))
    urgent = QueryBool(load_default=None)
    handled = QueryBool(load_default=None)
    since = AwareDateTime(load_default=None, metadata={"description": "Received at or after."})
    queue = fields.String(
        load_default=None,
        validate=validate.OneOf(QUEUES),
        metadata={"description": "Only replies in this triage queue."},
    )
    sort = fields.String(
        load_default="urgent",
        validate=validate.OneOf(["urgent", *[s for s in SORTS if s != "newest"]]),
        metadata={
            "description": "urgent (default): unhandled risk disclosures first, then newest. "
            "queue: by triage queue (risk, needs_person, help_seeking, opt_out, hostile, "
            "supply_intel, wrong_number, opt_in, other), highest score first within a queue, "
            "then newest."
        },
    )


class MentionOut(Schema):
    number = fields.String(allow_none=True)
    link = fields.String(validate=validate.OneOf(["known_line", "known_contact", "new"]))
    line_id = fields.Integer(allow_none=True)


class ReplyOut(Schema):
    id = fields.Integer()
    received_at = fields.DateTime()
    campaign_id = fields.Integer(allow_none=True)
    line_id = fields.Integer(allow_none=True)
    from_number = fields.String(allow_none=True)
    body = fields.String(
        allow_none=True,
        metadata={"description": "The reply text; null once the line's retention has ended."},
    )
    labels = fields.List(fields.String())
    risk_kinds = fields.List(fields.String())
    urgent = fields.Boolean(
        metadata={"description": "In the risk queue: the reply is a risk disclosure."}
    )
    queue = fields.String(
        validate=validate.OneOf(QUEUES),
        metadata={
            "description": "The triage queue: risk, needs_person (nothing placed it "
            "confidently), or the reply's most urgent label."
        },
    )
    score = fields.Float(
        allow_none=True,
        metadata={
            "description": "The triage model's probability (0–1) that the reply discloses a "
            "risk; null for replies stored before the model, until they are re-triaged."
        },
    )
    handled_at = fields.DateTime(allow_none=True)
    handled_by_id = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    tags = fields.List(fields.String())
    mentions = fields.List(fields.Nested(MentionOut))


class LabelsIn(Schema):
    labels = fields.List(
        fields.String(validate=validate.OneOf(LABELS)),
        load_default=list,
        validate=validate.Length(max=len(LABELS)),
    )
    tags = fields.List(
        Text(
            pattern=TAG,
            pattern_error=f"A tag is 1–{MAX_TAG_LENGTH} lower-case letters, digits, - or _.",
        ),
        load_default=list,
        validate=validate.Length(max=MAX_TAGS),
    )

    @validates_schema
    def needs_one(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("labels") and not data.get("tags"):
            raise ValidationError("Give at least one label or tag.", "labels")


# --- suppressions -------------------------------------------------------------------------


class SuppressionQuery(PageQuery):
    active = QueryBool(load_default=None)
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))


class SuppressionIn(Schema):
    phone = Text(
        required=True,
        pattern=PHONE_TEXT,
        pattern_error="Use digits, spaces and + ( ) . - only.",
    )
    reason = text(
        1000,
        blank=False,
        required=True,
        min_length=MIN_REASON_LENGTH,
        metadata={"description": "Why, for the record (a few words at least)."},
    )


class LiftIn(Schema):
    reason = text(
        1000,
        blank=False,
        required=True,
        min_length=MIN_REASON_LENGTH,
        metadata={"description": "Why, for the record (a few words at least)."},
    )


class SuppressionOut(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True, metadata={"description": "Masked; null if purged."})
    active = fields.Boolean()
    source = fields.String()
    source_detail = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
