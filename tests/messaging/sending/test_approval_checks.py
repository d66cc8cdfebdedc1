"""What blocks approval: a one-way sender asked to take replies, and an over-long message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns import lifecycle
from campaigns.campaign_rules import LifecycleError
from messaging import runtime
from messaging.content.sms_templates import RESPONSE, load_shipped_templates, reply_route_for
from messaging.db import db
from messaging.models import MessageTemplate
from tests.messaging.sending.conftest import Pipeline, drama

ONE_WAY_SENDER = "TestPolice"
ASKING = reply_route_for(two_way=True)  # "Reply STOP to opt out."
ONE_WAY_ROUTE = reply_route_for(two_way=False, stop_number="07700 900456")
# Campaign texts: responses are answers to one reply, refused as a campaign's text (below).
SHIPPED = [t.slug for t in load_shipped_templates() if t.purpose != RESPONSE]
RESPONSES = [t.slug for t in load_shipped_templates() if t.purpose == RESPONSE]
REPLY_PROBLEM = "asks for a reply"


def _draft_campaign(pipeline: Pipeline, slug: str, *, sender: str, reply_route: str) -> int:
    template = db.session.scalar(select(MessageTemplate).where(MessageTemplate.slug == slug))
    assert template is not None, f"{slug} is not seeded"
    campaign_id = pipeline.campaign([drama(270)], launch=False, approve=False)
    campaign = pipeline.get(campaign_id)
    draft = pipeline.draft(
        *(line.id for line in campaign.lines),
        template_version_id=template.current.id,
        sender=sender,
        reply_route=reply_route,
        area="Testshire",
    )
    lifecycle.edit_campaign(db.session, campaign, draft, pipeline.officer)
    db.session.commit()
    return campaign_id


def _problems(pipeline: Pipeline, campaign_id: int) -> list[str]:
    settings = runtime.current().settings
    return lifecycle.preview(db.session, pipeline.get(campaign_id), settings=settings).problems


@pytest.mark.parametrize("slug", SHIPPED)
def test_a_one_way_sender_whose_text_asks_for_a_reply_cannot_be_approved(
    pipeline: Pipeline, slug: str
) -> None:
    campaign_id = _draft_campaign(pipeline, slug, sender=ONE_WAY_SENDER, reply_route=ASKING)
    problems = _problems(pipeline, campaign_id)
    assert any(REPLY_PROBLEM in problem for problem in problems), problems
    with pytest.raises(LifecycleError):
        lifecycle.submit(
            db.session, pipeline.get(campaign_id), pipeline.officer, settings=pipeline.settings
        )
    db.session.rollback()


@pytest.mark.parametrize("slug", SHIPPED)
def test_a_one_way_sender_with_the_one_way_opt_out_route_can_be_approved(
    pipeline: Pipeline, slug: str
) -> None:
    campaign_id = _draft_campaign(pipeline, slug, sender=ONE_WAY_SENDER, reply_route=ONE_WAY_ROUTE)
    assert _problems(pipeline, campaign_id) == []
    campaign = pipeline.get(campaign_id)
    lifecycle.submit(db.session, campaign, pipeline.officer, settings=pipeline.settings)
    lifecycle.approve(db.session, campaign, pipeline.supervisor, settings=pipeline.settings)
    db.session.commit()
    assert pipeline.get(campaign_id).snapshot["sender"] == ONE_WAY_SENDER


@pytest.mark.parametrize("slug", SHIPPED)
def test_a_two_way_sender_may_ask_for_replies(pipeline: Pipeline, slug: str) -> None:
    campaign_id = _draft_campaign(pipeline, slug, sender=drama(1), reply_route=ASKING)
    assert _problems(pipeline, campaign_id) == []


def test_a_message_over_the_segment_limit_cannot_be_approved(pipeline: Pipeline) -> None:
    campaign_id = _draft_campaign(
        pipeline, "treatment_signposting", sender=drama(1), reply_route=ASKING
    )
    assert _problems(pipeline, campaign_id) == []
    pipeline.reconfigure(max_segments=1)  # the text is 2 segments
    problems = _problems(pipeline, campaign_id)
    assert any("the most allowed is 1" in problem for problem in problems), problems
    campaign = pipeline.get(campaign_id)
    with pytest.raises(LifecycleError) as refused:
        lifecycle.submit(db.session, campaign, pipeline.officer, settings=pipeline.settings)
    assert refused.value.code == "not_ready"
    db.session.rollback()
    pipeline.reconfigure(max_segments=4)
    lifecycle.submit(db.session, campaign, pipeline.officer, settings=pipeline.settings)
    db.session.commit()
    pipeline.reconfigure(max_segments=1)  # tightened while it waited for approval
    with pytest.raises(LifecycleError) as refused:
        lifecycle.approve(
            db.session, pipeline.get(campaign_id), pipeline.supervisor, settings=pipeline.settings
        )
    assert refused.value.code == "not_ready"
    db.session.rollback()


@pytest.mark.parametrize("slug", RESPONSES)
def test_a_response_template_cannot_be_a_campaigns_text(pipeline: Pipeline, slug: str) -> None:
    campaign_id = _draft_campaign(pipeline, slug, sender="+447700900000", reply_route=ASKING)
    problems = _problems(pipeline, campaign_id)
    assert any("response to a reply" in problem for problem in problems), problems
