"""Properties: any bytes are read or refused (nothing else), and what is written comes back."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.intake.extractions import Extraction, ExtractionRefused, extract
from messaging.intake.extractions.interaction_values import parse_timestamp
from tests.messaging.intake.extractions.fixtures import fold, report_xml, vcards, write_csv

FILENAMES = ["upload.csv", "upload.vcf", "upload.xlsx", "upload.ufdr", "report.xml", "upload"]
PREFIXES = [
    b"",
    b"PK\x03\x04",
    b"BEGIN:VCARD\r\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"Name,Mobile\r\n",
    b'<?xml version="1.0"?><project xmlns="http://pa.cellebrite.com/report/2.0">',
]
_SETTINGS = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=3000),
    filename=st.sampled_from(FILENAMES),
)
def test_any_bytes_are_extracted_or_refused_and_nothing_else(tmp_path, prefix, body, filename):
    path = tmp_path / "upload"
    path.write_bytes(prefix + body)
    started = time.perf_counter()

    try:
        result = extract(path, filename=filename)
    except ExtractionRefused as refused:
        assert refused.message
    else:
        assert isinstance(result, Extraction)
        assert result.records >= 0
    assert time.perf_counter() - started < 2


@_SETTINGS
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from(',;|\t"\n\r '),
        max_size=400,
    ),
    filename=st.sampled_from(FILENAMES),
)
def test_any_text_is_extracted_or_refused_and_nothing_else(tmp_path, text, filename):
    path = tmp_path / "upload"
    path.write_text(text, encoding="utf-8")

    try:
        extract(path, filename=filename)
    except ExtractionRefused as refused:
        assert refused.code


def test_a_damaged_report_of_any_length_is_refused_or_read(tmp_path):
    xml = report_xml()
    for cut in range(0, len(xml), 37):
        path = tmp_path / "report.xml"
        path.write_text(xml[:cut] + "x")
        with contextlib.suppress(ExtractionRefused):
            extract(path)


NAMES = st.text(
    alphabet=st.characters(whitelist_categories=["L", "Zs", "Pd", "Po", "Ps", "Pe"]),
    max_size=30,
)
NUMBERS = st.from_regex(r"\+?[0-9][0-9 ]{6,14}[0-9]", fullmatch=True)


@_SETTINGS
@given(
    contacts=st.lists(st.tuples(NAMES, NUMBERS), min_size=1, max_size=30),
    encoding=st.sampled_from(["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be"]),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_names_and_numbers_written_to_csv_come_back_as_written(
    tmp_path, contacts, encoding, delimiter
):
    path = write_csv(
        tmp_path / "c.csv", [["Name", "Mobile"], *contacts], encoding=encoding, delimiter=delimiter
    )

    extraction = extract(path)

    assert [(n.saved_name, n.raw) for n in extraction.numbers] == [
        (name.strip() or None, number) for name, number in contacts
    ]
    assert [n.position for n in extraction.numbers] == [
        f"row {i}" for i in range(2, len(contacts) + 2)
    ]
    assert extraction.rejected == []


@_SETTINGS
@given(
    name=st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]),
        min_size=1,
        max_size=60,
    ).filter(str.strip),
    number=NUMBERS,
    width=st.integers(min_value=5, max_value=75),
)
def test_a_vcard_reads_the_same_however_its_lines_are_folded(tmp_path, name, number, width):
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    path = tmp_path / "c.vcf"
    path.write_bytes(
        vcards(
            f"BEGIN:VCARD\nVERSION:3.0\n{fold('FN:' + escaped, width)}\n"
            f"{fold('TEL;TYPE=CELL:' + number, width)}\nEND:VCARD"
        )
    )

    (extracted,) = extract(path).numbers

    assert (extracted.saved_name, extracted.raw, extracted.label) == (name.strip(), number, "CELL")


@given(
    moment=st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]
        ),
    )
)
def test_a_timestamp_written_as_iso_or_uk_style_reads_back_as_the_same_moment(moment):
    moment = moment.replace(microsecond=0)
    in_utc = moment.astimezone(UTC)

    assert parse_timestamp(moment.isoformat()) == moment
    assert parse_timestamp(in_utc.strftime("%d/%m/%Y %H:%M:%S")) == in_utc
