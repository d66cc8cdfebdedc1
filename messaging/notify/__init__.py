"""Notify: the channels people are told through, with no pester state of their own.

Owns e-mail over SMTP (:mod:`~messaging.notify.mail`: a target parsed from a URL such as
``smtp://host:25``, ``smtp+starttls://user:pass@host:587`` or ``smtps://user:pass@host``)
and signed JSON webhooks (:mod:`~messaging.notify.webhook`: the body signed with
HMAC-SHA256, carrying the time it was sent so a receiver can refuse replays). Both raise
:class:`~messaging.notify.errors.DeliveryFailed`, saying whether trying again may help.

A leaf: it imports nothing of pester's. What to send, to whom and how often (risk alerts,
audit checkpoints) is decided by its callers, which record each attempt themselves.
"""

from messaging.notify.errors import DeliveryFailed
from messaging.notify.mail import EmailMessageSpec, SmtpTarget, parse_smtp_url, send_email
from messaging.notify.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookTarget,
    post_json,
    sign,
    verify,
)

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeliveryFailed",
    "EmailMessageSpec",
    "SmtpTarget",
    "WebhookTarget",
    "parse_smtp_url",
    "post_json",
    "send_email",
    "sign",
    "verify",
]
