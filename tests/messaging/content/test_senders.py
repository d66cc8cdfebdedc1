"""Sender validation against DOMAIN.md: alphanumeric IDs (11 of A-Z a-z 0-9 space . & _ -,
one-way, no generic words), UK mobile long codes in E.164, short codes, MG SIDs."""

import pytest

from messaging.content.senders import (
    SENDER_RATE_PER_SECOND,
    Sender,
    SenderError,
    SenderKind,
    asks_for_reply,
    names_other_route,
    parse_sender,
)

ALPHA, LONG, SHORT, SERVICE = (
    SenderKind.ALPHANUMERIC,
    SenderKind.LONG_CODE,
    SenderKind.SHORT_CODE,
    SenderKind.MESSAGING_SERVICE,
)
SID_HEX = "0123456789abcdef" * 2

VALID_SENDERS = [
    ("EssexPolice", Sender("EssexPolice", ALPHA, two_way=False)),
    ("GMP", Sender("GMP", ALPHA, two_way=False)),
    ("Met Police", Sender("Met Police", ALPHA, two_way=False)),
    ("WM ROCU", Sender("WM ROCU", ALPHA, two_way=False)),
    ("Op.Vigil", Sender("Op.Vigil", ALPHA, two_way=False)),
    ("B&H-Police", Sender("B&H-Police", ALPHA, two_way=False)),
    ("Notts_Pol", Sender("Notts_Pol", ALPHA, two_way=False)),
    ("ABCDEFGHIJK", Sender("ABCDEFGHIJK", ALPHA, two_way=False)),
    ("Police101", Sender("Police101", ALPHA, two_way=False)),
    ("  GMP  ", Sender("GMP", ALPHA, two_way=False)),
    ("+447911123456", Sender("+447911123456", LONG, two_way=True)),
    ("07911 123456", Sender("+447911123456", LONG, two_way=True)),
    ("07911123456", Sender("+447911123456", LONG, two_way=True)),
    ("+44 (0)7911 123456", Sender("+447911123456", LONG, two_way=True)),
    ("0044 7911 123456", Sender("+447911123456", LONG, two_way=True)),
    ("447911123456", Sender("+447911123456", LONG, two_way=True)),
    ("07624 123456", Sender("+447624123456", LONG, two_way=True)),
    ("07700 900123", Sender("+447700900123", LONG, two_way=True)),
    ("+447700900000", Sender("+447700900000", LONG, two_way=True)),
    ("+447700900999", Sender("+447700900999", LONG, two_way=True)),
    ("12345", Sender("12345", SHORT, two_way=True)),
    ("60123", Sender("60123", SHORT, two_way=True)),
    ("123456", Sender("123456", SHORT, two_way=True)),
    ("MG" + SID_HEX, Sender("MG" + SID_HEX, SERVICE, two_way=True)),
    ("MG" + SID_HEX.upper(), Sender("MG" + SID_HEX, SERVICE, two_way=True)),
]

INVALID_SENDERS = [
    ("", "empty"),
    ("   ", "empty"),
    ("ABCDEFGHIJKL", "too_long"),
    ("Essex Police", "too_long"),
    ("Police!", "bad_characters"),
    ("Pólice", "bad_characters"),
    ("GMP/Met", "bad_characters"),
    ("Police+", "bad_characters"),
    ("1.2.3", "no_letter"),
    ("12_34", "no_letter"),
    ("INFO", "generic"),
    ("info", "generic"),
    ("Alert", "generic"),
    ("SMS", "generic"),
    ("TEXT", "generic"),
    ("NOTICE", "generic"),
    ("VERIFY", "generic"),
    ("I.N.F.O", "generic"),
    ("SMS 1", "generic"),
    ("01614960123", "not_uk_mobile"),
    ("+15005550006", "not_uk_mobile"),
    ("07011 234567", "not_uk_mobile"),
    ("+44 7911 12345", "not_uk_mobile"),
    ("07911", "not_uk_mobile"),
    ("1234567", "not_uk_mobile"),
    ("1234", "not_a_sender"),
    ("-", "not_a_sender"),
    ("MG" + SID_HEX[:-1], "bad_service_sid"),
    ("MG" + "g" * 32, "bad_service_sid"),
]


@pytest.mark.parametrize(("value", "expected"), VALID_SENDERS)
def test_valid_sender_is_normalised(value, expected):
    assert parse_sender(value) == expected


@pytest.mark.parametrize(("value", "code"), INVALID_SENDERS)
def test_invalid_sender_is_refused_with_a_code(value, code):
    with pytest.raises(SenderError) as caught:
        parse_sender(value)
    assert caught.value.code == code
    assert caught.value.message


def test_sender_tables_have_at_least_25_cases_each():
    assert len(VALID_SENDERS) >= 25 and len(INVALID_SENDERS) >= 25


def test_only_alphanumeric_senders_are_one_way():
    kinds = {parse_sender(v).kind: parse_sender(v).two_way for v, _ in VALID_SENDERS}
    assert kinds == {ALPHA: False, LONG: True, SHORT: True, SERVICE: True}


def test_sender_error_is_a_value_error_with_the_message_as_text():
    with pytest.raises(ValueError, match="at most 11 characters"):
        parse_sender("ABCDEFGHIJKL")


def test_every_sender_kind_has_a_rate():
    assert set(SENDER_RATE_PER_SECOND) == set(SenderKind)
    assert SENDER_RATE_PER_SECOND[LONG] == 1.0
    assert SENDER_RATE_PER_SECOND[ALPHA] == 10.0


@pytest.mark.parametrize(
    "body",
    [
        "Free advice: call FRANK on 0300 123 6600.",
        "Free advice from FRANK.",
        "Visit talktofrank.com for advice.",
        "Tell Crimestoppers anonymously.",
        "tell crimestoppers",
        "Call 101 to report it.",
        "In an emergency call 999.",
        "SafeCall 116 000",
        "SafeCall 116000",
        "Text STOP to 07700 900123 to opt out.",
        "See https://example.org/help",
        "See www.example.org",
        "Help: changegrowlive.org",
        "Help: 0161 496 0123",
        "Help: +44 161 496 0123",
    ],
)
def test_body_naming_another_route_is_recognised(body):
    assert names_other_route(body)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "Reply STOP to opt out.",
        "Help is available. Reply to this message.",
        "To be frank, help is available.",
        "Version 1010 of 9999",
        "We are here 24/7.",
        "Call us, e.g. now.",
    ],
)
def test_body_without_another_route_is_not_enough_for_one_way(body):
    assert not names_other_route(body)


@pytest.mark.parametrize(
    "text",
    [
        "Reply STOP to opt out.",
        "reply stop to opt out",
        "Please reply HELP for help.",
        "Reply to this message if you need us.",
        "Text STOP to opt out.",
        "Text back if you are worried.",
        "Send STOP to end these texts.",
        "txt us for advice",
        "Respond YES to hear more.",
    ],
)
def test_a_text_asking_the_recipient_to_answer_the_sender_asks_for_a_reply(text):
    assert asks_for_reply(text)


@pytest.mark.parametrize(
    "text",
    [
        "Text STOP to 07700 900456 to opt out.",
        "Text STOP to +447700900456 to opt out.",
        "Do not reply to this message.",
        "Don't reply: replies are not read. Call 0300 123 6600.",
        "We cannot reply to texts. Help: talktofrank.com",
        "Free, confidential drug advice: FRANK 0300 123 6600.",
        "",
    ],
)
def test_a_text_naming_another_route_or_forbidding_replies_does_not_ask_for_one(text):
    assert not asks_for_reply(text)
