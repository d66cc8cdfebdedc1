"""Who may move a campaign where, maker-checker, what an approval freezes, and scheduling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns import lifecycle
from campaigns.auth import create_user
from campaigns.campaign_rules import RULES, available_actions, require
from messaging import runtime
from messaging.audience.suppression import suppress
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, Contact, OutboxMessage, User
from messaging.sending.reconcile import tick
from tests.messaging.sending.conftest import Pipeline, drama
from tests.support.factories import make_contacts

S = CampaignState
ROLES = ("officer", "supervisor", "analyst", "admin")
# (action, state it starts from, roles that may take it): DOMAIN.md's users, as a table.
ALLOWED = [
    ("edit", S.DRAFT, {"officer"}),
    ("submit", S.DRAFT, {"officer"}),
    ("test_send", S.APPROVED, {"officer"}),
    ("approve", S.AWAITING_APPROVAL, {"supervisor"}),
    ("reject", S.AWAITING_APPROVAL, {"supervisor"}),
    ("launch", S.APPROVED, {"officer", "supervisor"}),
    ("pause", S.SENDING, {"officer", "supervisor"}),
    ("resume", S.PAUSED, {"officer", "supervisor"}),
    ("cancel", S.SENDING, {"officer", "supervisor"}),
]


def _user(role: str) -> User:
    user, _ = create_user(f"{role}-{utcnow().timestamp()}@force.test", role, password="x" * 16)
    return user


@pytest.mark.parametrize(("action", "state", "roles"), ALLOWED)
def test_only_the_right_roles_may_take_each_action(
    action: str, state: str, roles: set[str]
) -> None:
    campaign = Campaign(id=1, state=state, created_by_id=1, stop_code="")
    for number, role in enumerate(ROLES, start=2):
        user = User(id=number, role=role)  # never the maker (user 1)
        allowed = role in roles
        assert (action in available_actions(campaign, user)) is allowed, (role, action)
        if allowed:
            require(action, campaign, user)
        else:
            with pytest.raises(lifecycle.LifecycleError):
                require(action, campaign, user)


def test_analysts_and_admins_move_no_campaign_in_any_state() -> None:
    for rule in RULES.values():
        assert not rule.roles & {"analyst", "admin"}


def test_an_action_from_the_wrong_state_is_refused_with_a_reason(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101)], launch=False))  # approved
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.pause(db.session, campaign, pipeline.officer)
    assert refused.value.code == "bad_state"
    assert "paused" in refused.value.message


def test_an_analyst_cannot_cancel_even_through_the_function(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101)], launch=False))
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.cancel(db.session, campaign, _user("analyst"))
    assert refused.value.code == "not_allowed"


def test_the_maker_cannot_approve_their_own_campaign(pipeline: Pipeline) -> None:
    maker = _user("supervisor")  # even a supervisor who built it
    line_id = pipeline.get(pipeline.campaign([drama(101)], launch=False)).lines[0].id
    campaign = lifecycle.create_campaign(db.session, pipeline.draft(line_id), maker)
    campaign.state = S.AWAITING_APPROVAL
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.approve(db.session, campaign, maker, settings=pipeline.settings)
    assert refused.value.code == "same_person"
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.approve(db.session, campaign, pipeline.officer, settings=pipeline.settings)
    assert refused.value.code == "not_supervisor"


def test_approval_freezes_the_text_sender_window_and_exact_recipients(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101), drama(102)], launch=False))
    snapshot = campaign.snapshot
    assert "Testshire Police" in snapshot["body"] and snapshot["sender"] == campaign.sender
    assert snapshot["recipient_count"] == 2 and len(snapshot["recipients_digest"]) == 64
    assert snapshot["urgent"] is True and snapshot["segments"] >= 1
    assert campaign.approved_recipients and campaign.approved_by_id == pipeline.supervisor.id


def test_any_edit_voids_the_approval_and_launch_is_refused(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101)], launch=False))
    draft = pipeline.draft(campaign.lines[0].id, force_name="Otherworld Police")
    lifecycle.edit_campaign(db.session, campaign, draft, pipeline.officer)
    db.session.commit()
    campaign = pipeline.get(campaign.id)
    assert campaign.state == S.DRAFT
    assert campaign.snapshot is None and campaign.approved_recipients is None
    with pytest.raises(lifecycle.LifecycleError) as refused:
        pipeline.launch(campaign.id)
    assert refused.value.code == "bad_state"


def test_a_tampered_snapshot_is_refused_at_launch(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101)], launch=False))
    campaign.snapshot = {**campaign.snapshot, "body": "something else entirely"}
    db.session.commit()
    with pytest.raises(lifecycle.LifecycleError) as refused:
        pipeline.launch(campaign.id)
    assert refused.value.code == "snapshot_changed"


@pytest.mark.postgres
def test_launch_is_refused_when_recipients_grew_since_approval(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101), drama(102)], launch=False))
    make_contacts(campaign.lines[0], [drama(103)])  # a second extraction imported after approval
    with pytest.raises(lifecycle.LifecycleError) as refused:
        pipeline.launch(campaign.id)
    assert refused.value.code == "recipients_grew"
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.postgres
def test_launch_is_refused_when_a_new_recipient_replaces_one_who_left(pipeline: Pipeline) -> None:
    # Same count, different people: only the exact set kept at approval catches this.
    campaign = pipeline.get(pipeline.campaign([drama(101), drama(102)], launch=False))
    suppress(db.session, drama(101), source="reply")
    make_contacts(campaign.lines[0], [drama(103)])
    with pytest.raises(lifecycle.LifecycleError) as refused:
        pipeline.launch(campaign.id)
    assert refused.value.code == "recipients_grew"


def test_launch_goes_ahead_without_recipients_who_opted_out_since(pipeline: Pipeline) -> None:
    campaign = pipeline.get(pipeline.campaign([drama(101), drama(102)], launch=False))
    suppress(db.session, drama(101), source="reply")
    db.session.commit()
    assert pipeline.launch(campaign.id) == 1
    assert pipeline.get(campaign.id).recipient_count == 1


def test_a_campaign_with_a_future_not_before_is_scheduled_and_the_tick_starts_it(
    pipeline: Pipeline,
) -> None:
    start = utcnow() + timedelta(seconds=2)
    campaign_id = pipeline.campaign([drama(101), drama(102)], not_before=start)
    assert pipeline.get(campaign_id).state == S.SCHEDULED
    assert pipeline.statuses(campaign_id) == {"pending": 2}  # written at launch, not queued
    assert runtime.current().redis.keys(f"{pipeline.settings.queue_prefix}-send*") == []
    tick()
    assert pipeline.get(campaign_id).state == S.SCHEDULED
    campaign = pipeline.drive(campaign_id, timeout=10)
    assert campaign.state == S.COMPLETED
    assert pipeline.texts_per_recipient() == {drama(101): 1, drama(102): 1}
    sent_at = db.session.scalars(select(OutboxMessage.submitted_at)).all()
    assert min(sent_at) >= start


def test_a_non_urgent_campaign_launched_in_quiet_hours_waits_scheduled(
    pipeline: Pipeline,
) -> None:
    from messaging.sending.send_window import LONDON

    hour = utcnow().astimezone(LONDON).hour
    pipeline.reconfigure(quiet_hours_start=(hour + 2) % 24, quiet_hours_end=(hour + 3) % 24)
    calm = pipeline.campaign([drama(101)], urgent=False)
    urgent = pipeline.campaign([drama(102)], urgent=True)
    assert pipeline.get(calm).state == S.SCHEDULED
    assert pipeline.drive(urgent).state == S.COMPLETED
    tick()
    assert pipeline.get(calm).state == S.SCHEDULED
    assert pipeline.texts_per_recipient() == {drama(102): 1}


def test_a_scheduled_campaign_can_be_paused_and_cancelled(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign([drama(101)], not_before=utcnow() + timedelta(hours=1))
    lifecycle.pause(db.session, pipeline.get(campaign_id), pipeline.officer)
    db.session.commit()
    rt = runtime.current()
    lifecycle.resume(
        db.session,
        pipeline.get(campaign_id),
        pipeline.officer,
        redis=rt.redis,
        settings=rt.settings,
    )
    db.session.commit()
    assert pipeline.get(campaign_id).state == S.SCHEDULED  # its window is still shut
    assert lifecycle.cancel(db.session, pipeline.get(campaign_id), pipeline.supervisor) == 1
    db.session.commit()
    assert pipeline.statuses(campaign_id) == {"cancelled": 1}


def test_launch_is_refused_once_the_send_window_has_closed(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign(
        [drama(101)], not_after=utcnow() + timedelta(seconds=1), launch=False
    )
    import time

    time.sleep(1.2)
    with pytest.raises(lifecycle.LifecycleError) as refused:
        pipeline.launch(campaign_id)
    assert refused.value.code == "window_closed"


def test_a_paused_campaign_past_its_not_after_completes_and_says_why(pipeline: Pipeline) -> None:
    # Three seconds to build, approve and launch it (one was too few on a loaded machine),
    # then wait until the window has closed.
    not_after = utcnow() + timedelta(seconds=3)
    campaign_id = pipeline.campaign([drama(101)], not_after=not_after)
    lifecycle.pause(db.session, pipeline.get(campaign_id), pipeline.officer)
    db.session.commit()
    import time

    time.sleep(max(0.0, (not_after - utcnow()).total_seconds()) + 0.2)
    tick()
    campaign = pipeline.get(campaign_id)
    assert (campaign.state, campaign.stop_code) == (S.COMPLETED, "not_after")
    assert pipeline.statuses(campaign_id) == {"expired": 1}


def test_launching_twice_writes_the_outbox_once(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign([drama(101), drama(102)])
    with pytest.raises(lifecycle.LifecycleError):
        pipeline.launch(campaign_id)
    db.session.rollback()
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 2


def test_several_lines_sharing_a_number_text_it_once(pipeline: Pipeline) -> None:
    first = pipeline.get(pipeline.campaign([drama(101), drama(102)], launch=False)).lines[0]
    second_campaign = pipeline.get(pipeline.campaign([drama(102), drama(103)], launch=False))
    second = second_campaign.lines[0]
    campaign = lifecycle.create_campaign(
        db.session, pipeline.draft(first.id, second.id), pipeline.officer
    )
    lifecycle.submit(db.session, campaign, pipeline.officer, settings=pipeline.settings)
    lifecycle.approve(db.session, campaign, pipeline.supervisor, settings=pipeline.settings)
    db.session.commit()
    assert pipeline.launch(campaign.id) == 3
    contacts = db.session.scalars(select(Contact)).all()
    assert len(contacts) == 4  # drama(102) is a contact of both lines
    pipeline.drive(campaign.id)
    assert pipeline.texts_per_recipient() == {drama(101): 1, drama(102): 1, drama(103): 1}
    assert isinstance(pipeline.get(campaign.id), Campaign)
