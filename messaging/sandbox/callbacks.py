"""Plan a message's statuses and callbacks (with duplicates, reordering, lateness); sign posts."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from twilio.request_validator import RequestValidator

from messaging.sandbox.config import Outcome
from messaging.sandbox.resources import API_VERSION
from messaging.sandbox.store import MessageRecord, StatusEvent

FINAL_WITH_DLR = frozenset({"delivered", "undelivered"})


def plan_timeline(outcome: Outcome, *, via_service: bool, step_s: float) -> tuple[StatusEvent, ...]:
    """Return the statuses a message reaches after its first one, in true order.

    The first status (queued, or accepted through a Messaging Service) gets no callback,
    as on Twilio; a failed message is never sent.
    """
    events: list[StatusEvent] = []
    if via_service:
        events.append(StatusEvent(step_s / 2, "queued"))
    if outcome.final_status == "failed":
        events.append(StatusEvent(step_s, "failed", outcome.error_code))
    else:
        events.append(StatusEvent(step_s, "sent"))
        final_error = None if outcome.final_status == "delivered" else outcome.error_code
        events.append(StatusEvent(2 * step_s, outcome.final_status, final_error))
    return tuple(events)


@dataclass(frozen=True, slots=True)
class PlannedCallback:
    """One status callback post, due ``delay_s`` after the message was created."""

    delay_s: float
    event: StatusEvent


@dataclass(frozen=True, slots=True)
class CallbackFaults:
    """How badly the carrier delivers callbacks (probabilities, and lateness in seconds)."""

    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    late_rate: float = 0.0
    late_s: float = 2.0


def plan_callbacks(
    timeline: tuple[StatusEvent, ...], faults: CallbackFaults, rng: random.Random
) -> list[PlannedCallback]:
    """Return the callback posts for a timeline, with the configured faults applied."""
    planned = [PlannedCallback(event.after_s, event) for event in timeline]
    if len(planned) >= 2 and rng.random() < faults.reorder_rate:
        # The final status overtakes the one before it (delivered before sent).
        before, last = planned[-2], planned[-1]
        planned[-2] = PlannedCallback(last.delay_s, before.event)
        planned[-1] = PlannedCallback(before.delay_s, last.event)
        planned.sort(key=lambda callback: callback.delay_s)
    planned = [
        PlannedCallback(c.delay_s + faults.late_s, c.event)
        if rng.random() < faults.late_rate
        else c
        for c in planned
    ]
    duplicates = [
        PlannedCallback(c.delay_s + 0.01 + rng.random() * 0.05, c.event)
        for c in planned
        if rng.random() < faults.duplicate_rate
    ]
    return planned + duplicates


def status_callback_params(record: MessageRecord, event: StatusEvent) -> dict[str, str]:
    """Return the form fields of a status callback, as Twilio posts them."""
    params = {
        "AccountSid": record.account_sid,
        "ApiVersion": API_VERSION,
        "From": record.from_number,
        "MessageSid": record.sid,
        "MessageStatus": event.status,
        "SmsSid": record.sid,
        "SmsStatus": event.status,
        "To": record.to,
    }
    if record.service_sid:
        params["MessagingServiceSid"] = record.service_sid
    if event.error_code is not None:
        params["ErrorCode"] = str(event.error_code)
    if event.status in FINAL_WITH_DLR:
        done = datetime.fromtimestamp(record.created_at + event.after_s, UTC)
        params["RawDlrDoneDate"] = done.strftime("%y%m%d%H%M")
    return params


class SignedPoster:
    """Posts form fields signed with ``X-Twilio-Signature``, one keep-alive session a thread."""

    def __init__(self, auth_token: str, *, timeout_s: float) -> None:
        self._validator = RequestValidator(auth_token)
        self._timeout_s = timeout_s
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def sign(self, url: str, params: dict[str, str]) -> str:
        """Return the signature Twilio would send for a post of ``params`` to ``url``."""
        return self._validator.compute_signature(url, params)

    def post(self, url: str, params: dict[str, str]) -> int:
        """Post and return the receiver's HTTP status; raise ``requests`` errors."""
        response = self._session().post(
            url,
            data=params,
            headers={"X-Twilio-Signature": self.sign(url, params), "User-Agent": "TwilioProxy/1.1"},
            timeout=self._timeout_s,
            allow_redirects=False,
        )
        response.close()
        return response.status_code

    def close(self) -> None:
        """Close every thread's session."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # The receiver is the pester app beside the sandbox: an environment proxy would
            # only get in the way.
            session.trust_env = False
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session
