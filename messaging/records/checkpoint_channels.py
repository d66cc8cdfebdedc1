"""Audit checkpoints through the alert channels: e-mail over SMTP and a signed webhook.

Each signed checkpoint (:mod:`messaging.records.audit_checkpoints`) goes to its file and,
when configured, also leaves the building, to someone the database's administrators do not
control (an auditor's mailbox, an evidence store's endpoint):

- **E-mail** to ``PESTER_AUDIT_CHECKPOINT_EMAIL_TO``, through the alerts' SMTP server
  (``PESTER_ALERT_SMTP_URL``, from ``PESTER_ALERT_FROM``). The message carries the
  checkpoint's line exactly as the file holds it: saved to a file, it is what ``pester audit
  verify --checkpoints`` reads.
- **A webhook** at ``PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL``: a JSON body
  ``{"type": "audit_checkpoint", "id": …, "checkpoint": {…}, "sent_at": …}`` signed with
  HMAC-SHA256 under ``PESTER_ALERT_WEBHOOK_SECRET``, as alerts are
  (:mod:`messaging.notify.webhook`).

Either way the receiver checks the checkpoint with the installation's public key alone
(``pester audit public-key``): ``Checkpoint(**body["checkpoint"]).verifies_with(key)``.
A checkpoint holds counts, hashes, ids and times: no personal data. The transport is
:mod:`messaging.notify`'s, shared with risk alerts; a channel that fails is logged and named
by :func:`~messaging.records.audit_checkpoints.write_checkpoint` and that checkpoint is not
sent to it again (the next one is).

The channels are registered by whoever wires a process (the web app and the ``pester``
commands, the worker among them): :func:`register_checkpoint_channels`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from messaging.config import Settings
from messaging.notify import (
    EmailMessageSpec,
    SmtpTarget,
    WebhookTarget,
    parse_smtp_url,
    post_json,
    send_email,
)
from messaging.records.audit_checkpoints import Checkpoint, register_sink_factory

WEBHOOK_TYPE = "audit_checkpoint"


def email_text(checkpoint: Checkpoint) -> str:
    """The e-mail's text: what was signed, in words, then the line to keep."""
    return (
        "pester signed a checkpoint of its audit trail.\n\n"
        f"Installation:  {checkpoint.installation}\n"
        f"Entries:       {checkpoint.entries} since the audit trail began\n"
        f"Newest entry:  {checkpoint.last_id} written at {checkpoint.last_at}\n"
        f"Head hash:     {checkpoint.head}\n"
        f"Signed at:     {checkpoint.at} with key {checkpoint.key}\n\n"
        "Keep this message where the people who run pester's database cannot change it.\n"
        "To check the audit trail against it, save the last line of this message in a file\n"
        "(one line per checkpoint) and run:\n\n"
        "    pester audit verify --checkpoints FILE --public-key PUBLIC-KEY.pem\n\n"
        "with the public key `pester audit public-key` printed.\n\n"
        f"{checkpoint.line()}"
    )


@dataclass(frozen=True)
class EmailChannel:
    """Checkpoints e-mailed to ``to`` through the alerts' SMTP server."""

    target: SmtpTarget
    sender: str
    to: tuple[str, ...]
    timeout: float
    name: str = field(default="email")

    def send(self, checkpoint: Checkpoint) -> None:
        spec = EmailMessageSpec(
            sender=self.sender,
            to=self.to,
            subject=f"pester audit checkpoint: {checkpoint.entries} entries",
            text=email_text(checkpoint),
            headers=(("X-Pester-Audit-Checkpoint", str(checkpoint.entries)),),
        )
        send_email(self.target, spec, timeout=self.timeout)


@dataclass(frozen=True)
class WebhookChannel:
    """Checkpoints posted, signed, to the checkpoint webhook."""

    target: WebhookTarget
    timeout: float
    name: str = field(default="webhook")

    def send(self, checkpoint: Checkpoint) -> None:
        payload = {
            "type": WEBHOOK_TYPE,
            "id": f"{WEBHOOK_TYPE}:{checkpoint.installation}:{checkpoint.entries}:{checkpoint.at}",
            "checkpoint": asdict(checkpoint),
        }
        post_json(self.target, payload, timeout=self.timeout)


def email_channel(settings: Settings) -> EmailChannel | None:
    """The e-mail channel, when PESTER_AUDIT_CHECKPOINT_EMAIL_TO names anyone."""
    if not (settings.audit_checkpoint_email_to and settings.alert_smtp_url):
        return None
    return EmailChannel(
        target=parse_smtp_url(settings.alert_smtp_url),
        sender=settings.alert_from,
        to=settings.audit_checkpoint_email_to,
        timeout=settings.alert_timeout_s,
    )


def webhook_channel(settings: Settings) -> WebhookChannel | None:
    """The webhook channel, when PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL is set."""
    if not settings.audit_checkpoint_webhook_url:
        return None
    return WebhookChannel(
        target=WebhookTarget(settings.audit_checkpoint_webhook_url, settings.alert_webhook_secret),
        timeout=settings.alert_timeout_s,
    )


def register_checkpoint_channels() -> None:
    """Send every checkpoint through the configured alert channels too (idempotent)."""
    register_sink_factory(email_channel)
    register_sink_factory(webhook_channel)
