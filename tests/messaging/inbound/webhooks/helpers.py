"""Campaigns with outbox rows straight in the database, and carrier-signed webhook posts.

Signatures are made with twilio's own RequestValidator, the way the carrier makes them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from flask.testing import FlaskClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from messaging import delivery_status as ds
from messaging import runtime
from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, Contact, Line, OutboxMessage, User

ACCOUNT_SID = "AC" + "0" * 32
SENDER = "+447700900000"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def sign(token: str, url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature the carrier would send for ``params`` posted to ``url``."""
    return RequestValidator(token).compute_signature(url, dict(params))


def post_signed(
    client: FlaskClient,
    path: str,
    params: Mapping[str, str],
    *,
    token: str | None = None,
    signed_url: str | None = None,
    **kwargs: object,
) -> TestResponse:
    """POST ``params`` to ``path`` signed for the configured public URL (or ``signed_url``)."""
    settings = runtime.current().settings
    url = signed_url or settings.public_base_url + path
    signature = sign(token or settings.twilio_auth_token, url, params)
    headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[arg-type]
    headers["X-Twilio-Signature"] = signature
    return client.post(path, data=dict(params), headers=headers, **kwargs)  # type: ignore[arg-type]


def status_params(sid: str, status: str, *, error_code: int | None = None) -> dict[str, str]:
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": SENDER,
        "To": "+447700900123",
    }
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    return params


def inbound_params(sid: str, from_: str, body: str, *, to: str = SENDER) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCountry": "GB",
        "ToCountry": "GB",
    }


def make_campaign(
    lines: list[Line], *, name: str = "Signposting", sender: str = SENDER, user: User | None = None
) -> Campaign:
    if user is None:
        user = db.session.scalar(select(User).order_by(User.id).limit(1))
        assert user is not None, "make a user first"
    campaign = Campaign(
        name=name,
        state=CampaignState.SENDING,
        sender=sender,
        created_by_id=user.id,
        launched_at=utcnow(),
        lines=lines,
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_outbox(
    campaign: Campaign,
    contacts: list[Contact],
    *,
    status: str = "queued",
    body: str = "A public-health message. Reply STOP to opt out.",
    with_sid: bool = True,
) -> list[OutboxMessage]:
    """One outbox row per contact, as the worker leaves it after the gateway accepted it."""
    now = utcnow()
    rows = []
    for contact in contacts:
        sent = status not in (ds.PENDING, ds.CLAIMED)
        row = OutboxMessage(
            campaign_id=campaign.id,
            contact_id=contact.id,
            phone_hash=contact.phone_hash or lookup_hash(contact.phone or ""),
            to=contact.phone,
            body=body,
            sender=campaign.sender,
            segments=1,
            status=status,
            provider_id=new_sid() if with_sid and sent else None,
            submitted_at=now if sent else None,
        )
        db.session.add(row)
        rows.append(row)
    db.session.commit()
    return rows
