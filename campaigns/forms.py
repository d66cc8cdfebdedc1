"""Validation of what people type into the web forms (marshmallow schemas).

Each schema turns a posted form into clean values or a ``ValidationError`` whose messages
are written for the person filling the form in (``first_errors`` picks one per field for
the inline error and the summary at the top of the page).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from messaging.content.sms_templates import PURPOSES
from messaging.models import Role
from messaging.sending.send_window import LONDON

REFERENCE = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$",
    error="Use letters, digits and / _ . - only (up to 64 characters).",
)
TRUTHY = {"on", "1", "true", "yes", "y"}


class LocalDateTime(fields.DateTime):
    """A date and time typed in London time (an HTML datetime-local input), stored in UTC."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime | None:
        if value in ("", None):
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError("Enter a date and time like 2026-11-25 09:30.") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=LONDON)
        return parsed.astimezone(UTC)


class LocalDay(fields.Field):
    """A date (an HTML date input) meaning a whole London day: its start or its end, in UTC."""

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime | None:
        if value in ("", None):
            return None
        try:
            day = date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise ValidationError("Enter a real date, like 2026-11-25.") from exc
        moment = time(23, 59, 59, 999999) if self.end_of_day else time(0)
        return datetime.combine(day, moment, tzinfo=LONDON).astimezone(UTC)


def _bool() -> fields.Boolean:
    return fields.Boolean(load_default=False, truthy=TRUTHY)


