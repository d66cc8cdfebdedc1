"""Opt-outs are national: a STOP to one force's campaign stops every force's texts."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from messaging.audience.recipients import RecipientsRule, select_recipients
from messaging.audience.suppression import blocked_hashes
from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.inbound.replies import receive_reply
from messaging.models import (
    Campaign,
    CampaignState,
    Contact,
    DoNotContact,
    OutboxMessage,
    Suppression,
)
from messaging.tenancy import acting_for
from tests.support.factories import make_contacts, make_force, make_line, make_user

NUMBER = "+447700900321"
OTHER = "+447700900322"


def _campaign(force_id: int, line_id: int, officer_id: int, contacts: list[Contact], *, sent: bool):
    campaign = Campaign(
        force_id=force_id,
        name="c",
        state=CampaignState.SENDING,
        sender="+447700900000",
        created_by_id=officer_id,
    )
    db.session.add(campaign)
    db.session.flush()
    for index, contact in enumerate(contacts):
        db.session.add(
            OutboxMessage(
                campaign_id=campaign.id,
                contact_id=contact.id,
                phone_hash=contact.phone_hash,
                to=contact.phone,
                body="b",
                sender="+447700900000",
                segments=1,
                status="sent" if sent else "pending",
                provider_id=f"SM{force_id:02d}{index:030d}" if sent else None,
                submitted_at=utcnow() if sent else None,
            )
        )
    db.session.commit()
    return campaign


@pytest.mark.postgres
def test_a_stop_in_force_a_blocks_force_bs_campaign(app: Flask) -> None:
    force_a, force_b = make_force("AAA"), make_force("BBB")
    officer_a = make_user(role="officer", force=force_a)
    officer_b = make_user(role="officer", force=force_b)
    line_a, line_b = make_line(force=force_a), make_line(force=force_b)
    contacts_a = make_contacts(line_a, [NUMBER])
    contacts_b = make_contacts(line_b, [NUMBER, OTHER])
    _campaign(force_a.id, line_a.id, officer_a.id, contacts_a, sent=True)
    campaign_b = _campaign(force_b.id, line_b.id, officer_b.id, contacts_b, sent=False)

    # The carrier's webhook (the pipeline, every force's): STOP answering A's text.
    result = receive_reply(
        db.session,
        {"MessageSid": "SM" + "5" * 32, "From": NUMBER, "To": "+447700900000", "Body": "STOP"},
    )
    db.session.commit()

    row = db.session.scalar(
        select(Suppression).where(Suppression.phone_hash == lookup_hash(NUMBER))
    )
    assert row is not None and row.active and row.force_id == force_a.id  # A received it
    # B's queued text to the number is cancelled at once; its other recipient is not.
    statuses = dict(
        db.session.execute(
            select(OutboxMessage.to, OutboxMessage.status).where(
                OutboxMessage.campaign_id == campaign_b.id
            )
        ).all()
    )
    assert statuses == {NUMBER: "suppressed", OTHER: "pending"}
    with acting_for(force_b.id):  # B's own officer, B's own scope
        rule = RecipientsRule(line_ids=(line_b.id,), allow_drama=True)
        chosen = [phone for _, _, phone in select_recipients(db.session, rule)]
        assert chosen == [OTHER]  # a launch leaves the number out
        assert blocked_hashes(db.session, [lookup_hash(NUMBER)]) == {lookup_hash(NUMBER)}
        # B cannot see or lift A's opt-out row, though it binds B.
        assert db.session.get(Suppression, row.id) is None
    assert result.duplicate is False


@pytest.mark.postgres
def test_another_forces_do_not_contact_entry_keeps_a_number_out_but_stays_its_own(
    app: Flask,
) -> None:
    force_a, force_b = make_force("AAA"), make_force("BBB")
    admin_a = make_user(role="admin", force=force_a)
    line_b = make_line(force=force_b)
    make_contacts(line_b, [NUMBER, OTHER])
    db.session.add(
        DoNotContact(
            force_id=force_a.id,
            phone_hash=lookup_hash(NUMBER),
            phone=NUMBER,
            reason="an officer's phone",
            added_by_id=admin_a.id,
        )
    )
    db.session.commit()
    with acting_for(force_b.id):
        rule = RecipientsRule(line_ids=(line_b.id,), allow_drama=True)
        assert [p for _, _, p in select_recipients(db.session, rule)] == [OTHER]
        assert db.session.scalars(select(DoNotContact)).all() == []  # A's list stays A's
