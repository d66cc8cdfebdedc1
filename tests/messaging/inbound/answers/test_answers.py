"""Answering a reply by SMS: approved responses go at once, free text needs a second person
(unless a responder answers the risk queue), opted-out numbers are refused, nothing twice."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from messaging import delivery_status as ds
from messaging import runtime
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.inbound.answers import AnswerRefused, AnswerRequest, decide_answer, request_answer
from messaging.models import AuditEvent, OutboxMessage, Reply, ReplyAnswer
from messaging.sending.reconcile import tick
from messaging.sending.send_window import LONDON
from messaging.sending.worker import run_worker
from messaging.tenancy import acting_for
from tests.messaging.inbound.answers.conftest import OUR_NUMBER, analyst, answer, reply
from tests.messaging.inbound.webhooks.helpers import new_sid
from tests.messaging.sending.conftest import Pipeline, drama
from tests.support.factories import make_force

SUICIDAL = "i cant do this anymore i want to kill myself"


def _answer_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.answer_id.is_not(None))
            .order_by(OutboxMessage.id)
        )
    )


@pytest.mark.postgres
def test_a_samaritans_answer_to_a_risk_reply_goes_once_through_the_carrier(
    pipeline: Pipeline,
) -> None:
    number = drama(11)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    assert risk.urgent and risk.campaign_id is not None
    made = answer(risk.id, analyst(), slug="response_suicidal_thoughts")
    assert made.state == "approved" and made.approval == "template" and made.urgent
    run_worker(burst=True, tick=False)
    assert pipeline.texts_per_recipient() == {number: 2}  # the campaign's text, then this
    sent = [m for m in pipeline.carrier.messages() if "Samaritans" in m["body"]]
    assert len(sent) == 1 and "116 123" in sent[0]["body"]
    assert sent[0]["from"] == OUR_NUMBER  # from the number they texted, in the same thread
    [row] = _answer_rows()
    assert row.status in ds.AT_CARRIER and row.provider_id == sent[0]["sid"]
    assert row.campaign_id is None and row.answer_id == made.id
    assert row.text == sent[0]["body"] and row.body == ""  # the text is sealed, not plain
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"answer_requested", "answers_sent_to_gateway"} <= actions
    requested = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "answer_requested"))
    assert requested.details["quiet_hours_override"] is True
    for entry in db.session.scalars(select(AuditEvent)):
        dumped = json.dumps([entry.details, entry.reason, entry.recipient])
        assert "Samaritans" not in dumped and number not in dumped and number[3:] not in dumped


def test_a_form_submitted_twice_sends_one_answer(pipeline: Pipeline) -> None:
    number = drama(12)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    person = analyst()
    key = uuid.uuid4().hex
    first = answer(risk.id, person, slug="response_suicidal_thoughts", key=key)
    second = answer(risk.id, person, slug="response_suicidal_thoughts", key=key)
    assert first.id == second.id
    run_worker(burst=True, tick=False)
    tick()
    run_worker(burst=True, tick=False)
    assert pipeline.texts_per_recipient() == {number: 2}
    assert db.session.scalar(select(func.count()).select_from(ReplyAnswer)) == 1


def test_a_number_that_opted_out_cannot_be_answered(pipeline: Pipeline) -> None:
    number = drama(13)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    reply(number, "STOP")
    with pytest.raises(AnswerRefused) as refused:
        answer(risk.id, analyst(), slug="response_suicidal_thoughts")
    assert refused.value.code == "opted_out"
    assert "opted out" in refused.value.message and "STOP" in refused.value.message
    db.session.rollback()
    assert _answer_rows() == []
    run_worker(burst=True, tick=False)
    assert pipeline.texts_per_recipient() == {number: 1}


def test_a_stop_that_arrives_after_the_answer_was_queued_stops_it(pipeline: Pipeline) -> None:
    number = drama(14)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    answer(risk.id, analyst(), slug="response_suicidal_thoughts")
    reply(number, "stop texting me")  # before any worker picked the answer up
    run_worker(burst=True, tick=False)
    assert pipeline.texts_per_recipient() == {number: 1}
    assert [r.status for r in _answer_rows()] == ["suppressed"]


def test_free_text_waits_for_a_second_person_who_is_not_its_author(pipeline: Pipeline) -> None:
    number = drama(15)
    pipeline.drive(pipeline.campaign([number]))
    question = reply(number, "who is this? what do you want")
    author, other = analyst(), analyst()
    made = answer(question.id, author, text="This is Testshire Police. You can ignore our text.")
    assert made.state == "awaiting_approval" and _answer_rows() == []
    settings = runtime.current().settings
    with pytest.raises(AnswerRefused) as refused:
        decide_answer(db.session, made.id, user_id=author.id, approve=True, settings=settings)
    assert refused.value.code == "same_person"
    db.session.rollback()
    decide_answer(db.session, made.id, user_id=other.id, approve=True, settings=settings)
    db.session.commit()
    with pytest.raises(AnswerRefused):  # decided already: nobody approves it twice
        decide_answer(db.session, made.id, user_id=other.id, approve=True, settings=settings)
    db.session.rollback()
    run_worker(burst=True, tick=False)
    assert pipeline.texts_per_recipient() == {number: 2}
    assert db.session.get(ReplyAnswer, made.id).approval == "second_person"


def test_a_responder_answers_a_risk_reply_in_their_own_words_at_once(pipeline: Pipeline) -> None:
    number = drama(16)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    words = "We are worried about you. Samaritans 116 123, free, any time. Call 999 if in danger."
    made = answer(risk.id, analyst(responder=True), text=words)
    assert made.state == "approved" and made.approval == "responder"
    # The same responder answering a reply outside the risk queue still needs a second person.
    calm = reply(number, "ok thanks")
    waiting = answer(calm.id, analyst(responder=True), text="You're welcome.")
    assert waiting.state == "awaiting_approval"
    run_worker(burst=True, tick=False)
    assert [m["body"] for m in pipeline.carrier.messages()][-1] == words


def test_a_treatment_answer_names_the_local_service_from_the_directory(
    pipeline: Pipeline,
) -> None:
    from messaging.models import Service

    number = drama(17)
    pipeline.drive(pipeline.campaign([number]))
    asked = reply(number, "where can i get help with my drinking")
    local = Service(name="Change Grow Live Testshire", phone="01632 960123", areas="Testshire")
    db.session.add(local)
    db.session.commit()
    with pytest.raises(AnswerRefused) as refused:
        answer(asked.id, analyst(), slug="response_treatment")
    assert refused.value.code == "service_needed"
    db.session.rollback()
    answer(asked.id, analyst(), slug="response_treatment", service_id=local.id)
    run_worker(burst=True, tick=False)
    body = pipeline.carrier.messages()[-1]["body"]
    assert "Change Grow Live Testshire, 01632 960123" in body


def test_an_answer_outside_the_risk_queue_waits_for_the_sending_hours(pipeline: Pipeline) -> None:
    now = datetime.now(LONDON)
    # A one-hour window that opened two hours ago: now is quiet hours.
    pipeline.reconfigure(quiet_hours_start=(now.hour - 2) % 24, quiet_hours_end=(now.hour - 1) % 24)
    numbers = [drama(18), drama(19)]
    for number in numbers:
        pipeline.drive(pipeline.campaign([number]))  # urgent campaigns: sent anyway
    calm = reply(numbers[0], "where can i get help with my drinking")
    risk = reply(numbers[1], SUICIDAL)
    person = analyst()
    answer(calm.id, person, slug="response_suicidal_thoughts")
    answer(risk.id, person, slug="response_suicidal_thoughts")
    run_worker(burst=True, tick=False)
    assert pipeline.texts_per_recipient() == {numbers[0]: 1, numbers[1]: 2}
    waiting, went = _answer_rows()
    assert waiting.status == "pending" and waiting.next_attempt_at > datetime.now(UTC)
    assert went.status in ds.AT_CARRIER and went.urgent


def test_an_answer_no_worker_could_send_within_a_day_expires(pipeline: Pipeline) -> None:
    number = drama(20)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    made = answer(risk.id, analyst(), slug="response_suicidal_thoughts")
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.answer_id == made.id))
    row.not_after = datetime.now(UTC) - timedelta(minutes=1)  # a day has passed
    db.session.commit()
    run_worker(burst=True, tick=False)
    assert [r.status for r in _answer_rows()] == ["expired"]
    assert pipeline.texts_per_recipient() == {number: 1}


def test_a_campaign_job_can_never_claim_an_answer_nor_an_answer_job_a_campaign_text(
    pipeline: Pipeline,
) -> None:
    from messaging.sending.answer_job import send_answers
    from messaging.sending.send_job import send_batch

    number = drama(21)
    campaign_id = pipeline.campaign([number], launch=False)
    pipeline.launch(campaign_id)
    campaign_row = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.campaign_id == campaign_id)
    )
    assert send_answers([campaign_row]) == {"claimed": 0}
    pipeline.drive(campaign_id)
    risk = reply(number, SUICIDAL)
    made = answer(risk.id, analyst(), slug="response_suicidal_thoughts")
    answer_row = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.answer_id == made.id)
    )
    assert send_batch(campaign_id, [answer_row]) == {"claimed": 0}
    assert db.session.get(OutboxMessage, answer_row).status == "pending"


def test_a_reply_after_an_answer_still_counts_for_the_campaign(pipeline: Pipeline) -> None:
    number = drama(22)
    campaign_id = pipeline.campaign([number])
    pipeline.drive(campaign_id)
    risk = reply(number, SUICIDAL)
    answer(risk.id, analyst(), slug="response_suicidal_thoughts")
    run_worker(burst=True, tick=False)
    later = reply(number, "thank you, i called them")
    first_row = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.campaign_id == campaign_id)
    )
    assert later.campaign_id == campaign_id and later.outbox_id == first_row


def test_bad_answers_are_refused_with_a_reason(pipeline: Pipeline) -> None:
    number = drama(23)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    person = analyst()
    settings = runtime.current().settings
    cases = [
        (AnswerRequest(risk.id, uuid.uuid4().hex), "empty"),
        (AnswerRequest(risk.id, uuid.uuid4().hex, text="x" * 2000), "too_long"),
        (AnswerRequest(10**6, uuid.uuid4().hex, text="hello"), "no_reply"),
    ]
    campaign_template = db.session.scalar(
        select(OutboxMessage.id).limit(1)
    )  # any id that is not a response template version
    cases.append((AnswerRequest(risk.id, uuid.uuid4().hex, template_version_id=1), "no_template"))
    assert campaign_template is not None
    for wanted, code in cases:
        with pytest.raises(AnswerRefused) as refused:
            request_answer(
                db.session, wanted, user_id=person.id, responder=False, settings=settings
            )
        assert refused.value.code == code
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReplyAnswer)) == 0
    assert db.session.get(Reply, risk.id).handled_at is None


@pytest.mark.postgres
def test_an_answer_and_its_text_belong_to_the_force_of_the_reply(pipeline: Pipeline) -> None:
    number = drama(19)
    pipeline.drive(pipeline.campaign([number]))
    risk = reply(number, SUICIDAL)
    person = analyst()
    other = make_force("ESX")
    with acting_for(other.id), pytest.raises(AnswerRefused, match="no such reply"):
        answer(risk.id, person, slug="response_suicidal_thoughts")
    db.session.rollback()
    with acting_for(risk.force_id):
        made = answer(risk.id, person, slug="response_suicidal_thoughts")
    run_worker(burst=True, tick=False)
    [row] = _answer_rows()
    assert row.status in ds.AT_CARRIER
    assert made.force_id == row.force_id == risk.force_id != other.id
    handed = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "answers_sent_to_gateway")
    )
    assert handed.force_id == risk.force_id
    # Another force's form that somehow carries this key is refused, not a server error.
    with acting_for(other.id):
        theirs = Reply(
            force_id=other.id,
            provider_id=new_sid(),
            phone_hash=lookup_hash(drama(20)),
            phone=drama(20),
            body="are you there",
        )
        db.session.add(theirs)
        db.session.commit()
        with pytest.raises(AnswerRefused, match="already used"):
            answer(theirs.id, person, text="We are here.", key=made.request_key)
    db.session.rollback()
