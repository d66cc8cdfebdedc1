"""Analysts' answers: a safe reply by SMS to someone who replied, sent exactly once.

An analyst answers from the conversation with an approved response template (overdose:
call 999; suicidal thoughts: Samaritans 116 123; treatment: the local service from the
directory; exploitation: SafeCall 116 000…) or with free text. A template goes at once
(its text was approved when it was shipped or written by an administrator). Free text
needs a second person's approval, unless the reply is in the risk queue and the analyst
holds the responder permission (granted per person by an administrator): then waiting for
a second person could cost a life.

Once an answer may go, its outbox row is written, unique per answer, in the same
transaction, and queued when it commits: it then takes the campaign texts' path (rate
limiter, last-moment suppression check, gateway, reconciliation). A number that opted out
cannot be answered (the carrier sent the only confirmation allowed after STOP), nor one on
the do-not-contact list, nor one whose data retention has erased.

Quiet hours: an answer to a reply in the risk queue goes at any hour (the override is
recorded on the answer and in the audit entry); any other answer waits for the sending
window like a campaign's text. Every answer expires unsent after
:data:`ANSWER_VALID_FOR`, so nobody gets yesterday's answer at 08:00 without a person
choosing to send it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.audience.suppression import blocked_hashes, suppressed_hashes
from messaging.content.senders import SenderError, parse_sender
from messaging.content.sms_encoding import inspect
from messaging.content.sms_templates import RESPONSE, TemplateError, render
from messaging.db import utcnow
from messaging.inbound.triage.queues import Queue
from messaging.models import (
    MessageTemplate,
    OutboxMessage,
    Reply,
    ReplyAnswer,
    Service,
    TemplateVersion,
)
from messaging.records import audit
from messaging.sending.answer_job import queue_answer_on_commit

log = logging.getLogger(__name__)
ANSWER_VALID_FOR = timedelta(hours=24)
REPLY_ROUTE = "Reply STOP to opt out."  # they replied: the sender can receive STOP
MAX_FREE_TEXT = 918  # six GSM-7 segments; the segment limit usually bites first


class AnswerRefused(ValueError):
    """The answer cannot go; ``message`` says why, for the analyst."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class AnswerRequest:
    """What the analyst chose: a response template (with a service when it names one) or
    free text; ``request_key`` is the form's one-time key."""

    reply_id: int
    request_key: str
    template_version_id: int | None = None
    service_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class ResponseChoice:
    template: MessageTemplate
    version: TemplateVersion
    suggested: bool  # it suits the reply's risk kinds or labels


def response_choices(session: Session, reply: Reply) -> list[ResponseChoice]:
    """Active response templates' current versions, those suiting the reply first."""
    kinds = set(reply.risk_kinds or []) | set(reply.labels or [])
    templates = session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.purpose == RESPONSE, MessageTemplate.active.is_(True))
        .order_by(MessageTemplate.name)
    ).all()
    choices = [
        ResponseChoice(t, t.current, bool(kinds & set(t.answers or [])))
        for t in templates
        if t.versions
    ]
    return sorted(choices, key=lambda c: not c.suggested)


def answer_sender(reply: Reply, settings: Any) -> str:
    """Who the answer comes from: the number they texted (so it lands in the same thread),
    else the configured default sender; "" when there is none."""
    for candidate in (reply.to_sender, settings.default_sender):
        try:
            return parse_sender(candidate or "").value
        except SenderError:
            continue
    return ""


