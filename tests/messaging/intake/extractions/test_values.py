"""The small readers: headers, times, directions, kinds, parties and Cellebrite entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from messaging.intake.extractions.cell_text import Entry, Party, parse_parties, phone_entries
from messaging.intake.extractions.headers import HeaderRole, classify_header
from messaging.intake.extractions.interaction_values import (
    parse_direction,
    parse_kind,
    parse_timestamp,
)
from tests.messaging.intake.extractions.fixtures import drama

BST = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Mobile", HeaderRole.NUMBER),
        ("PHONE NUMBER", HeaderRole.NUMBER),
        ("Tel.", HeaderRole.NUMBER),
        ("Mobile Number", HeaderRole.NUMBER),
        ("Rhif Ffôn", HeaderRole.NUMBER),
        ("Numer telefonu", HeaderRole.NUMBER),
        ("Număr de telefon", HeaderRole.NUMBER),
        ("Telemóvel", HeaderRole.NUMBER),
        ("Business Phone 2", HeaderRole.NUMBER),
        ("Phone 1 - Type", None),
        ("Phone Label", None),
        ("#", None),
        ("Entries", HeaderRole.ENTRIES),
        ("Name", HeaderRole.NAME),
        ("Display Name", HeaderRole.NAME),
        ("Enw", HeaderRole.NAME),
        ("Nazwa", HeaderRole.NAME),
        ("First Name", HeaderRole.FIRST_NAME),
        ("Surname", HeaderRole.LAST_NAME),
        ("Date/Time", HeaderRole.TIMESTAMP),
        ("Timestamp: Time", HeaderRole.TIMESTAMP),
        ("Direction", HeaderRole.DIRECTION),
        ("Parties", HeaderRole.PARTY),
        ("From", HeaderRole.FROM),
        ("To", HeaderRole.TO),
        ("Duration", HeaderRole.DURATION),
        ("Notes", None),
    ],
)
def test_headers_are_classified_across_languages_and_punctuation(header, role):
    assert classify_header(header) == role


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T14:22:05.000+00:00", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        ("2024-03-01T14:22:05Z", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        ("2024-03-01 14:22:05", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        ("2024-07-01T14:22:05+01:00", datetime(2024, 7, 1, 14, 22, 5, tzinfo=BST)),
        ("01/03/2024 14:22:05", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        ("01/03/2024 14:22", datetime(2024, 3, 1, 14, 22, tzinfo=UTC)),
        ("01/07/2024 14:22:05(UTC+1)", datetime(2024, 7, 1, 14, 22, 5, tzinfo=BST)),
        ("01.03.2024 2:05 PM", datetime(2024, 3, 1, 14, 5, tzinfo=UTC)),
        ("01/03/24", datetime(2024, 3, 1, tzinfo=UTC)),
        ("03/25/2024 09:00", datetime(2024, 3, 25, 9, tzinfo=UTC)),
        ("2024/03/01 09:00", datetime(2024, 3, 1, 9, tzinfo=UTC)),
        ("1709302925", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        ("1709302925000", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        (datetime(2024, 3, 1, 14, 22, 5), datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC)),
        ("31/02/2024", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_timestamps_are_read_as_aware_datetimes_taking_utc_when_no_zone_is_given(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Incoming", "incoming"),
        ("Missed", "incoming"),
        ("Inbox", "incoming"),
        ("Outgoing", "outgoing"),
        ("Sent", "outgoing"),
        ("Dialled call", "outgoing"),
        ("Outgoing SMS", "outgoing"),
        ("Voice", None),
        ("", None),
    ],
)
def test_directions_are_read_from_direction_folder_and_type_values(text, direction):
    assert parse_direction(text) == direction


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Outgoing SMS", "sms"),
        ("MMS", "sms"),
        ("Voice call", "call"),
        ("Missed", "call"),
        ("WhatsApp", "chat"),
        ("Incoming", None),
    ],
)
def test_kinds_are_read_from_type_values(text, kind):
    assert parse_kind(text) == kind


@pytest.mark.parametrize(
    ("cell", "parties"),
    [
        (drama(1), [Party(drama(1), None, False)]),
        ("07700 900001", [Party("07700 900001", None, False)]),
        (
            f"From: {drama(1)} Dai\nTo: {drama(999)} (owner)",
            [Party(drama(1), "from", False), Party(drama(999), "to", True)],
        ),
        ("447700900001@s.whatsapp.net Dai", [Party("447700900001@s.whatsapp.net", None, False)]),
        ("Private number", []),
    ],
)
def test_party_cells_are_split_into_identifiers_with_roles_and_owner(cell, parties):
    assert parse_parties(cell) == parties


def test_only_phone_entries_of_a_cellebrite_entries_cell_are_numbers():
    cell = f"Phone-Mobile: {drama(1)}\nUser ID-Username: x\nPhone-: {drama(2)}\nEmail-Home: a@b.c"

    assert phone_entries(cell) == [Entry("Mobile", drama(1)), Entry(None, drama(2))]
