"""Callbacks for one message racing each other: the conditional UPDATE lets exactly one final
status win, on SQLite and on PostgreSQL (where the row lock serialises them)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import select

from messaging.db import db
from messaging.models import DeliveryEvent, OutboxMessage
from tests.messaging.inbound.webhooks.helpers import (
    make_campaign,
    make_outbox,
    post_signed,
    status_params,
)
from tests.support.factories import make_contacts, make_line, make_user

STATUS = "/webhooks/twilio/status"


@pytest.mark.postgres
def test_racing_final_statuses_leave_exactly_one_winner(app: Flask) -> None:
    make_user()
    line = make_line()
    (message,) = make_outbox(make_campaign([line]), make_contacts(line, ["+447700900777"]))
    posts = ["sent"] * 15 + ["delivered"] * 15 + ["undelivered"] * 15
    random.Random(3).shuffle(posts)

    def post(status: str) -> int:
        with app.app_context():
            return post_signed(
                app.test_client(), STATUS, status_params(message.provider_id, status)
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(post, posts)) == {204}

    db.session.expire_all()
    events = db.session.scalars(select(DeliveryEvent).order_by(DeliveryEvent.id)).all()
    assert len(events) == len(posts)
    applied_finals = [e.status for e in events if e.applied and e.status != "sent"]
    assert len(applied_finals) == 1
    assert db.session.get(OutboxMessage, message.id).status == applied_finals[0]
    assert sum(1 for e in events if e.applied and e.status == "sent") <= 1


@pytest.mark.postgres
def test_racing_inbound_texts_store_each_once_and_one_opt_out(app: Flask) -> None:
    from messaging.models import Reply, Suppression
    from tests.messaging.inbound.webhooks.helpers import inbound_params, new_sid

    same_sid = new_sid()
    posts = [inbound_params(same_sid, "+447700900778", "STOP")] * 6 + [
        inbound_params(new_sid(), "+447700900778", "stop texting me") for _ in range(6)
    ]

    def post(params: dict[str, str]) -> int:
        with app.app_context():
            return post_signed(app.test_client(), "/webhooks/twilio/inbound", params).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(post, posts)) == {200}
    db.session.expire_all()
    assert len(db.session.scalars(select(Reply)).all()) == 7  # one per distinct MessageSid
    (suppression,) = db.session.scalars(select(Suppression)).all()
    assert suppression.active


@pytest.mark.postgres
def test_a_callback_racing_the_worker_s_commit_waits_for_it_and_is_applied(app: Flask) -> None:
    # The worker has recorded the message id and looked for early callbacks, but has not
    # committed; the carrier's callback arrives now. It must not be left for the sweep.
    import threading

    from messaging.sending.receipts import apply_pending_events

    make_user()
    line = make_line()
    (message,) = make_outbox(
        make_campaign([line]), make_contacts(line, ["+447700900779"]), status="claimed"
    )
    sid = "SM" + "7" * 32
    worker = db.transaction()
    session = worker.__enter__()
    session.execute(
        OutboxMessage.__table__.update()
        .where(OutboxMessage.id == message.id)
        .values(provider_id=sid, status="queued")
    )
    assert apply_pending_events(session, [sid]) == 0  # nothing has arrived yet

    codes: list[int] = []
    callback = threading.Thread(
        target=lambda: codes.append(
            post(app, status_params(sid, "delivered") | {"To": "+447700900779"})
        )
    )
    callback.start()
    callback.join(timeout=0.5)
    assert callback.is_alive()  # waiting for the worker's transaction, not storing an orphan
    worker.__exit__(None, None, None)
    callback.join(timeout=10)
    assert codes == [204]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "delivered"
    (event,) = db.session.scalars(select(DeliveryEvent)).all()
    assert (event.outbox_id, event.applied) == (message.id, True)


def post(app: Flask, params: dict[str, str]) -> int:
    with app.app_context():
        return post_signed(app.test_client(), STATUS, params).status_code
