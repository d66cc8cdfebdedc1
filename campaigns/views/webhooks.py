"""Carrier webhooks: delivery receipts and inbound replies, signed by the carrier.

Signatures are checked against ``PUBLIC_BASE_URL`` + path + query, never against the Host
and scheme this process sees, so they hold behind a TLS proxy. A missing or wrong signature
gets 403 before anything is read from or written to the database; a body over 64 KiB gets
413. Each callback is one short transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, request
from sqlalchemy.exc import IntegrityError

from campaigns.permissions import WEBHOOK, requires
from messaging import runtime
from messaging.db import db
from messaging.inbound.alerts import queue_alert
from messaging.inbound.replies import HELP_TEXT, InboundError, ReplyResult, receive_reply
from messaging.inbound.triage.keywords import KeywordAction
from messaging.inbound.webhooks import public_url, signature_valid
from messaging.sending.receipts import apply_status

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")
CSRF_EXEMPT = True  # the carrier's signature is checked instead
MAX_WEBHOOK_BYTES = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
HELP_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
    f"{escape(HELP_TEXT)}</Message></Response>"
)

# SQLite has one writer at a time and makes the others sleep and retry (1 ms, 2 ms, 5 ms…);
# queueing this process's webhook writes on a lock instead keeps those sleeps, and the tail
# latency they cause, to contention between processes. PostgreSQL locks rows: no lock here.
_SQLITE_WRITES = threading.Lock()


@contextmanager
def _sqlite_write_turn() -> Iterator[None]:
    assert db.engine is not None
    if db.engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITES:
        yield


def _verified_params() -> dict[str, str]:
    """The POSTed fields, after checking size and the carrier's signature (403 otherwise)."""
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        abort(413)
    request.max_content_length = MAX_WEBHOOK_BYTES  # also bounds chunked bodies
    settings = runtime.current().settings
    params = request.form.to_dict(flat=True)
    url = public_url(settings.public_base_url, request.path, request.query_string.decode())
    if not signature_valid(
        settings.twilio_auth_token, url, params, request.headers.get("X-Twilio-Signature")
    ):
        log.warning("webhook %s refused: bad or missing signature", request.path)
        abort(403)
    return params


@bp.route("/status", methods=["POST"])
@requires(WEBHOOK)
def status():  # type: ignore[no-untyped-def]
    params = _verified_params()
    assert db.engine is not None
    with _sqlite_write_turn(), db.engine.begin() as connection:
        apply_status(connection, params)
    return Response(status=204)


@bp.route("/inbound", methods=["POST"])
@requires(WEBHOOK)
def inbound():  # type: ignore[no-untyped-def]
    params = _verified_params()
    try:
        result = _store_reply(params)
    except InboundError:
        abort(400)
    if result.alert_id is not None:
        queue_alert(result.alert_id)  # after the commit; the tick re-queues a lost job
    if result.action is KeywordAction.HELP and not result.duplicate:
        return Response(HELP_TWIML, mimetype="application/xml")
    return Response(EMPTY_TWIML, mimetype="application/xml")


# A reply writes two rows that concurrent webhooks can race to create: itself (unique by
# MessageSid) and its number's opt-out (unique by number). Each lost race means the other
# request committed that row, which the next attempt finds; so one attempt more than the
# number of such rows always succeeds.
STORE_ATTEMPTS = 3


def _store_reply(params: dict[str, str]) -> ReplyResult:
    """Store the reply; one that loses a unique race to a concurrent duplicate (or opt-out)
    is tried again, when it finds the row the other stored."""
    for _ in range(STORE_ATTEMPTS - 1):
        try:
            with _sqlite_write_turn(), db.transaction() as session:
                return receive_reply(session, params)
        except IntegrityError:
            log.info("inbound reply lost a race to a concurrent webhook; trying again")
    with _sqlite_write_turn(), db.transaction() as session:
        return receive_reply(session, params)
