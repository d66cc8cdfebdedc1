"""Signed checkpoints of the audit chain, kept where a database writer cannot rewrite them.

The keyed hash chain (:mod:`messaging.records.audit`) shows any change made by someone
without the keys. Someone who can write the database can still cut its newest entries and
rewrite the head to match, and someone holding the keys can forge a whole new chain that
links up. A checkpoint closes both: every ``PESTER_AUDIT_CHECKPOINT_EVERY`` entries, or
``PESTER_AUDIT_CHECKPOINT_MINUTES`` after an entry that none covers yet, the worker's tick
(or ``pester audit checkpoint``) signs

    (installation id, entries since the chain began, head hash, head digest,
     last entry's id and time, now)

with an Ed25519 key that is not in the database (``PESTER_AUDIT_SIGNING_KEY``) and hands it
to every sink: an append-only JSON-lines file outside the database
(``PESTER_AUDIT_CHECKPOINT_PATH``, opened ``O_APPEND`` and fsync'd), and any channel added
with :func:`register_sink_factory`: e-mail and a signed webhook through the alert channels
(:mod:`messaging.records.checkpoint_channels`), when configured.
Verification needs only the public key: against the database
(:mod:`messaging.records.audit_anchors`), or offline against an export, with no database and
no secret at all (:mod:`messaging.records.audit_evidence`; the format is in
:mod:`messaging.records.audit_format`). Checkpoints written before public digests existed
(version 1) sign the keyed head hash only; they still verify.

A database writer can rewrite every row and the head; they cannot sign for the past nor
rewrite the file, so the checkpoints already written contradict them. Nor can they make the
next checkpoint vouch for an edit: before signing, the entries since the last checkpoint are
recomputed with the chain's key (:func:`messaging.records.audit.verify_since`), which a
writer without that key cannot forge. What stays open is the tail not yet checkpointed (at
most ``EVERY - 1`` entries, or ``MINUTES`` old) against someone holding the keys too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.config import Settings
from messaging.db import db, utcnow
from messaging.models import AuditEvent, AuditHead
from messaging.records import audit
from messaging.records.audit_format import Checkpoint
from messaging.tenancy import across_forces

log = logging.getLogger(__name__)


class CheckpointError(RuntimeError):
    """A checkpoint could not be written to one or more sinks (their names are in the message)."""


def signing_key(secret: str) -> Ed25519PrivateKey:
    """The Ed25519 key derived from ``PESTER_AUDIT_SIGNING_KEY`` (any long random secret)."""
    if not secret:
        raise ValueError("an audit signing key is required")
    seed = hmac.new(secret.encode(), b"pester/audit-checkpoint-signing", hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


@dataclass(frozen=True)
class ChainState:
    """The chain as the database holds it now."""

    installation: str
    entries: int  # since the chain began
    head: str
    digest: str
    last_id: int | None
    last_at: datetime | None


def chain_state(session: Session) -> ChainState | None:
    """The head as recorded now, or None before the first entry."""
    head = session.get(AuditHead, 1)
    if head is None:
        return None
    last = session.execute(  # the chain is one across all forces
        across_forces(select(AuditEvent.id, AuditEvent.at).where(AuditEvent.hash == head.last_hash))
    ).first()
    return ChainState(
        installation=head.installation_id,
        entries=head.trimmed + head.entries,
        head=head.last_hash,
        digest=head.last_digest,
        last_id=last[0] if last else None,
        last_at=last[1] if last else None,
    )


class CheckpointSink(Protocol):
    """Somewhere checkpoints go that a database writer cannot rewrite."""

    name: str

    def send(self, checkpoint: Checkpoint) -> None:
        """Deliver one signed checkpoint; raise when it did not arrive."""


@dataclass
class FileSink:
    """An append-only JSON-lines file: each checkpoint one line, written whole and fsync'd."""

    path: Path
    name: str = field(default="file")

    def send(self, checkpoint: Checkpoint) -> None:
        data = checkpoint.line().encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write to {self.path} ({written} of {len(data)} bytes)")
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:  # the new file's name must survive a crash too
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


# Extra channels (e-mail, a signed webhook: messaging.records.checkpoint_channels) register
# a factory here; each is called with the settings and returns a sink, or None when it is
# not configured.
SinkFactory = Callable[[Settings], "CheckpointSink | None"]
_SINK_FACTORIES: list[SinkFactory] = []


def register_sink_factory(factory: SinkFactory) -> None:
    """Add a channel every checkpoint is also sent to (the hook for e-mail and webhooks)."""
    if factory not in _SINK_FACTORIES:
        _SINK_FACTORIES.append(factory)


