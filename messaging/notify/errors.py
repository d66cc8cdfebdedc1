"""What a failed delivery reports: a short reason without content, and whether to retry."""

from __future__ import annotations


class DeliveryFailed(RuntimeError):
    """A message was not delivered. ``reason`` names the failure (an SMTP code, an HTTP
    status, an exception's class) and never quotes the message; ``retryable`` says whether
    trying again later may succeed."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.retryable = retryable
