"""Files that cannot be read are refused quickly, with a code, and never read past the limits."""

from __future__ import annotations

import builtins
import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from messaging.intake.extractions import (
    ExtractionLimits,
    ExtractionRefused,
    RefusalCode,
    extract,
    ufdr,
)
from tests.messaging.intake.extractions.fixtures import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    ChatSpec,
    ContactSpec,
    MessageSpec,
    PartySpec,
    drama,
    entries,
    forge_declared_size,
    junk_bytes,
    report_xml,
    write_cellebrite_xlsx,
    write_ufdr,
)

GIB = 2**30


def refusal(path: Path, *, within: float = 2.0, **kwargs) -> ExtractionRefused:
    """Extract a file that must be refused, within a time bound; return the refusal."""
    started = time.perf_counter()
    with pytest.raises(ExtractionRefused) as refused:
        extract(path, **kwargs)
    assert time.perf_counter() - started < within
    assert refused.value.message  # every refusal tells the officer something
    return refused.value


def good_report() -> str:
    return report_xml(contacts=[ContactSpec("c-1", "Dai", [("Mobile", drama(1))])])


@pytest.mark.parametrize("name", ["empty.csv", "empty.vcf", "empty.xlsx", "empty.ufdr", "empty"])
def test_an_empty_file_is_refused(tmp_path, name):
    path = tmp_path / name
    path.touch()

    assert refusal(path).code is RefusalCode.EMPTY_FILE


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xff\xfe", b"  \r\n\r\n"])
def test_a_file_of_only_a_bom_or_blank_lines_is_refused_as_empty(tmp_path, content):
    path = tmp_path / "blank.csv"
    path.write_bytes(content)

    assert refusal(path).code is RefusalCode.EMPTY_FILE


@pytest.mark.parametrize("name", ["huge.csv", "huge.ufdr", "huge.xlsx"])
def test_a_sparse_1gb_file_is_refused_by_its_size_without_being_read(tmp_path, monkeypatch, name):
    path = tmp_path / name
    with path.open("wb") as file:
        file.truncate(GIB)
    real_open = builtins.open

    def no_reading(file, *args, **kwargs):
        assert Path(str(file)) != path, "the oversized file was opened"
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_reading)
    monkeypatch.setattr(io, "open", no_reading)

    refused = refusal(path, within=0.5)

    assert refused.code is RefusalCode.TOO_LARGE
    assert refused.details == {"size_bytes": GIB, "limit_bytes": 100 * 2**20}


def test_the_size_limit_is_configurable(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f"Name,Mobile\nAnn,{drama(1)}\n" * 50)

    assert refusal(path, limits=ExtractionLimits(max_file_bytes=100)).code is RefusalCode.TOO_LARGE


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("photo.csv", RefusalCode.NOT_TEXT),
        ("contacts.vcf", RefusalCode.NOT_TEXT),
        ("mystery", RefusalCode.UNKNOWN_FORMAT),
        ("report.ufdr", RefusalCode.UNKNOWN_FORMAT),
    ],
)
def test_binary_junk_is_refused_whatever_its_name(tmp_path, name, code):
    path = tmp_path / name
    path.write_bytes(junk_bytes(20_000))

    assert refusal(path).code is code


def test_binary_junk_is_refused_even_when_the_format_is_forced(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(junk_bytes(20_000))

    assert refusal(path, format="csv").code is RefusalCode.NOT_TEXT
    assert refusal(path, format="vcf").code is RefusalCode.NOT_TEXT
    assert refusal(path, format="xlsx").code is RefusalCode.CORRUPT_ZIP
    assert refusal(path, format="ufdr").code is RefusalCode.BAD_XML


def test_text_that_breaks_its_own_bom_is_refused_as_badly_encoded(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"\xef\xbb\xbfName,Mobile\r\n" + bytes(range(0x80, 0xC0)) * 20)

    refused = refusal(path)

    assert refused.code is RefusalCode.BAD_ENCODING
    assert refused.details == {"encoding": "utf-8-bom"}


def test_an_old_excel_xls_file_is_refused_with_advice(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000))

    refused = refusal(path)

    assert refused.code is RefusalCode.UNKNOWN_FORMAT
    assert ".xlsx" in refused.message


def test_a_truncated_zip_is_refused_as_corrupt(tmp_path):
    path = write_ufdr(tmp_path / "phone.ufdr", good_report())
    path.write_bytes(path.read_bytes()[:-60])  # the central directory is gone

    assert refusal(path).code is RefusalCode.CORRUPT_ZIP


def test_a_zip_with_damaged_compressed_data_is_refused_as_corrupt(tmp_path):
    contacts = [ContactSpec(f"c-{i}", f"N{i}", [("Mobile", drama(i))]) for i in range(300)]
    path = write_ufdr(tmp_path / "phone.ufdr", report_xml(contacts=contacts))
    data = bytearray(path.read_bytes())
    for offset in range(200, 600):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))

    assert refusal(path).code in (RefusalCode.CORRUPT_ZIP, RefusalCode.BAD_XML)


def test_a_zip_bomb_is_refused_once_it_expands_past_the_limit(tmp_path):
    path = tmp_path / "bomb.ufdr"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.xml", b"<" + b" " * (40 * 2**20))
    assert path.stat().st_size < 200_000  # 40 MB squeezed into a small file

    refused = refusal(path, limits=ExtractionLimits(max_uncompressed_bytes=8 * 2**20))

    assert refused.code is RefusalCode.ZIP_BOMB


