"""Marshmallow schemas of the API: what each endpoint accepts (…In) and answers (…Out).

Input schemas refuse unknown fields and validate strictly (see ``campaigns.api.fields``).
Output schemas list every field the answer carries; ``allow_none`` marks the ones that may
be null. Phone numbers in answers are masked unless an endpoint's description says
otherwise (see ``campaigns.api.masking``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from campaigns.api.fields import (
    MAX_ID,
    NON_BLANK_TEXT,
    SAFE_TEXT,
    AwareDateTime,
    Bool,
    Int,
    IsoDate,
    QueryBool,
    QueryInt,
    Text,
    object_id,
)
from campaigns.api.pagination import PageQuery
from messaging.extractions import FORMATS
from messaging.models import CampaignState
from messaging.models.suppressions import SuppressionSource
from messaging.replies import MAX_TAG_LENGTH, MAX_TAGS
from messaging.reply_classifier import Label
from messaging.suppression import MIN_REASON_LENGTH

REFERENCE = r"[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}"
PHONE_TEXT = r"[0-9+() .-]{1,40}"
TAG = rf"[a-z0-9_][a-z0-9_-]{{0,{MAX_TAG_LENGTH - 1}}}"  # as the reply log's tag box makes them
KINDS = ("mobile", "landline", "non_geographic")
LABELS = tuple(str(label) for label in Label)
SOURCES = tuple(v for k, v in vars(SuppressionSource).items() if k.isupper())


def _text(
    max_length: int, *, blank: bool = True, validate_min: int | None = None, **kwargs: Any
) -> Text:
    minimum = validate_min if validate_min is not None else (0 if blank else 1)
    return Text(
        pattern=SAFE_TEXT if blank else NON_BLANK_TEXT,
        pattern_error="" if blank else "Enter some text (not only spaces).",
        validate=validate.Length(min=minimum, max=max_length),
        **kwargs,
    )


# --- errors -------------------------------------------------------------------------------


class ErrorDetailOut(Schema):
    code = fields.String(metadata={"description": "Stable, for programs."})
    message = fields.String(metadata={"description": "Plain English, for people."})
    field_messages = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        data_key="fields",
        metadata={"description": "Per-field messages (dotted paths for nested fields)."},
    )


class ErrorOut(Schema):
    error = fields.Nested(ErrorDetailOut)


# --- lines and imports --------------------------------------------------------------------


class LineIn(Schema):
    reference = Text(
        required=True,
        pattern=REFERENCE,
        pattern_error="Use letters, digits and / _ . - only (up to 64 characters).",
    )
    name = _text(120, blank=False, required=True)
    force_area = _text(120, load_default="")
    operation = _text(120, load_default="")
    exhibit_reference = _text(120, load_default="")
    line_number = Text(
        load_default=None,
        allow_none=True,
        pattern=PHONE_TEXT,
        pattern_error="Use digits, spaces and + ( ) . - only.",
        metadata={"description": "The seized line's own number; must be a valid number."},
    )
    seized_on = IsoDate(load_default=None, allow_none=True)
    retention_days = Int(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )


class LineOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    name = fields.String()
    force_area = fields.String()
    operation = fields.String()
    exhibit_reference = fields.String()
    line_number = fields.String(
        allow_none=True, metadata={"description": "Masked, except where the endpoint says."}
    )
    seized_on = fields.Date(allow_none=True)
    retention_days = fields.Integer()
    created_at = fields.DateTime()
    purged_at = fields.DateTime(allow_none=True)
    contacts = fields.Integer(metadata={"description": "Distinct numbers held for the line."})


class ImportOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    file_sha256 = fields.String()
    format = fields.String()
    created_at = fields.DateTime()
    contacts_added = fields.Integer()
    rejected = fields.Integer()


class LineDetailOut(LineOut):
    contacts_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    textable = fields.Integer()
    flagged = fields.Integer(metadata={"description": "Opted out or do-not-contact at import."})
    imports = fields.List(fields.Nested(ImportOut))
    campaign_ids = fields.List(fields.Integer())


class LineQuery(PageQuery):
    q = _text(120, load_default="", metadata={"description": "Search references and names."})


class ImportForm(Schema):
    class Meta:
        unknown = EXCLUDE  # the ``file`` part arrives with the form fields

    format = fields.String(load_default="auto", validate=validate.OneOf(["auto", *FORMATS]))
    number_columns = _text(
        500, load_default="", metadata={"description": "CSV only: comma-separated columns."}
    )
    name_column = _text(120, load_default="", metadata={"description": "CSV only."})
    dry_run = fields.String(
        load_default="false",
        validate=validate.OneOf(["true", "false"]),
        metadata={"description": "true: report what would happen, import nothing."},
    )


class RejectedRowOut(Schema):
    position = fields.String()
    value = fields.String(metadata={"description": "The rejected value, masked."})
    reason = fields.String()


class ImportReportOut(Schema):
    line = fields.String(metadata={"description": "The line's reference."})
    import_id = fields.Integer(allow_none=True)
    filename = fields.String()
    file_sha256 = fields.String()
    format = fields.String()
    dry_run = fields.Boolean()
    already_imported = fields.Boolean()
    records = fields.Integer()
    numbers_seen = fields.Integer()
    contacts_added = fields.Integer()
    duplicates = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    textable = fields.Integer()
    suppressed = fields.Integer()
    cross_line = fields.Integer()
    interactions = fields.Integer()
    rejected_count = fields.Integer()
    rejected = fields.List(
        fields.Nested(RejectedRowOut), metadata={"description": "The first 1000 rejected rows."}
    )


# --- campaigns ----------------------------------------------------------------------------


class CampaignIn(Schema):
    name = _text(160, blank=False, required=True)
    line_ids = fields.List(object_id(), required=True, validate=validate.Length(min=1, max=50))
    template_version_id = object_id(required=True)
    service_id = object_id(load_default=None, allow_none=True)
    sender = _text(
        40,
        blank=False,
        required=True,
        metadata={"description": "An alphanumeric sender ID (≤ 11 characters) or a number."},
    )
    force_name = _text(60, blank=False, required=True)
    area = _text(60, load_default="")
    reply_route = _text(80, load_default="")
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
    urgency_reason = _text(500, load_default="")

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
    comment = _text(1000, load_default="")


class RejectIn(Schema):
    comment = _text(1000, blank=False, required=True)


class CancelIn(Schema):
    reason = _text(500, load_default="")


class CampaignQuery(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(list(CampaignState)))


class CampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    state = fields.String(validate=validate.OneOf(list(CampaignState)))
    line_ids = fields.List(fields.Integer())
    template_version_id = fields.Integer(allow_none=True)
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


# --- replies ------------------------------------------------------------------------------


class ReplyQuery(PageQuery):
    campaign = QueryInt(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    line = QueryInt(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    label = fields.String(load_default=None, validate=validate.OneOf(LABELS))
    urgent = QueryBool(load_default=None)
    handled = QueryBool(load_default=None)
    since = AwareDateTime(load_default=None, metadata={"description": "Received at or after."})


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
    body = fields.String(allow_none=True, metadata={"description": "Only with replies:read."})
    labels = fields.List(fields.String())
    risk_kinds = fields.List(fields.String())
    urgent = fields.Boolean()
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
    reason = _text(
        1000,
        blank=False,
        required=True,
        validate_min=MIN_REASON_LENGTH,
        metadata={"description": "Why, for the record (a few words at least)."},
    )


class LiftIn(Schema):
    reason = _text(
        1000,
        blank=False,
        required=True,
        validate_min=MIN_REASON_LENGTH,
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


# --- reference data -----------------------------------------------------------------------


class TemplateOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    purpose = fields.String()
    description = fields.String()
    version_id = fields.Integer(metadata={"description": "Use as template_version_id."})
    version = fields.Integer()
    body = fields.String()
    placeholders = fields.List(fields.String())


class ServiceOut(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    url = fields.String()
    hours = fields.String()
    areas = fields.String()
    national = fields.Boolean()
