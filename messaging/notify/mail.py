"""E-mail over SMTP: a target from a URL, and one plain-text message sent to it.

URLs: ``smtp://host[:port]`` (plain, port 25), ``smtp+starttls://[user:pass@]host[:port]``
(STARTTLS, port 587) and ``smtps://[user:pass@]host[:port]`` (TLS from the start, port
465). A user name and password are URL-encoded in the URL. The password is never part of
:meth:`SmtpTarget.describe`, which is what logs and records name.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from messaging.notify.errors import DeliveryFailed

_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to hand over mail."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        """The target without its password, for logs and audit entries."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """Parse an SMTP URL; ``ValueError`` says what is wrong with it."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError("an SMTP URL starts smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ValueError("an SMTP URL names a host, as in smtp://mail.example.org:25")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ValueError("the SMTP URL's port is not a number from 1 to 65535") from exc
    return SmtpTarget(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


@dataclass(frozen=True)
class EmailMessageSpec:
    """One plain-text message: who from, to whom, its subject and text."""

    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    headers: tuple[tuple[str, str], ...] = ()


def build_message(spec: EmailMessageSpec) -> EmailMessage:
    """The RFC 5322 message for ``spec`` (a fresh Message-ID and Date each time)."""
    message = EmailMessage()
    message["From"] = spec.sender
    message["To"] = ", ".join(spec.to)
    message["Subject"] = spec.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = spec.sender.rpartition("@")[2] or "pester.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in spec.headers:
        message[name] = value
    message.set_content(spec.text)
    return message


def send_email(target: SmtpTarget, spec: EmailMessageSpec, *, timeout: float = 10.0) -> str:
    """Hand one message to the SMTP server; returns its Message-ID.

    Raises :class:`DeliveryFailed`: retryable for connection trouble, timeouts and 4xx
    replies; permanent for 5xx replies (a refused recipient, bad credentials).
    """
    if not spec.to:
        raise DeliveryFailed("no recipients", retryable=False)
    message = build_message(spec)
    try:
        with _connect(target, timeout) as smtp:
            if target.username:
                smtp.login(target.username, target.password)
            refused = smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(
            f"SMTP {exc.smtp_code}", retryable=400 <= exc.smtp_code < 500
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        raise DeliveryFailed(
            f"SMTP recipients refused {codes}", retryable=all(400 <= c < 500 for c in codes)
        ) from None
    except (OSError, smtplib.SMTPException) as exc:  # connection refused, reset, timed out
        raise DeliveryFailed(type(exc).__name__, retryable=True) from None
    if refused:
        # Some recipients took it: what went is not sent again, the rest are reported.
        codes = sorted({code for code, _ in refused.values()})
        raise DeliveryFailed(f"SMTP some recipients refused {codes}", retryable=False)
    return str(message["Message-ID"])


def _connect(target: SmtpTarget, timeout: float) -> smtplib.SMTP:
    if target.scheme == "smtps":
        return smtplib.SMTP_SSL(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(target.host, target.port, timeout=timeout, local_hostname=_hostname())
    if target.scheme == "smtp+starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def _hostname() -> str:
    # Not socket.getfqdn(): its reverse DNS lookup can stall for seconds on every alert.
    name = socket.gethostname()
    return name if name and name.isascii() else "localhost"
