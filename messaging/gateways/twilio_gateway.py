"""Twilio through the official client, and the sandbox carrier through the same client."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from messaging.gateways.base import (
    Gateway,
    GatewayMessage,
    GatewayReceipt,
    GatewaySettings,
    OutgoingSms,
    is_drama_number,
    is_messaging_service,
)
from messaging.gateways.errors import (
    GatewayError,
    GatewayUnusable,
    OutcomeUnknown,
    PermanentError,
    RetryableError,
    error_for,
)

log = logging.getLogger(__name__)

# One recipient gets a handful of texts from one sender; past this many, reconciling by
# listing is no longer trustworthy (or cheap) and a person should decide.
FIND_SENT_LIMIT = 500


class PooledHttpClient(HttpClient):
    """A twilio ``HttpClient`` over one pooled ``requests`` session, safe across threads.

    twilio's own ``TwilioHttpClient`` returns the response through an instance attribute, so
    two threads sharing it can swap responses; this one keeps each response local. It also
    logs method and path only: twilio's logger prints query strings, which hold numbers.
    """

    def __init__(self, *, pool_size: int, timeout_s: float, use_proxies: bool = True) -> None:
        super().__init__(log, is_async=False, timeout=timeout_s)
        self.session = requests.Session()
        self.session.trust_env = use_proxies
        # No automatic retries: a retried POST could send a text twice.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send one request and return twilio's response object; requests' errors propagate."""
        log.debug("gateway %s %s", method.upper(), urlsplit(url).path)
        response = self.session.request(
            method.upper(),
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            allow_redirects=allow_redirects,
        )
        return Response(int(response.status_code), response.text, response.headers)

    def close(self) -> None:
        """Close every pooled connection."""
        self.session.close()


class TwilioGateway(Gateway):
    """Twilio's Messages API. Refuses Ofcom's drama range: no real handset owns those."""

    name = "twilio"
    allows_drama_range = False
    # A force network may reach Twilio only through its proxy (HTTPS_PROXY and friends).
    uses_environment_proxies = True

    def __init__(self, settings: GatewaySettings) -> None:
        if not settings.account_sid or not settings.auth_token:
            raise ValueError(f"gateway {self.name!r} needs an account SID and an auth token")
        self._http = PooledHttpClient(
            pool_size=settings.pool_size,
            timeout_s=settings.timeout_s,
            use_proxies=self.uses_environment_proxies,
        )
        client = Client(
            settings.account_sid,
            settings.auth_token,
            account_sid=settings.account_sid,
            http_client=self._http,
            # A non-empty mapping stops the client reading TWILIO_* (edge, region) from the
            # process environment: configuration comes from our settings only.
            environment={"TWILIO_ACCOUNT_SID": settings.account_sid},
        )
        if settings.base_url is not None:
            client.api.base_url = settings.base_url.rstrip("/")
        # Built once here: twilio builds these lazily, and lazily is racy across threads.
        self._messages = client.api.v2010.accounts(settings.account_sid).messages

    def send(self, sms: OutgoingSms) -> GatewayReceipt:
        """Create the message at the provider; see ``errors`` for what each failure means."""
        if is_drama_number(sms.to) and not self.allows_drama_range:
            raise PermanentError(
                "drama-range number refused outside the sandbox", code=21211, http_status=None
            )
        params: dict[str, Any] = {"to": sms.to, "body": sms.body}
        if is_messaging_service(sms.sender):
            params["messaging_service_sid"] = sms.sender
        else:
            params["from_"] = sms.sender
        if sms.status_callback is not None:
            params["status_callback"] = sms.status_callback
        if sms.validity_period is not None:
            params["validity_period"] = sms.validity_period
        try:
            message = self._messages.create(**params)
        except requests.RequestException as exc:
            raise _transport_error(exc, idempotent=False) from exc
        except TwilioException as exc:
            # A 5xx here may follow a create: the text is looked up, never blindly resent.
            raise _provider_error(exc, creating=True) from exc
        except ValueError as exc:
            # A 2xx whose body did not parse: the message was probably created.
            raise OutcomeUnknown("unreadable answer from the gateway") from exc
        if not message.sid:
            raise OutcomeUnknown("gateway answer without a message id")
        return GatewayReceipt(provider_id=message.sid, status=message.status or "queued")

    def fetch(self, provider_id: str) -> GatewayMessage:
        """Return the provider's view of one message (reads are safe to retry)."""
        try:
            message = self._messages(provider_id).fetch()
        except requests.RequestException as exc:
            raise _transport_error(exc, idempotent=True) from exc
        except TwilioException as exc:
            raise _provider_error(exc) from exc
        except ValueError as exc:
            raise RetryableError("unreadable answer from the gateway") from exc
        return _to_gateway_message(message, sender=None)

    def find_sent(self, *, to: str, sender: str, since: datetime) -> list[GatewayMessage]:
        """Return messages to ``to`` from ``sender`` created at or after ``since``.

        Twilio's date filter works on the *send* date, which a message still queued at Twilio
        does not have yet: filtering there could hide exactly the message a crash left behind.
        So this lists every message to the recipient (from the sender) and checks the creation
        time here; one recipient gets few texts. Past ``FIND_SENT_LIMIT`` it cannot be sure it
        saw them all and raises ``RetryableError`` rather than answer "not sent".
        """
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        since_utc = since.astimezone(UTC).replace(microsecond=0)
        params: dict[str, Any] = {"to": to, "page_size": 100, "limit": FIND_SENT_LIMIT}
        service = is_messaging_service(sender)
        if not service:
            params["from_"] = sender
        try:
            messages = self._messages.list(**params)
        except requests.RequestException as exc:
            raise _transport_error(exc, idempotent=True) from exc
        except TwilioException as exc:
            raise _provider_error(exc) from exc
        except ValueError as exc:
            raise RetryableError("unreadable answer from the gateway") from exc
        if len(messages) >= FIND_SENT_LIMIT:
            raise RetryableError("too many messages to this recipient to reconcile safely")
        found = []
        for message in messages:
            via = message.messaging_service_sid if service else message.from_
            if via != sender or message.to != to:
                continue
            if message.date_created is not None and message.date_created < since_utc:
                continue
            found.append(_to_gateway_message(message, sender=sender))
        return found

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


