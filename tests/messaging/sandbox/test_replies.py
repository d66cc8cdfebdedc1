"""Simulated and injected replies: signed inbound posts, and Twilio's STOP handling."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import requests

from messaging.gateways.base import OutgoingSms
from messaging.gateways.errors import PermanentError
from messaging.sandbox.config import DEFAULT_ACCOUNT_SID, REPLY_TEXTS
from messaging.sandbox.replies import can_receive_replies, choose_reply, is_opt_in, is_opt_out
from tests.messaging.sandbox.helpers import RECIPIENT, SENDER, SERVICE_SID


def text(to: str = RECIPIENT, sender: str = SENDER) -> OutgoingSms:
    return OutgoingSms(to=to, body="Free, confidential help: 0300 123 6600", sender=sender)


def inject(carrier, **fields) -> requests.Response:
    return requests.post(f"{carrier.base_url}/_sandbox/replies", json=fields, timeout=5)


def test_with_every_recipient_replying_a_signed_reply_reaches_the_inbound_url(
    start_carrier, connect, receiver
):
    carrier = start_carrier(reply_rate=1.0, reply_delay_ms=10, inbound_url=receiver.url("/in"))
    connect(carrier).send(text())

    [post] = receiver.wait_for(1, path="/in")

    assert post.signature_valid
    reply = post.params
    assert (reply["From"], reply["To"]) == (RECIPIENT, SENDER)
    assert reply["MessageSid"].startswith("SM") and len(reply["MessageSid"]) == 34
    assert reply["NumMedia"] == "0"
    assert reply["AccountSid"] == DEFAULT_ACCOUNT_SID
    assert reply["Body"] in {t for texts in REPLY_TEXTS.values() for t in texts}


def test_a_reply_to_a_messaging_service_text_comes_back_to_its_number(
    start_carrier, connect, receiver
):
    carrier = start_carrier(reply_rate=1.0, reply_delay_ms=10, inbound_url=receiver.url("/in"))
    connect(carrier).send(text(sender=SERVICE_SID))

    [post] = receiver.wait_for(1, path="/in")

    assert post.params["To"] == carrier.config.service_number
    assert post.params["MessagingServiceSid"] == SERVICE_SID


@pytest.mark.parametrize(
    ("to", "sender"),
    [("+447700900994", SENDER), ("+447700900995", SENDER), (RECIPIENT, "PesterTeam")],
)
def test_nobody_replies_to_an_undelivered_text_or_to_a_one_way_sender(
    start_carrier, connect, receiver, to, sender
):
    carrier = start_carrier(reply_rate=1.0, reply_delay_ms=0, inbound_url=receiver.url("/in"))
    connect(carrier).send(text(to=to, sender=sender))
    assert carrier.wait_for_callbacks(2.0)
    assert receiver.posts == []


def test_an_injected_reply_is_posted_at_once_to_whoever_last_texted_the_number(
    start_carrier, connect, receiver
):
    carrier = start_carrier(inbound_url=receiver.url("/in"))
    connect(carrier).send(text(sender="+447700900002"))

    answer = inject(carrier, **{"from": RECIPIENT, "body": "new line is 07700 900123"})

    assert answer.status_code == 200
    assert answer.json()["status"] == 200
    [post] = receiver.posts
    assert post.signature_valid
    assert (post.params["From"], post.params["To"]) == (RECIPIENT, "+447700900002")
    assert post.params["Body"] == "new line is 07700 900123"
    assert post.params["MessageSid"] == answer.json()["sid"]


def test_an_injected_reply_needs_somewhere_to_go(start_carrier):
    answer = inject(start_carrier(), **{"from": RECIPIENT, "body": "who is this"})
    assert answer.status_code == 400


def test_after_a_stop_reply_the_carrier_refuses_that_sender_with_21610(
    start_carrier, connect, receiver
):
    carrier = start_carrier(inbound_url=receiver.url("/in"))
    gateway = connect(carrier)
    gateway.send(text())

    inject(carrier, **{"from": RECIPIENT, "to": SENDER, "body": " stop "})

    with pytest.raises(PermanentError) as caught:
        gateway.send(text())
    assert caught.value.code == 21610 and caught.value.suppress
    gateway.send(text(sender="+447700900002"))  # another sender is not opted out

    inject(carrier, **{"from": RECIPIENT, "to": SENDER, "body": "START"})
    gateway.send(text())
    assert carrier.stats()["per_recipient"] == {RECIPIENT: 3}


@pytest.mark.parametrize(
    ("body", "opt_out", "opt_in"),
    [
        ("STOP", True, False),
        ("stop", True, False),
        (" Unsubscribe ", True, False),
        ("stopall", True, False),
        ("stop texting me", False, False),
        ("START", False, True),
        ("unstop", False, True),
        ("can I get help", False, False),
    ],
)
def test_only_a_whole_message_keyword_opts_out_or_in(body, opt_out, opt_in):
    assert (is_opt_out(body), is_opt_in(body)) == (opt_out, opt_in)


@pytest.mark.parametrize(
    ("sender", "two_way"),
    [("+447700900001", True), ("60123", True), ("PesterTeam", False), ("NHS 111", False)],
)
def test_alphanumeric_senders_cannot_be_replied_to(sender, two_way):
    assert can_receive_replies(sender) is two_way


def test_the_reply_mix_only_draws_kinds_with_weight():
    rng = random.Random(3)
    drawn = Counter(choose_reply(rng, {"stop": 1.0, "who": 1.0, "abuse": 0.0}) for _ in range(400))
    allowed = set(REPLY_TEXTS["stop"]) | set(REPLY_TEXTS["who"])
    assert set(drawn) <= allowed
    assert any(t in drawn for t in REPLY_TEXTS["stop"])
    assert any(t in drawn for t in REPLY_TEXTS["who"])
