"""Who may do what: every view declares one permission, checked before it runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from messaging.models import Role

F = TypeVar("F", bound=Callable[..., Any])

OFFICER, SUPERVISOR, ANALYST, ADMIN = Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN
NCLCC = Role.NCLCC

# A permission names an action on personal data or settings; roles hold permissions. Every
# permission but "national:read" acts within the user's own force (campaigns.auth scopes each
# request); the NCLCC role holds only that one, which shows counts across forces.
PERMISSIONS: dict[str, frozenset[str]] = {
    "dashboard": frozenset({OFFICER, SUPERVISOR, ANALYST, ADMIN, NCLCC}),
    "account": frozenset({OFFICER, SUPERVISOR, ANALYST, ADMIN, NCLCC}),
    "lines:read": frozenset({OFFICER, SUPERVISOR, ANALYST}),
    "lines:write": frozenset({OFFICER}),
    "contacts:import": frozenset({OFFICER}),
    "campaigns:read": frozenset({OFFICER, SUPERVISOR, ANALYST}),
    "campaigns:write": frozenset({OFFICER}),
    "campaigns:approve": frozenset({SUPERVISOR}),
    "campaigns:control": frozenset({OFFICER, SUPERVISOR}),
    "templates:read": frozenset({OFFICER, SUPERVISOR, ADMIN}),
    "templates:write": frozenset({OFFICER, ADMIN}),
    "replies:read": frozenset({ANALYST, SUPERVISOR}),
    "replies:write": frozenset({ANALYST}),
    "replies:export": frozenset({ANALYST}),
    "reports:read": frozenset({ANALYST, SUPERVISOR}),
    "reports:write": frozenset({ANALYST}),
    "suppressions:write": frozenset({ANALYST, ADMIN}),
    "admin": frozenset({ADMIN}),
    "audit:read": frozenset({ADMIN}),
    "national:read": frozenset({NCLCC}),
}

# Decisions that are not a role check; each still has to be declared explicitly.
PUBLIC = "public"  # the login page, static files, health check
WEBHOOK = "webhook"  # carrier callbacks: the view checks the carrier's signature
SPECIAL = frozenset({PUBLIC, WEBHOOK})


def requires(permission: str) -> Callable[[F], F]:
    """Declare the permission a view needs (enforced in ``campaigns.auth``)."""
    if permission not in PERMISSIONS and permission not in SPECIAL:
        raise ValueError(f"unknown permission {permission!r}")

    def mark(view: F) -> F:
        view.permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def role_has(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())


def permission_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, "permission", None)
