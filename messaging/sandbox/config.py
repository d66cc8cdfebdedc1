"""How the sandbox carrier behaves: latency, capacity, failures by number, callbacks, replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

# Well-known demo credentials of the local sandbox: they protect nothing real.
DEFAULT_ACCOUNT_SID: Final = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN: Final = "sandbox-auth-token"  # noqa: S105 - public sandbox credential
DEFAULT_PORT: Final = 8025
DEFAULT_BASE_URL: Final = f"http://127.0.0.1:{DEFAULT_PORT}"
# The number a Messaging Service "picks" for its texts (and that replies come back to).
DEFAULT_SERVICE_NUMBER: Final = "+447700900000"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happens to a text: refused at create (a Twilio code), or its final status."""

    create_error: int | None = None
    final_status: str = "delivered"
    error_code: int | None = None


DELIVERED: Final = Outcome()

# Like Twilio's magic test numbers, but in Ofcom's drama range (keyed by the recipient).
DEFAULT_RECIPIENT_OUTCOMES: Final[Mapping[str, Outcome]] = {
    "+447700900990": Outcome(create_error=21211),  # invalid To
    "+447700900991": Outcome(create_error=21612),  # unroutable
    "+447700900992": Outcome(create_error=21610),  # replied STOP earlier
    "+447700900993": Outcome(create_error=21614),  # not SMS-capable
    "+447700900994": Outcome(final_status="undelivered", error_code=30003),  # unreachable
    "+447700900995": Outcome(final_status="failed", error_code=30007),  # carrier filtered
    "+447700900996": Outcome(final_status="undelivered", error_code=30005),  # unknown handset
    "+447700900997": Outcome(create_error=21611),  # sender queue overflow
    "+447700900998": Outcome(final_status="undelivered", error_code=30006),  # landline
}

# Keyed by the sender as given (From or MessagingServiceSid).
DEFAULT_SENDER_OUTCOMES: Final[Mapping[str, Outcome]] = {
    "+447700900980": Outcome(create_error=21606),  # not a message-capable number of ours
    # UK networks block generic alphanumeric sender IDs.
    "INFO": Outcome(final_status="failed", error_code=30042),
    "ALERT": Outcome(final_status="failed", error_code=30042),
}

REPLY_TEXTS: Final[Mapping[str, tuple[str, ...]]] = {
    "stop": ("STOP", "Stop", "stop texting me"),
    "help": ("can I get help", "how do I get help with this", "need to talk to someone"),
    "abuse": ("get lost", "who gave you this number, leave me alone", "f*** off"),
    "who": ("who is this", "who is this?", "wrong number mate"),
    "new_number": ("new line is 07700 900123", "they use 07700900123 now"),
}

DEFAULT_REPLY_MIX: Final[Mapping[str, float]] = {
    "stop": 0.2,
    "help": 0.25,
    "abuse": 0.2,
    "who": 0.25,
    "new_number": 0.1,
}


def _rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")


@dataclass(frozen=True)
class CarrierConfig:
    """Everything the sandbox carrier can be told; defaults give a fast, well-behaved carrier.

    ``capacity`` is messages per second (None: unlimited); ``burst`` defaults to one second's
    worth. Delays are milliseconds. Rates are probabilities between 0 and 1.
    """

    host: str = "127.0.0.1"
    port: int = 0
    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    latency_ms: float = 0.0
    capacity: float | None = None
    burst: int | None = None
    server_error_rate: float = 0.0
    recipient_outcomes: Mapping[str, Outcome] = field(
        default_factory=lambda: dict(DEFAULT_RECIPIENT_OUTCOMES)
    )
    sender_outcomes: Mapping[str, Outcome] = field(
        default_factory=lambda: dict(DEFAULT_SENDER_OUTCOMES)
    )
    # Twilio's geographic permissions: a UK account may text only these prefixes (21408).
    allowed_prefixes: tuple[str, ...] = ("+44",)
    service_number: str = DEFAULT_SERVICE_NUMBER
    callbacks: bool = True
    callback_delay_ms: float = 200.0
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    late_rate: float = 0.0
    late_ms: float = 2000.0
    callback_workers: int = 8
    callback_timeout_s: float = 5.0
    inbound_url: str | None = None
    reply_rate: float = 0.0
    reply_delay_ms: float = 500.0
    reply_mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_REPLY_MIX))
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("server_error_rate", "duplicate_rate", "reorder_rate", "late_rate"):
            _rate(name, getattr(self, name))
        _rate("reply_rate", self.reply_rate)
        for name in ("latency_ms", "callback_delay_ms", "late_ms", "reply_delay_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.capacity is not None and self.capacity <= 0:
            raise ValueError("capacity must be positive (None for unlimited)")
        if self.burst is not None and self.burst < 1:
            raise ValueError("burst must be at least 1")
        if self.callback_workers < 1:
            raise ValueError("callback_workers must be at least 1")
        unknown = set(self.reply_mix) - set(REPLY_TEXTS)
        if unknown:
            raise ValueError(f"unknown reply kinds: {sorted(unknown)}")
        if self.reply_rate > 0 and not any(w > 0 for w in self.reply_mix.values()):
            raise ValueError("reply_mix needs a positive weight when reply_rate > 0")
