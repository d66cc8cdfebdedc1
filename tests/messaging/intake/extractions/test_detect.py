"""Format detection: content first, the file name only to break ties."""

from __future__ import annotations

import zipfile

import pytest

from messaging.intake.extractions import ExtractionRefused, RefusalCode, detect_format
from tests.messaging.intake.extractions.fixtures import (
    ContactSpec,
    drama,
    report_xml,
    write_cellebrite_xlsx,
    write_ufdr,
)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", b"Name,Mobile\r\nAnn,07700900001\r\n", "csv"),
        ("a.txt", b"Name\tMobile\nAnn\t07700900001\n", "csv"),
        ("upload", b"07700900001\n07700900002\n", "csv"),
        ("a.csv", "Name,Mobile\r\n".encode("utf-16"), "csv"),
        ("a.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n", "vcf"),
        ("contacts.csv", b"\xef\xbb\xbfbegin:vcard\r\nEND:VCARD\r\n", "vcf"),
        ("a.vcf", b"\r\n\r\nBEGIN:VCARD\r\nEND:VCARD\r\n", "vcf"),
        (
            "upload",
            b'<?xml version="1.0"?><project xmlns="http://pa.cellebrite.com/report/2.0"/>',
            "ufdr",
        ),
    ],
)
def test_text_formats_are_told_apart_by_content(tmp_path, name, content, expected):
    path = tmp_path / "stored"
    path.write_bytes(content)

    assert detect_format(path, filename=name) == expected


def test_zip_formats_are_told_apart_by_their_members(tmp_path):
    xlsx = write_cellebrite_xlsx(tmp_path / "upload.bin", [])
    ufdr = write_ufdr(
        tmp_path / "upload2.bin", report_xml(contacts=[ContactSpec("c", "D", [("M", drama(1))])])
    )

    assert detect_format(xlsx) == "xlsx"
    assert detect_format(ufdr) == "ufdr"


def test_a_zip_named_ufdr_without_a_report_goes_to_the_ufdr_reader_to_say_so(tmp_path):
    path = tmp_path / "phone.ufdr"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("files/a.jpg", b"x")

    assert detect_format(path) == "ufdr"


def test_the_uploaded_name_is_used_rather_than_the_stored_path(tmp_path):
    path = tmp_path / "3f9c2a"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("files/a.jpg", b"x")

    assert detect_format(path, filename="phone.ufdr") == "ufdr"
    with pytest.raises(ExtractionRefused) as refused:
        detect_format(path, filename="phone.zip")
    assert refused.value.code is RefusalCode.UNKNOWN_FORMAT