def request_answer(
    session: Session, request: AnswerRequest, *, user_id: int, responder: bool, settings: Any
) -> tuple[ReplyAnswer, bool]:
    """Record an answer (queued at once when it may go); returns it and whether it is new
    (False when this form was already submitted). Raises :class:`AnswerRefused`."""
    existing = session.scalar(
        select(ReplyAnswer).where(ReplyAnswer.request_key == request.request_key)
    )
    if existing is not None:
        return existing, False
    reply = session.get(Reply, request.reply_id)
    if reply is None:
        raise AnswerRefused("no_reply", "There is no such reply.")
    _check_reachable(session, reply)
    body, kind, service_id, version_id = _text(session, request)
    segments = _check_length(body, settings)
    risk = reply.queue == Queue.RISK
    goes_now = kind == "template" or (responder and risk)
    answer = ReplyAnswer(
        reply_id=reply.id,
        phone_hash=reply.phone_hash,
        kind=kind,
        template_version_id=version_id,
        service_id=service_id,
        body=body,
        segments=segments,
        state="approved" if goes_now else "awaiting_approval",
        approval=("template" if kind == "template" else "responder") if goes_now else "",
        urgent=risk,
        request_key=request.request_key[:64],
        requested_by_id=user_id,
        requested_at=utcnow(),
    )
    try:
        with session.begin_nested():  # the key is unique across forces, seen only in one
            session.add(answer)
    except IntegrityError as exc:
        raise AnswerRefused(
            "form_used", "That form was already used: look at the conversation and answer again."
        ) from exc
    outbox_id = write_outbox_row(session, answer, reply, settings) if goes_now else None
    _audit(session, "answer_requested", answer, user_id, outbox_id=outbox_id)
    return answer, True


