"""Importing extractions into lines: atomic, de-duplicated, with provenance and flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from campaigns.cli import main
from messaging.audience.recipients import RecipientsRule, select_recipients
from messaging.audience.suppression import suppress
from messaging.crypto import Place, cipher, lookup_hash
from messaging.db import db
from messaging.intake.contact_import import ImportRefused, import_contacts
from messaging.models import Contact, ContactImport, ContactSource, DoNotContact, Interaction
from tests.messaging.intake.extractions.fixtures import (
    CallSpec,
    ContactSpec,
    PartySpec,
    drama,
    entries,
    report_xml,
    write_cellebrite_xlsx,
    write_ufdr,
)
from tests.support.factories import make_line


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["Name,Mobile"] + [f"{name},{number}" for name, number in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _import(line, path: Path, **kwargs):  # type: ignore[no-untyped-def]
    report = import_contacts(db.session, line, path, filename=path.name, **kwargs)
    db.session.commit()
    return report


@pytest.mark.postgres
def test_a_csv_import_normalises_dedupes_and_reports_every_rejected_row(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    path = _csv(
        tmp_path / "c.csv",
        [
            ("Jay", "07700 900101"),
            ("Jay again", "+44 7700 900101"),
            ("Kez", "7700900102"),
            ("Landline", "020 7946 0018"),
            ("Junk", "not a number"),
            ("Mo", "07700900103.0"),
        ],
    )
    report = _import(line, path)
    assert report.records == 6
    assert report.numbers_seen == 5  # the parser itself rejects the row with no number
    assert report.contacts_added == 4  # 101, 102, 103 and the landline
    assert report.duplicates == 1
    assert report.by_kind == {"mobile": 3, "landline": 1, "non_geographic": 0, "invalid": 1}
    assert report.textable == 3
    assert report.rejected == [
        {"position": "row 6", "raw": "Junk | not a number", "reason": "no_number"}
    ]
    assert _count(Contact) == 4
    sources = db.session.scalars(
        select(ContactSource).join(Contact).where(Contact.phone_hash == lookup_hash(drama(101)))
    ).all()
    assert sorted(s.saved_name for s in sources) == ["Jay", "Jay again"]
    assert sorted(s.raw for s in sources) == ["+44 7700 900101", "07700 900101"]
    assert {s.position for s in sources} == {"row 2", "row 3"}


@pytest.mark.postgres
def test_importing_the_same_file_again_adds_nothing_and_says_so(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    path = _csv(tmp_path / "c.csv", [("A", drama(1)), ("B", drama(2))])
    first = _import(line, path)
    second = _import(line, path)
    assert first.contacts_added == 2
    assert second.already_imported
    assert second.contacts_added == 0
    assert _count(ContactImport) == 1
    assert _count(ContactSource) == 2


@pytest.mark.postgres
def test_a_second_file_merges_provenance_into_existing_contacts(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    _import(line, _csv(tmp_path / "a.csv", [("A", drama(1)), ("B", drama(2))]))
    report = _import(
        line, _csv(tmp_path / "b.csv", [("A from phone two", drama(1)), ("C", drama(3))])
    )
    assert report.contacts_added == 1
    assert report.duplicates == 1
    assert _count(Contact) == 3
    contact = db.session.scalar(select(Contact).where(Contact.phone_hash == lookup_hash(drama(1))))
    assert len(contact.sources) == 2


@pytest.mark.postgres
def test_numbers_on_several_lines_are_flagged_as_cross_line(app: Flask, tmp_path: Path) -> None:
    first, second = make_line(), make_line()
    _import(first, _csv(tmp_path / "a.csv", [("A", drama(1)), ("B", drama(2))]))
    report = _import(second, _csv(tmp_path / "b.csv", [("A", drama(1)), ("C", drama(3))]))
    assert report.cross_line == 1
    rule = RecipientsRule(line_ids=(first.id, second.id), allow_drama=True, exclude_cross_line=True)
    chosen = {phone for _, _, phone in select_recipients(db.session, rule)}
    assert chosen == {drama(2), drama(3)}


@pytest.mark.postgres
def test_opted_out_and_do_not_contact_numbers_are_imported_flagged_and_never_selected(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    suppress(db.session, drama(1), source="admin")
    db.session.add(DoNotContact(phone_hash=lookup_hash(drama(2)), phone=drama(2), reason="officer"))
    db.session.commit()
    report = _import(
        line, _csv(tmp_path / "c.csv", [("A", drama(1)), ("B", drama(2)), ("C", drama(3))])
    )
    assert report.contacts_added == 3
    assert report.suppressed == 2
    flags = {
        c.phone: (c.suppressed_at_import, c.do_not_contact_at_import)
        for c in db.session.scalars(select(Contact))
    }
    assert flags == {drama(1): (True, False), drama(2): (False, True), drama(3): (False, False)}
    chosen = [
        phone
        for _, _, phone in select_recipients(
            db.session, RecipientsRule((line.id,), allow_drama=True)
        )
    ]
    assert chosen == [drama(3)]


@pytest.mark.postgres
def test_a_refused_file_changes_nothing(app: Flask, tmp_path: Path) -> None:
    line = make_line()
    bad = tmp_path / "contacts.csv"
    bad.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ImportRefused) as refused:
        _import(line, bad)
    assert refused.value.message
    db.session.rollback()
    assert _count(ContactImport) == 0
    assert _count(Contact) == 0


@pytest.mark.postgres
def test_a_ufdr_import_keeps_deleted_state_and_counts_contact_with_the_line(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    owner = PartySpec(identifier="+447700900999", owner=True)
    xml = report_xml(
        contacts=[
            ContactSpec(id="c1", name="Dee", phones=[("Mobile", "07700 900201")]),
            ContactSpec(
                id="c2", name="Gone", phones=[("Mobile", "07700 900202")], deleted_state="Deleted"
            ),
        ],
        calls=[
            CallSpec(id=f"k{i}", parties=[PartySpec(identifier="07700900201", role="From"), owner])
            for i in range(3)
        ]
        + [CallSpec(id="k9", parties=[PartySpec(identifier="07700900203", role="From"), owner])],
    )
    report = _import(line, write_ufdr(tmp_path / "phone.ufdr", xml))
    assert report.format == "ufdr"
    assert report.contacts_added == 3  # two contacts plus a caller not in the contact list
    assert report.interactions == 4
    states = {s.deleted_state for s in db.session.scalars(select(ContactSource))}
    assert "Deleted" in states
    assert _count(Interaction) == 4
    caller = db.session.scalar(select(Contact).where(Contact.phone_hash == lookup_hash(drama(201))))
    assert caller.interactions == 3
    assert caller.first_seen is not None
    assert caller.first_seen <= caller.last_seen
    frequent = RecipientsRule((line.id,), allow_drama=True, min_interactions=3)
    assert [p for _, _, p in select_recipients(db.session, frequent)] == [drama(201)]


@pytest.mark.postgres
def test_a_cellebrite_workbook_import_keeps_source_app_and_account(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    path = write_cellebrite_xlsx(
        tmp_path / "export.xlsx",
        [
            (
                1,
                "Rio",
                "",
                entries("Phone-Mobile: +44 7700 900301", "User ID-Username: rio99"),
                "WhatsApp",
                "acct-1",
            ),
            (2, "Nat", "", entries("Phone-Home: 07700 900302"), "", ""),
        ],
    )
    report = _import(line, path)
    assert report.contacts_added == 2
    apps = {s.source_app for s in db.session.scalars(select(ContactSource))}
    assert "WhatsApp" in apps


@pytest.mark.postgres
def test_the_cli_imports_and_prints_the_report_as_json(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["lines", "add", "OP-CLI/1", "--name", "Tony", "--exhibit", "EX9"])
    assert result.exit_code == 0, result.output
    path = _csv(tmp_path / "c.csv", [("A", drama(1)), ("B", "junk")])
    result = runner.invoke(main, ["contacts", "import", str(path), "--line", "OP-CLI/1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        "line",
        "file_sha256",
        "format",
        "records",
        "numbers_seen",
        "contacts_added",
        "duplicates",
        "by_kind",
        "textable",
        "suppressed",
        "cross_line",
        "rejected",
    } <= set(data)
    assert set(data["by_kind"]) == {"mobile", "landline", "non_geographic", "invalid"}
    assert data["by_kind"] == {"mobile": 1, "landline": 0, "non_geographic": 0, "invalid": 1}
    assert isinstance(data["file_sha256"], str) and len(data["file_sha256"]) == 64
    assert data["format"] == "csv"
    assert data["records"] == 2
    assert data["numbers_seen"] == 1
    assert data["duplicates"] == 0
    assert data["textable"] == 1
    assert data["suppressed"] == 0
    assert data["cross_line"] == 0
    assert data["line"] == "OP-CLI/1"
    assert data["contacts_added"] == 1
    assert data["rejected"] == [{"position": "row 3", "raw": "B | junk", "reason": "no_number"}]


@pytest.mark.postgres
def test_the_cli_refuses_an_unreadable_file_with_a_reason_and_a_failing_exit(
    app: Flask, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    runner.invoke(main, ["lines", "add", "OP-CLI/2", "--name", "Tony"])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(main, ["contacts", "import", str(empty), "--line", "OP-CLI/2", "--json"])
    assert result.exit_code != 0
    assert "refused" in result.output.lower() or "refused" in (result.stderr or "").lower()


def test_a_file_over_the_size_limit_is_refused_without_being_read(
    app: Flask, tmp_path: Path
) -> None:
    from messaging.intake.extractions import ExtractionLimits

    line = make_line()
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(2**30)  # a sparse 1 GB file: reading it would take seconds and memory
    with pytest.raises(ImportRefused) as refused:
        import_contacts(
            db.session,
            line,
            huge,
            filename="huge.csv",
            limits=ExtractionLimits(max_file_bytes=2**20),
        )
    assert refused.value.code == "too_large"
    assert _count(ContactImport) == 0


def test_rejected_rows_download_as_csv_with_formulas_defused(app: Flask, tmp_path: Path) -> None:
    from tests.support.factories import login, make_user

    line = make_line()
    path = _csv(tmp_path / "c.csv", [("A", drama(1)), ("=HYPERLINK(1)", "=cmd|' /C calc'!A0")])
    report = _import(line, path)
    client = app.test_client()
    login(client, make_user(role="officer"))
    response = client.get(f"/lines/{line.id}/imports/{report.import_id}/rejected.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.text.splitlines()
    assert lines[0] == "position,value,reason"
    assert len(lines) == 2
    assert ",'=" in lines[1] or ",\"'=" in lines[1]
    assert (
        app.test_client()
        .get(f"/lines/{line.id}/imports/{report.import_id}/rejected.csv")
        .status_code
        == 302
    )


@pytest.mark.postgres
def test_imported_numbers_and_names_are_stored_sealed_and_read_back_whole(
    app: Flask, tmp_path: Path
) -> None:
    line = make_line()
    _import(line, _csv(tmp_path / "c.csv", [("Jay Sealed", "07700 900123")]))
    contact_id, source_id, *stored = db.session.execute(
        text(
            "SELECT c.id, s.id, c.phone, s.raw, s.saved_name FROM contacts c"
            " JOIN contact_sources s ON s.contact_id = c.id"
        )
    ).one()
    places = (
        Place("contacts", "phone", contact_id),
        Place("contact_sources", "raw", source_id),
        Place("contact_sources", "saved_name", source_id),
    )
    expected = ("+447700900123", "07700 900123", "Jay Sealed")
    for value, place, plain in zip(stored, places, expected, strict=True):
        assert isinstance(value, bytes | memoryview), type(value)
        assert plain.encode() not in bytes(value)
        assert cipher().open(bytes(value), place) == plain
    contact = db.session.scalar(select(Contact))
    assert (contact.phone, contact.phone_hash) == ("+447700900123", lookup_hash("+447700900123"))
    assert contact.created_at.tzinfo is not None
