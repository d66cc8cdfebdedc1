"""STOP means stop for analysts' answers too: an answer a worker has already claimed, when a
STOP commits, is checked again under the number's lock before its gateway call, as a
campaign's text is (``messaging.sending.final_check``; the ordering is proved in
``messaging.audience.number_lock``)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from messaging import delivery_status as ds
from messaging.audience.number_lock import hold_until_commit
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.inbound.replies import receive_reply
from messaging.models import OutboxMessage
from tests.messaging.inbound.answers.conftest import OUR_NUMBER, analyst, answer, reply
from tests.messaging.inbound.webhooks.helpers import inbound_params, new_sid
from tests.messaging.sending.conftest import Pipeline, drama

SUICIDAL = "i cant do this anymore i want to kill myself"


def _status(outbox_id: int) -> str:
    db.session.expire_all()
    status = db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id))
    db.session.rollback()  # no snapshot kept open between polls
    return str(status)


@pytest.mark.postgres
def test_an_answer_claimed_before_a_stop_commits_is_held_back_at_its_last_check(
    pipeline: Pipeline,
) -> None:
    number = drama(15)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    with db.transaction() as stop:
        # A STOP has begun: it holds the number's lock, as every opt-out does until it
        # commits, and has written nothing yet.
        hold_until_commit(stop, lookup_hash(number))
        made = answer(risk.id, analyst(), slug="response_suicidal_thoughts")  # queued
        row_id = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.answer_id == made.id)
        )
        assert row_id is not None
        pipeline.start_worker()
        # The worker claims the answer (no opt-out to see yet: its guard says send) and
        # waits for the number's lock before its last check.
        pipeline.wait_for(lambda: _status(row_id) != ds.PENDING, timeout=30)
        assert _status(row_id) == ds.CLAIMED, "the answer went while a STOP held the lock"
        receive_reply(stop, inbound_params(new_sid(), number, "STOP", to=OUR_NUMBER))
    stop_committed = time.time()

    pipeline.wait_for(lambda: _status(row_id) == ds.SUPPRESSED, timeout=30)
    pipeline.stop_workers()
    assert pipeline.texts_per_recipient() == {number: 1}  # the campaign's text only
    sent = [r for r in pipeline.carrier.carrier.store.all() if r.to == number]
    assert len(sent) == 1 and "Samaritans" not in sent[0].body
    assert all(r.created_at < stop_committed for r in sent)