def decide_answer(
    session: Session, answer_id: int, *, user_id: int, approve: bool, settings: Any
) -> ReplyAnswer:
    """A second person approves (the row is written and queued) or refuses free text."""
    answer = session.get(ReplyAnswer, answer_id)
    if answer is None or answer.state != "awaiting_approval":
        raise AnswerRefused("not_waiting", "That answer is not waiting for approval any more.")
    if answer.requested_by_id == user_id:
        raise AnswerRefused("same_person", "You wrote this answer: someone else must approve it.")
    reply = session.get(Reply, answer.reply_id)
    assert reply is not None
    if approve:
        _check_reachable(session, reply)
    moved = session.execute(
        update(ReplyAnswer)
        .where(ReplyAnswer.id == answer.id, ReplyAnswer.state == "awaiting_approval")
        .values(
            state="approved" if approve else "refused",
            approval="second_person" if approve else "",
            decided_by_id=user_id,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise AnswerRefused("not_waiting", "Someone decided on that answer a moment ago.")
    session.refresh(answer)
    outbox_id = write_outbox_row(session, answer, reply, settings) if approve else None
    action = "answer_approved" if approve else "answer_refused"
    _audit(session, action, answer, user_id, outbox_id=outbox_id)
    return answer


def unanswerable(session: Session, reply: Reply) -> str | None:
    """Why this reply's number cannot be answered (opted out, do-not-contact, erased), or
    None when it can."""
    try:
        _check_reachable(session, reply)
    except AnswerRefused as exc:
        return exc.message
    return None


def preview_response(session: Session, version_id: int, service_id: int | None) -> str | None:
    """A response template's text as it would go with this service; with none chosen, the
    service's place is marked. None when it cannot be filled in at all."""
    try:
        return _text(session, AnswerRequest(0, "", version_id, service_id))[0]
    except AnswerRefused:
        version = session.get(TemplateVersion, version_id)
        if version is None:
            return None
        marked = {
            "reply_route": REPLY_ROUTE,
            "service_name": "[the service chosen below]",
            "service_phone": "[its phone number]",
        }
        try:
            return render(version.body, {k: marked[k] for k in version.placeholders or []})
        except (TemplateError, KeyError):
            return None


def _check_reachable(session: Session, reply: Reply) -> None:
    if reply.phone is None or reply.phone_hash is None:
        raise AnswerRefused(
            "erased", "This number was erased at the end of retention: it cannot be answered."
        )
    if suppressed_hashes(session, [reply.phone_hash]):
        raise AnswerRefused(
            "opted_out",
            "This number opted out (STOP): it cannot be answered. The carrier already sent "
            "the only confirmation allowed after STOP.",
        )
    if blocked_hashes(session, [reply.phone_hash]):
        raise AnswerRefused(
            "do_not_contact", "This number is on the do-not-contact list: it cannot be answered."
        )


def _text(session: Session, request: AnswerRequest) -> tuple[str, str, int | None, int | None]:
    """The answer's text, kind, service and template version."""
    if request.template_version_id is None:
        text = " ".join(request.text.split())
        if not text:
            raise AnswerRefused("empty", "Choose a response or write an answer.")
        if len(text) > MAX_FREE_TEXT:
            raise AnswerRefused("too_long", f"Write at most {MAX_FREE_TEXT} characters.")
        return text, "free_text", None, None
    version = session.get(TemplateVersion, request.template_version_id)
    if version is None or version.template.purpose != RESPONSE or not version.template.active:
        raise AnswerRefused("no_template", "Choose one of the approved responses.")
    values = {"reply_route": REPLY_ROUTE}
    service = session.get(Service, request.service_id) if request.service_id else None
    if request.service_id and service is None:  # none such, or another force's
        raise AnswerRefused("no_service", "Choose a service from the list.")
    if service is not None and service.active:
        values.update(service_name=service.name, service_phone=service.phone)
    try:
        text = render(version.body, values)
    except TemplateError as exc:
        if exc.placeholder and exc.placeholder.startswith("service_"):
            raise AnswerRefused(
                "service_needed", "This response names a service: choose one with a phone number."
            ) from exc
        raise AnswerRefused("template", exc.message) from exc
    return text, "template", service.id if service else None, version.id


def _check_length(body: str, settings: Any) -> int:
    info = inspect(body)
    if info.segments > settings.max_segments:
        raise AnswerRefused(
            "too_long",
            f"That is {info.segments} text messages long; the most allowed is "
            f"{settings.max_segments}. Shorten it.",
        )
    return info.segments


def write_outbox_row(session: Session, answer: ReplyAnswer, reply: Reply, settings: Any) -> int:
    """The answer's outbox row (unique per answer), pending, in the caller's transaction;
    its job is queued when that transaction commits."""
    sender = answer_sender(reply, settings)
    if not sender:
        raise AnswerRefused(
            "no_sender",
            "There is no sender to answer from: the reply came to no usable number and no "
            "default sender (TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID) is set.",
        )
    now = utcnow()
    row = OutboxMessage(
        force_id=answer.force_id,  # the reply's (checked against the answer's at flush)
        campaign_id=None,
        contact_id=None,
        answer_id=answer.id,
        phone_hash=reply.phone_hash,
        to=reply.phone,
        body="",
        private_body=answer.body,
        sender=sender,
        segments=answer.segments,
        urgent=answer.urgent,
        not_before=None,
        not_after=now + ANSWER_VALID_FOR,
        status=ds.PENDING,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    queue_answer_on_commit(session, row.id)
    log.info("answer %s (reply %s): outbox row %s written", answer.id, reply.id, row.id)
    return row.id


def _audit(
    session: Session, action: str, answer: ReplyAnswer, user_id: int, *, outbox_id: int | None
) -> None:
    """Ids, kinds and rules only: never the text or the number."""
    audit.append(
        session,
        category="alteration",
        action=action,
        actor=f"user:{user_id}",
        actor_id=user_id,
        object_type="reply",
        object_id=answer.reply_id,
        details={
            "answer_id": answer.id,
            "kind": answer.kind,
            "template_version_id": answer.template_version_id,
            "service_id": answer.service_id,
            "state": answer.state,
            "approval": answer.approval,
            "outbox_id": outbox_id,
            "segments": answer.segments,
            "quiet_hours_override": bool(answer.urgent and outbox_id),
        },
    )


def answers_for(session: Session, phone_hash: str) -> list[ReplyAnswer]:
    """Every answer to this number, oldest first."""
    return list(
        session.scalars(
            select(ReplyAnswer)
            .where(ReplyAnswer.phone_hash == phone_hash)
            .order_by(ReplyAnswer.requested_at, ReplyAnswer.id)
        )
    )


def waiting_for_approval(session: Session, *, limit: int = 100) -> list[ReplyAnswer]:
    """Free-text answers waiting for a second person, oldest first."""
    return list(
        session.scalars(
            select(ReplyAnswer)
            .where(ReplyAnswer.state == "awaiting_approval")
            .order_by(ReplyAnswer.requested_at, ReplyAnswer.id)
            .limit(limit)
        )
    )
