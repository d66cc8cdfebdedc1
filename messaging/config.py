"""Configuration from the environment, in one place.

Every setting pester reads comes through :func:`load_settings`. Development defaults are
embedded (SQLite under ``instance/``, the sandbox carrier, a bundled Redis when none is
configured); production (``PESTER_ENV=production``) refuses to start without real secrets.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from messaging.content.senders import SENDER_RATE_PER_SECOND, SenderError, SenderKind, parse_sender
from messaging.notify import parse_smtp_url

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = REPO_ROOT / "instance"


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a pester process."""

    env: str = "development"
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    data_key: str = ""  # encryption and keyed-hash key material for personal data
    old_data_keys: tuple[str, ...] = ()  # previous keys still accepted for decryption
    lookup_key: str = ""  # keys the lookup hashes; never rotated (purged opt-outs rely on it)
    # Open values sealed in the old format (bound to their key only, before migration 0006)?
    accept_legacy_seals: bool = False
    audit_signing_key: str = ""  # signs audit checkpoints (Ed25519 seed derived from it)
    audit_checkpoint_path: Path = DEFAULT_INSTANCE_DIR / "audit-checkpoints.jsonl"
    audit_checkpoint_every: int = 100  # entries between checkpoints, at most
    audit_checkpoint_minutes: float = 5.0  # minutes an entry may wait for a checkpoint
    sms_gateway: str = "sandbox"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    # The default sender of a campaign that names none (the service SID first, else From);
    # a service SID goes to Twilio as MessagingServiceSid, anything else as From.
    twilio_messaging_service_sid: str = ""
    twilio_from: str = ""
    sandbox_carrier_url: str = "http://127.0.0.1:8025"
    public_base_url: str = "http://127.0.0.1:5000"
    queue_prefix: str = "pester"
    quiet_hours_start: int = 8  # hour, Europe/London, sending allowed from
    quiet_hours_end: int = 20  # hour, Europe/London, sending allowed until
    max_segments: int = 4
    price_per_segment_pence: float = 4.0
    default_retention_days: int = 90
    audit_retention_days: int = 2190
    textable_regions: frozenset[str] = field(
        default_factory=lambda: frozenset({"GB", "IM", "JE", "GG"})
    )
    batch_size: int = 100
    lease_seconds: int = 120
    reconcile_grace_seconds: float = 30.0  # how long a timed-out send may still be in flight
    gateway_concurrency: int = 32
    gateway_timeout_s: float = 10.0  # per gateway request; the reconcile grace must exceed it
    tick_seconds: float = 5.0  # how often each worker offers to run the reconciliation tick
    send_rate_override: float | None = None  # segments/s for every sender (bench, tests)
    # Segments per second per sender, by kind of sender (see messaging.content.senders).
    send_rate_long_code: float = SENDER_RATE_PER_SECOND[SenderKind.LONG_CODE]
    send_rate_alphanumeric: float = SENDER_RATE_PER_SECOND[SenderKind.ALPHANUMERIC]
    send_rate_short_code: float = SENDER_RATE_PER_SECOND[SenderKind.SHORT_CODE]
    send_rate_messaging_service: float = SENDER_RATE_PER_SECOND[SenderKind.MESSAGING_SERVICE]
    max_attempts: int = 5
    session_minutes: int = 30  # idle time before a session ends
    session_max_hours: float = 12.0  # a session ends this long after sign-in, however busy
    # An argon2-cffi profile (argon2.profiles): its default everywhere but in tests, whose
    # hashes need not resist anyone and would otherwise cost a quarter-second each.
    argon2_profile: str = "RFC_9106_LOW_MEMORY"
    max_upload_bytes: int = 100 * 2**20
    background_import_bytes: int = 2 * 2**20  # larger uploads import in a worker
    trusted_proxies: int = 0  # reverse proxies in front of the web app (X-Forwarded-For hops)
    # Risk alerts (messaging.inbound.alerts): e-mail over SMTP and/or a signed webhook.
    alert_smtp_url: str = ""
    alert_from: str = "pester@localhost"
    alert_to: tuple[str, ...] = ()
    alert_webhook_url: str = ""
    alert_webhook_secret: str = ""
    alert_repeat_minutes: float = 15.0  # re-alert while the reply is not marked handled
    alert_max_attempts: int = 8  # per channel and alert, with backoff
    alert_timeout_s: float = 10.0  # per SMTP session or webhook request
    # Audit checkpoints also go through the alert channels (messaging.records.
    # checkpoint_channels): e-mailed via PESTER_ALERT_SMTP_URL, posted signed with
    # PESTER_ALERT_WEBHOOK_SECRET.
    audit_checkpoint_email_to: tuple[str, ...] = ()
    audit_checkpoint_webhook_url: str = ""
    # The force a single-force installation's rows live in (created by the first migration).
    default_force: str = "DEFAULT"
    testing: bool = False

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def alerting(self) -> bool:
        """Whether risk alerts go anywhere (an SMTP server or a webhook is configured)."""
        return bool(self.alert_smtp_url or self.alert_webhook_url)

    @property
    def default_sender(self) -> str:
        """The sender of a campaign that names none: the Messaging Service, else From."""
        return self.twilio_messaging_service_sid or self.twilio_from

    def send_rate(self, kind: SenderKind) -> float:
        """Segments per second for one sender of ``kind`` (``PESTER_SEND_RATE`` wins)."""
        if self.send_rate_override:
            return self.send_rate_override
        return {
            SenderKind.LONG_CODE: self.send_rate_long_code,
            SenderKind.ALPHANUMERIC: self.send_rate_alphanumeric,
            SenderKind.SHORT_CODE: self.send_rate_short_code,
            SenderKind.MESSAGING_SERVICE: self.send_rate_messaging_service,
        }[kind]

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _secret_from_instance(instance_dir: Path, name: str) -> str:
    """Return a development secret kept under instance/, creating it on first use."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / name
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from exc


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if value <= 0:
        raise ConfigurationError(f"{name} must be more than 0, not {value:g}")
    return value


def _rate(env: Mapping[str, str], name: str, kind: SenderKind) -> float:
    value = _float(env, name, SENDER_RATE_PER_SECOND[kind])
    if value <= 0:
        raise ConfigurationError(f"{name} must be above 0 (segments per second)")
    return value


def _sender_setting(env: Mapping[str, str], name: str, kind: SenderKind) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return ""
    try:
        sender = parse_sender(raw)
    except SenderError as exc:
        raise ConfigurationError(f"{name}: {exc.message}") from exc
    if (sender.kind == SenderKind.MESSAGING_SERVICE) != (kind == SenderKind.MESSAGING_SERVICE):
        raise ConfigurationError(
            f"{name} must be a Messaging Service SID (MG…)"
            if kind == SenderKind.MESSAGING_SERVICE
            else f"{name} must be a number or sender ID, not a Messaging Service SID"
        )
    return sender.value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables (``os.environ`` by default)."""
    env = os.environ if env is None else env
    mode = env.get("PESTER_ENV", "development")
    if mode not in {"development", "production", "testing"}:
        raise ConfigurationError("PESTER_ENV must be development, production or testing")
    instance_dir = Path(env.get("PESTER_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
    regions = env.get("PESTER_TEXTABLE_REGIONS", "GB,IM,JE,GG")
    return Settings(
        env=mode,
        instance_dir=instance_dir,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'pester.sqlite3'}",
        redis_url=env.get("REDIS_URL") or None,
        **_secrets(env, instance_dir, production=mode == "production"),
        **_gateway(env),
        quiet_hours_start=_int(env, "PESTER_QUIET_HOURS_START", 8),
        quiet_hours_end=_int(env, "PESTER_QUIET_HOURS_END", 20),
        max_segments=_int(env, "PESTER_MAX_SEGMENTS", 4),
        price_per_segment_pence=_float(env, "PESTER_PRICE_PER_SEGMENT_PENCE", 4.0),
        default_retention_days=_int(env, "PESTER_RETENTION_DAYS", 90),
        audit_retention_days=_int(env, "PESTER_AUDIT_RETENTION_DAYS", 2190),
        **_audit(env, instance_dir, production=mode == "production"),
        textable_regions=frozenset(r.strip().upper() for r in regions.split(",") if r.strip()),
        **_sending(env),
        session_minutes=_int(env, "PESTER_SESSION_MINUTES", 30),
        session_max_hours=_positive(env, "PESTER_SESSION_MAX_HOURS", 12.0),
        trusted_proxies=_int(env, "PESTER_TRUSTED_PROXIES", 0),
        **_alerts(env, production=mode == "production"),
        default_force=(env.get("PESTER_DEFAULT_FORCE") or "DEFAULT").strip().upper()[:12],
        testing=mode == "testing",
    )


def _secrets(env: Mapping[str, str], instance_dir: Path, *, production: bool) -> dict[str, Any]:
    """The signing, data and lookup keys: required in production, else kept in instance/."""
    secret_key = env.get("SECRET_KEY", "")
    data_key = env.get("PESTER_DATA_KEY", "")
    lookup_key = env.get("PESTER_LOOKUP_KEY", "")
    if production:
        required = (
            ("SECRET_KEY", secret_key),
            ("PESTER_DATA_KEY", data_key),
            ("PESTER_LOOKUP_KEY", lookup_key),
        )
        missing = [name for name, value in required if not value]
        if missing:
            raise ConfigurationError(
                f"{' and '.join(missing)} must be set in production "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not env.get("DATABASE_URL"):
            raise ConfigurationError("DATABASE_URL must be set in production")
        if not env.get("REDIS_URL"):
            raise ConfigurationError("REDIS_URL must be set in production")
    return {
        "secret_key": secret_key or _secret_from_instance(instance_dir, "secret_key"),
        "data_key": data_key or _secret_from_instance(instance_dir, "data_key"),
        "old_data_keys": tuple(k for k in env.get("PESTER_OLD_DATA_KEYS", "").split(",") if k),
        "lookup_key": lookup_key or _secret_from_instance(instance_dir, "lookup_key"),
    }


def _audit(env: Mapping[str, str], instance_dir: Path, *, production: bool) -> dict[str, Any]:
    """The audit checkpoints' signing key, file and pace; how old sealed values are met."""
    signing_key = env.get("PESTER_AUDIT_SIGNING_KEY", "")
    if production and not signing_key:
        raise ConfigurationError(
            "PESTER_AUDIT_SIGNING_KEY must be set in production (generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    legacy = env.get("PESTER_LEGACY_SEALS", "refuse").strip().lower() or "refuse"
    if legacy not in {"accept", "refuse"}:
        raise ConfigurationError("PESTER_LEGACY_SEALS must be 'accept' or 'refuse'")
    every = _int(env, "PESTER_AUDIT_CHECKPOINT_EVERY", 100)
    if every < 1:
        raise ConfigurationError("PESTER_AUDIT_CHECKPOINT_EVERY must be 1 or more")
    path = env.get("PESTER_AUDIT_CHECKPOINT_PATH") or str(instance_dir / "audit-checkpoints.jsonl")
    return {
        "audit_signing_key": signing_key
        or _secret_from_instance(instance_dir, "audit_signing_key"),
        "audit_checkpoint_path": Path(path),
        "audit_checkpoint_every": every,
        "audit_checkpoint_minutes": _positive(env, "PESTER_AUDIT_CHECKPOINT_MINUTES", 5.0),
        "accept_legacy_seals": legacy == "accept",
    }


def _gateway(env: Mapping[str, str]) -> dict[str, Any]:
    """Which gateway, its credentials, the default sender and the URLs callbacks use."""
    gateway = env.get("SMS_GATEWAY", "sandbox")
    if gateway not in {"sandbox", "twilio"}:
        raise ConfigurationError("SMS_GATEWAY must be 'sandbox' or 'twilio'")
    if gateway == "twilio":
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
            if not env.get(name):
                raise ConfigurationError(f"{name} must be set when SMS_GATEWAY=twilio")
        if not (env.get("TWILIO_MESSAGING_SERVICE_SID") or env.get("TWILIO_FROM")):
            raise ConfigurationError(
                "set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM when SMS_GATEWAY=twilio"
            )
    return {
        "sms_gateway": gateway,
        # The sandbox carrier accepts these fixed development credentials.
        "twilio_account_sid": env.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        "twilio_auth_token": env.get("TWILIO_AUTH_TOKEN", "sandbox-auth-token"),
        "twilio_messaging_service_sid": _sender_setting(
            env, "TWILIO_MESSAGING_SERVICE_SID", SenderKind.MESSAGING_SERVICE
        ),
        "twilio_from": _sender_setting(env, "TWILIO_FROM", SenderKind.LONG_CODE),
        "sandbox_carrier_url": env.get("SANDBOX_CARRIER_URL", "http://127.0.0.1:8025"),
        "public_base_url": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
    }


def _sending(env: Mapping[str, str]) -> dict[str, Any]:
    """Batches, concurrency, leases, retries, the tick and the rate per kind of sender."""
    return {
        "batch_size": _int(env, "PESTER_BATCH_SIZE", 100),
        "gateway_concurrency": _int(env, "PESTER_GATEWAY_CONCURRENCY", 32),
        "gateway_timeout_s": _float(env, "PESTER_GATEWAY_TIMEOUT", 10.0),
        "lease_seconds": _int(env, "PESTER_LEASE_SECONDS", 120),
        "reconcile_grace_seconds": _positive(env, "PESTER_RECONCILE_GRACE_SECONDS", 30.0),
        "max_attempts": _int(env, "PESTER_MAX_ATTEMPTS", 5),
        "tick_seconds": _float(env, "PESTER_TICK_SECONDS", 5.0),
        "queue_prefix": env.get("PESTER_QUEUE_PREFIX") or "pester",
        "send_rate_override": _float(env, "PESTER_SEND_RATE", 0.0) or None,
        "send_rate_long_code": _rate(env, "PESTER_SEND_RATE_LONG_CODE", SenderKind.LONG_CODE),
        "send_rate_alphanumeric": _rate(
            env, "PESTER_SEND_RATE_ALPHANUMERIC", SenderKind.ALPHANUMERIC
        ),
        "send_rate_short_code": _rate(env, "PESTER_SEND_RATE_SHORT_CODE", SenderKind.SHORT_CODE),
        "send_rate_messaging_service": _rate(
            env, "PESTER_SEND_RATE_MESSAGING_SERVICE", SenderKind.MESSAGING_SERVICE
        ),
    }


def _alerts(env: Mapping[str, str], *, production: bool) -> dict[str, Any]:
    """Where risk alerts go (SMTP and/or a signed webhook), and how often they repeat; and
    who else gets each signed audit checkpoint through the same channels."""
    smtp_url = env.get("PESTER_ALERT_SMTP_URL", "").strip()
    to = _addresses(env, "PESTER_ALERT_TO")
    secret = env.get("PESTER_ALERT_WEBHOOK_SECRET", "")
    if smtp_url:
        try:
            parse_smtp_url(smtp_url)
        except ValueError as exc:
            raise ConfigurationError(f"PESTER_ALERT_SMTP_URL: {exc}") from exc
        if not to:
            raise ConfigurationError(
                "PESTER_ALERT_TO must name at least one address when PESTER_ALERT_SMTP_URL is set"
            )
    checkpoint_to = _addresses(env, "PESTER_AUDIT_CHECKPOINT_EMAIL_TO")
    if checkpoint_to and not smtp_url:
        raise ConfigurationError(
            "PESTER_AUDIT_CHECKPOINT_EMAIL_TO needs PESTER_ALERT_SMTP_URL (the SMTP server "
            "checkpoints are sent through)"
        )
    return {
        "alert_smtp_url": smtp_url,
        "alert_from": env.get("PESTER_ALERT_FROM", "").strip() or "pester@localhost",
        "alert_to": to,
        "alert_webhook_url": _webhook_url(
            env, "PESTER_ALERT_WEBHOOK_URL", secret, production=production
        ),
        "alert_webhook_secret": secret,
        "alert_repeat_minutes": _positive(env, "PESTER_ALERT_REPEAT_MINUTES", 15.0),
        "alert_max_attempts": _int(env, "PESTER_ALERT_MAX_ATTEMPTS", 8),
        "alert_timeout_s": _positive(env, "PESTER_ALERT_TIMEOUT", 10.0),
        "audit_checkpoint_email_to": checkpoint_to,
        "audit_checkpoint_webhook_url": _webhook_url(
            env, "PESTER_AUDIT_CHECKPOINT_WEBHOOK_URL", secret, production=production
        ),
    }


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    addresses = tuple(a.strip() for a in env.get(name, "").split(",") if a.strip())
    if any("@" not in address for address in addresses):
        raise ConfigurationError(f"{name} is a comma-separated list of addresses")
    return addresses


def _webhook_url(env: Mapping[str, str], name: str, secret: str, *, production: bool) -> str:
    """A webhook's URL, which PESTER_ALERT_WEBHOOK_SECRET signs requests to."""
    url = env.get(name, "").strip()
    if not url:
        return ""
    if not url.startswith(("https://", "http://")):
        raise ConfigurationError(f"{name} must be an http(s):// URL")
    if len(secret) < 16:
        raise ConfigurationError(
            f"PESTER_ALERT_WEBHOOK_SECRET must be set (16 characters or more) to sign {name}'s "
            "requests"
        )
    if production and not url.startswith("https://"):
        raise ConfigurationError(f"{name} must be https:// in production")
    return url


def test_settings(tmp_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: fixed keys, a SQLite file in ``tmp_dir``, overridable."""
    base = Settings(
        env="testing",
        instance_dir=tmp_dir,
        database_url=f"sqlite:///{tmp_dir / 'test.sqlite3'}",
        secret_key="test-secret-key",  # noqa: S106 (tests only)
        data_key="test-data-key-0123456789abcdef0123456789abcdef",
        lookup_key="test-lookup-key-0123456789abcdef0123456789abcd",
        audit_signing_key="test-audit-signing-key-0123456789abcdef01234567",
        audit_checkpoint_path=tmp_dir / "audit-checkpoints.jsonl",
        argon2_profile="CHEAPEST",
        testing=True,
    )
    return base.with_overrides(**overrides)
