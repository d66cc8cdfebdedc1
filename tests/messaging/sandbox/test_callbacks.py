"""Status callbacks: signed, in Twilio's shape, and as unreliable as configured."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.gateways.base import OutgoingSms
from messaging.sandbox.callbacks import CallbackFaults, plan_callbacks, plan_timeline
from messaging.sandbox.config import DEFAULT_ACCOUNT_SID, Outcome
from messaging.sandbox.store import StatusEvent
from tests.messaging.sandbox.helpers import RECIPIENT, SENDER, SERVICE_SID


def send(gateway, receiver, **overrides):
    fields = {"to": RECIPIENT, "body": "hello", "sender": SENDER}
    fields |= overrides
    return gateway.send(OutgoingSms(status_callback=receiver.url("/status"), **fields))


def statuses(posts):
    return [p.params["MessageStatus"] for p in sorted(posts, key=lambda p: p.at)]


def test_a_delivered_text_calls_back_sent_then_delivered_signed(start_carrier, connect, receiver):
    gateway = connect(start_carrier())
    receipt = send(gateway, receiver)

    posts = receiver.wait_for(2)

    assert statuses(posts) == ["sent", "delivered"]
    assert all(p.signature_valid for p in posts)
    delivered = max(posts, key=lambda p: p.at).params
    assert delivered["MessageSid"] == delivered["SmsSid"] == receipt.provider_id
    assert (delivered["To"], delivered["From"]) == (RECIPIENT, SENDER)
    assert delivered["AccountSid"] == DEFAULT_ACCOUNT_SID
    assert delivered["ApiVersion"] == "2010-04-01"
    assert len(delivered["RawDlrDoneDate"]) == 10
    assert "ErrorCode" not in delivered


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("+447700900994", [("sent", None), ("undelivered", "30003")]),
        ("+447700900995", [("failed", "30007")]),
        ("+447700900996", [("sent", None), ("undelivered", "30005")]),
    ],
)
def test_failure_numbers_call_back_their_final_status_and_error_code(
    start_carrier, connect, receiver, to, expected
):
    gateway = connect(start_carrier())
    send(gateway, receiver, to=to)

    posts = sorted(receiver.wait_for(len(expected)), key=lambda p: p.at)

    assert [(p.params["MessageStatus"], p.params.get("ErrorCode")) for p in posts] == expected


def test_a_messaging_service_text_also_calls_back_queued(start_carrier, connect, receiver):
    gateway = connect(start_carrier())
    send(gateway, receiver, sender=SERVICE_SID)

    posts = receiver.wait_for(3)

    assert statuses(posts) == ["queued", "sent", "delivered"]
    assert {p.params["MessagingServiceSid"] for p in posts} == {SERVICE_SID}


def test_a_signature_made_with_another_token_does_not_verify(start_carrier, connect, receiver):
    gateway = connect(start_carrier(auth_token="another-token"), auth_token="another-token")
    send(gateway, receiver)
    posts = receiver.wait_for(2)
    assert not any(p.signature_valid for p in posts)  # the receiver checks the default token


def test_with_duplicates_configured_every_callback_arrives_twice(start_carrier, connect, receiver):
    carrier = start_carrier(duplicate_rate=1.0)
    send(connect(carrier), receiver)

    posts = receiver.wait_for(4)
    carrier.wait_for_callbacks()

    assert sorted(statuses(posts)) == ["delivered", "delivered", "sent", "sent"]
    assert len(receiver.posts) == 4


def test_with_reordering_configured_delivered_arrives_before_sent(start_carrier, connect, receiver):
    carrier = start_carrier(reorder_rate=1.0, callback_delay_ms=60)
    send(connect(carrier), receiver)

    posts = receiver.wait_for(2)

    assert statuses(posts) == ["delivered", "sent"]


def test_late_callbacks_arrive_after_the_configured_lateness(start_carrier, connect, receiver):
    carrier = start_carrier(late_rate=1.0, late_ms=300, callback_delay_ms=10)
    gateway = connect(carrier)
    started = time.monotonic()
    send(gateway, receiver)

    posts = receiver.wait_for(2)

    assert min(p.at for p in posts) - started >= 0.3


def test_with_callbacks_off_nothing_is_posted(start_carrier, connect, receiver):
    carrier = start_carrier(callbacks=False, callback_delay_ms=0)
    send(connect(carrier), receiver)
    assert carrier.wait_for_callbacks(1.0)
    assert receiver.posts == []
    assert carrier.stats()["callbacks_sent"] == 0


def test_a_receiver_that_answers_an_error_is_counted_as_a_failed_callback(
    start_carrier, connect, receiver
):
    receiver.answer = 500
    carrier = start_carrier()
    send(connect(carrier), receiver)
    receiver.wait_for(2)
    assert carrier.wait_for_callbacks(2.0)
    assert carrier.stats()["callbacks_failed"] == 2


# --- planning, without HTTP ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "via_service", "expected"),
    [
        (Outcome(), False, [("sent", None), ("delivered", None)]),
        (Outcome(), True, [("queued", None), ("sent", None), ("delivered", None)]),
        (
            Outcome(final_status="undelivered", error_code=30003),
            False,
            [("sent", None), ("undelivered", 30003)],
        ),
        (Outcome(final_status="failed", error_code=30007), False, [("failed", 30007)]),
    ],
)
def test_the_timeline_lists_every_status_after_the_first(outcome, via_service, expected):
    timeline = plan_timeline(outcome, via_service=via_service, step_s=1.0)
    assert [(e.status, e.error_code) for e in timeline] == expected
    assert [e.after_s for e in timeline] == sorted(e.after_s for e in timeline)


TIMELINE = (StatusEvent(1.0, "sent"), StatusEvent(2.0, "delivered"))


@given(
    seed=st.integers(),
    duplicate_rate=st.floats(0, 1),
    reorder_rate=st.floats(0, 1),
    late_rate=st.floats(0, 1),
)
def test_faults_never_lose_a_callback_and_duplicate_at_most_once(
    seed, duplicate_rate, reorder_rate, late_rate
):
    faults = CallbackFaults(duplicate_rate, reorder_rate, late_rate, late_s=3.0)
    planned = plan_callbacks(TIMELINE, faults, random.Random(seed))
    counts = {event: sum(1 for c in planned if c.event == event) for event in TIMELINE}
    assert all(1 <= n <= 2 for n in counts.values())
    assert all(c.delay_s >= 1.0 for c in planned)


def test_without_faults_callbacks_follow_the_timeline_exactly():
    planned = plan_callbacks(TIMELINE, CallbackFaults(), random.Random(1))
    assert [(c.delay_s, c.event) for c in planned] == [(1.0, TIMELINE[0]), (2.0, TIMELINE[1])]
