"""The Twilio gateway, through the real twilio client over HTTP, against the sandbox carrier."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from messaging.gateways import twilio_gateway
from messaging.gateways.base import GatewayMessage, OutgoingSms
from messaging.gateways.errors import (
    GatewayUnusable,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    RetryableError,
    SenderBlocked,
)
from tests.messaging.gateways.faulty_proxy import FaultyProxy
from tests.messaging.sandbox.helpers import (
    RECIPIENT,
    SENDER,
    SERVICE_SID,
    AnswerlessServer,
    unused_port,
)


def sms(**overrides) -> OutgoingSms:
    fields = {"to": RECIPIENT, "body": "Free, confidential help: 0300 123 6600", "sender": SENDER}
    return OutgoingSms(**{**fields, **overrides})


def test_a_sent_text_is_logged_by_the_carrier_with_its_callback_and_validity(
    start_carrier, connect
):
    carrier = start_carrier()
    gateway = connect(carrier)

    receipt = gateway.send(sms(status_callback="http://127.0.0.1:9/status", validity_period=7200))

    assert receipt.provider_id.startswith("SM") and len(receipt.provider_id) == 34
    assert receipt.status == "queued"
    [logged] = carrier.carrier.store.all()
    assert (logged.sid, logged.to, logged.from_number) == (receipt.provider_id, RECIPIENT, SENDER)
    assert logged.status_callback == "http://127.0.0.1:9/status"
    assert logged.validity_period == 7200
    assert logged.service_sid is None


def test_a_messaging_service_sender_goes_as_messaging_service_sid(start_carrier, connect):
    carrier = start_carrier()
    receipt = connect(carrier).send(sms(sender=SERVICE_SID))

    assert receipt.status == "accepted"
    [logged] = carrier.carrier.store.all()
    assert logged.service_sid == SERVICE_SID


def test_fetch_returns_the_message_and_its_progress(start_carrier, connect):
    carrier = start_carrier(callback_delay_ms=0)
    gateway = connect(carrier)
    receipt = gateway.send(sms())

    message = gateway.fetch(receipt.provider_id)

    assert message.provider_id == receipt.provider_id
    assert (message.to, message.sender, message.body) == (RECIPIENT, SENDER, sms().body)
    assert message.status == "delivered"  # every step is due at once with no delay
    assert message.error_code is None
    assert message.date_created is not None
    assert abs(message.date_created - datetime.now(UTC)) < timedelta(seconds=5)


def test_fetch_shows_the_error_code_of_an_undelivered_text(start_carrier, connect):
    gateway = connect(start_carrier(callback_delay_ms=0))
    receipt = gateway.send(sms(to="+447700900994"))

    message = gateway.fetch(receipt.provider_id)

    assert (message.status, message.error_code) == ("undelivered", 30003)


def test_fetching_an_unknown_message_is_a_permanent_not_found(start_carrier, connect):
    gateway = connect(start_carrier())
    with pytest.raises(PermanentError) as caught:
        gateway.fetch("SM" + "f" * 32)
    assert (caught.value.code, caught.value.http_status) == (20404, 404)


def test_find_sent_returns_only_texts_to_that_recipient_from_that_sender_since_then(
    start_carrier, connect
):
    gateway = connect(start_carrier())
    since = datetime.now(UTC) - timedelta(seconds=1)
    mine = gateway.send(sms())
    gateway.send(sms(to="+447700900124"))
    gateway.send(sms(sender="+447700900002"))

    found = gateway.find_sent(to=RECIPIENT, sender=SENDER, since=since)

    assert [m.provider_id for m in found] == [mine.provider_id]
    assert isinstance(found[0], GatewayMessage)
    assert gateway.find_sent(to=RECIPIENT, sender=SENDER, since=since + timedelta(hours=1)) == []


def test_find_sent_matches_a_messaging_service_by_its_sid(start_carrier, connect):
    gateway = connect(start_carrier())
    since = datetime.now(UTC) - timedelta(seconds=1)
    via_service = gateway.send(sms(sender=SERVICE_SID))
    gateway.send(sms())

    found = gateway.find_sent(to=RECIPIENT, sender=SERVICE_SID, since=since)

    assert [(m.provider_id, m.sender) for m in found] == [(via_service.provider_id, SERVICE_SID)]


def test_find_sent_follows_twilios_pages(start_carrier, connect):
    gateway = connect(start_carrier())
    since = datetime.now(UTC) - timedelta(seconds=1)
    sent = {gateway.send(sms()).provider_id for _ in range(130)}  # the gateway pages by 100

    found = gateway.find_sent(to=RECIPIENT, sender=SENDER, since=since)

    assert {m.provider_id for m in found} == sent
    assert len(found) == 130


def test_find_sent_needs_an_aware_time(start_carrier, connect):
    gateway = connect(start_carrier())
    with pytest.raises(ValueError, match="timezone"):
        gateway.find_sent(to=RECIPIENT, sender=SENDER, since=datetime.now())


@pytest.mark.parametrize(
    ("to", "sender", "error_type", "code"),
    [
        ("+447700900990", SENDER, PermanentError, 21211),
        ("+447700900991", SENDER, PermanentError, 21612),
        ("+447700900992", SENDER, PermanentError, 21610),
        ("+447700900993", SENDER, PermanentError, 21614),
        ("+447700900997", SENDER, RetryableError, 21611),
        (RECIPIENT, "+447700900980", SenderBlocked, 21606),
        ("+15005550006", SENDER, SenderBlocked, 21408),
        (RECIPIENT, "NOT A VALID ID", SenderBlocked, 21212),
    ],
)
def test_each_refusal_at_create_raises_its_error_class(
    start_carrier, connect, to, sender, error_type, code
):
    carrier = start_carrier()
    with pytest.raises(error_type) as caught:
        connect(carrier).send(sms(to=to, sender=sender))

    assert (caught.value.code, caught.value.http_status) == (code, 400)
    assert type(caught.value.__cause__).__name__ == "TwilioRestException"
    assert carrier.stats()["accepted"] == 0


def test_a_recipient_who_replied_stop_is_refused_and_marked_for_suppression(start_carrier, connect):
    with pytest.raises(PermanentError) as caught:
        connect(start_carrier()).send(sms(to="+447700900992"))
    assert caught.value.suppress is True


def test_above_the_carriers_capacity_a_send_is_rate_limited(start_carrier, connect):
    carrier = start_carrier(capacity=0.01, burst=3)
    gateway = connect(carrier)
    for _ in range(3):
        gateway.send(sms())

    with pytest.raises(RateLimited) as caught:
        gateway.send(sms())

    assert (caught.value.code, caught.value.http_status) == (20429, 429)
    assert carrier.stats()["accepted"] == 3
    assert carrier.stats()["rejected_429"] == 1


def test_a_carrier_fault_at_create_is_an_unknown_outcome_not_a_retry(start_carrier, connect):
    # A 500 does not say the message was not created: it must be looked up, not resent.
    carrier = start_carrier(server_error_rate=1.0)
    with pytest.raises(OutcomeUnknown) as caught:
        connect(carrier).send(sms())
    assert (caught.value.code, caught.value.http_status) == (20500, 500)
    assert carrier.stats()["accepted"] == 0


@pytest.mark.parametrize(
    ("status", "twilio_code"), [(500, None), (502, None), (503, None), (504, None), (500, 20500)]
)
def test_a_server_error_after_the_carrier_created_the_text_is_an_unknown_outcome(
    start_carrier, connect, status, twilio_code
):
    carrier = start_carrier()
    proxy = FaultyProxy(carrier.base_url, fail_creates=1, status=status, twilio_code=twilio_code)
    try:
        since = datetime.now(UTC) - timedelta(seconds=1)
        with pytest.raises(OutcomeUnknown) as caught:
            connect(proxy.base_url).send(sms())
        assert caught.value.http_status == status
        # The carrier made it: a blind retry would have been a second text.
        assert carrier.stats()["accepted"] == 1
        found = connect(carrier).find_sent(to=RECIPIENT, sender=SENDER, since=since)
        assert len(found) == 1
    finally:
        proxy.close()


def test_wrong_credentials_make_the_gateway_unusable(start_carrier, connect):
    carrier = start_carrier()
    with pytest.raises(GatewayUnusable) as caught:
        connect(carrier, auth_token="not-the-token").send(sms())
    assert (caught.value.code, caught.value.http_status) == (20003, 401)
    assert carrier.stats()["accepted"] == 0


def test_an_answer_slower_than_the_timeout_is_an_unknown_outcome_that_find_sent_resolves(
    start_carrier, connect
):
    carrier = start_carrier(latency_ms=400)
    impatient = connect(carrier, timeout_s=0.1)
    since = datetime.now(UTC) - timedelta(seconds=1)

    with pytest.raises(OutcomeUnknown) as caught:
        impatient.send(sms())

    assert type(caught.value.__cause__).__name__ == "ReadTimeout"
    # The carrier did accept it: exactly the case a blind retry would send twice.
    found = connect(carrier, timeout_s=5).find_sent(to=RECIPIENT, sender=SENDER, since=since)
    assert len(found) == 1
    assert carrier.stats()["accepted"] == 1


def test_a_connection_dropped_after_the_request_was_sent_is_an_unknown_outcome(connect):
    server = AnswerlessServer()
    try:
        with pytest.raises(OutcomeUnknown):
            connect(server.base_url).send(sms())
        assert server.requests_read == 1
    finally:
        server.close()


def test_a_refused_connection_is_retryable_because_nothing_was_sent(connect):
    gateway = connect(f"http://127.0.0.1:{unused_port()}")
    with pytest.raises(RetryableError) as caught:
        gateway.send(sms())
    assert not isinstance(caught.value, OutcomeUnknown)


def test_a_read_that_times_out_is_retryable_because_reads_change_nothing(start_carrier, connect):
    carrier = start_carrier()
    receipt = connect(carrier).send(sms())
    carrier.stop()
    slow = start_carrier(latency_ms=400)
    with pytest.raises(RetryableError):
        connect(slow, timeout_s=0.1).fetch(receipt.provider_id)


def test_the_real_gateway_refuses_the_drama_range_without_calling_twilio(start_carrier, connect):
    carrier = start_carrier()
    real = connect(carrier, name="twilio")

    with pytest.raises(PermanentError) as caught:
        real.send(sms(to="+447700900123"))

    assert caught.value.code == 21211
    assert caught.value.http_status is None  # raised locally
    stats = carrier.stats()
    assert stats["accepted"] == 0 and stats["rejected"] == {}


def test_the_sandbox_gateway_may_text_the_drama_range(start_carrier, connect):
    carrier = start_carrier()
    connect(carrier, name="sandbox").send(sms(to="+447700900123"))
    assert carrier.stats()["per_recipient"] == {"+447700900123": 1}


def test_the_real_gateway_sends_other_numbers_normally(start_carrier, connect):
    carrier = start_carrier(allowed_prefixes=("+44",))
    connect(carrier, name="twilio").send(sms(to="+447911123456"))
    assert carrier.stats()["per_recipient"] == {"+447911123456": 1}


def test_concurrent_sends_from_sixteen_threads_are_each_logged_exactly_once(start_carrier, connect):
    carrier = start_carrier(latency_ms=5)
    gateway = connect(carrier, pool_size=16)
    recipients = [f"+447700900{n:03d}" for n in range(160)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        receipts = list(pool.map(lambda to: gateway.send(sms(to=to)), recipients))

    assert len({r.provider_id for r in receipts}) == 160
    assert carrier.stats()["per_recipient"] == dict.fromkeys(recipients, 1)
    logged = {m.sid: m.to for m in carrier.carrier.store.all()}
    assert logged == {r.provider_id: to for r, to in zip(receipts, recipients, strict=True)}


def test_find_sent_finds_a_text_still_queued_with_no_send_date(start_carrier, connect):
    carrier = start_carrier(callback_delay_ms=60_000)  # stays queued for the whole test
    gateway = connect(carrier)
    since = datetime.now(UTC) - timedelta(seconds=1)
    receipt = gateway.send(sms())

    found = gateway.find_sent(to=RECIPIENT, sender=SENDER, since=since)

    assert [(m.provider_id, m.status) for m in found] == [(receipt.provider_id, "queued")]


def test_find_sent_refuses_to_answer_when_it_cannot_see_every_text(
    start_carrier, connect, monkeypatch
):
    monkeypatch.setattr(twilio_gateway, "FIND_SENT_LIMIT", 3)
    gateway = connect(start_carrier())
    for _ in range(3):
        gateway.send(sms())

    with pytest.raises(RetryableError):
        gateway.find_sent(to=RECIPIENT, sender=SENDER, since=datetime.now(UTC))
