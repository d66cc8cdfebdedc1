"""CSV and TSV files: encodings, delimiters, headers in several languages, damage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from messaging.intake.extractions import (
    ColumnMap,
    ExtractionLimits,
    ExtractionRefused,
    RefusalCode,
    extract,
)
from tests.messaging.intake.extractions.fixtures import ENCODINGS, drama, drama_national, write_csv

CONTACTS = [
    ["Name", "Mobile"],
    ["Zoë Brontë", drama_national(101)],
    ['José "Jo" Núñez', drama(102)],
    ["Smith, Renée", "07700900103"],
]


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_contacts_are_read_in_every_encoding_and_delimiter(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "contacts.csv", CONTACTS, encoding=encoding, delimiter=delimiter)

    extraction = extract(path)

    assert extraction.format == "csv"
    assert extraction.records == 3
    assert [(n.position, n.raw, n.saved_name, n.label) for n in extraction.numbers] == [
        ("row 2", "07700 900101", "Zoë Brontë", "Mobile"),
        ("row 3", "+447700900102", 'José "Jo" Núñez', "Mobile"),
        ("row 4", "07700900103", "Smith, Renée", "Mobile"),
    ]
    assert extraction.rejected == []
    assert (
        extraction.columns["delimiter"]
        == {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter]
    )
    assert extraction.columns["encoding"] == encoding


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("Rhif ffôn", "Rhif ffôn"),
        ("Telefon", "Telefon"),
        ("Telemóvel", "Telemóvel"),
        ("Teléfono", "Teléfono"),
        ("Téléphone", "Téléphone"),
        ("Portable", "Portable"),
        ("MSISDN", "MSISDN"),
        ("Phone 1 - Value", "Phone 1 - Value"),
        ("Contact number", "Contact number"),
    ],
)
def test_number_columns_are_found_by_header_in_the_languages_officers_meet(tmp_path, header, label):
    path = write_csv(tmp_path / "c.csv", [["Enw", header], ["Ffion", drama_national(5)]])

    (number,) = extract(path).numbers

    assert (number.raw, number.saved_name, number.label) == (drama_national(5), "Ffion", label)


def test_first_and_last_name_columns_are_joined_into_the_saved_name(tmp_path):
    rows = [
        ["First Name", "Last Name", "Phone 1 - Type", "Phone 1 - Value"],
        ["Dai", "Jones", "Mobile", drama(7)],
    ]
    path = write_csv(tmp_path / "google.csv", rows)

    (number,) = extract(path).numbers

    assert (number.saved_name, number.raw, number.label) == (
        "Dai Jones",
        drama(7),
        "Phone 1 - Value",
    )


def test_several_number_columns_give_one_number_each_labelled_by_header(tmp_path):
    rows = [
        ["Name", "Mobile Phone", "Home Phone", "Business Fax"],
        ["Kai", drama(1), drama(2), drama(3)],
    ]
    extraction = extract(write_csv(tmp_path / "outlook.csv", rows))

    assert [(n.raw, n.label) for n in extraction.numbers] == [
        (drama(1), "Mobile Phone"),
        (drama(2), "Home Phone"),
    ]


@pytest.mark.parametrize(
    "damaged",
    ["7.7009001E+09", "7700900104", "07700900104.0", "+44 (0)7700 900104", "0044 7700 900104"],
)
def test_excel_damaged_cells_are_passed_on_untouched_for_the_normaliser(tmp_path, damaged):
    path = write_csv(tmp_path / "c.csv", [["Name", "Mobile"], ["Ann", damaged]])

    (number,) = extract(path).numbers

    assert number.raw == damaged


def test_a_headerless_file_is_read_by_content(tmp_path):
    rows = [["Ann", drama_national(1)], ["Bob", drama_national(2)], ["Cat", drama_national(3)]]
    extraction = extract(write_csv(tmp_path / "bare.csv", rows))

    assert [(n.position, n.raw, n.saved_name, n.label) for n in extraction.numbers] == [
        ("row 1", drama_national(1), "Ann", None),
        ("row 2", drama_national(2), "Bob", None),
        ("row 3", drama_national(3), "Cat", None),
    ]
    assert extraction.columns["detected_by"] == "content"
    assert extraction.columns["header"] is None


def test_a_file_of_numbers_alone_one_per_line_is_read(tmp_path):
    path = tmp_path / "numbers.txt"
    path.write_text("".join(f"{drama(n)}\n" for n in range(5)))

    assert [n.raw for n in extract(path).numbers] == [drama(n) for n in range(5)]


def test_unknown_headers_over_numbers_are_detected_by_content(tmp_path):
    rows = [["Who", "Digits"], ["Ann", drama(1)], ["Bob", drama(2)]]
    extraction = extract(write_csv(tmp_path / "c.csv", rows))

    assert [(n.raw, n.label, n.saved_name) for n in extraction.numbers] == [
        (drama(1), "Digits", "Ann"),
        (drama(2), "Digits", "Bob"),
    ]


def test_unclear_columns_are_refused_with_the_headers_listed(tmp_path):
    rows = [["Alias", "Notes"], ["Ann", "owes money"], ["Bob", "call after 6"]]

    with pytest.raises(ExtractionRefused) as refused:
        extract(write_csv(tmp_path / "c.csv", rows))

    assert refused.value.code is RefusalCode.COLUMNS_UNCLEAR
    assert refused.value.details["headers"] == ["Alias", "Notes"]


def test_a_column_map_overrides_detection_by_header_or_index(tmp_path):
    rows = [["Alias", "Notes", "Digits"], ["Ann", "x", drama(1)], ["Bob", "y", drama(2)]]
    path = write_csv(tmp_path / "c.csv", rows)

    by_name = extract(path, column_map=ColumnMap(numbers=("Digits",), name="Alias"))
    by_index = extract(path, column_map=ColumnMap(numbers=("3",), name="1"))

    expected = [("row 2", drama(1), "Ann"), ("row 3", drama(2), "Bob")]
    assert [(n.position, n.raw, n.saved_name) for n in by_name.numbers] == expected
    assert [(n.position, n.raw, n.saved_name) for n in by_index.numbers] == expected
    assert by_name.columns["detected_by"] == "column_map"


def test_a_column_map_naming_a_missing_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "c.csv", [["Name", "Mobile"], ["Ann", drama(1)]])

    with pytest.raises(ExtractionRefused) as refused:
        extract(path, column_map=ColumnMap(numbers=("Telephone",)))

    assert refused.value.code is RefusalCode.UNKNOWN_COLUMN
    assert refused.value.details["headers"] == ["Name", "Mobile"]


def test_rows_without_a_number_formulas_and_bad_bytes_are_rejected_not_fatal(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(
        b"Name,Mobile\r\n"
        b"Ann,07700 900001\r\n"
        b"Bob,\r\n"
        b'Cat,=HYPERLINK("tel:07700900003")\r\n'
        b"Dan,07700 9000\x81\r\n"  # 0x81 is undefined in cp1252
        b"Eve,N/A\r\n"
        b"Fay,07700 900006\r\n"
    )

    extraction = extract(path)

    assert extraction.columns["encoding"] == "cp1252"
    assert [(n.position, n.raw) for n in extraction.numbers] == [
        ("row 2", "07700 900001"),
        ("row 7", "07700 900006"),
    ]
    assert [(r.position, r.reason) for r in extraction.rejected] == [
        ("row 3", "no_number"),
        ("row 4", "formula"),
        ("row 5", "undecodable"),
        ("row 6", "no_number"),
    ]
    assert extraction.records == 6


def test_blank_lines_keep_row_positions_as_a_spreadsheet_shows_them(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f'Name,Mobile\n\nAnn,{drama(1)}\n,\nBob,"{drama(2)}"\n')

    extraction = extract(path)

    assert [(n.position, n.raw) for n in extraction.numbers] == [
        ("row 3", drama(1)),
        ("row 5", drama(2)),
    ]
    assert extraction.records == 2


def test_a_title_line_above_the_header_is_skipped_as_cellebrite_writes_it(tmp_path):
    cell = f"Phone-Mobile: {drama(1)}"
    rows = [
        ["Contacts (2)"],
        ["#", "Name", "Entries", "Source"],
        ["1", "Dai", cell, ""],
        ["2", "Ffion", f"Phone-Home: {drama(2)}", "Phone"],
    ]

    extraction = extract(write_csv(tmp_path / "c.csv", rows))

    assert [(n.position, n.raw, n.saved_name, n.label) for n in extraction.numbers] == [
        ("row 3", drama(1), "Dai", "Mobile"),
        ("row 4", drama(2), "Ffion", "Home"),
    ]
    assert extraction.records == 2
    assert extraction.columns["title_rows"] == 1


def test_a_quoted_cell_over_several_lines_is_one_row(tmp_path):
    rows = [
        ["Name", "Notes", "Mobile"],
        ["Ann", "line one\nline two", drama(1)],
        ["Bob", "", drama(2)],
    ]

    extraction = extract(write_csv(tmp_path / "c.csv", rows))

    assert [(n.position, n.raw) for n in extraction.numbers] == [
        ("row 2", drama(1)),
        ("row 3", drama(2)),
    ]


def test_cellebrite_entries_cells_in_a_csv_give_one_number_per_phone_entry(tmp_path):
    cell = f"Phone-Mobile: {drama(1)}\nUser ID-Username: dai99\nPhone-Home: {drama(2)}"
    rows = [["#", "Name", "Entries", "Source"], ["1", "Dai", cell, "WhatsApp"]]

    extraction = extract(write_csv(tmp_path / "c.csv", rows))

    assert [(n.raw, n.label) for n in extraction.numbers] == [
        (drama(1), "Mobile"),
        (drama(2), "Home"),
    ]


def test_a_line_over_the_length_limit_is_rejected_and_the_rest_is_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f"Name,Mobile\nAnn,{drama(1)}\n{'x' * 5000},{drama(2)}\nBob,{drama(3)}\n")

    extraction = extract(path, limits=ExtractionLimits(max_line_chars=1000))

    assert [(n.position, n.raw) for n in extraction.numbers] == [
        ("row 2", drama(1)),
        ("row 4", drama(3)),
    ]
    assert [(r.position, r.reason) for r in extraction.rejected] == [("row 3", "line_too_long")]


def test_more_rows_than_the_record_limit_are_refused(tmp_path):
    rows = [["Name", "Mobile"], *([f"N{i}", drama(i)] for i in range(20))]

    with pytest.raises(ExtractionRefused) as refused:
        extract(write_csv(tmp_path / "c.csv", rows), limits=ExtractionLimits(max_records=10))

    assert refused.value.code is RefusalCode.TOO_MANY_RECORDS


# --- logs -----------------------------------------------------------------------------------

LINE = drama(999)


def test_a_call_log_yields_interactions_with_the_counterpart(tmp_path):
    rows = [
        ["Date/Time", "Direction", "Type", "Number", "Duration"],
        ["01/03/2024 14:22:05", "Incoming", "Voice", drama(1), "00:01:12"],
        ["2024-03-02T09:00:00+01:00", "Outgoing", "SMS", drama(2), ""],
        ["03/03/2024 23:59", "Missed", "Call", drama(1), "0"],
    ]

    extraction = extract(write_csv(tmp_path / "log.csv", rows))

    assert extraction.numbers == []
    assert [
        (i.position, i.raw, i.kind, i.occurred_at, i.direction) for i in extraction.interactions
    ] == [
        ("row 2", drama(1), "call", datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC), "incoming"),
        (
            "row 3",
            drama(2),
            "sms",
            datetime(2024, 3, 2, 9, tzinfo=timezone(timedelta(hours=1))),
            "outgoing",
        ),
        ("row 4", drama(1), "call", datetime(2024, 3, 3, 23, 59, tzinfo=UTC), "incoming"),
    ]
    assert extraction.columns["layout"] == "log"


def test_a_from_to_log_without_directions_leaves_out_the_line_itself(tmp_path):
    rows = [
        ["Date", "Time", "From", "To", "Message"],
        ["01/03/2024", "10:00", drama(1), LINE, "hi"],
        ["01/03/2024", "10:05", LINE, drama(1), "ok"],
        ["02/03/2024", "11:00", drama(2), LINE, "?"],
        ["02/03/2024", "11:30", "07700 900999", drama(3), "."],
    ]

    extraction = extract(write_csv(tmp_path / "sms.csv", rows))

    assert [(i.raw, i.direction, i.kind) for i in extraction.interactions] == [
        (drama(1), "incoming", "sms"),
        (drama(1), "outgoing", "sms"),
        (drama(2), "incoming", "sms"),
        (drama(3), "outgoing", "sms"),
    ]
    assert extraction.interactions[0].occurred_at == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_a_log_row_with_no_party_is_rejected(tmp_path):
    rows = [
        ["Timestamp", "Direction", "Number"],
        ["2024-03-01 10:00", "Incoming", ""],
        ["2024-03-01 10:01", "Incoming", drama(4)],
    ]

    extraction = extract(write_csv(tmp_path / "log.csv", rows))

    assert [i.raw for i in extraction.interactions] == [drama(4)]
    assert [(r.position, r.reason) for r in extraction.rejected] == [("row 2", "no_number")]


def test_a_column_map_with_a_timestamp_reads_the_file_as_a_log(tmp_path):
    rows = [["When", "Way", "Who"], ["2024-03-01 10:00", "in", drama(1)]]

    extraction = extract(
        write_csv(tmp_path / "log.csv", rows),
        column_map=ColumnMap(numbers=("Who",), timestamp="When", direction="Way"),
    )

    (interaction,) = extraction.interactions
    assert (interaction.raw, interaction.direction, interaction.occurred_at) == (
        drama(1),
        "incoming",
        datetime(2024, 3, 1, 10, tzinfo=UTC),
    )


def test_a_call_log_with_a_deleted_column_keeps_each_rows_deleted_state(tmp_path):
    rows = [
        ["Date/Time", "Direction", "Number", "Deleted"],
        ["01/03/2024 14:22:05", "Incoming", drama(1), "Deleted"],
        ["02/03/2024 14:22:05", "Outgoing", drama(2), ""],
    ]

    extraction = extract(write_csv(tmp_path / "log.csv", rows))

    assert [(i.raw, i.deleted_state) for i in extraction.interactions] == [
        (drama(1), "Deleted"),
        (drama(2), None),
    ]
