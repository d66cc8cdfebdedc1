"""A test text to the officer's own phone: same gateway, recorded, never a campaign send."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaigns import lifecycle
from campaigns.app import create_app
from messaging import runtime
from messaging.db import db
from messaging.models import OutboxMessage
from messaging.models import TestSend as TestSendRow
from messaging.sending.progress import campaign_progress
from tests.conftest import csrf_token
from tests.messaging.sending.conftest import Pipeline, drama
from tests.support.factories import IsolatingClient, login

OWN = drama(321)


def _send(pipeline: Pipeline, campaign_id: int) -> TestSendRow:
    rt = runtime.current()
    row = lifecycle.test_send(
        db.session,
        pipeline.get(campaign_id),
        pipeline.officer,
        settings=rt.settings,
        redis=rt.redis,
    )
    db.session.commit()
    return row


def _own_phone(pipeline: Pipeline, number: str | None) -> None:
    pipeline.officer.own_phone = number
    db.session.commit()


@pytest.mark.postgres
def test_a_test_text_reaches_the_officers_phone_and_is_not_a_campaign_send(
    pipeline: Pipeline,
) -> None:
    _own_phone(pipeline, "07700 900321")
    campaign_id = pipeline.campaign([drama(101), drama(102)], launch=False)
    row = _send(pipeline, campaign_id)
    assert (row.outcome, row.user_id) == ("sent", pipeline.officer.id)
    assert row.provider_id and row.provider_id.startswith("SM")
    assert pipeline.texts_per_recipient() == {OWN: 1}
    (message,) = pipeline.carrier.messages()
    assert message["body"] == pipeline.get(campaign_id).snapshot["body"]  # what was approved
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    progress = campaign_progress(db.session, campaign_id)
    assert (progress["sent"], progress["total"], progress["test_sends"]) == (0, 0, 1)


def test_a_draft_can_be_tested_before_approval(pipeline: Pipeline) -> None:
    _own_phone(pipeline, OWN)
    line_id = pipeline.get(pipeline.campaign([drama(101)], launch=False)).lines[0].id
    draft = lifecycle.create_campaign(db.session, pipeline.draft(line_id), pipeline.officer)
    db.session.commit()
    assert _send(pipeline, draft.id).outcome == "sent"
    assert "Testshire Police" in pipeline.carrier.messages()[0]["body"]


def test_a_draft_naming_no_sender_is_tested_from_the_configured_default(
    pipeline: Pipeline,
) -> None:
    _own_phone(pipeline, OWN)
    pipeline.reconfigure(twilio_from="+447700900555")
    line_id = pipeline.get(pipeline.campaign([drama(101)], launch=False)).lines[0].id
    draft = lifecycle.create_campaign(
        db.session, pipeline.draft(line_id, sender=""), pipeline.officer
    )
    db.session.commit()
    assert _send(pipeline, draft.id).outcome == "sent"
    assert pipeline.carrier.messages()[-1]["from"] == "+447700900555"


@pytest.mark.parametrize(
    ("number", "code"), [(None, "no_own_phone"), ("020 7946 0000", "bad_own_phone")]
)
def test_a_test_text_needs_a_mobile_on_the_account(
    pipeline: Pipeline, number: str | None, code: str
) -> None:
    _own_phone(pipeline, number)
    campaign_id = pipeline.campaign([drama(101)], launch=False)
    with pytest.raises(lifecycle.LifecycleError) as refused:
        _send(pipeline, campaign_id)
    assert refused.value.code == code
    assert pipeline.accepted() == 0


def test_test_texts_stop_once_the_campaign_launched_and_after_a_few_an_hour(
    pipeline: Pipeline,
) -> None:
    from campaigns.test_sends import MAX_PER_HOUR

    _own_phone(pipeline, OWN)
    campaign_id = pipeline.campaign([drama(101)], launch=False)
    for _ in range(MAX_PER_HOUR):
        _send(pipeline, campaign_id)
    with pytest.raises(lifecycle.LifecycleError) as refused:
        _send(pipeline, campaign_id)
    assert refused.value.code == "too_many_tests"
    db.session.rollback()
    pipeline.launch(campaign_id)
    with pytest.raises(lifecycle.LifecycleError) as refused:
        _send(pipeline, campaign_id)
    assert refused.value.code == "bad_state"


def test_a_refused_test_text_is_recorded_as_failed(pipeline: Pipeline) -> None:
    _own_phone(pipeline, drama(990))  # the carrier answers 21211 for this one
    row = _send(pipeline, pipeline.campaign([drama(101)], launch=False))
    assert row.outcome == "failed" and "21211" in row.detail
    assert db.session.scalar(select(func.count()).select_from(TestSendRow)) == 1


def test_the_test_send_button_posts_with_the_csrf_token(pipeline: Pipeline) -> None:
    _own_phone(pipeline, OWN)
    campaign_id = pipeline.campaign([drama(101)], launch=False)
    app = create_app(pipeline.settings)
    app.test_client_class = IsolatingClient
    client = app.test_client()
    with app.app_context():
        login(client, pipeline.officer, "x" * 16)
        page = client.get("/campaigns/")
        refused = client.post(f"/campaigns/{campaign_id}/test-send")
        assert refused.status_code == 400  # no CSRF token
        response = client.post(
            f"/campaigns/{campaign_id}/test-send", data={"csrf_token": csrf_token(page.text)}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/campaigns/{campaign_id}")
    assert pipeline.texts_per_recipient() == {OWN: 1}


def test_a_supervisor_cannot_use_the_test_send_route(pipeline: Pipeline) -> None:
    campaign_id = pipeline.campaign([drama(101)], launch=False)
    app = create_app(pipeline.settings)
    app.test_client_class = IsolatingClient
    client = app.test_client()
    with app.app_context():
        login(client, pipeline.supervisor, "x" * 16)
        page = client.get("/campaigns/")
        response = client.post(
            f"/campaigns/{campaign_id}/test-send", data={"csrf_token": csrf_token(page.text)}
        )
    assert response.status_code == 403
    assert pipeline.accepted() == 0
