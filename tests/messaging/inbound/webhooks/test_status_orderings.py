"""The delivery-status state machine under every order the carrier can deliver callbacks in.

Every permutation of queued, sent, delivered, undelivered, failed and read is applied, then
replayed as late duplicates in reverse. The expected outcome is stated as the rule, not
computed by the code under test:

* the first final status to arrive (delivered, undelivered, failed, read) stays, except
  that ``read`` follows ``delivered`` whenever it arrives; a read never replaces a failure;
* otherwise the message is as far along as the furthest status seen (queued < sent).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from messaging import config, runtime
from messaging.crypto import lookup_hash
from messaging.db import Base, db, utcnow
from messaging.models import Campaign, Contact, DeliveryEvent, Line, OutboxMessage, User
from messaging.seed import ensure_a_force
from messaging.sending.receipts import apply_orphaned_events, apply_pending_events, apply_status
from tests.messaging.inbound.webhooks.helpers import new_sid, status_params

STATUSES = ("queued", "sent", "delivered", "undelivered", "failed", "read")
FIRST_FINALS = ("delivered", "undelivered", "failed")
ERROR_CODES = {"undelivered": 30003, "failed": 30008}
PERMUTATIONS = list(itertools.permutations(STATUSES))


def expected_status(arrivals: tuple[str, ...], start: str = "queued") -> str:
    finals = [s for s in arrivals if s in (*FIRST_FINALS, "read")]
    if finals:
        if finals[0] == "delivered" and "read" in arrivals:
            return "read"
        return finals[0]
    return "sent" if "sent" in arrivals or start == "sent" else "queued"


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[dict]:
    """One SQLite database for the whole module: each case gets its own message."""
    tmp: Path = tmp_path_factory.mktemp("orderings")
    settings = config.test_settings(
        tmp, database_url=f"sqlite:///{tmp / 'o.sqlite3'}", redis_url=redis_url
    )
    runtime.configure(settings)
    Base.metadata.create_all(db.engine)
    with db.transaction() as session:
        force = ensure_a_force(session)  # as the first migration makes
        user = User(email="o@force.test", display_name="o", role="officer", password_hash="x")
        line = Line(reference="ORDER/1", name="Order")
        session.add_all([user, line])
        session.flush()
        campaign = Campaign(name="orderings", sender="+447700900000", created_by_id=user.id)
        session.add(campaign)
        session.flush()
        ids = {"line": line.id, "campaign": campaign.id, "force": force.id}
    yield ids
    db.dispose()


_numbers = itertools.count(1)


def _message(ids: dict, *, sid: str | None, status: str = "queued") -> int:
    phone = f"+4477009{next(_numbers):05d}"
    with db.transaction() as session:
        contact = Contact(
            force_id=ids["force"],
            line_id=ids["line"],
            phone_hash=lookup_hash(phone),
            phone=phone,
            kind="mobile",
        )
        session.add(contact)
        session.flush()
        message = OutboxMessage(
            force_id=ids["force"],
            campaign_id=ids["campaign"],
            contact_id=contact.id,
            phone_hash=lookup_hash(phone),
            to=phone,
            body="b",
            sender="+447700900000",
            segments=1,
            status=status,
            provider_id=sid,
            submitted_at=utcnow() if sid else None,
        )
        session.add(message)
        session.flush()
        return message.id


def _callback(sid: str, status: str) -> None:
    with db.transaction() as session:
        apply_status(session, status_params(sid, status, error_code=ERROR_CODES.get(status)))


def _state(outbox_id: int) -> tuple[OutboxMessage, list[DeliveryEvent]]:
    with db.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        events = session.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.outbox_id == outbox_id)
            .order_by(DeliveryEvent.id)
        ).all()
        session.expunge_all()
    return row, list(events)


@pytest.mark.parametrize("arrivals", PERMUTATIONS, ids=lambda p: "-".join(s[:3] for s in p))
def test_every_ordering_ends_in_the_rule_s_status_and_duplicates_change_nothing(
    machine: dict, arrivals: tuple[str, ...]
) -> None:
    sid = new_sid()
    outbox_id = _message(machine, sid=sid)
    for status in arrivals:
        _callback(sid, status)
    after_first_pass, _ = _state(outbox_id)
    for status in reversed(arrivals):  # every callback again, late and backwards
        _callback(sid, status)
    row, events = _state(outbox_id)

    want = expected_status(arrivals)
    assert row.status == want
    assert (row.status, row.updated_at) == (after_first_pass.status, after_first_pass.updated_at)
    assert row.final_at is not None
    assert len(events) == 2 * len(arrivals)  # every callback kept
    assert not any(e.applied for e in events[len(arrivals) :])  # no duplicate applied
    applied = [e.status for e in events if e.applied]
    assert applied[-1] == want
    assert row.error_code == ERROR_CODES.get(want, _last_code(applied))
    assert [e.error_code for e in events[: len(arrivals)]] == [ERROR_CODES.get(s) for s in arrivals]


def _last_code(applied: list[str]) -> int | None:
    codes = [ERROR_CODES[s] for s in applied if s in ERROR_CODES]
    return codes[-1] if codes else None


@pytest.mark.parametrize("start", ["pending", "claimed", "unknown"])
@pytest.mark.parametrize(
    "arrivals",
    random.Random(6).sample(PERMUTATIONS, 12),
    ids=lambda p: "-".join(s[:3] for s in p),
)
def test_callbacks_that_arrive_before_the_worker_records_the_id_are_applied_in_order(
    machine: dict, start: str, arrivals: tuple[str, ...]
) -> None:
    sid = new_sid()
    outbox_id = _message(machine, sid=None, status=start)
    cut = len(arrivals) // 2
    for status in arrivals[:cut]:  # these find no message with that id yet
        _callback(sid, status)
    with db.transaction() as session:  # the worker records the id and the gateway's answer
        session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.id == outbox_id)
            .values(provider_id=sid, status="queued", submitted_at=utcnow())
        )
        assert apply_pending_events(session, [sid]) == cut
    for status in arrivals[cut:]:
        _callback(sid, status)
    row, events = _state(outbox_id)
    assert row.status == expected_status(arrivals)
    assert len(events) == len(arrivals)


def test_a_local_final_status_is_never_overwritten_by_the_carrier(machine: dict) -> None:
    sid = new_sid()
    outbox_id = _message(machine, sid=sid, status="suppressed")
    for status in STATUSES:
        _callback(sid, status)
    row, events = _state(outbox_id)
    assert row.status == "suppressed"
    assert len(events) == len(STATUSES) and not any(e.applied for e in events)


@pytest.mark.parametrize("status", ["receiving", "received", "bogus", ""])
def test_a_status_pester_does_not_know_is_kept_but_changes_nothing(machine: dict, status: str):
    sid = new_sid()
    outbox_id = _message(machine, sid=sid, status="sent")
    _callback(sid, status)
    row, events = _state(outbox_id)
    assert row.status == "sent"
    assert [(e.status, e.applied) for e in events] == [(status, False)]


def test_a_callback_that_crossed_the_worker_s_commit_is_applied_by_the_sweep(machine: dict):
    # The callback found no message (the worker had not committed the id yet) and the worker
    # looked for early callbacks before this one committed: neither saw the other.
    sid = new_sid()
    outbox_id = _message(machine, sid=None, status="claimed")
    _callback(sid, "delivered")
    with db.transaction() as session:
        session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.id == outbox_id)
            .values(provider_id=sid, status="sent", submitted_at=utcnow())
        )
    assert _state(outbox_id)[0].status == "sent"
    with db.transaction() as session:
        assert apply_orphaned_events(session) == 1
    row, events = _state(outbox_id)
    assert row.status == "delivered"
    assert [(e.status, e.applied) for e in events] == [("delivered", True)]
    with db.transaction() as session:
        assert apply_orphaned_events(session) == 0  # applied once, never again


def test_opt_out_error_code_arriving_before_the_id_is_recorded_still_suppresses(machine: dict):
    from messaging.models import Suppression

    sid = new_sid()
    outbox_id = _message(machine, sid=None, status="claimed")
    with db.transaction() as session:
        apply_status(session, status_params(sid, "failed", error_code=21610))
    with db.transaction() as session:
        session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.id == outbox_id)
            .values(provider_id=sid, status="queued", submitted_at=utcnow())
        )
        apply_pending_events(session, [sid])
    with db.transaction() as session:
        phone_hash = session.get(OutboxMessage, outbox_id).phone_hash
        suppression = session.scalar(
            select(Suppression).where(Suppression.phone_hash == phone_hash)
        )
        assert suppression is not None and suppression.active
        assert suppression.source == "error_code"


@pytest.mark.parametrize("first", ["delivered", "undelivered", "failed"])
def test_an_opt_out_code_suppresses_even_when_its_status_comes_after_another_final(
    machine: dict, first: str
) -> None:
    from messaging.models import Suppression

    sid = new_sid()
    outbox_id = _message(machine, sid=sid)
    _callback(sid, first)
    with db.transaction() as session:
        result = apply_status(session, status_params(sid, "failed", error_code=21610))
    assert result.known and not result.applied  # the first final status stays
    row, _ = _state(outbox_id)
    assert row.status == first
    with db.transaction() as session:
        suppression = session.scalar(
            select(Suppression).where(Suppression.phone_hash == row.phone_hash)
        )
        assert suppression is not None and suppression.active
        assert suppression.source == "error_code"


def test_a_kept_opt_out_callback_suppresses_even_when_not_applied(machine: dict) -> None:
    from messaging.models import Suppression

    sid = new_sid()
    outbox_id = _message(machine, sid=None, status="claimed")
    _callback(sid, "delivered")  # arrives before the worker records the id: kept
    with db.transaction() as session:
        apply_status(session, status_params(sid, "failed", error_code=21610))  # kept too
    with db.transaction() as session:
        session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.id == outbox_id)
            .values(provider_id=sid, status="queued", submitted_at=utcnow())
        )
        assert apply_pending_events(session, [sid]) == 2
    row, events = _state(outbox_id)
    assert row.status == "delivered"
    assert [(e.status, e.applied) for e in events] == [("delivered", True), ("failed", False)]
    with db.transaction() as session:
        suppression = session.scalar(
            select(Suppression).where(Suppression.phone_hash == row.phone_hash)
        )
        assert suppression is not None and suppression.active