def test_a_member_declaring_a_huge_size_is_refused_before_reading(tmp_path):
    path = forge_declared_size(
        write_ufdr(tmp_path / "phone.ufdr", good_report()), "report.xml", 3 * GIB
    )

    assert refusal(path, within=0.5).code is RefusalCode.ZIP_BOMB


def test_a_member_lying_about_a_small_size_is_not_read_past_it(tmp_path):
    contacts = [ContactSpec(f"c-{i}", f"N{i}", [("Mobile", drama(i))]) for i in range(300)]
    path = forge_declared_size(
        write_ufdr(tmp_path / "phone.ufdr", report_xml(contacts=contacts)), "report.xml", 1000
    )

    assert refusal(path).code in (RefusalCode.CORRUPT_ZIP, RefusalCode.BAD_XML)


def test_an_xlsx_with_an_oversized_sheet_is_refused(tmp_path):
    path = write_cellebrite_xlsx(
        tmp_path / "export.xlsx",
        [[1, "Dai", None, entries(f"Phone-Mobile: {drama(1)}"), None, None]],
    )
    forge_declared_size(path, "xl/worksheets/sheet1.xml", 3 * GIB)

    assert refusal(path, within=0.5).code is RefusalCode.ZIP_BOMB


def test_an_archive_with_too_many_members_is_refused(tmp_path):
    members = {f"files/{i}.jpg": b"x" for i in range(30)}
    path = write_ufdr(tmp_path / "phone.ufdr", good_report(), extra_members=members)

    refused = refusal(path, limits=ExtractionLimits(max_zip_members=10))

    assert refused.code is RefusalCode.TOO_MANY_MEMBERS


def test_an_encrypted_member_is_refused(tmp_path):
    path = write_ufdr(tmp_path / "phone.ufdr", good_report())
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        data[start + flag_offset] |= 0x01  # "encrypted"
    path.write_bytes(bytes(data))

    assert refusal(path).code is RefusalCode.CORRUPT_ZIP


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_entity_tricks_in_a_report_are_refused_unread(tmp_path, xml):
    assert refusal(write_ufdr(tmp_path / "p.ufdr", xml), within=0.5).code is RefusalCode.UNSAFE_XML


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_entity_tricks_in_a_bare_report_xml_are_refused_unread(tmp_path, xml):
    path = tmp_path / "report.xml"
    path.write_text(xml)

    assert refusal(path, within=0.5).code is RefusalCode.UNSAFE_XML


def test_entity_tricks_inside_a_workbook_are_refused(tmp_path):
    path = write_cellebrite_xlsx(tmp_path / "export.xlsx", [])
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/workbook.xml"] = BILLION_LAUGHS.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)

    assert refusal(path, within=0.5).code is RefusalCode.UNSAFE_XML


def test_a_truncated_report_is_refused_as_bad_xml(tmp_path):
    path = write_ufdr(tmp_path / "phone.ufdr", good_report()[:-40])

    refused = refusal(path)

    assert refused.code is RefusalCode.BAD_XML
    assert refused.details["line"] is not None


def test_a_zip_without_a_report_named_ufdr_is_refused(tmp_path):
    path = tmp_path / "phone.ufdr"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("files/a.jpg", b"x")

    assert refusal(path).code is RefusalCode.MISSING_REPORT


def test_a_zip_of_something_else_is_refused(tmp_path):
    path = tmp_path / "holiday.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", b"x")

    assert refusal(path).code is RefusalCode.UNKNOWN_FORMAT


def test_a_damaged_workbook_is_refused(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"not xml at all")

    assert refusal(path).code is RefusalCode.CORRUPT_WORKBOOK


def test_xml_that_is_not_a_cellebrite_report_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss><channel/></rss>')

    page = tmp_path / "page.html"
    page.write_text("<html><body>contacts</body></html>")

    assert refusal(path).code is RefusalCode.BAD_XML
    assert "not a Cellebrite report" in refusal(path).message
    assert refusal(page).code is RefusalCode.UNKNOWN_FORMAT


def test_a_missing_file_is_refused_as_unreadable(tmp_path):
    assert refusal(tmp_path / "gone.csv").code is RefusalCode.UNREADABLE


def test_a_directory_is_refused_as_unreadable(tmp_path):
    os.mkdir(tmp_path / "dir.csv")

    assert refusal(tmp_path / "dir.csv").code is RefusalCode.UNREADABLE


def test_one_enormous_model_is_refused_while_a_long_chat_is_streamed(tmp_path, monkeypatch):
    monkeypatch.setattr(ufdr, "_MAX_HELD_ELEMENTS", 2000)
    huge = ContactSpec("c-1", "Dai", [("Mobile", drama(i % 1000)) for i in range(1000)])
    peer, owner = PartySpec(drama(1)), PartySpec(drama(999), owner=True)
    message = MessageSpec("", model="InstantMessage", from_party=peer, to_parties=[owner])
    chat = ChatSpec("chat-1", [peer, owner], [message] * 1000)

    refused = refusal(write_ufdr(tmp_path / "huge.ufdr", report_xml(contacts=[huge])))
    streamed = extract(write_ufdr(tmp_path / "chat.ufdr", report_xml(chats=[chat])))

    assert refused.code is RefusalCode.TOO_LARGE
    assert len(streamed.interactions) == 1000