def sinks_for(settings: Settings) -> list[CheckpointSink]:
    """The file, then every registered channel that is configured."""
    sinks: list[CheckpointSink] = [FileSink(settings.audit_checkpoint_path)]
    for factory in _SINK_FACTORIES:
        sink = factory(settings)
        if sink is not None:
            sinks.append(sink)
    return sinks


def write_checkpoint(settings: Settings, *, redis: Redis | None = None) -> Checkpoint | None:
    """Sign the chain's head now and send it to every sink; None when the chain is empty.

    Raises :class:`CheckpointError` naming the sinks that failed (after trying them all).
    """
    last = last_checkpoint(settings, redis)
    with db.transaction() as session:
        state = chain_state(session)
        if state is None or state.entries == 0:
            return None
        tail = audit.verify_since(session, last.get("head") if last else None)
    if not tail.ok:
        # Signing now would vouch for an edit made since the last checkpoint.
        log.error("audit checkpoint refused: the chain does not hold (%s)", tail.problem)
        raise CheckpointError(f"audit checkpoint refused: {tail.describe()}")
    checkpoint = Checkpoint(
        installation=state.installation,
        entries=state.entries,
        head=state.head,
        digest=state.digest,
        last_id=state.last_id,
        last_at=state.last_at.isoformat() if state.last_at else None,
        at=utcnow().isoformat(),
    ).signed_by(signing_key(settings.audit_signing_key))
    sinks = sinks_for(settings)
    failed = []
    for sink in sinks:
        try:
            sink.send(checkpoint)
        except Exception as exc:
            log.error("audit checkpoint not delivered to %s: %s", sink.name, type(exc).__name__)
            failed.append(sink.name)
    if redis is not None and len(failed) < len(sinks):
        _remember(redis, settings, checkpoint)
    if failed:
        raise CheckpointError(f"audit checkpoint not delivered to: {', '.join(failed)}")
    log.info("audit checkpoint: %s entries, last entry %s", state.entries, state.last_id)
    return checkpoint


def _state_key(settings: Settings) -> str:
    return f"{settings.queue_prefix}:audit-checkpoint"


def _remember(redis: Redis, settings: Settings, checkpoint: Checkpoint) -> None:
    try:
        redis.set(
            _state_key(settings),
            json.dumps(
                {"entries": checkpoint.entries, "head": checkpoint.head, "at": checkpoint.at}
            ),
        )
    except RedisError as exc:
        log.warning("could not note the audit checkpoint in Redis (%s)", type(exc).__name__)


def checkpoint_due(
    settings: Settings, state: ChainState | None, last: dict[str, Any] | None
) -> bool:
    """Whether entries are waiting and enough of them, or the oldest long enough, to sign."""
    if state is None or state.entries == 0:
        return False
    if not last:
        return True
    if state.head == last.get("head"):
        return False
    if int(last.get("entries", 0)) > state.entries:
        # Fewer entries than the last checkpoint counted: the chain was cut. Sign what is
        # there now (the earlier checkpoint contradicts it) and say so loudly.
        log.error(
            "audit chain has %s entries but the last checkpoint counted %s: run "
            "`pester audit verify --checkpoints`",
            state.entries,
            last.get("entries"),
        )
        return True
    if state.entries - int(last.get("entries", 0)) >= settings.audit_checkpoint_every:
        return True
    since = datetime.fromisoformat(str(last.get("at")))
    return utcnow() - since >= timedelta(minutes=settings.audit_checkpoint_minutes)


def checkpoint_if_due(settings: Settings, redis: Redis | None) -> Checkpoint | None:
    """Write a checkpoint when one is due (the worker's tick calls this every few seconds).

    The last checkpoint is remembered in Redis (shared by the workers of every host); with
    no Redis, the file's last line says.
    """
    with db.transaction() as session:
        state = chain_state(session)
    last = last_checkpoint(settings, redis)
    if not checkpoint_due(settings, state, last):
        return None
    return write_checkpoint(settings, redis=redis)


def last_checkpoint(settings: Settings, redis: Redis | None) -> dict[str, Any] | None:
    """The newest checkpoint written (entries, head, at): as noted in Redis, shared by the
    workers of every host, else the checkpoint file's last line; None before the first."""
    if redis is not None:
        raw = redis.get(_state_key(settings))
        if raw:
            return json.loads(raw)
    return _last_in_file(settings.audit_checkpoint_path)


def _last_in_file(path: Path) -> dict[str, Any] | None:
    """The newest checkpoint line of a file, as a dict; None when there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            return asdict(Checkpoint.from_line(line.decode()))
        except (ValueError, UnicodeDecodeError):
            continue
    return None
