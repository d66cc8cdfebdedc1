"""The pipeline's own audit entries: texts handed to the gateway (disclosure) and numbers
linked across lines (combination) — counts and ids only."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.contact_import import import_contacts
from messaging.models import AuditEvent, Line
from messaging.records import audit
from tests.messaging.sending.conftest import (  # noqa: F401 (fixtures)
    Pipeline,
    carrier_config,
    drama,
    pipeline,
    pipeline_overrides,
)
from tests.support.factories import make_contacts, make_line, make_user


def test_each_send_batch_records_a_disclosure_to_the_gateway(pipeline: Pipeline) -> None:  # noqa: F811
    numbers = [drama(300 + i) for i in range(45)]  # three batches of 20, 20 and 5
    campaign_id = pipeline.campaign(numbers)
    pipeline.drive(campaign_id)
    entries = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "texts_sent_to_gateway")
    ).all()
    assert len(entries) == 3
    assert {e.category for e in entries} == {"disclosure"}
    assert {e.recipient for e in entries} == {"sandbox"}
    assert {e.object_id for e in entries} == {str(campaign_id)}
    assert {e.actor for e in entries} == {"worker"}
    assert sum(e.details["handed_over"] for e in entries) == 45
    assert sum(e.details["accepted"] for e in entries) == 45
    assert len({e.details["batch"] for e in entries}) == 3
    text = json.dumps([e.details for e in entries])
    assert not any(n in text or n[3:] in text for n in numbers)
    assert audit.verify(db.session).ok


def test_an_import_that_finds_numbers_on_other_lines_records_the_combination(
    app: Flask, tmp_path: Path
) -> None:
    officer = make_user()
    first = make_line(reference="FIRST/1")
    second = make_line(reference="SECOND/1")
    make_contacts(first, ["07700 900401", "07700 900402"])
    make_contacts(second, ["07700 900402"])
    third = make_line(reference="THIRD/1")
    extraction = tmp_path / "third.csv"
    extraction.write_text(
        "Name,Mobile\nA,07700 900401\nB,07700 900402\nC,07700 900403\n", encoding="utf-8"
    )
    with db.transaction() as session:
        report = import_contacts(
            session,
            session.get(Line, third.id),
            extraction,
            filename="third.csv",
            user_id=officer.id,
        )
    assert report.cross_line == 2
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.category == "combination"))
    assert entry.action == "cross_line_linked"
    assert entry.object_type == "line" and entry.object_id == str(third.id)
    assert entry.actor_id == officer.id
    assert entry.details == {
        "import_id": report.import_id,
        "numbers_on_other_lines": 2,
        "other_line_ids": sorted([first.id, second.id]),
    }
    assert lookup_hash("+447700900401") not in json.dumps(entry.details)


def test_an_import_with_no_numbers_on_other_lines_records_no_combination(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    extraction = tmp_path / "alone.csv"
    extraction.write_text("Name,Mobile\nA,07700 900501\n", encoding="utf-8")
    with db.transaction() as session:
        import_contacts(session, session.get(Line, line.id), extraction, filename="alone.csv")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.category == "combination")) is None
