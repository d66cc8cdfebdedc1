"""Scale and memory bounds the import service relies on (speed is measured in bench/)."""

from __future__ import annotations

import tracemalloc

import pytest

from messaging.intake.extractions import extract
from tests.messaging.intake.extractions.fixtures import (
    ChatSpec,
    ContactSpec,
    MessageSpec,
    PartySpec,
    drama,
    report_xml,
    write_ufdr,
)


def test_a_100000_row_csv_extracts_every_row(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("Name,Mobile,Email\r\n")
        file.writelines(
            f"Contact {i},07700 900{i % 1000:03d},c{i}@example.org\r\n" for i in range(100_000)
        )

    extraction = extract(path)

    assert (extraction.records, len(extraction.numbers)) == (100_000, 100_000)
    assert extraction.rejected == []


def _contacts_report() -> str:
    padding = "p" * 400  # user ids the reader skips: they make the XML large
    return report_xml(
        contacts=[
            ContactSpec(f"c-{i}", f"N{i}", [("Mobile", drama(i % 1000))], user_ids=[padding])
            for i in range(3000)
        ]
    )


def _chat_report() -> str:
    peer, owner = PartySpec(drama(1)), PartySpec(drama(999), owner=True)
    message = MessageSpec("", model="InstantMessage", from_party=peer, to_parties=[owner])
    return report_xml(chats=[ChatSpec("chat-1", [peer, owner], [message] * 3000)])


@pytest.mark.parametrize("report", [_contacts_report, _chat_report], ids=["contacts", "one-chat"])
def test_a_ufdr_report_is_streamed_not_loaded_whole(tmp_path, report):
    xml = report()
    path = write_ufdr(tmp_path / "big.ufdr", xml)

    tracemalloc.start()
    try:
        extraction = extract(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert extraction.records == 3000
    # A few MB of XML; a parsed tree of it would take several times that.
    assert peak < len(xml) / 2, f"peak {peak / 1e6:.1f} MB for {len(xml) / 1e6:.1f} MB of XML"
