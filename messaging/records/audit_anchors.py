"""Checking the audit chain against its signed checkpoints (``pester audit verify --checkpoints``).

First the chain itself (:func:`messaging.records.audit.verify`): every link, keyed hash and
public digest, and a start only a retention trim moved. Then every checkpoint signed by one
of the given public keys (nothing secret is needed for that part): the chain must still
hold the checkpointed number of entries, and the entry at that place must be the one whose
hash (and digest) was signed. So:

- entries cut from the end, with the head rewritten to match, show as a chain shorter than
  a checkpoint: the first missing entry is the one after the chain's last;
- a whole chain forged to link up (by someone holding the chain's key) shows as an entry
  whose hash differs from the one signed at its place: something at or before it, after
  the last checkpoint that still matches, was changed, removed or inserted, and the first
  entry no intact checkpoint vouches for is named;
- a checkpoint that does not verify with the public key is a forgery and is reported, and
  one that names another installation than the database's audit head shows the head (or
  the whole log) was replaced.

Version 2 checkpoints sign the public digest as well, and it is compared too. The
comparison itself is :func:`messaging.records.audit_format.compare_checkpoints`, the same
one the offline check of an export runs (:mod:`messaging.records.audit_evidence`).
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models import AuditEvent, AuditHead
from messaging.records.audit import GENESIS, ChainCheck, verify
from messaging.records.audit_format import (
    CheckpointFiles,
    Placed,
    Span,
    compare_checkpoints,
    places_wanted,
    screen_checkpoints,
)
from messaging.tenancy import across_forces


def verify_anchored(
    session: Session, files: CheckpointFiles, public_keys: Iterable[Ed25519PublicKey]
) -> ChainCheck:
    """The chain checked link by link, then against every checkpoint of this installation."""
    chain = verify(session)
    if not chain.ok:
        return chain
    head = session.get(AuditHead, 1)
    installation = head.installation_id if head else ""
    holder = "the database's audit head"
    ours, problem = screen_checkpoints(files, public_keys, installation, holder)
    if problem:
        return ChainCheck(False, chain.entries, None, problem)
    trimmed = head.trimmed if head else 0
    span = Span(
        start=trimmed,
        start_hash=head.anchor_hash if head else GENESIS,
        start_digest=head.anchor_digest if head else GENESIS,
        end=trimmed + chain.entries,
    )
    at = _entries_at(session, places_wanted(ours, trimmed) | {span.end}, trimmed)
    found = compare_checkpoints(ours, span, at)
    if found.broken is not None:
        return ChainCheck(False, chain.entries, *found.broken)
    return ChainCheck(
        True,
        chain.entries,
        head_hash=chain.head_hash,
        checkpoints=found.matched,
        unanchored=span.end - found.vouched,
        checkpoints_total=len(ours),
        outside=found.outside,
    )


def _entries_at(session: Session, places: set[int], trimmed: int) -> dict[int, Placed]:
    """The entries at these places in the chain (1 is the first entry ever; the first
    ``trimmed`` were removed by retention)."""
    found: dict[int, Placed] = {}
    wanted = {place - trimmed for place in places if place > trimmed}
    if not wanted:
        return found
    highest = max(wanted)
    query = across_forces(
        select(AuditEvent.id, AuditEvent.hash, AuditEvent.digest).order_by(AuditEvent.id)
    )
    result = session.execute(query.execution_options(yield_per=5000))
    try:
        for position, (entry_id, entry_hash, digest) in enumerate(result, start=1):
            if position in wanted:
                found[trimmed + position] = Placed(entry_id, entry_hash, digest)
            if position >= highest:
                break
    finally:
        result.close()
    return found
