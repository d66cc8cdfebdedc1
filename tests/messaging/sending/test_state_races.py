"""Campaign state changes that race: a cancel, a pause, a worker's outcomes, the tick.

Each race is forced: one side runs in another thread at the worst moment of the other (and
is given a second to finish, which it may not: it may have to wait for a lock). Afterwards
the campaign and its rows agree with what each side was told.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from campaigns import lifecycle
from campaigns.campaign_rules import LifecycleError
from messaging import delivery_status as ds
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, OutboxMessage, User
from messaging.sending import outcomes as send_outcomes
from messaging.sending import reconcile
from messaging.sending.outcomes import Outcome, record_outcomes
from messaging.sending.reconcile import tick
from tests.messaging.sending.conftest import Pipeline, drama

TOKEN = "race-token"


def _in_thread(action: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``action`` in another thread; give it a second (it may be waiting for a lock)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = action()
        except Exception as exc:  # reported to the test through ``result``
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=1.0)
    return thread, result


def _cancel_in_own_transaction(campaign_id: int, user_id: int) -> int:
    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        user = session.get(User, user_id)
        assert campaign is not None and user is not None
        return lifecycle.cancel(session, campaign, user, reason="race")


def _claim_all(campaign_id: int) -> list[int]:
    with db.transaction() as session:
        return list(
            session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.campaign_id == campaign_id)
                .values(
                    status=ds.CLAIMED,
                    lease_token=TOKEN,
                    lease_until=utcnow() + timedelta(seconds=60),
                    claimed_at=utcnow(),
                )
                .returning(OutboxMessage.id)
            )
        )


@pytest.mark.postgres
def test_rows_a_batch_releases_as_a_cancel_commits_end_cancelled(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id = pipeline.campaign([drama(200 + i) for i in range(4)])
    ids = _claim_all(campaign_id)
    officer_id = pipeline.officer.id
    handover = send_outcomes.record_gateway_handover
    threads: list[tuple[threading.Thread, dict[str, Any]]] = []

    def cancel_then_hand_over(*args: Any, **kwargs: Any) -> Any:
        # The batch has written its outcomes and read the campaign's state: cancel now.
        threads.append(_in_thread(lambda: _cancel_in_own_transaction(campaign_id, officer_id)))
        return handover(*args, **kwargs)

    monkeypatch.setattr(send_outcomes, "record_gateway_handover", cancel_then_hand_over)
    record_outcomes(campaign_id, TOKEN, [Outcome(i, ds.PENDING, attempts=0) for i in ids])
    [(thread, result)] = threads
    thread.join(timeout=10)
    assert "error" not in result
    assert pipeline.get(campaign_id).state == CampaignState.CANCELLED
    assert pipeline.statuses(campaign_id) == {ds.CANCELLED: 4}


def test_the_tick_cancels_pending_rows_left_in_a_cancelled_campaign(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign([drama(210 + i) for i in range(3)])
    with db.transaction() as session:  # a cancel that committed just before rows came back
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(state=CampaignState.CANCELLED)
        )
    assert pipeline.statuses(campaign_id) == {ds.PENDING: 3}
    assert tick()["cancelled_leftovers"] == 3
    assert pipeline.statuses(campaign_id) == {ds.CANCELLED: 3}


@pytest.mark.postgres
@pytest.mark.parametrize("action", ["pause", "cancel"])
def test_a_pause_or_cancel_never_overwrites_a_completion_it_did_not_see(
    pipeline: Pipeline, action: str
) -> None:
    campaign_id = pipeline.campaign([drama(220)], launch=True)
    campaign = pipeline.get(campaign_id)  # read while sending
    assert campaign.state == CampaignState.SENDING
    with db.transaction() as session:  # meanwhile a worker completes it
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(state=CampaignState.COMPLETED)
        )
    with pytest.raises(LifecycleError) as refused:
        if action == "pause":
            lifecycle.pause(db.session, campaign, pipeline.officer)
        else:
            lifecycle.cancel(db.session, campaign, pipeline.officer)
    db.session.commit()
    assert refused.value.code == "state_changed"
    assert pipeline.get(campaign_id).state == CampaignState.COMPLETED


@pytest.mark.postgres
def test_the_not_after_stop_and_a_cancel_agree_on_who_won(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id = pipeline.campaign([drama(230 + i) for i in range(3)])
    lifecycle.pause(db.session, pipeline.get(campaign_id), pipeline.officer)
    db.session.commit()
    with db.transaction() as session:  # its not-after has just passed
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(not_after=utcnow() - timedelta(seconds=1))
        )
    officer_id = pipeline.officer.id
    note = reconcile.note_window_closed
    threads: list[tuple[threading.Thread, dict[str, Any]]] = []

    def cancel_then_note(*args: Any, **kwargs: Any) -> bool:
        threads.append(_in_thread(lambda: _cancel_in_own_transaction(campaign_id, officer_id)))
        return note(*args, **kwargs)

    monkeypatch.setattr(reconcile, "note_window_closed", cancel_then_note)
    try:
        tick()
    except Exception as exc:  # before the fix: a deadlock between the two
        pytest.fail(f"the tick failed: {type(exc).__name__}")
    [(thread, result)] = threads
    thread.join(timeout=10)
    state = pipeline.get(campaign_id).state
    if "error" in result:
        assert isinstance(result["error"], LifecycleError)  # refused: the tick finished it
        assert state == CampaignState.COMPLETED
    else:
        assert state == CampaignState.CANCELLED  # the cancel the officer was told about
    assert set(pipeline.statuses(campaign_id)) <= {ds.EXPIRED, ds.CANCELLED}
