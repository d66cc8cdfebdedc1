"""A/B arms: two approved texts, recipients split at random by a seed stored on the
campaign, each outbox row recording its arm; the split is reproducible from the seed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns import lifecycle
from messaging.audience.arms import arm_sizes, assign_arms
from messaging.db import db
from messaging.models import MessageTemplate, OutboxMessage
from tests.messaging.sending.conftest import Pipeline, drama
from tests.support.factories import make_contacts


def test_the_split_is_the_same_for_the_same_seed_whatever_the_order_of_ids() -> None:
    ids = list(range(1, 201))
    first = assign_arms(ids, seed=424242)
    assert first == assign_arms(reversed(ids), seed=424242)
    assert first != assign_arms(ids, seed=424243)
    assert list(first.values()).count("A") == 100 and list(first.values()).count("B") == 100


@pytest.mark.parametrize(("n", "sizes"), [(0, (0, 0)), (1, (1, 0)), (7, (4, 3)), (10, (5, 5))])
def test_arm_a_gets_the_odd_recipient(n: int, sizes: tuple[int, int]) -> None:
    arms = list(assign_arms(range(n), seed=3).values())
    assert (arms.count("A"), arms.count("B")) == sizes == arm_sizes(n)


def test_the_split_is_not_simply_by_id_order() -> None:
    arms = assign_arms(range(1000), seed=11)
    first_half = [arms[i] for i in range(500)]
    assert 200 < first_half.count("A") < 300  # a shuffle, not "lowest ids get A"


def _version(slug: str) -> int:
    template = db.session.scalar(select(MessageTemplate).where(MessageTemplate.slug == slug))
    return template.current.id


def _ab_campaign(pipeline: Pipeline, numbers: list[str]) -> int:
    campaign_id = pipeline.campaign(numbers, launch=False, approve=False)
    campaign = pipeline.get(campaign_id)
    draft = pipeline.draft(
        *(line.id for line in campaign.lines),
        template_version_b_id=_version("exploitation_safecall"),
    )
    lifecycle.edit_campaign(db.session, campaign, draft, pipeline.officer)
    lifecycle.submit(db.session, campaign, pipeline.officer, settings=pipeline.settings)
    lifecycle.approve(db.session, campaign, pipeline.supervisor, settings=pipeline.settings)
    db.session.commit()
    return campaign_id


@pytest.mark.postgres
def test_an_ab_campaign_sends_each_arm_its_approved_text_split_by_the_stored_seed(
    pipeline: Pipeline,
) -> None:
    numbers = [drama(100 + i) for i in range(40)]
    campaign_id = _ab_campaign(pipeline, numbers)
    campaign = pipeline.get(campaign_id)
    snapshot = campaign.snapshot
    assert campaign.arm_seed is not None and snapshot["arm_seed"] == campaign.arm_seed
    assert "SafeCall" in snapshot["body_b"] and "FRANK" in snapshot["body"]
    assert snapshot["template_version_b_id"] == _version("exploitation_safecall")
    pipeline.launch(campaign_id)
    campaign = pipeline.drive(campaign_id)
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
    ).all()
    expected = assign_arms([r.contact_id for r in rows], campaign.arm_seed)
    assert {r.contact_id: r.arm for r in rows} == expected  # reproducible from the seed
    for row in rows:
        assert row.body == (snapshot["body"] if row.arm == "A" else snapshot["body_b"])
        assert row.segments == (snapshot["segments"] if row.arm == "A" else snapshot["segments_b"])
    bodies = [m["body"] for m in pipeline.carrier.messages()]
    assert bodies.count(snapshot["body"]) == 20 and bodies.count(snapshot["body_b"]) == 20


def test_editing_the_second_text_voids_the_approval_that_covered_both(
    pipeline: Pipeline,
) -> None:
    campaign_id = _ab_campaign(pipeline, [drama(150), drama(151)])
    campaign = pipeline.get(campaign_id)
    seed = campaign.arm_seed
    draft = pipeline.draft(
        *(line.id for line in campaign.lines),
        template_version_b_id=_version("line_closed"),
        area="Testshire",
    )
    lifecycle.edit_campaign(db.session, campaign, draft, pipeline.officer)
    db.session.commit()
    campaign = pipeline.get(campaign_id)
    assert campaign.state == "draft" and campaign.snapshot is None
    assert campaign.arm_seed == seed  # the split stays the one the officer saw


def test_the_same_version_twice_is_not_an_ab_test(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign([drama(160)], launch=False, approve=False)
    campaign = pipeline.get(campaign_id)
    draft = pipeline.draft(
        *(line.id for line in campaign.lines),
        template_version_b_id=campaign.template_version_id,
    )
    lifecycle.edit_campaign(db.session, campaign, draft, pipeline.officer)
    db.session.commit()
    problems = lifecycle.preview(db.session, campaign, settings=pipeline.settings).problems
    assert "An A/B test needs two different template versions." in problems


def test_a_recipient_added_after_approval_is_refused_not_dealt_an_arm(pipeline: Pipeline) -> None:
    campaign_id = _ab_campaign(pipeline, [drama(170), drama(171)])
    make_contacts(pipeline.get(campaign_id).lines[0], [drama(172)])
    with pytest.raises(lifecycle.LifecycleError) as refused:
        pipeline.launch(campaign_id)
    assert refused.value.code == "recipients_grew"
