"""SMS gateways: one interface (``base``), error types (``errors``), Twilio and the sandbox."""

from messaging.gateways.base import (
    Gateway,
    GatewayMessage,
    GatewayReceipt,
    GatewaySettings,
    OutgoingSms,
)
from messaging.gateways.errors import (
    GatewayError,
    GatewayUnusable,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    RetryableError,
    SenderBlocked,
    classify_error,
)

__all__ = [
    "Gateway",
    "GatewayError",
    "GatewayMessage",
    "GatewayReceipt",
    "GatewaySettings",
    "GatewayUnusable",
    "OutcomeUnknown",
    "OutgoingSms",
    "PermanentError",
    "RateLimited",
    "RetryableError",
    "SenderBlocked",
    "classify_error",
]
