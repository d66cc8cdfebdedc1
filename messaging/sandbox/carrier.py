"""What the sandbox carrier does with each API call, independent of HTTP serving."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from messaging.sandbox.callbacks import (
    CallbackFaults,
    SignedPoster,
    plan_callbacks,
    plan_timeline,
    status_callback_params,
)
from messaging.sandbox.config import DELIVERED, CarrierConfig, Outcome
from messaging.sandbox.ratelimit import TokenBucket
from messaging.sandbox.replies import (
    can_receive_replies,
    choose_reply,
    inbound_params,
    is_opt_in,
    is_opt_out,
)
from messaging.sandbox.resources import error_body, message_page, message_resource, new_sid
from messaging.sandbox.scheduler import DelayedExecutor
from messaging.sandbox.segments import count_segments
from messaging.sandbox.store import MessageRecord, MessageStore, StatusEvent, now
from messaging.sandbox.validation import CreateRequest, Rejected, parse_create

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """An answer to send back: HTTP status, JSON-ready body, extra headers."""

    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


def error_response(status: int, code: int, *headers: tuple[str, str]) -> ApiResponse:
    """Return Twilio's error answer for a code."""
    return ApiResponse(status, error_body(code, status), headers)


class Carrier:
    """The carrier's state and behaviour: accept, refuse, log, call back, reply."""

    def __init__(self, config: CarrierConfig) -> None:
        self.config = config
        self.store = MessageStore()
        self._rng = random.Random(config.seed)
        self._rng_lock = threading.Lock()
        self._bucket = TokenBucket(config.capacity, config.burst) if config.capacity else None
        self._delayed = DelayedExecutor(workers=config.callback_workers)
        self._poster = SignedPoster(config.auth_token, timeout_s=config.callback_timeout_s)
        self._faults = CallbackFaults(
            duplicate_rate=config.duplicate_rate,
            reorder_rate=config.reorder_rate,
            late_rate=config.late_rate,
            late_s=config.late_ms / 1000,
        )

    def create_message(self, form: Mapping[str, str]) -> ApiResponse:
        """Accept or refuse one message, as Twilio's create endpoint does."""
        if self._bucket is not None and not self._bucket.try_take():
            self.store.record_rejection(20429)
            return error_response(429, 20429, ("Retry-After", "1"))
        if self.config.server_error_rate and self._chance(self.config.server_error_rate):
            self.store.record_rejection(20500)
            return error_response(500, 20500)
        try:
            request = parse_create(form)
            outcome = self._outcome(request)
        except Rejected as rejected:
            self.store.record_rejection(rejected.code)
            return error_response(400, rejected.code)
        record = self._record(request, outcome)
        self.store.add(record)
        self._schedule_callbacks(record)
        self._maybe_schedule_reply(record, outcome)
        return ApiResponse(201, message_resource(record, record.created_at))

    def fetch_message(self, sid: str) -> ApiResponse:
        """Return one message resource, or 404 / 20404."""
        record = self.store.get(sid)
        if record is None:
            return error_response(404, 20404)
        return ApiResponse(200, message_resource(record, now()))

    def list_messages(self, query: Mapping[str, str]) -> ApiResponse:
        """Return a page of messages, newest first, filtered like Twilio's list endpoint."""
        try:
            page = int(query.get("Page", "0"))
            page_size = min(int(query.get("PageSize", "50")), MAX_PAGE_SIZE)
            window = _date_window(query)
        except ValueError:
            return error_response(400, 20001)
        if page < 0 or page_size < 1:
            return error_response(400, 20001)
        at = now()
        # Reconciliation always asks by recipient: use the index rather than scan everything.
        candidates = self.store.sent_to(query["To"]) if "To" in query else self.store.all()
        records = [
            record
            for record in reversed(candidates)
            if ("From" not in query or record.from_number == query["From"])
            and _in_window(record, window, at)
        ]
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}
        return ApiResponse(
            200,
            message_page(
                records,
                account_sid=self.config.account_sid,
                filters=filters,
                page=page,
                page_size=page_size,
                now=at,
            ),
        )

    def inject_reply(self, fields: Mapping[str, str]) -> ApiResponse:
        """Post a given reply to the inbound URL now and report the receiver's status."""
        from_ = fields.get("from") or fields.get("From") or ""
        body = fields.get("body") or fields.get("Body") or ""
        url = fields.get("url") or self.config.inbound_url
        if not from_ or not body:
            return ApiResponse(400, {"error": "from and body are required"})
        if not url:
            return ApiResponse(400, {"error": "no inbound URL configured or given"})
        to = (
            fields.get("to")
            or fields.get("To")
            or self.store.last_sender_to(from_)
            or self.config.service_number
        )
        sid, status = self._deliver_reply(url, from_=from_, to=to, body=body, service_sid=None)
        if status is None:
            return ApiResponse(502, {"sid": sid, "error": "inbound URL unreachable"})
        return ApiResponse(200, {"sid": sid, "status": status})

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every scheduled callback and reply has been posted."""
        return self._delayed.wait_idle(timeout_s)

    def close(self) -> None:
        """Stop the callback threads and close their connections."""
        self._delayed.stop()
        self._poster.close()

    def _outcome(self, request: CreateRequest) -> Outcome:
        if not request.to.startswith(self.config.allowed_prefixes):
            raise Rejected(21408)
        by_sender = self.config.sender_outcomes.get(request.sender, DELIVERED)
        by_recipient = self.config.recipient_outcomes.get(request.to, DELIVERED)
        for outcome in (by_sender, by_recipient):
            if outcome.create_error is not None:
                raise Rejected(outcome.create_error)
        if self.store.is_opted_out(request.to, self._from_number(request)):
            raise Rejected(21610)
        # A sender blocked by the network fails before any handset problem can show.
        return by_sender if by_sender.final_status != "delivered" else by_recipient

    def _from_number(self, request: CreateRequest) -> str:
        return request.from_ or self.config.service_number

    def _record(self, request: CreateRequest, outcome: Outcome) -> MessageRecord:
        via_service = request.service_sid is not None
        return MessageRecord(
            sid=new_sid("SM"),
            account_sid=self.config.account_sid,
            to=request.to,
            from_number=self._from_number(request),
            service_sid=request.service_sid,
            body=request.body,
            num_segments=count_segments(request.body),
            created_at=now(),
            initial_status="accepted" if via_service else "queued",
            timeline=plan_timeline(
                outcome, via_service=via_service, step_s=self.config.callback_delay_ms / 1000
            ),
            status_callback=request.status_callback,
            validity_period=request.validity_period,
        )

    def _schedule_callbacks(self, record: MessageRecord) -> None:
        if not self.config.callbacks or record.status_callback is None:
            return
        with self._rng_lock:
            planned = plan_callbacks(record.timeline, self._faults, self._rng)
        for callback in planned:
            self._delayed.call_later(
                callback.delay_s, lambda event=callback.event: self._post_status(record, event)
            )

    def _post_status(self, record: MessageRecord, event: StatusEvent) -> None:
        assert record.status_callback is not None
        try:
            status = self._poster.post(
                record.status_callback, status_callback_params(record, event)
            )
        except requests.RequestException:
            status = None
        ok = status is not None and status < 400
        self.store.count("callbacks_sent" if ok else "callbacks_failed")
        if not ok:
            log.info("sandbox status callback for %s failed (HTTP %s)", record.sid, status)

    def _maybe_schedule_reply(self, record: MessageRecord, outcome: Outcome) -> None:
        url = self.config.inbound_url
        if not url or outcome.final_status != "delivered" or not self.config.reply_rate:
            return
        if not can_receive_replies(record.from_number):
            return
        if not self._chance(self.config.reply_rate):
            return
        with self._rng_lock:
            body = choose_reply(self._rng, self.config.reply_mix)
        delivered_after = record.timeline[-1].after_s
        self._delayed.call_later(
            delivered_after + self.config.reply_delay_ms / 1000,
            lambda: self._deliver_reply(
                url,
                from_=record.to,
                to=record.from_number,
                body=body,
                service_sid=record.service_sid,
            ),
        )

    def _deliver_reply(
        self, url: str, *, from_: str, to: str, body: str, service_sid: str | None
    ) -> tuple[str, int | None]:
        # Twilio applies STOP/START at its edge, whatever the app's webhook answers.
        if is_opt_out(body):
            self.store.opt_out(from_, to)
        elif is_opt_in(body):
            self.store.opt_in(from_, to)
        sid = new_sid("SM")
        params = inbound_params(
            sid=sid,
            account_sid=self.config.account_sid,
            from_=from_,
            to=to,
            body=body,
            service_sid=service_sid,
        )
        try:
            status: int | None = self._poster.post(url, params)
        except requests.RequestException:
            status = None
        ok = status is not None and status < 400
        self.store.count("replies_sent" if ok else "replies_failed")
        return sid, status

    def _chance(self, probability: float) -> bool:
        with self._rng_lock:
            return self._rng.random() < probability


_DateWindow = tuple[datetime | None, datetime | None]


def _parse_date(value: str, *, end_of_day: bool) -> datetime:
    """Parse Twilio's ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ`` filter values (UTC)."""
    if len(value) == 10:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        return day + timedelta(days=1) - timedelta(microseconds=1) if end_of_day else day
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _date_window(query: Mapping[str, str]) -> _DateWindow:
    # `DateSent>=2024-01-01` arrives as key "DateSent>" (the "=" separates key and value).
    start = end = None
    if "DateSent" in query:
        start = _parse_date(query["DateSent"], end_of_day=False)
        end = _parse_date(query["DateSent"], end_of_day=True)
    if "DateSent>" in query:
        start = _parse_date(query["DateSent>"], end_of_day=False)
    if "DateSent<" in query:
        end = _parse_date(query["DateSent<"], end_of_day=True)
    return start, end


def _in_window(record: MessageRecord, window: _DateWindow, at: float) -> bool:
    start, end = window
    if start is None and end is None:
        return True
    # Like Twilio, the date filters look at the send date: a message not sent yet has none
    # and is left out (reconciliation code must not rely on them).
    sent_at = record.state_at(at)[2]
    if sent_at is None:
        return False
    when = datetime.fromtimestamp(int(sent_at), UTC)
    return (start is None or when >= start) and (end is None or when <= end)
