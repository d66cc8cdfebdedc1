"""Answers on the real sending path: the sandbox carrier over HTTP, Redis, RQ workers."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import select

from campaigns.auth import create_user
from messaging import runtime
from messaging.db import db
from messaging.inbound.answers import AnswerRequest, request_answer
from messaging.inbound.replies import receive_reply
from messaging.models import MessageTemplate, Reply, ReplyAnswer, User
from tests.messaging.inbound.webhooks.helpers import inbound_params, new_sid
from tests.messaging.sending.conftest import (  # noqa: F401  (fixtures used by these tests)
    Pipeline,
    carrier_config,
    pipeline,
    pipeline_overrides,
)

OUR_NUMBER = "+447700900000"  # the long code people reply to
_people = itertools.count(1)


def reply(number: str, text: str) -> Reply:
    """Store ``text`` from ``number`` as the inbound webhook would."""
    with db.transaction() as session:
        result = receive_reply(session, inbound_params(new_sid(), number, text, to=OUR_NUMBER))
    db.session.expire_all()
    found = db.session.get(Reply, result.reply_id)
    assert found is not None
    return found


def analyst(*, responder: bool = False) -> User:
    user, _ = create_user(f"analyst{next(_people)}@force.test", "analyst", password="x" * 16)
    user.responder = responder
    db.session.commit()
    return user


def response_version(slug: str) -> int:
    template = db.session.scalar(select(MessageTemplate).where(MessageTemplate.slug == slug))
    assert template is not None, slug
    return template.current.id


def answer(
    reply_id: int,
    user: User,
    *,
    slug: str | None = None,
    text: str = "",
    key: str | None = None,
    service_id: int | None = None,
    responder: bool | None = None,
) -> ReplyAnswer:
    """Answer as the web form does: one commit, the row queued once it commits."""
    wanted = AnswerRequest(
        reply_id=reply_id,
        request_key=key or uuid.uuid4().hex,
        template_version_id=response_version(slug) if slug else None,
        service_id=service_id,
        text=text,
    )
    made, _ = request_answer(
        db.session,
        wanted,
        user_id=user.id,
        responder=user.responder if responder is None else responder,
        settings=runtime.current().settings,
    )
    db.session.commit()
    return made
