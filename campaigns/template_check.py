"""Checking an SMS template typed in the web UI, and previewing it with sample values.

Free of Flask. The body must pass ``placeholders_used`` (only allowed placeholders, no
expressions), must tell people how to opt out, and is measured after filling it in with
realistic values, so the author sees encoding and segments before any campaign uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from messaging.content.sms_encoding import SegmentInfo, inspect, split_segments
from messaging.content.sms_templates import TemplateError, placeholders_used, render
from messaging.models import Service

# Stand-ins for the campaign-level values, about as long as real ones.
SAMPLE_VALUES = {
    "force_name": "Essex Police",
    "area": "Southend",
    "reply_route": "Reply STOP to opt out.",
    "service_name": "Change Grow Live",
    "service_phone": "0300 123 4567",
    "service_url": "changegrowlive.org",
    "service_hours": "Mon-Fri 9am-5pm",
}
_STOP = re.compile(r"\bSTOP\b")


@dataclass
class TemplateCheck:
    """What is wrong with a template body (blocking) and worth knowing (not blocking)."""

    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    placeholders: tuple[str, ...] = ()
    sample: str = ""
    info: SegmentInfo | None = None
    parts: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


def sample_values(service: Service | None) -> dict[str, str]:
    values = dict(SAMPLE_VALUES)
    if service is not None:
        values.update(
            service_name=service.name or values["service_name"],
            service_phone=service.phone or values["service_phone"],
            service_url=service.url or values["service_url"],
            service_hours=service.hours or values["service_hours"],
        )
    return values


def check_template(body: str, *, service: Service | None, max_segments: int) -> TemplateCheck:
    """Validate ``body`` and measure it filled in with sample values."""
    result = TemplateCheck()
    try:
        result.placeholders = placeholders_used(body)
    except TemplateError as exc:
        result.error = exc.message
        return result
    if "reply_route" not in result.placeholders and not _STOP.search(body):
        result.error = (
            "The message must tell people how to opt out: include {{ reply_route }} "
            "(filled in per campaign) or say how to send STOP."
        )
        return result
    if "force_name" not in result.placeholders:
        result.warnings.append(
            "The message does not use {{ force_name }}: make sure it says who it is from."
        )
    result.values = sample_values(service)
    try:
        result.sample = render(body, result.values)
    except TemplateError as exc:
        result.error = exc.message
        return result
    result.info = inspect(result.sample)
    result.parts = split_segments(result.info.text)
    if result.info.segments > max_segments:
        result.warnings.append(
            f"With sample values this is {result.info.segments} segments; campaigns longer "
            f"than {max_segments} cannot be approved."
        )
    elif result.info.segments > 2:
        result.warnings.append(
            f"With sample values this is {result.info.segments} segments: shipped templates "
            "fit in 2. Every extra segment costs as much again for every recipient."
        )
    return result
