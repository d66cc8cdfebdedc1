"""Marshmallow schemas of the API: what each endpoint accepts (…In) and answers (…Out).

Input schemas refuse unknown fields and validate strictly (see ``campaigns.api.fields``).
Output schemas list every field the answer carries; ``allow_none`` marks the ones that may
be null. Phone numbers in answers are masked unless an endpoint's description says
otherwise (see ``campaigns.api.masking``). Campaigns are in ``campaign_schemas``; replies
and opt-outs in ``reply_schemas``.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from campaigns.api.fields import Int, IsoDate, Text, text
from campaigns.api.pagination import PageQuery
from messaging.intake.extractions import FORMATS

REFERENCE = r"[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}"
PHONE_TEXT = r"[0-9+() .-]{1,40}"


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
    name = text(120, blank=False, required=True)
    force_area = text(120, load_default="")
    operation = text(120, load_default="")
    exhibit_reference = text(120, load_default="")
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
    q = text(120, load_default="", metadata={"description": "Search references and names."})


class ImportForm(Schema):
    """The form fields sent beside the multipart ``file`` part."""

    format = fields.String(load_default="auto", validate=validate.OneOf(["auto", *FORMATS]))
    number_columns = text(
        500, load_default="", metadata={"description": "CSV only: comma-separated columns."}
    )
    name_column = text(120, load_default="", metadata={"description": "CSV only."})
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
    shared = fields.Boolean(
        metadata={
            "description": "Shared by every force (national reference data, read-only to a "
            "force); false when it is your force's own."
        }
    )


class ServiceOut(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    url = fields.String()
    hours = fields.String()
    areas = fields.String()
    national = fields.Boolean(metadata={"description": "A national helpline (listed first)."})
    shared = fields.Boolean(
        metadata={
            "description": "Shared by every force (national reference data, read-only to a "
            "force); false when it is your force's own."
        }
    )
