"""Twilio's JSON shapes for the sandbox: message resources, list pages and errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import urlencode

from messaging.sandbox.store import MessageRecord

API_VERSION: Final = "2010-04-01"

ERROR_MESSAGES: Final[dict[int, str]] = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    21211: "The 'To' number is not a valid phone number.",
    21212: "The 'From' number is not a valid phone number, shortcode, or alphanumeric sender ID.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by 'To'.",
    21602: "Message body is required.",
    21603: "A 'From' phone number or MessagingServiceSid is required.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable phone number.",
    21609: "Invalid StatusCallback URL.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21612: "The 'To' phone number is not currently reachable via SMS.",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21624: "Invalid validity period value",
}


def new_sid(prefix: str = "SM") -> str:
    """Return a Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def rfc2822(timestamp: float | None) -> str | None:
    """Format a Unix time like Twilio's dates: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    if timestamp is None:
        return None
    return format_datetime(datetime.fromtimestamp(int(timestamp), UTC))


def error_body(code: int, status: int, message: str | None = None) -> dict[str, Any]:
    """Return Twilio's error JSON for a code and HTTP status."""
    return {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def messages_uri(account_sid: str) -> str:
    """The list URI of an account's messages, relative to the API host."""
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages"


def message_resource(record: MessageRecord, now: float) -> dict[str, Any]:
    """Return the Message resource JSON as Twilio would show it at time ``now``."""
    status, error_code, sent_at, updated = record.state_at(now)
    uri = f"{messages_uri(record.account_sid)}/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "api_version": API_VERSION,
        "body": record.body,
        "date_created": rfc2822(record.created_at),
        "date_sent": rfc2822(sent_at),
        "date_updated": rfc2822(updated),
        "direction": "outbound-api",
        "error_code": error_code,
        "error_message": None,
        # A Messaging Service has not picked its number yet while the message is accepted.
        "from": None if status == "accepted" else record.from_number,
        "messaging_service_sid": record.service_sid,
        "num_media": "0",
        "num_segments": str(record.num_segments),
        "price": None,
        "price_unit": "GBP",
        "sid": record.sid,
        "status": status,
        "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
        "to": record.to,
        "uri": f"{uri}.json",
    }


def message_page(
    records: list[MessageRecord],
    *,
    account_sid: str,
    filters: dict[str, str],
    page: int,
    page_size: int,
    now: float,
) -> dict[str, Any]:
    """Return one page of Twilio's list envelope over ``records`` (already filtered)."""
    start = page * page_size
    chunk = records[start : start + page_size]
    base = f"{messages_uri(account_sid)}.json"

    def page_uri(number: int) -> str:
        return f"{base}?{urlencode({**filters, 'PageSize': page_size, 'Page': number})}"

    has_next = start + page_size < len(records)
    return {
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": page_uri(0),
        "messages": [message_resource(record, now) for record in chunk],
        "next_page_uri": page_uri(page + 1) if has_next else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": page_uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": page_uri(page),
    }
