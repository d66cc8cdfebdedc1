"""Batches through a real RQ worker to the sandbox carrier: what each gateway answer does."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.models import CampaignState, OutboxMessage, Suppression
from tests.messaging.sending.conftest import Pipeline, assert_exactly_once, drama


@pytest.mark.postgres
def test_a_launched_campaign_texts_every_recipient_exactly_once(pipeline: Pipeline) -> None:
    numbers = [drama(100 + i) for i in range(45)]
    campaign_id = pipeline.campaign(numbers)
    campaign = pipeline.drive(campaign_id)
    assert campaign.state == CampaignState.COMPLETED
    assert_exactly_once(pipeline.texts_per_recipient(), numbers)
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id))
    assert {r.status for r in rows} == {"accepted"}  # a Messaging Service answers "accepted"
    assert all(r.provider_id and r.provider_id.startswith("SM") for r in rows)
    assert all(r.attempts == 1 and r.lease_token is None for r in rows)


def _sandbox_messages(pipeline: Pipeline) -> list[dict]:
    return requests.get(f"{pipeline.carrier.base_url}/_sandbox/messages", timeout=5).json()


def test_validity_period_is_the_time_left_until_not_after(pipeline: Pipeline) -> None:
    not_after = utcnow() + timedelta(minutes=30)
    campaign_id = pipeline.campaign([drama(101), drama(102)], not_after=not_after)
    pipeline.drive(campaign_id)
    periods = [m["validity_period"] for m in _sandbox_messages(pipeline)]
    assert len(periods) == 2
    # Sent within a few seconds of launch: 1800 s less that, as a whole number of seconds.
    assert all(1790 <= int(p) <= 1800 for p in periods), periods


def test_without_not_after_no_validity_period_is_sent(pipeline: Pipeline) -> None:
    pipeline.drive(pipeline.campaign([drama(103)]))
    assert [m["validity_period"] for m in _sandbox_messages(pipeline)] == [None]


@pytest.mark.postgres
def test_a_recipient_who_opted_out_at_the_carrier_is_rejected_and_suppressed(
    pipeline: Pipeline,
) -> None:
    opted_out, invalid, fine = drama(992), drama(990), drama(104)  # 21610, 21211 at the carrier
    campaign_id = pipeline.campaign([opted_out, invalid, fine])
    pipeline.drive(campaign_id)
    rows = {
        r.to: r
        for r in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
        )
    }
    assert (rows[opted_out].status, rows[opted_out].error_code) == ("rejected", 21610)
    assert (rows[invalid].status, rows[invalid].error_code) == ("rejected", 21211)
    assert rows[fine].status == "accepted"
    suppressed = set(db.session.scalars(select(Suppression.phone_hash)))
    assert suppressed == {lookup_hash(opted_out)}  # 21211 is not an opt-out
    assert pipeline.texts_per_recipient() == {fine: 1}


def test_a_number_suppressed_after_launch_is_not_texted(pipeline: Pipeline) -> None:
    from messaging.audience.suppression import suppress
    from messaging.models import DoNotContact

    numbers = [drama(110 + i) for i in range(6)]
    campaign_id = pipeline.campaign(numbers)
    suppress(db.session, numbers[0], source="reply")  # an opt-out: pending rows are cancelled
    db.session.add(DoNotContact(phone_hash=lookup_hash(numbers[1]), phone=numbers[1]))
    db.session.commit()  # do-not-contact: only the worker's last-moment check stops it
    pipeline.drive(campaign_id)
    assert pipeline.statuses(campaign_id) == {"suppressed": 2, "accepted": 4}
    assert_exactly_once(pipeline.texts_per_recipient(), numbers[2:])


def test_retryable_errors_are_retried_up_to_the_attempt_cap(pipeline: Pipeline) -> None:
    pipeline.reconfigure(max_attempts=3)
    overflow = drama(997)  # the carrier answers 21611 (queue overflow, retryable) every time
    campaign_id = pipeline.campaign([overflow, drama(105)])
    pipeline.drive(campaign_id)
    row = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.phone_hash == lookup_hash(overflow))
    )
    assert (row.status, row.error_code, row.attempts) == ("rejected", 21611, 3)
    assert pipeline.carrier_stats()["rejected"] == {"21611": 3}
    assert pipeline.texts_per_recipient() == {drama(105): 1}


def test_a_sender_the_carrier_refuses_pauses_the_campaign_and_says_why(
    pipeline: Pipeline,
) -> None:
    from campaigns import lifecycle
    from messaging import runtime

    numbers = [drama(120 + i) for i in range(5)]
    campaign_id = pipeline.campaign(numbers, sender="+447700900980")  # 21606 at create
    campaign = pipeline.drive(campaign_id, until=lambda c: c.state == CampaignState.PAUSED)
    assert campaign.stop_code == "carrier_block"
    assert "21606" in campaign.stop_reason
    assert pipeline.statuses(campaign_id) == {"pending": 5}  # released unsent, none lost
    assert pipeline.accepted() == 0
    rt = runtime.current()
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.resume(
            db.session, campaign, pipeline.officer, redis=rt.redis, settings=rt.settings
        )
    assert refused.value.code == "not_supervisor"
    lifecycle.resume(
        db.session, campaign, pipeline.supervisor, redis=rt.redis, settings=rt.settings
    )
    db.session.commit()
    assert pipeline.get(campaign_id).state == CampaignState.SENDING


def test_quiet_hours_hold_texts_in_the_worker_until_the_window_opens(pipeline: Pipeline) -> None:
    from messaging.sending.send_window import LONDON

    numbers = [drama(130 + i) for i in range(4)]
    urgent_id = pipeline.campaign(numbers[:2], urgent=True)
    calm_id = pipeline.campaign(numbers[2:], urgent=False)  # launched inside the window
    hour = utcnow().astimezone(LONDON).hour
    # Now the window is shut: it opens two hours from now, London time.
    pipeline.reconfigure(quiet_hours_start=(hour + 2) % 24, quiet_hours_end=(hour + 3) % 24)
    pipeline.drive(urgent_id)
    pipeline.drive(calm_id, until=lambda c: pipeline.statuses(c.id) == {"pending": 2})
    assert pipeline.texts_per_recipient() == {numbers[0]: 1, numbers[1]: 1}
    from messaging.sending.progress import campaign_progress

    waiting = campaign_progress(db.session, calm_id)["waiting_until"]
    opens = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    assert waiting is not None and abs((datetime_from(waiting) - opens).total_seconds()) < 3600
    assert pipeline.get(calm_id).state == CampaignState.SENDING


def datetime_from(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_a_campaign_whose_not_after_passes_stops_and_says_why(pipeline: Pipeline) -> None:
    pipeline.reconfigure(send_rate_override=4.0, batch_size=50)  # 2 segments: 2 texts a second
    numbers = [drama(140 + i) for i in range(30)]
    campaign_id = pipeline.campaign(numbers, not_after=utcnow() + timedelta(seconds=3))
    campaign = pipeline.drive(campaign_id, timeout=20)
    assert campaign.state == CampaignState.COMPLETED
    assert campaign.stop_code == "not_after"
    assert "not-after" in campaign.stop_reason
    counts = pipeline.statuses(campaign_id)
    assert counts.get("expired", 0) > 0 and counts.get("accepted", 0) > 0
    assert set(counts) == {"expired", "accepted"}
    assert sum(pipeline.texts_per_recipient().values()) == counts["accepted"]


@pytest.mark.slow
def test_a_stop_that_arrives_mid_batch_stops_the_next_text(pipeline: Pipeline) -> None:
    from messaging.audience.suppression import suppress

    pipeline.reconfigure(send_rate_override=10.0, batch_size=40)  # one batch, 5 texts/s
    numbers = [drama(150 + i) for i in range(20)]
    campaign_id = pipeline.campaign(numbers)
    pipeline.start_worker()
    pipeline.wait_for(lambda: pipeline.statuses(campaign_id).get("claimed", 0) == 20)
    pipeline.wait_for(lambda: pipeline.accepted() >= 2)
    late = numbers[-3:]  # still waiting for their turn in the claimed batch
    for number in late:
        suppress(db.session, number, source="reply")
    db.session.commit()
    pipeline.wait_state(campaign_id, CampaignState.COMPLETED, timeout=15)
    assert pipeline.statuses(campaign_id) == {"accepted": 17, "suppressed": 3}
    assert_exactly_once(pipeline.texts_per_recipient(), numbers[:-3])


def _abandon(campaign_id: int) -> None:
    """Leave every row as a worker killed mid-call would: claimed, lease long over."""
    now = utcnow()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign_id)
        .values(
            status="claimed",
            lease_token="deadbeef",
            lease_until=now - timedelta(seconds=30),
            claimed_at=now - timedelta(seconds=40),
        )
    )
    db.session.commit()


def test_an_abandoned_text_is_released_if_the_carrier_never_saw_it_else_kept(
    pipeline: Pipeline,
) -> None:
    from messaging import runtime
    from messaging.gateways.base import OutgoingSms
    from messaging.sending.progress import campaign_progress
    from tests.messaging.sending.conftest import SERVICE_SID

    numbers = [drama(160), drama(161), drama(162)]
    campaign_id = pipeline.campaign(numbers, launch=False)
    body = pipeline.get(campaign_id).snapshot["body"]
    pipeline.launch(campaign_id)
    _abandon(campaign_id)
    gateway = runtime.current().gateway()
    # The dead worker got one text out; another text, with other words, also reached a number.
    sent = gateway.send(OutgoingSms(to=numbers[0], body=body, sender=SERVICE_SID))
    gateway.send(OutgoingSms(to=numbers[1], body="something else", sender=SERVICE_SID))
    campaign = pipeline.drive(campaign_id)
    assert campaign.state == CampaignState.COMPLETED
    rows = {
        r.to: r
        for r in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
        )
    }
    assert rows[numbers[0]].provider_id == sent.provider_id  # found: recorded, not resent
    assert rows[numbers[1]].status == "unknown"  # unaccounted text: a person decides
    assert rows[numbers[2]].status == "accepted"  # never left: sent now, once
    assert pipeline.texts_per_recipient() == dict.fromkeys(numbers, 1)
    assert campaign_progress(db.session, campaign_id)["unknown"] == 1
