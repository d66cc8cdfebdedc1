"""Numbers from call and message logs: provenance, rejected parties, deleted state, no double counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.contact_import import import_contacts
from messaging.intake.phone_numbers import normalise
from messaging.models import Contact, ContactImport, ContactSource, Interaction
from tests.messaging.intake.extractions.fixtures import (
    CallSpec,
    ContactSpec,
    MessageSpec,
    PartySpec,
    drama,
    report_xml,
    write_csv,
    write_ufdr,
)
from tests.support.factories import make_line

OWNER = PartySpec(identifier=drama(999), owner=True)


def _import(line, path: Path):  # type: ignore[no-untyped-def]
    report = import_contacts(db.session, line, path, filename=path.name)
    db.session.commit()
    return report


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _report(tmp_path: Path, name: str = "phone.ufdr") -> Path:
    xml = report_xml(
        contacts=[ContactSpec(id="c1", name="Dee", phones=[("Mobile", drama(201))])],
        calls=[
            CallSpec(id="k1", parties=[PartySpec(drama(201), role="From"), OWNER]),
            CallSpec(
                id="k2",
                parties=[PartySpec(drama(203), "Tez", role="From"), OWNER],
                timestamp="2024-03-04T10:00:00.000+00:00",
                deleted_state="Deleted",
            ),
            CallSpec(id="k3", parties=[PartySpec("Private", role="From"), OWNER]),
        ],
        messages=[
            MessageSpec(
                "s1",
                parties=[PartySpec(drama(203), role="From"), OWNER],
                folder="Inbox",
                timestamp="2024-03-05T10:00:00.000+00:00",
            )
        ],
    )
    return write_ufdr(tmp_path / name, xml)


@pytest.mark.postgres
def test_a_number_only_in_the_logs_keeps_provenance_like_a_saved_contact(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    report = _import(line, _report(tmp_path))
    caller = db.session.scalar(select(Contact).where(Contact.phone_hash == lookup_hash(drama(203))))
    sources = sorted(caller.sources, key=lambda s: s.position)
    assert [(s.position, s.raw, s.label, s.deleted_state, s.saved_name) for s in sources] == [
        ("model k2", drama(203), "call log, incoming", "Deleted", "Tez"),
        ("model s1", drama(203), "sms log, incoming", "Intact", None),
    ]
    imported = db.session.get(ContactImport, sources[0].import_id)
    assert (imported.file_sha256, imported.filename) == (report.file_sha256, "phone.ufdr")
    assert caller.interactions == 2


@pytest.mark.postgres
def test_calls_and_messages_keep_their_deleted_state(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    _import(line, _report(tmp_path))
    states = dict(
        db.session.execute(
            select(Interaction.kind, Interaction.deleted_state).where(
                Interaction.phone_hash == lookup_hash(drama(203))
            )
        ).all()
    )
    assert states == {"call": "Deleted", "sms": "Intact"}


@pytest.mark.postgres
def test_a_log_party_that_is_not_a_number_is_reported_not_skipped(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    report = _import(line, _report(tmp_path))
    private = normalise("Private")
    assert {"position": "model k3", "raw": "Private", "reason": str(private.reason)} in (
        report.rejected
    )
    assert report.by_kind["invalid"] == 1


@pytest.mark.postgres
def test_numbers_seen_counts_log_parties_so_every_number_is_added_merged_or_invalid(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    report = _import(line, _report(tmp_path))
    # The saved contact, three call parties and one SMS party.
    assert report.numbers_seen == 5
    assert report.contacts_added == 2  # 201 (saved and called) and 203 (log only)
    assert report.by_kind == {"mobile": 2, "landline": 0, "non_geographic": 0, "invalid": 1}
    assert report.duplicates == 2  # 201's call and 203's second sighting
    assert report.numbers_seen == report.contacts_added + report.duplicates + 1


@pytest.mark.postgres
def test_the_same_calls_imported_from_two_files_are_counted_once(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    first = _import(line, _report(tmp_path))
    # The same handset's call log exported again as CSV: other sub-seconds, a named zone.
    rows = [
        ["Date/Time", "Direction", "Type", "Number"],
        ["2024-03-01 15:22:05 (UTC+1)", "Incoming", "Voice", drama(201)],
        ["2024-03-04 10:00:00", "Incoming", "Voice", drama(203)],
        ["2024-03-06 10:00:00", "Incoming", "Voice", drama(203)],  # a call only this file has
    ]
    second = _import(line, write_csv(tmp_path / "calls.csv", rows))
    assert first.interactions == 3
    assert (second.interactions, second.duplicate_interactions) == (1, 2)
    assert _count(Interaction) == 4
    counts = dict(db.session.execute(select(Contact.phone_hash, Contact.interactions)).all())
    assert counts[lookup_hash(drama(201))] == 1
    assert counts[lookup_hash(drama(203))] == 3
    # Both files are still named as sources of the call they share.
    assert (
        _count(
            ContactSource,
            ContactSource.contact_id.in_(
                select(Contact.id).where(Contact.phone_hash == lookup_hash(drama(201)))
            ),
        )
        == 3
    )


@pytest.mark.postgres
def test_two_calls_in_one_second_in_one_file_both_count(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    calls = [
        CallSpec(id=f"k{i}", parties=[PartySpec(drama(201), role="From"), OWNER]) for i in range(2)
    ]
    report = _import(line, write_ufdr(tmp_path / "a.ufdr", report_xml(calls=calls)))
    assert report.interactions == 2
    again = _import(line, write_ufdr(tmp_path / "b.ufdr", report_xml(calls=calls[:1] + calls)))
    assert (again.interactions, again.duplicate_interactions) == (1, 2)
    assert _count(Interaction) == 3


@pytest.mark.postgres
def test_a_csv_log_keeps_the_deleted_column(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    rows = [
        ["Date/Time", "Direction", "Number", "Deleted"],
        ["01/03/2024 14:22:05", "Incoming", drama(1), "Deleted"],
    ]
    _import(line, write_csv(tmp_path / "log.csv", rows))
    assert db.session.scalar(select(Interaction.deleted_state)) == "Deleted"
    assert db.session.scalar(select(ContactSource.deleted_state)) == "Deleted"
