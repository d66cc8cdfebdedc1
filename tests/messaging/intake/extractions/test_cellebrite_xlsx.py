"""Cellebrite Excel exports: the Contacts sheet and any call or message sheets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from messaging.intake.extractions import ExtractionRefused, RefusalCode, extract, is_handset_source
from tests.messaging.intake.extractions.fixtures import drama, entries, write_cellebrite_xlsx

CONTACTS = [
    [1, "Dai", "Read", entries(f"Phone-Mobile: {drama(1)}", f"Phone-Home: {drama(2)}"), None, None],
    [
        2,
        "Ffion",
        None,
        entries("User ID-Username: ffion_w", f"Phone-: {drama(3)}"),
        "WhatsApp",
        "447700900999@s.whatsapp.net",
    ],
    [3, "Only a user id", None, entries("User ID-Username: ghost"), "Telegram", None],
    [4, "Typed as a number", None, 7700900004.0, "Phone", None],
    [5, "Formula", None, '=CONCAT("0770090000","5")', None, None],
    [6, "Recents entry", None, entries(f"Phone-Mobile: {drama(6)}"), "Recents", None],
]


def test_contacts_sheet_gives_one_number_per_phone_entry(tmp_path):
    path = write_cellebrite_xlsx(tmp_path / "export.xlsx", CONTACTS)

    extraction = extract(path)

    assert extraction.format == "xlsx"
    assert extraction.records == 6
    assert [
        (n.position, n.raw, n.saved_name, n.label, n.source_app, n.account)
        for n in extraction.numbers
    ] == [
        ("sheet Contacts row 3", drama(1), "Dai", "Mobile", None, None),
        ("sheet Contacts row 3", drama(2), "Dai", "Home", None, None),
        (
            "sheet Contacts row 4",
            drama(3),
            "Ffion",
            None,
            "WhatsApp",
            "447700900999@s.whatsapp.net",
        ),
        ("sheet Contacts row 6", "7700900004", "Typed as a number", None, "Phone", None),
        ("sheet Contacts row 8", drama(6), "Recents entry", "Mobile", "Recents", None),
    ]
    assert [(r.position, r.reason) for r in extraction.rejected] == [
        ("sheet Contacts row 5", "no_number"),
        ("sheet Contacts row 7", "formula"),
    ]
    assert extraction.rejected[1].raw == '=CONCAT("0770090000","5")'
    assert extraction.columns["contacts"]["header_row"] == 2


@pytest.mark.parametrize(
    ("source", "handset"),
    [(None, True), ("Phone", True), ("WhatsApp", False), ("Telegram", False), ("Recents", False)],
)
def test_blank_or_phone_source_marks_the_handsets_own_contacts(source, handset):
    assert is_handset_source(source) is handset


def test_a_deleted_column_is_passed_on_when_present(tmp_path):
    header = (*("#", "Name", "Interaction Statuses", "Entries", "Source", "Account"), "Deleted")
    rows = [[1, "Gone", None, entries(f"Phone-Mobile: {drama(7)}"), None, None, "Deleted"]]
    path = write_cellebrite_xlsx(tmp_path / "export.xlsx", rows, header=header)

    (number,) = extract(path).numbers

    assert number.deleted_state == "Deleted"


def test_a_workbook_without_a_contacts_sheet_is_refused(tmp_path):
    path = write_cellebrite_xlsx(tmp_path / "export.xlsx", [], contacts_sheet=None)

    with pytest.raises(ExtractionRefused) as refused:
        extract(path)

    assert refused.value.code is RefusalCode.NO_CONTACTS_SHEET
    assert refused.value.details["sheets"] == ["Summary"]


def test_calls_and_sms_sheets_give_interactions_without_the_phone_owner(tmp_path):
    calls = [
        ["Calls (synthetic)"],
        ["#", "Type", "Direction", "Parties", "Time", "Duration"],
        [
            1,
            "Incoming",
            None,
            f"From: {drama(11)} Dai\nTo: {drama(999)} (owner)",
            "01/03/2024 14:22:05(UTC+0)",
            "00:00:42",
        ],
        [
            2,
            "Outgoing",
            None,
            f"From: {drama(999)} (owner)\nTo: {drama(12)}",
            datetime(2024, 3, 2, 8, 30),
            "00:01:00",
        ],
        [3, "Missed", None, f"From: {drama(11)}\nTo: {drama(999)} (owner)", None, "00:00:00"],
    ]
    sms = [
        ["SMS Messages"],
        ["#", "Folder", "From", "To", "Timestamp: Time", "Body"],
        [1, "Inbox", drama(13), drama(999), "2024-03-03T10:00:00+00:00", "hi"],
        [2, "Sent", drama(999), "=A1", "2024-03-03T10:01:00+00:00", "formula party"],
    ]
    path = write_cellebrite_xlsx(
        tmp_path / "export.xlsx", CONTACTS[:1], extra_sheets={"Calls": calls, "SMS Messages": sms}
    )

    extraction = extract(path)

    assert [
        (i.position, i.raw, i.kind, i.direction, i.occurred_at) for i in extraction.interactions
    ] == [
        (
            "sheet Calls row 3",
            drama(11),
            "call",
            "incoming",
            datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC),
        ),
        (
            "sheet Calls row 4",
            drama(12),
            "call",
            "outgoing",
            datetime(2024, 3, 2, 8, 30, tzinfo=UTC),
        ),
        ("sheet Calls row 5", drama(11), "call", "incoming", None),
        (
            "sheet SMS Messages row 3",
            drama(13),
            "sms",
            "incoming",
            datetime(2024, 3, 3, 10, tzinfo=UTC),
        ),
    ]
    assert [(r.position, r.reason) for r in extraction.rejected] == [
        ("sheet SMS Messages row 4", "formula")
    ]
    assert set(extraction.columns["logs"]) == {"Calls", "SMS Messages"}
    assert extraction.records == 1 + 3 + 2
