"""Fuzzing the extraction parsers with each format forced: any bytes, and damaged copies of
well-formed files, are read or refused with ExtractionRefused — never another exception —
within a time and memory budget per file."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.intake.extractions import FORMATS, Extraction, ExtractionRefused, extract
from tests.fuzz.budget import within
from tests.messaging.intake.extractions.fixtures import (
    CallSpec,
    ContactSpec,
    PartySpec,
    csv_text,
    drama,
    drama_national,
    report_xml,
    vcards,
    write_cellebrite_xlsx,
    write_ufdr,
)

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECONDS = 3.0  # per file of a few kilobytes, on a loaded machine
PEAK_MIB = 48


def _read(data: bytes, fmt: str, name: str = "upload") -> Extraction | ExtractionRefused:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)

        def run() -> Extraction | ExtractionRefused:
            try:
                return extract(path, filename=name, format=fmt)
            except ExtractionRefused as refused:
                return refused

        result = within(run, seconds=SECONDS, peak_mib=PEAK_MIB)
    if isinstance(result, ExtractionRefused):
        assert result.message and result.code
    else:
        assert result.records >= 0
        assert all(isinstance(n.raw, str) for n in result.numbers)
        assert all(isinstance(r.reason, object) and r.position for r in result.rejected)
    return result


# -- arbitrary bytes --------------------------------------------------------------------

PREFIXES = [
    b"",
    b"PK\x03\x04",
    b"PK\x05\x06" + b"\x00" * 18,
    b"BEGIN:VCARD\r\nVERSION:2.1\r\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"Name,Mobile\r\n",
    b'<?xml version="1.0"?><project xmlns="http://pa.cellebrite.com/report/2.0">',
]


@FUZZ
@given(
    fmt=st.sampled_from(FORMATS), prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=4096)
)
def test_any_bytes_in_any_forced_format_are_read_or_refused(
    fmt: str, prefix: bytes, body: bytes
) -> None:
    _read(prefix + body, fmt)


# -- damaged copies of well-formed files --------------------------------------------------


def _good_files() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        csv_bytes = csv_text(
            [("Name", "Mobile", "Home")]
            + [(f"Contact {i}", drama_national(i), drama(100 + i)) for i in range(20)]
        ).encode()
        vcf_bytes = vcards(
            *(
                f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\n"
                f"TEL;TYPE=CELL:{drama_national(i)}\r\nEND:VCARD\r\n"
                for i in range(10)
            )
        )
        xlsx = write_cellebrite_xlsx(
            base / "c.xlsx",
            [(i, f"Person {i}", "", f"Phone-Mobile: {drama(i)}", "Phone", "") for i in range(10)],
        )
        xml = report_xml(
            contacts=[
                ContactSpec(f"c{i}", f"Person {i}", [("Mobile", drama(i))]) for i in range(10)
            ],
            calls=[CallSpec(f"k{i}", [PartySpec(drama(i), role="From")]) for i in range(5)],
        )
        ufdr = write_ufdr(base / "r.ufdr", xml)
        return {
            "csv": csv_bytes,
            "vcf": vcf_bytes,
            "xlsx": xlsx.read_bytes(),
            "ufdr": ufdr.read_bytes(),
        }


GOOD = _good_files()


def test_the_undamaged_files_are_read() -> None:
    for fmt, data in GOOD.items():
        result = _read(data, fmt)
        assert isinstance(result, Extraction), fmt
        assert len(result.numbers) >= 10, fmt


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(FORMATS))
    data = bytearray(GOOD[fmt])
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "duplicate"]))
        at = draw(st.integers(min_value=0, max_value=max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif kind == "cut":
            data = data[:at] + data[at + draw(st.integers(min_value=1, max_value=512)) :]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            span = data[at : at + draw(st.integers(min_value=1, max_value=256))]
            data[at:at] = span * draw(st.integers(min_value=1, max_value=20))
    return fmt, bytes(data)


@FUZZ
@given(case=damaged())
def test_damaged_files_are_read_or_refused(case: tuple[str, bytes]) -> None:
    fmt, data = case
    _read(data, fmt)


@FUZZ
@given(
    member=st.sampled_from(["report.xml", "Report.xml", "x/../report.xml", "/abs/report.xml"]),
    xml=st.binary(max_size=2048),
    compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_a_ufdr_with_any_report_inside_is_read_or_refused(
    member: str, xml: bytes, compression: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_ufdr(Path(folder) / "r.ufdr", xml, member=member, compression=compression)
        data = path.read_bytes()
    _read(data, "ufdr")