class SandboxGateway(TwilioGateway):
    """The local sandbox carrier, spoken to by the real twilio client; drama range allowed."""

    name = "sandbox"
    allows_drama_range = True
    uses_environment_proxies = False  # the sandbox runs beside pester, never behind a proxy

    def __init__(self, settings: GatewaySettings) -> None:
        if settings.base_url is None:
            raise ValueError("the sandbox gateway needs the sandbox carrier's base_url")
        super().__init__(settings)


def _to_gateway_message(message: Any, *, sender: str | None) -> GatewayMessage:
    error_code = message.error_code
    return GatewayMessage(
        provider_id=message.sid or "",
        to=message.to or "",
        sender=sender or message.from_ or message.messaging_service_sid or "",
        body=message.body or "",
        status=message.status or "",
        error_code=int(error_code) if error_code is not None else None,
        date_created=message.date_created,
    )


def _provider_error(exc: TwilioException, *, creating: bool = False) -> GatewayError:
    """Classify an error the provider answered with (a status code and maybe a Twilio code);
    ``creating`` for the create-message POST, where a server error is an unknown outcome."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    provider_message = getattr(exc, "msg", None) or getattr(exc, "detail", None)
    if status is None and len(exc.args) >= 2 and hasattr(exc.args[1], "status_code"):
        # List pages fail as TwilioException("Unable to fetch page", response).
        response = exc.args[1]
        status = response.status_code
        code, provider_message = _code_from_body(response.text)
    if status is None:
        error_type = OutcomeUnknown if creating else GatewayError
        return error_type("unexpected gateway client error", provider_message=str(exc))
    if code == status:
        code = None  # twilio puts the HTTP status in `code` when the body had none
    return error_for(code, status, provider_message, creating=creating)


def _code_from_body(text: str) -> tuple[int | None, str | None]:
    try:
        payload = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(payload, dict):
        return None, None
    code = payload.get("code")
    return (code if isinstance(code, int) else None), payload.get("message")


def _transport_error(exc: requests.RequestException, *, idempotent: bool) -> GatewayError:
    """Classify a failure to talk to the gateway at all.

    A connection that never opened means the request was never sent: retry. After the
    request went out (read timeout, reset, truncated answer) a send may have happened.
    """
    if _never_connected(exc):
        return RetryableError("could not connect to the gateway")
    if isinstance(
        exc,
        requests.exceptions.InvalidURL
        | requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema,
    ):
        return GatewayUnusable("gateway URL is invalid")
    if idempotent:
        return RetryableError("connection to the gateway failed during a read")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return OutcomeUnknown("gateway did not answer in time after the request was sent")
    return OutcomeUnknown("connection to the gateway lost after the request was sent")


def _never_connected(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or not exc.args:
        return False
    reason = exc.args[0]
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError too.
    return isinstance(reason, ConnectTimeoutError)
