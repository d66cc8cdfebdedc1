"""Page furniture shared by every template: the navigation, and filters for times and money.

A blueprint with no routes: it only registers template helpers on the app.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, g, request, url_for

from campaigns.permissions import role_has
from messaging.db import utcnow
from messaging.sending.send_window import LONDON

bp = Blueprint("ui", __name__)

# (label, endpoint, permission). Entries whose endpoint is not registered are left out, so
# areas built separately appear once their blueprint exists.
NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("Home", "home.index", "dashboard"),
    ("Lines", "lines.index", "lines:read"),
    ("Campaigns", "campaigns.index", "campaigns:read"),
    ("Replies", "replies.index", "replies:read"),
    ("Intelligence", "intelligence.index", "replies:read"),
    ("Network", "network.index", "replies:read"),
    ("Reports", "reports.index", "reports:read"),
    ("National", "national.index", "national:read"),
    ("Opt-outs", "suppressions.index", "suppressions:write"),
    ("Templates", "templates_admin.index", "templates:read"),
    ("Admin", "admin.index", "admin"),
)


# Blueprints whose pages belong under another one's navigation entry.
SECTIONS: dict[str, tuple[str, ...]] = {
    "campaigns": ("campaign_wizard", "approval", "test_sends"),
    "lines": ("imports",),
    "replies": ("reply_exports",),
    "admin": ("services", "do_not_contact", "retention", "audit_log"),
}


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    user = g.get("user")
    if user is None:
        return {"nav_items": []}
    here = request.blueprint or ""
    items = []
    shown: set[str] = set()
    for label, endpoint, permission in NAVIGATION:
        if endpoint in shown or endpoint not in current_app.view_functions:
            continue
        if not role_has(user.role, permission):
            continue
        shown.add(endpoint)
        section = endpoint.split(".", 1)[0]
        active = here == section or here in SECTIONS.get(section, ())
        items.append({"label": label, "url": url_for(endpoint), "active": active})
    return {"nav_items": items}


@bp.app_template_global("has_endpoint")
def has_endpoint(name: str) -> bool:
    """Whether a page exists, for links to areas that may not be installed."""
    return name in current_app.view_functions


@bp.app_template_filter("london")
def london(moment: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A UTC moment as London wall-clock time (what officers read and type)."""
    if moment is None:
        return "—"
    return moment.astimezone(LONDON).strftime(fmt)


@bp.app_template_filter("age")
def age(moment: datetime | None) -> str:
    """How long ago, in words: "4 min", "2 h 5 min", "3 days"."""
    if moment is None:
        return "—"
    minutes = max(int((utcnow() - moment).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // 1440} days"


@bp.app_template_filter("pounds")
def pounds(pence: float | int | None) -> str:
    return f"£{(pence or 0) / 100:,.2f}"


@bp.app_template_filter("words")
def words(value: Any) -> str:
    """A stored code ("awaiting_approval") as words ("awaiting approval")."""
    return str(value or "").replace("_", " ")


@bp.app_template_filter("last_digits")
def last_digits(number: str | None, keep: int = 3) -> str:
    """Only the last digits of a number, for lists where the whole number must not show."""
    digits = "".join(c for c in number or "" if c.isdigit())
    if not digits:
        return "—"
    return f"ending {digits[-keep:]}"
