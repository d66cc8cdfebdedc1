"""Gateway error types and the table that sorts provider error codes into them.

The worker decides what to do with a failed send by the *type* of the exception:

- ``RetryableError``: the text was not accepted; try again later (``RateLimited``: with backoff).
- ``PermanentError``: this recipient cannot be texted; never retry (``suppress`` for STOP).
- ``SenderBlocked``: the sender or account is refused; stop the campaign for review
  (``GatewayUnusable``: bad credentials or configuration, nothing at all can be sent).
- ``OutcomeUnknown``: the request may have reached the gateway; reconcile, never resend blindly.
  A create that failed with a server error (HTTP 5xx, 20500, or no code at all) is one: the
  provider may have created the message before failing (``classify_error(creating=True)``).

``str(error)`` is built from this module's own descriptions, never from the provider's text,
because Twilio's messages quote the recipient's number and error strings end up in logs.
The provider's text is kept apart in ``provider_message``.
"""

from __future__ import annotations

from typing import Final


class GatewayError(Exception):
    """A gateway call failed; ``code`` is the provider's error code, if it gave one."""

    def __init__(
        self,
        description: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        provider_message: str | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.http_status = http_status
        # May quote phone numbers: for people and the database, not for logs.
        self.provider_message = provider_message

    def __str__(self) -> str:
        parts = [self.description]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        return parts[0] if len(parts) == 1 else f"{parts[0]} ({', '.join(parts[1:])})"


class RetryableError(GatewayError):
    """The text was not accepted this time; sending it again later is safe."""


class RateLimited(RetryableError):
    """The gateway refused the request for load (HTTP 429 / 20429): never processed."""


class PermanentError(GatewayError):
    """This recipient cannot be texted; retrying the same text will fail again."""

    @property
    def suppress(self) -> bool:
        """Whether the recipient opted out (21610), so the number joins the suppression list."""
        return self.code == OPTED_OUT


class SenderBlocked(GatewayError):
    """The sender or account is refused (filtered, blocked, not permitted): stop for review."""


class GatewayUnusable(SenderBlocked):
    """The gateway refuses this account or cannot be used as configured (credentials,
    suspension, URL): nothing can be sent until an administrator acts."""


class OutcomeUnknown(GatewayError):
    """The request may have reached the gateway: reconcile with ``find_sent``, never resend."""


OPTED_OUT: Final = 21610
RATE_LIMITED_CODE: Final = 20429
SERVER_ERROR_CODE: Final = 20500

# code -> (type, description). Descriptions are ours: safe to log, no numbers, no text.
ERROR_TABLE: Final[dict[int, tuple[type[GatewayError], str]]] = {
    # Retryable: queued too long, unreachable for now, carrier or platform trouble.
    20429: (RateLimited, "too many requests"),
    20500: (RetryableError, "gateway internal error"),
    21611: (RetryableError, "sender queue overflow"),
    30001: (RetryableError, "queue overflow"),
    30003: (RetryableError, "destination unreachable"),
    30008: (RetryableError, "unknown delivery error"),
    30500: (RetryableError, "carrier temporarily unavailable"),
    # Permanent for this recipient.
    20404: (PermanentError, "resource not found"),
    21211: (PermanentError, "invalid To number"),
    21602: (PermanentError, "message body required"),
    21604: (PermanentError, "To number required"),
    21610: (PermanentError, "recipient opted out"),
    21612: (PermanentError, "To number unroutable"),
    21614: (PermanentError, "To number not SMS-capable"),
    21617: (PermanentError, "message body too long"),
    21624: (PermanentError, "invalid validity period"),
    21635: (PermanentError, "To number is a landline"),
    30005: (PermanentError, "unknown or inactive handset"),
    30006: (PermanentError, "landline or unreachable carrier"),
    30036: (PermanentError, "validity period expired"),
    # The sender, content or account is refused: a person must look before sending more.
    20003: (GatewayUnusable, "authentication failed"),
    10001: (GatewayUnusable, "account not active"),
    21212: (SenderBlocked, "invalid From number"),
    21603: (SenderBlocked, "From number or messaging service required"),
    21606: (SenderBlocked, "From number cannot send to this destination"),
    21408: (SenderBlocked, "sending to this region not permitted"),
    30007: (SenderBlocked, "carrier filtered the message"),
    30042: (SenderBlocked, "sender ID blocked"),
}


def classify_error(
    code: int | None, http_status: int | None, *, creating: bool = False
) -> type[GatewayError]:
    """Return the exception type for a provider error code and/or HTTP status.

    The code decides when it is known; otherwise the HTTP status: 429 is a rate limit, 401/403
    a credentials problem, 5xx retryable, any other 4xx permanent. An unknown code with no
    status (a delivery error in a status callback) is permanent: not retrying cannot
    double-send, and the recipient is not suppressed. Nothing known at all gives the base type.

    ``creating``: the failed request was the create-message POST. A server error there (HTTP
    5xx, or 20500, with or without a code) does not say the message was not created, so it
    is ``OutcomeUnknown`` (look it up before any resend); a rate limit (429 / 20429) was
    never processed and stays retryable.
    """
    error_type = _classify(code, http_status)
    if creating and not issubclass(error_type, RateLimited):
        server_error = http_status is not None and http_status >= 500
        if server_error or code == SERVER_ERROR_CODE:
            return OutcomeUnknown
    return error_type


def _classify(code: int | None, http_status: int | None) -> type[GatewayError]:
    if code is not None and code in ERROR_TABLE:
        return ERROR_TABLE[code][0]
    if http_status == 429:
        return RateLimited
    if http_status in (401, 403):
        return GatewayUnusable
    if http_status is not None and http_status >= 500:
        return RetryableError
    if http_status is not None and 400 <= http_status < 500:
        return PermanentError
    if code is not None:
        return PermanentError
    return GatewayError


def describe_error(code: int | None, http_status: int | None) -> str:
    """Return a short log-safe description of a provider error."""
    if code is not None and code in ERROR_TABLE:
        return ERROR_TABLE[code][1]
    if http_status == 429:
        return "too many requests"
    if http_status is not None:
        return f"gateway answered HTTP {http_status}"
    return "gateway error"


def error_for(
    code: int | None,
    http_status: int | None,
    provider_message: str | None = None,
    *,
    creating: bool = False,
) -> GatewayError:
    """Build the classified exception for a provider error, ready to ``raise … from``
    (``creating``: it answered the create-message POST; see :func:`classify_error`)."""
    error_type = classify_error(code, http_status, creating=creating)
    return error_type(
        describe_error(code, http_status),
        code=code,
        http_status=http_status,
        provider_message=provider_message,
    )
