"""Building lines full of personal data, straight into the database, for the security tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from messaging.audience.suppression import suppress
from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.models import (
    Campaign,
    CampaignState,
    Contact,
    ContactImport,
    ContactSource,
    DeliveryEvent,
    Interaction,
    Line,
    OutboxMessage,
    Reply,
    ReplyNumber,
    User,
)
from tests.support.factories import make_contacts, make_line

# Ofcom drama-range numbers: never a real person's phone.
NUMBERS = ["+447700900101", "+447700900102", "+447700900103"]
MENTIONED = "+447700900199"
SAVED_NAME = "Daz from the estate"


@dataclass
class SeededLine:
    line: Line
    contacts: list[Contact]
    campaign: Campaign
    outbox: list[OutboxMessage]
    replies: list[Reply]
    import_id: int


def seeded_line(
    officer: User,
    *,
    numbers: list[str] | None = None,
    registered_days_ago: int = 200,
    finished_days_ago: float | None = 100,
    campaign_state: str = CampaignState.COMPLETED,
    retention_days: int = 90,
    opted_out: str | None = NUMBERS[0],
) -> SeededLine:
    """A line with contacts, sightings with saved names, interactions, an import with a
    rejected row, a campaign that texted every contact (with receipts), a reply from each
    contact quoting text and a mentioned number, and (optionally) one opt-out."""
    numbers = numbers or NUMBERS
    now = utcnow()
    line = make_line(
        retention_days=retention_days,
        created_at=now - timedelta(days=registered_days_ago),
        line_number="+447700900999",
        line_number_hash=lookup_hash("+447700900999"),
    )
    contacts = make_contacts(line, numbers)
    session = db.session
    upload = ContactImport(
        line_id=line.id,
        filename="contacts.csv",
        file_sha256=f"{line.id:064d}",
        format="csv",
        summary={"records": len(numbers)},
        rejected=json.dumps([{"position": "row 9", "raw": "07700 9001", "reason": "too_short"}]),
        imported_by_id=officer.id,
    )
    session.add(upload)
    session.flush()
    for contact, number in zip(contacts, numbers, strict=True):
        session.add(
            ContactSource(
                contact_id=contact.id,
                import_id=upload.id,
                position="row 2",
                raw=number.replace("+44", "0"),
                saved_name=SAVED_NAME,
                account="whatsapp:" + number,
            )
        )
        session.add(
            Interaction(
                line_id=line.id,
                import_id=upload.id,
                phone_hash=contact.phone_hash,
                kind="sms",
                direction="incoming",
                occurred_at=now - timedelta(days=210),
            )
        )
    finished = None if finished_days_ago is None else now - timedelta(days=finished_days_ago)
    campaign = Campaign(
        name=f"Warning {line.id}",
        state=campaign_state,
        created_by_id=officer.id,
        finished_at=finished,
        sender="PESTERTEST",
    )
    campaign.lines.append(line)
    session.add(campaign)
    session.flush()
    outbox, replies = [], []
    for index, (contact, number) in enumerate(zip(contacts, numbers, strict=True)):
        message = OutboxMessage(
            campaign_id=campaign.id,
            contact_id=contact.id,
            phone_hash=contact.phone_hash,
            to=number,
            body="A public-health message.",
            sender="PESTERTEST",
            segments=1,
            status="delivered",
            provider_id=f"SM{line.id:04d}{index:028d}",
        )
        session.add(message)
        session.flush()
        outbox.append(message)
        session.add(
            DeliveryEvent(
                provider_id=message.provider_id,
                outbox_id=message.id,
                status="delivered",
                applied=True,
                payload={"MessageStatus": "delivered", "ApiVersion": "2010-04-01"},
            )
        )
        reply = Reply(
            provider_id=f"SMR{line.id:04d}{index:027d}",
            phone_hash=contact.phone_hash,
            phone=number,
            body=f"new number is {MENTIONED} ask for Kev",
            line_id=line.id,
            campaign_id=campaign.id,
            outbox_id=message.id,
            labels=["supply_intel"],
            why={"supply_intel": ["number: new number is " + MENTIONED]},
            notes="Kev is known to us",
        )
        session.add(reply)
        session.flush()
        session.add(
            ReplyNumber(
                reply_id=reply.id,
                phone_hash=lookup_hash(MENTIONED),
                phone=MENTIONED,
                link="new",
            )
        )
        replies.append(reply)
    if opted_out:
        suppress(session, opted_out, source="reply", detail="STOP")
    session.commit()
    return SeededLine(line, contacts, campaign, outbox, replies, upload.id)


def personal_values() -> list[str]:
    """Every plaintext personal value the seeded lines hold, for "nothing left" checks."""
    return [*NUMBERS, MENTIONED, SAVED_NAME, "Kev", "07700 9001"]


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def fresh_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    """A CSRF token for the client's current session, from the page at ``path``."""
    from tests.conftest import csrf_token

    return csrf_token(client.get(path).text)


def sign_in(client, user, password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    from tests.support.factories import PASSWORD, login

    login(client, user, password or PASSWORD)