class BlankToNone(Schema):
    """Drop empty inputs (so defaults apply) and strip whitespace; lists stay lists."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def strip(self, data: Any, **_: Any) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for key in data:
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            value: Any = values if key in self.list_fields() else values[-1]
            if isinstance(value, list):
                value = [v.strip() if isinstance(v, str) else v for v in value]
                value = [v for v in value if v != ""]
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned

    def list_fields(self) -> set[str]:
        return {name for name, f in self.fields.items() if isinstance(f, fields.List)}


class LineForm(BlankToNone):
    reference = fields.String(
        required=True, validate=REFERENCE, error_messages={"required": "Enter a reference."}
    )
    name = fields.String(
        required=True,
        validate=validate.Length(max=120),
        error_messages={"required": "Enter the line's name (its brand, e.g. 'Tony')."},
    )
    force_area = fields.String(load_default="", validate=validate.Length(max=120))
    operation = fields.String(load_default="", validate=validate.Length(max=120))
    exhibit_reference = fields.String(load_default="", validate=validate.Length(max=120))
    line_number = fields.String(load_default=None, validate=validate.Length(max=40))
    seized_on = fields.Date(load_default=None, error_messages={"invalid": "Enter a real date."})
    retention_days = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=3650, error="Between 1 and 3650 days."),
        error_messages={"invalid": "Enter a whole number of days."},
    )


# --- The campaign wizard: one schema per step; CampaignForm is all of them at once. ---------


class CampaignRecipientsForm(BlankToNone):
    """Step 1: a name, the lines, and which of their contacts receive the text."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=160, error="Use at most 160 characters."),
        error_messages={"required": "Give the campaign a name."},
    )
    line_ids = fields.List(
        fields.Integer(error_messages={"invalid": "Choose a line from the list."}),
        required=True,
        validate=validate.Length(min=1, error="Choose at least one line."),
        error_messages={"required": "Choose at least one line."},
    )
    kinds = fields.List(
        fields.String(validate=validate.OneOf(["mobile", "landline", "non_geographic"])),
        load_default=["mobile"],
    )
    min_interactions = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=10000, error="Enter a number from 0 to 10000."),
        error_messages={"invalid": "Enter a whole number, or 0 for everyone."},
    )
    window_from = LocalDay(load_default=None)
    window_to = LocalDay(end_of_day=True, load_default=None)
    exclude_cross_line = _bool()

    @validates_schema
    def check_window(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("window_from"), data.get("window_to")
        if start and end and end < start:
            raise ValidationError({"window_to": ["The last day must be on or after the first."]})

    @post_load
    def tuples(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "line_ids" in data:
            data["line_ids"] = tuple(dict.fromkeys(data["line_ids"]))
        data["kinds"] = tuple(data.get("kinds") or ("mobile",))
        return data


class CampaignMessageForm(BlankToNone):
    """Step 2: the template and the campaign-level values that fill it in."""

    template_version_id = fields.Integer(
        required=True,
        error_messages={
            "required": "Choose a message template.",
            "invalid": "Choose a message template.",
        },
    )
    service_id = fields.Integer(
        load_default=None, error_messages={"invalid": "Choose a service from the list."}
    )
    force_name = fields.String(
        required=True,
        validate=validate.Length(max=60, error="Use at most 60 characters."),
        error_messages={"required": "Enter the force's name as it should appear in the text."},
    )
    area = fields.String(
        load_default="", validate=validate.Length(max=60, error="Use at most 60 characters.")
    )
    reply_route = fields.String(
        load_default="", validate=validate.Length(max=80, error="Use at most 80 characters.")
    )


class CampaignSendingForm(BlankToNone):
    """Step 3: who it is from and when it may go."""

    sender = fields.String(
        required=True,
        validate=validate.Length(max=40, error="Use at most 40 characters."),
        error_messages={"required": "Enter the sender (a UK mobile number or a short name)."},
    )
    not_before = LocalDateTime(load_default=None)
    not_after = LocalDateTime(load_default=None)
    urgent = _bool()
    urgency_reason = fields.String(
        load_default="", validate=validate.Length(max=500, error="Use at most 500 characters.")
    )

    @validates_schema
    def check_window(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("urgent") and not data.get("urgency_reason"):
            errors["urgency_reason"] = ["Say why this must go outside quiet hours."]
        nb, na = data.get("not_before"), data.get("not_after")
        if nb and na and na <= nb:
            errors["not_after"] = ["The end of the send window must be after its start."]
        elif na and na <= datetime.now(UTC):
            errors["not_after"] = ["The end of the send window is in the past."]
        if errors:
            raise ValidationError(errors)


class CampaignForm(CampaignRecipientsForm, CampaignMessageForm, CampaignSendingForm):
    """Every step's fields in one form (a campaign built in a single post)."""

    @validates_schema
    def check_window(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        for step in (CampaignRecipientsForm, CampaignSendingForm):
            try:
                step.check_window(self, data, **kwargs)  # type: ignore[arg-type]
            except ValidationError as exc:
                errors.update(exc.normalized_messages())
        if errors:
            raise ValidationError(errors)


# --- Administration -------------------------------------------------------------------------

# A force's administrators give their own force's roles; the national role is given by
# whoever runs the installation (``pester user add --role nclcc``).
FORCE_ROLES = tuple(str(r) for r in Role if r != Role.NCLCC)
ROLE_CHOICE = validate.OneOf(FORCE_ROLES, error="Choose a role from the list.")


class UserForm(BlankToNone):
    email = fields.String(
        required=True,
        validate=[
            validate.Length(max=254, error="Use at most 254 characters."),
            validate.Email(error="Enter an email address like name@force.police.uk."),
        ],
        error_messages={"required": "Enter the person's email address."},
    )
    display_name = fields.String(
        load_default="", validate=validate.Length(max=120, error="Use at most 120 characters.")
    )
    role = fields.String(
        required=True, validate=ROLE_CHOICE, error_messages={"required": "Choose a role."}
    )


class RoleForm(BlankToNone):
    role = fields.String(
        required=True, validate=ROLE_CHOICE, error_messages={"required": "Choose a role."}
    )


class ServiceForm(BlankToNone):
    name = fields.String(
        required=True,
        validate=validate.Length(max=120, error="Use at most 120 characters."),
        error_messages={"required": "Enter the service's name."},
    )
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^[0-9+() -]{3,40}$", error="Enter a phone number using digits, spaces and +."
        ),
    )
    url = fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^(https?://)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/[^\s]*)?$",
            error="Enter a web address like changegrowlive.org or https://example.org/help.",
        ),
    )
    hours = fields.String(
        load_default="", validate=validate.Length(max=120, error="Use at most 120 characters.")
    )
    areas = fields.String(
        load_default="", validate=validate.Length(max=255, error="Use at most 255 characters.")
    )

    @validates_schema
    def check_contact_route(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("phone") and not data.get("url"):
            raise ValidationError(
                {"phone": ["Give a phone number or a web address, so people can reach it."]}
            )


class DoNotContactForm(BlankToNone):
    number = fields.String(
        required=True,
        validate=validate.Length(max=40, error="Use at most 40 characters."),
        error_messages={"required": "Enter the phone number."},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(max=500, error="Use at most 500 characters."),
        error_messages={"required": "Say why this number must never be texted."},
    )


class TemplateForm(BlankToNone):
    name = fields.String(
        required=True,
        validate=validate.Length(max=120, error="Use at most 120 characters."),
        error_messages={"required": "Give the template a name."},
    )
    purpose = fields.String(
        required=True,
        validate=validate.OneOf(PURPOSES, error="Choose a purpose from the list."),
        error_messages={"required": "Choose what the message is for."},
    )
    description = fields.String(
        load_default="", validate=validate.Length(max=500, error="Use at most 500 characters.")
    )
    body = fields.String(
        required=True,
        validate=validate.Length(max=1600, error="A text can be at most 1600 characters."),
        error_messages={"required": "Write the message."},
    )


def first_errors(error: ValidationError) -> dict[str, str]:
    """One message per field, for inline errors and the summary at the top of a form."""
    out: dict[str, str] = {}
    messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
    for field_name, problem in messages.items():
        while isinstance(problem, (list, dict)):
            problem = next(iter(problem.values())) if isinstance(problem, dict) else problem[0]
        out[field_name] = str(problem)
    return out
