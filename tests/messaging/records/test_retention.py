"""Retention: lines past their period lose their personal data, keep their counts, and the
erasure is audited; opt-outs survive as hashes."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from campaigns.commands.purge import purge_command
from messaging import runtime
from messaging.audience.recipients import RecipientsRule, select_recipients
from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.intake.contact_import import import_contacts
from messaging.models import (
    AuditEvent,
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
    Suppression,
)
from messaging.queues import MAINTENANCE, get_queue
from messaging.records import audit
from messaging.records.retention import line_retention, purge, schedule_daily_purge
from messaging.records.uploads import UPLOADS_SUBDIR
from messaging.sending.worker import run_worker
from tests.security.helpers import MENTIONED, NUMBERS, SAVED_NAME, days_ago, seeded_line
from tests.support.factories import make_line, make_user


def _settings():
    return runtime.current().settings


def _raw_dump() -> str:
    """Every stored value of every personal-data table, decrypted, as one string."""
    session = db.session
    session.expire_all()
    parts: list[object] = []
    for model, columns in (
        (Contact, ("phone", "phone_hash")),
        (ContactSource, ("raw", "saved_name", "account")),
        (ContactImport, ("rejected",)),
        (Reply, ("body", "phone", "notes", "why", "tags")),
        (ReplyNumber, ("phone",)),
        (OutboxMessage, ("to",)),
        (DeliveryEvent, ("payload",)),
        (Line, ("line_number",)),
    ):
        for row in session.scalars(select(model)):
            parts.extend(getattr(row, c) for c in columns)
    return json.dumps(parts, default=str)


@pytest.mark.postgres
def test_a_line_past_retention_loses_its_personal_data_and_keeps_its_counts(app: Flask) -> None:
    officer = make_user()
    seeded = seeded_line(officer)
    line_id = seeded.line.id
    before = _raw_dump()
    assert NUMBERS[1] in before and SAVED_NAME in before and MENTIONED in before

    report = purge(_settings())

    assert [e.line_id for e in report.lines] == [line_id]
    erased = report.lines[0]
    assert (erased.contacts, erased.sources, erased.replies, erased.outbox_messages) == (3, 3, 3, 3)
    assert (erased.interactions, erased.reply_numbers, erased.delivery_events) == (3, 3, 3)
    dump = _raw_dump()
    for value in (*NUMBERS, MENTIONED, SAVED_NAME, "Kev", "07700 9001", "+447700900999"):
        assert value not in dump, value
    session = db.session
    assert session.scalar(select(func.count()).select_from(Interaction)) == 0
    assert session.scalar(select(func.count()).select_from(ReplyNumber)) == 0
    # Rows stay, emptied, so the dashboards still count them.
    assert session.scalar(select(func.count()).where(Contact.line_id == line_id)) == 3
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    replies = session.scalars(select(Reply)).all()
    assert all(r.labels == ["supply_intel"] for r in replies)
    assert all(r.why == {"supply_intel": ["number"]} for r in replies)
    line = session.get(Line, line_id)
    assert line.purged_at is not None
    counts = line.purged_counts
    assert counts["contacts"] == 3 and counts["by_kind"] == {"mobile": 3}
    assert counts["interactions"] == 3 and counts["replies"] == 3
    assert counts["outbox_by_status"] == {"delivered": 3}
    assert counts["reply_labels"] == {"supply_intel": 3}


@pytest.mark.postgres
def test_analysts_tags_on_replies_are_erased_with_the_line(app: Flask) -> None:
    seeded = seeded_line(make_user())
    tag = "line-" + MENTIONED.removeprefix("+44")
    for reply in db.session.scalars(select(Reply).where(Reply.line_id == seeded.line.id)):
        reply.tags = ["supply", tag]
    db.session.commit()
    assert tag in _raw_dump()

    purge(_settings())

    assert tag not in _raw_dump()
    assert all(r.tags == [] for r in db.session.scalars(select(Reply)))


@pytest.mark.postgres
def test_the_erasure_is_audited_with_counts_and_never_the_data(app: Flask) -> None:
    seeded = seeded_line(make_user())
    purge(_settings(), actor="cli:test")
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "line_purged"))
    assert entry.category == "erasure"
    assert entry.actor == "cli:test"
    assert entry.object_type == "line" and entry.object_id == str(seeded.line.id)
    assert entry.details["contacts"] == 3 and entry.details["replies"] == 3
    assert entry.details["clock_from"] == "last campaign finished"
    text = json.dumps(entry.details)
    for value in (*NUMBERS, MENTIONED, SAVED_NAME):
        assert value not in text
        assert lookup_hash(value) not in text
    assert audit.verify(db.session).ok


@pytest.mark.postgres
def test_a_purged_opted_out_number_reimported_later_is_flagged_and_never_selected(
    app: Flask, tmp_path: Path
) -> None:
    seeded_line(make_user(), opted_out=NUMBERS[0])
    purge(_settings())
    suppression = db.session.scalar(select(Suppression))
    assert suppression.phone is None  # only the keyed hash is left
    assert suppression.phone_hash == lookup_hash(NUMBERS[0]) and suppression.active

    later = make_line(reference="LATER/1")
    extraction = tmp_path / "later.csv"
    extraction.write_text("Name,Mobile\nA,07700 900101\nB,07700 900102\n", encoding="utf-8")
    with db.transaction() as session:
        report = import_contacts(
            session,
            session.get(Line, later.id),
            extraction,
            filename="later.csv",
            textable_regions=_settings().textable_regions,
        )
    assert report.contacts_added == 2 and report.suppressed == 1
    flagged = db.session.scalar(
        select(Contact).where(
            Contact.line_id == later.id, Contact.phone_hash == lookup_hash(NUMBERS[0])
        )
    )
    assert flagged.suppressed_at_import is True
    rule = RecipientsRule(line_ids=(later.id,), allow_drama=True)
    chosen = select_recipients(db.session, rule)
    assert [phone for _id, _hash, phone in chosen] == [NUMBERS[1]]


def test_a_dry_run_reports_the_same_counts_and_changes_nothing(app: Flask) -> None:
    seeded_line(make_user())
    before = _raw_dump()
    entries = db.session.scalar(select(func.count()).select_from(AuditEvent))

    preview = purge(_settings(), dry_run=True)

    assert preview.dry_run and len(preview.lines) == 1
    assert preview.lines[0].contacts == 3 and preview.lines[0].replies == 3
    assert _raw_dump() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == entries
    done = purge(_settings())
    assert done.lines[0] == preview.lines[0]


def test_lines_inside_their_period_or_with_a_campaign_that_could_send_are_kept(
    app: Flask,
) -> None:
    officer = make_user()
    recent = seeded_line(officer, numbers=["+447700900201"], finished_days_ago=10, opted_out=None)
    sending = seeded_line(
        officer,
        numbers=["+447700900202"],
        finished_days_ago=None,
        campaign_state=CampaignState.SENDING,
        opted_out=None,
    )
    never = seeded_line(
        officer,
        numbers=["+447700900203"],
        registered_days_ago=5,
        finished_days_ago=None,
        campaign_state=CampaignState.DRAFT,
        opted_out=None,
    )
    assert purge(_settings()).lines == []
    status = {r.line_id: r for r in line_retention(db.session)}
    now = utcnow()
    assert status[recent.line.id].status(now) == "kept"
    assert status[recent.line.id].clock_from == "last campaign finished"
    assert status[sending.line.id].status(now) == "held"
    assert status[sending.line.id].held_by == (sending.campaign.id,)
    assert status[never.line.id].clock_from == "registration"
    assert status[never.line.id].status(now) == "kept"


def test_the_clock_runs_from_registration_when_the_line_never_finished_a_campaign(
    app: Flask,
) -> None:
    seeded = seeded_line(
        make_user(),
        registered_days_ago=91,
        finished_days_ago=None,
        campaign_state=CampaignState.DRAFT,
        opted_out=None,
    )
    (status,) = line_retention(db.session)
    assert status.clock_from == "registration"
    assert abs(status.due_at - (seeded.line.created_at + timedelta(days=90))) < timedelta(seconds=1)
    assert [e.line_id for e in purge(_settings()).lines] == [seeded.line.id]
    contact = db.session.get(Contact, seeded.contacts[0].id)
    db.session.refresh(contact)
    assert contact.phone is None and contact.textable is False


def test_replies_tied_to_no_line_are_purged_after_the_default_period(app: Flask) -> None:
    old = Reply(
        provider_id="SMold",
        phone_hash=lookup_hash(NUMBERS[2]),
        phone=NUMBERS[2],
        body="who is this",
        received_at=days_ago(_settings().default_retention_days + 1),
    )
    fresh = Reply(
        provider_id="SMnew",
        phone_hash=lookup_hash(NUMBERS[1]),
        phone=NUMBERS[1],
        body="who is this",
        received_at=days_ago(1),
    )
    stray = DeliveryEvent(
        provider_id="SMunknown",
        status="delivered",
        payload={"MessageStatus": "delivered"},
        received_at=days_ago(_settings().default_retention_days + 1),
    )
    db.session.add_all([old, fresh, stray])
    db.session.commit()

    report = purge(_settings())

    assert report.orphans.replies == 1 and report.orphans.unmatched_delivery_events == 1
    db.session.expire_all()
    assert db.session.get(Reply, old.id).body is None
    assert db.session.get(Reply, old.id).phone_hash is None
    assert db.session.get(Reply, fresh.id).body == "who is this"
    assert db.session.scalar(select(func.count()).select_from(DeliveryEvent)) == 0
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unlinked_data_purged"))
    assert entry.category == "erasure" and entry.details["replies"] == 1


def test_purge_trims_the_audit_log_past_its_own_retention_and_the_chain_still_verifies(
    app: Flask,
) -> None:
    with db.transaction() as session:
        for n in range(4):
            audit.append(session, category="access", action="signed_in", actor=f"user:{n}")
    # Audit retention of 0 days: everything before now is past it.
    settings = _settings().with_overrides(audit_retention_days=0)
    report = purge(settings, now=utcnow() + timedelta(seconds=1))
    assert report.audit_entries == 4
    remaining = db.session.scalars(select(AuditEvent)).all()
    assert [e.action for e in remaining] == ["audit_trimmed"]
    assert remaining[0].details["removed"] == 4
    assert audit.verify(db.session).ok


def test_pester_purge_dry_run_prints_what_would_go_and_changes_nothing(app: Flask) -> None:
    seeded = seeded_line(make_user())
    result = CliRunner().invoke(purge_command, ["--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"line {seeded.line.reference}" in result.output
    assert "would erase 3 numbers" in result.output
    assert db.session.get(Line, seeded.line.id).purged_at is None

    result = CliRunner().invoke(purge_command, ["--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["dry_run"] is False and data["lines"][0]["contacts"] == 3
    db.session.expire_all()
    assert db.session.get(Line, seeded.line.id).purged_at is not None


def test_the_daily_purge_is_queued_once_a_day_and_a_worker_runs_it(app: Flask) -> None:
    seeded = seeded_line(make_user())
    rt = runtime.current()
    uploads = rt.settings.instance_dir / UPLOADS_SUBDIR
    uploads.mkdir(parents=True, exist_ok=True)
    abandoned, waiting = uploads / "abandoned.upload", uploads / "waiting.upload"
    for path in (abandoned, waiting):
        path.write_bytes(b"07700 900123\n")
    two_days_ago = time.time() - 2 * 86400
    os.utime(abandoned, (two_days_ago, two_days_ago))
    assert schedule_daily_purge() is True
    assert schedule_daily_purge() is False  # already queued today
    queue = get_queue(rt.redis, MAINTENANCE, prefix=rt.settings.queue_prefix)
    assert queue.count == 1
    run_worker(burst=True, tick=False)
    db.session.expire_all()
    assert db.session.get(Line, seeded.line.id).purged_at is not None
    assert not abandoned.exists()  # an upload nobody confirmed within a day is deleted
    assert waiting.exists()  # one an officer may still be previewing is kept


def test_numbers_added_to_a_purged_line_are_purged_at_the_next_run(app: Flask) -> None:
    from tests.support.factories import make_contacts

    seeded = seeded_line(make_user(), opted_out=None)
    purge(_settings())
    db.session.expire_all()
    line = db.session.get(Line, seeded.line.id)
    first_counts = dict(line.purged_counts)
    (status,) = line_retention(db.session, line_ids=[line.id])
    assert status.status(utcnow()) == "purged"
    make_contacts(line, ["+447700900444"])
    (status,) = line_retention(db.session, line_ids=[line.id])
    assert status.status(utcnow()) == "due"
    again = purge(_settings())
    assert [(e.line_id, e.contacts) for e in again.lines] == [(line.id, 1)]
    db.session.expire_all()
    assert "+447700900444" not in _raw_dump()
    assert db.session.get(Line, line.id).purged_counts == first_counts  # the first summary stays


@pytest.mark.postgres
def test_analysts_answers_are_erased_with_the_replies_they_answered(app: Flask) -> None:
    from messaging.models import ReplyAnswer

    officer = make_user()
    seeded = seeded_line(officer)
    reply = db.session.scalars(select(Reply).where(Reply.line_id == seeded.line.id)).first()
    words = "Kev, call Samaritans on 116 123"
    answer = ReplyAnswer(
        reply_id=reply.id,
        phone_hash=reply.phone_hash,
        kind="free_text",
        body=words,
        state="approved",
        approval="second_person",
        request_key="k" * 32,
        requested_by_id=officer.id,
    )
    db.session.add(answer)
    db.session.flush()
    db.session.add(
        OutboxMessage(
            answer_id=answer.id,
            phone_hash=reply.phone_hash,
            to=reply.phone,
            body="",
            private_body=words,
            sender="+447700900000",
            segments=1,
            status="delivered",
        )
    )
    db.session.commit()

    purge(_settings())

    db.session.expire_all()
    erased = db.session.get(ReplyAnswer, answer.id)
    assert erased.body is None and erased.phone_hash is None
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.answer_id == answer.id))
    assert (row.to, row.phone_hash, row.private_body) == (None, None, None)
    assert row.status == "delivered"  # the row stays, emptied, for the counts
