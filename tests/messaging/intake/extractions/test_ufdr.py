"""Cellebrite UFDR reports: contacts, calls, SMS and chats from report.xml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from messaging.intake.extractions import extract
from tests.messaging.intake.extractions.fixtures import (
    CallSpec,
    ChatSpec,
    ContactSpec,
    MessageSpec,
    PartySpec,
    drama,
    report_xml,
    write_ufdr,
)

OWNER = PartySpec(drama(999), "Me", owner=True)


def test_contacts_keep_name_category_source_account_and_deleted_state(tmp_path):
    xml = report_xml(
        contacts=[
            ContactSpec("c-1", "Dai", [("Mobile", drama(1)), ("Home", drama(2))]),
            ContactSpec(
                "c-2",
                "Ffion",
                [(None, "+44 7700 900003")],
                source="WhatsApp",
                account="447700900999@s.whatsapp.net",
                deleted_state="Deleted",
                user_ids=["447700900003@s.whatsapp.net"],
            ),
            ContactSpec("c-3", "No number", [], user_ids=["ghost"]),
        ]
    )

    extraction = extract(write_ufdr(tmp_path / "phone.ufdr", xml))

    assert extraction.format == "ufdr"
    assert extraction.records == 3
    assert [
        (n.position, n.raw, n.saved_name, n.label, n.source_app, n.account, n.deleted_state)
        for n in extraction.numbers
    ] == [
        ("model c-1", drama(1), "Dai", "Mobile", None, None, "Intact"),
        ("model c-1", drama(2), "Dai", "Home", None, None, "Intact"),
        (
            "model c-2",
            "+44 7700 900003",
            "Ffion",
            None,
            "WhatsApp",
            "447700900999@s.whatsapp.net",
            "Deleted",
        ),
    ]
    assert [(r.position, r.raw, r.reason) for r in extraction.rejected] == [
        ("model c-3", "No number", "no_number")
    ]
    assert extraction.columns["model_types"] == {"Contact": 3}


def test_calls_and_sms_name_the_counterpart_never_the_phone_owner(tmp_path):
    xml = report_xml(
        calls=[
            CallSpec(
                "call-1",
                [
                    PartySpec(drama(11), "Dai", "From"),
                    PartySpec(drama(999), None, "To", owner=True),
                ],
            ),
            CallSpec(
                "call-2",
                [OWNER, PartySpec(drama(12), role="To")],
                direction="Outgoing",
                timestamp="2024-03-01T20:00:00.000-05:00",
            ),
        ],
        messages=[
            MessageSpec(
                "sms-1",
                parties=[
                    PartySpec(drama(13), role="From"),
                    PartySpec(drama(999), role="To", owner=True),
                ],
                folder="Inbox",
            ),
            MessageSpec(
                "sms-2",
                parties=[
                    PartySpec(drama(999), role="From", owner=True),
                    PartySpec(drama(14), role="To"),
                ],
                folder="Sent",
                timestamp="2024-03-02T09:00:00.000",
                formatted_timestamp="2024-03-02T09:00:00+01:00",
            ),
            MessageSpec("sms-3", parties=[OWNER]),
        ],
    )

    extraction = extract(write_ufdr(tmp_path / "phone.ufdr", xml))

    assert [
        (i.position, i.raw, i.kind, i.direction, i.occurred_at) for i in extraction.interactions
    ] == [
        (
            "model call-1",
            drama(11),
            "call",
            "incoming",
            datetime(2024, 3, 1, 14, 22, 5, tzinfo=UTC),
        ),
        (
            "model call-2",
            drama(12),
            "call",
            "outgoing",
            datetime(2024, 3, 1, 20, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("model sms-1", drama(13), "sms", "incoming", datetime(2024, 3, 2, 9, tzinfo=UTC)),
        (
            "model sms-2",
            drama(14),
            "sms",
            "outgoing",
            datetime(2024, 3, 2, 9, tzinfo=timezone(timedelta(hours=1))),
        ),
    ]
    assert [(r.position, r.reason) for r in extraction.rejected] == [("model sms-3", "no_number")]
    assert extraction.records == 5


def test_chat_messages_are_chat_interactions_with_direction_from_the_sender(tmp_path):
    peer = PartySpec("447700900021@s.whatsapp.net", "Dai")
    xml = report_xml(
        chats=[
            ChatSpec(
                "chat-1",
                participants=[peer, OWNER],
                messages=[
                    MessageSpec("m-1", model="InstantMessage", from_party=peer, to_parties=[OWNER]),
                    MessageSpec("m-2", model="InstantMessage", from_party=OWNER, to_parties=[peer]),
                    MessageSpec("m-3", model="InstantMessage", from_party=OWNER),
                ],
            )
        ],
        messages=[MessageSpec("im-1", model="InstantMessage", from_party=PartySpec(drama(22)))],
    )

    extraction = extract(write_ufdr(tmp_path / "phone.ufdr", xml))

    assert [(i.position, i.raw, i.kind, i.direction) for i in extraction.interactions] == [
        ("model im-1", drama(22), "chat", "incoming"),
        ("model m-1", peer.identifier, "chat", "incoming"),
        ("model m-2", peer.identifier, "chat", "outgoing"),
        ("model m-3", peer.identifier, "chat", "outgoing"),
    ]
    assert extraction.columns["model_types"] == {"InstantMessage": 4}


def test_a_bare_report_xml_is_read_like_a_ufdr(tmp_path):
    path = tmp_path / "report.xml"
    path.write_text(report_xml(contacts=[ContactSpec("c-1", "Dai", [("Mobile", drama(1))])]))

    extraction = extract(path)

    assert (extraction.format, [n.raw for n in extraction.numbers]) == ("ufdr", [drama(1)])


def test_a_report_in_a_subfolder_and_a_stored_zip_is_found(tmp_path):
    xml = report_xml(contacts=[ContactSpec("c-1", "Dai", [("Mobile", drama(1))])])
    import zipfile

    path = write_ufdr(
        tmp_path / "phone.ufdr",
        xml,
        member="Report/report.xml",
        compression=zipfile.ZIP_STORED,
        extra_members={"files/Image/a.jpg": b"\xff\xd8"},
    )

    extraction = extract(path)

    assert [n.raw for n in extraction.numbers] == [drama(1)]
    assert extraction.columns["report"] == "Report/report.xml"


def test_a_large_report_is_streamed_with_models_dropped_once_read(tmp_path):
    contacts = [
        ContactSpec(f"c-{i}", f"Name {i}", [("Mobile", drama(i % 1000))]) for i in range(5000)
    ]
    path = write_ufdr(tmp_path / "phone.ufdr", report_xml(contacts=contacts))

    extraction = extract(path)

    assert extraction.records == 5000
    assert extraction.numbers[-1].position == "model c-4999"


def test_models_without_ids_are_named_by_their_place_in_the_report(tmp_path):
    peer = PartySpec(drama(31))
    xml = report_xml(
        contacts=[ContactSpec("", "A", [("Mobile", drama(30))])],
        chats=[
            ChatSpec(
                "chat-9",
                participants=[peer, OWNER],
                messages=[MessageSpec("", model="InstantMessage", from_party=peer)] * 2,
            )
        ],
    )

    extraction = extract(write_ufdr(tmp_path / "phone.ufdr", xml))

    assert [n.position for n in extraction.numbers] == ["model #1"]
    assert [i.position for i in extraction.interactions] == [
        "model chat-9 message 1",
        "model chat-9 message 2",
    ]


def test_calls_and_messages_keep_their_deleted_state_app_and_party_name(tmp_path):
    peer = PartySpec("447700900041@s.whatsapp.net", "Dai")
    xml = report_xml(
        calls=[
            CallSpec("call-1", [PartySpec(drama(40), "Tez", "From"), OWNER]),
            CallSpec("call-2", [PartySpec(drama(42), role="From"), OWNER], deleted_state="Deleted"),
        ],
        messages=[
            MessageSpec(
                "sms-1",
                parties=[PartySpec(drama(43), role="From"), OWNER],
                folder="Inbox",
                deleted_state="Deleted",
            )
        ],
        chats=[
            ChatSpec(
                "chat-1",
                participants=[peer, OWNER],
                messages=[
                    MessageSpec(
                        "m-1",
                        model="InstantMessage",
                        from_party=peer,
                        to_parties=[OWNER],
                        deleted_state="Deleted",
                    )
                ],
            )
        ],
    )

    extraction = extract(write_ufdr(tmp_path / "phone.ufdr", xml))

    assert [
        (i.position, i.deleted_state, i.source_app, i.saved_name) for i in extraction.interactions
    ] == [
        ("model call-1", "Intact", None, "Tez"),
        ("model call-2", "Deleted", None, None),
        ("model sms-1", "Deleted", None, None),
        ("model m-1", "Deleted", "WhatsApp", "Dai"),
    ]
