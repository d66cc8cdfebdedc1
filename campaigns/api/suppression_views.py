"""API: the opt-out list — read it, add a number by hand, lift an opt-out with a reason.

Numbers in answers are masked (the list is for checking and lifting, which need ids, not
numbers). Adding and lifting go through ``messaging.audience.suppression`` (the same rules as the
admin pages); reads are audited as disclosures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.api.errors import ApiError
from campaigns.api.masking import mask_phone
from campaigns.api.pagination import paginate
from campaigns.api.reply_schemas import LiftIn, SuppressionIn, SuppressionOut, SuppressionQuery
from campaigns.api.routes import Page, fetch, operation
from campaigns.api_tokens import token_recipient
from campaigns.audit import record
from campaigns.auth import current_user
from messaging.audience.suppression import SuppressionError, add_by_hand, lift
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.phone_numbers import normalise
from messaging.models import Suppression


def _suppression_out(row: Suppression) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": mask_phone(row.phone),
        "active": row.active,
        "source": row.source,
        "source_detail": row.source_detail,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@operation(
    "/suppressions",
    tag="suppressions",
    summary="List opt-outs",
    permission="suppressions:write",
    query=SuppressionQuery,
    response=SuppressionOut,
    paged=True,
)
def list_suppressions(query: dict[str, Any]) -> Page:
    """Opt-outs, most recently changed first; filter by ``active`` and ``source``.
    Numbers are masked (null once purged: the keyed hash alone keeps the opt-out)."""
    statement = select(Suppression).order_by(Suppression.updated_at.desc(), Suppression.id.desc())
    if query["active"] is not None:
        statement = statement.where(Suppression.active.is_(query["active"]))
    if query["source"] is not None:
        statement = statement.where(Suppression.source == query["source"])
    rows, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    record(
        "disclosure",
        "suppressions_listed",
        "suppression",
        "",
        details={"count": len(rows), "page": query["page"]},
        recipient=token_recipient(),
    )
    return Page([_suppression_out(r) for r in rows], query["page"], query["per_page"], total)


@operation(
    "/suppressions",
    method="POST",
    tag="suppressions",
    summary="Opt a number out by hand",
    permission="suppressions:write",
    body=SuppressionIn,
    response=SuppressionOut,
    status=201,
    conflicts=True,
)
def add_suppression(body: dict[str, Any]) -> dict[str, Any]:
    """Suppress a number everywhere from now on (someone asked by another route) and cancel
    its queued texts. 422 when it is not a valid number; 409 ``already_suppressed`` when it
    is already opted out."""
    number = normalise(body["phone"]).e164
    if number is None:
        raise _invalid("phone", "That is not a valid phone number.")
    existing = db.session.scalar(
        select(Suppression).where(Suppression.phone_hash == lookup_hash(number))
    )
    if existing is not None and existing.active:
        raise ApiError(
            409,
            "already_suppressed",
            f"That number is already opted out (suppression {existing.id}).",
        )
    try:
        row = add_by_hand(db.session, number, actor_id=current_user().id, reason=body["reason"])
    except SuppressionError as exc:  # what is left to refuse is the reason
        db.session.rollback()
        raise _invalid("reason", str(exc)) from exc
    db.session.flush()
    record(
        "alteration",
        "suppression_added",
        "suppression",
        row.id,
        reason=_reason(body),
        commit=False,
    )
    db.session.commit()
    return _suppression_out(row)


@operation(
    "/suppressions/<int:suppression_id>/lift",
    method="POST",
    tag="suppressions",
    summary="Lift an opt-out, giving a reason",
    permission="suppressions:write",
    body=LiftIn,
    response=SuppressionOut,
    conflicts=True,
)
def lift_suppression(suppression_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Let the number be texted again; 409 ``not_active`` when it is not opted out."""
    row = fetch(Suppression, suppression_id, "Suppression")
    if not row.active:
        raise ApiError(409, "not_active", "That opt-out has already been lifted.")
    try:
        lift(db.session, row.id, actor_id=current_user().id, reason=body["reason"])
    except SuppressionError as exc:
        db.session.rollback()
        raise _invalid("reason", str(exc)) from exc
    record(
        "alteration",
        "suppression_lifted",
        "suppression",
        row.id,
        reason=_reason(body),
        commit=False,
    )
    db.session.commit()
    return _suppression_out(row)


def _reason(body: dict[str, Any]) -> str:
    return " ".join(body["reason"].split())


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422, "validation_failed", "Some fields are not valid.", fields={field: [message]}
    )
