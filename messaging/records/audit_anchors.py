"""Checking the audit chain against its signed checkpoints (``pester audit verify --checkpoints``).

First the chain itself (:func:`messaging.records.audit.verify`): every link and keyed hash,
and a start only a retention trim moved. Then every checkpoint signed by one of the given
public keys (nothing secret is needed): the chain must still hold the checkpointed number
of entries, and the entry at that place must be the one whose hash was signed. So:

- entries cut from the end, with the head rewritten to match, show as a chain shorter than
  a checkpoint: the first missing entry is the one after the chain's last;
- a whole chain forged to link up (by someone holding the chain's key) shows as an entry
  whose hash differs from the one signed at its place: something at or before it, after
  the last checkpoint that still matches, was changed, removed or inserted, and the first
  entry no intact checkpoint vouches for is named;
- a checkpoint that does not verify with the public key is a forgery and is reported, and
  one that names another installation than the database's audit head shows the head (or
  the whole log) was replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models import AuditEvent, AuditHead
from messaging.records.audit import GENESIS, ChainCheck, verify
from messaging.records.audit_checkpoints import Checkpoint, key_id
from messaging.tenancy import across_forces


@dataclass(frozen=True)
class ReadCheckpoint:
    where: str  # "FILE line N"
    checkpoint: Checkpoint


@dataclass
class CheckpointFiles:
    checkpoints: list[ReadCheckpoint]
    unreadable: list[str]  # lines that are not checkpoints: altered or appended junk
    notes: list[str]  # harmless oddities (a last line cut short by a crash)


def read_checkpoint_files(paths: Iterable[Path]) -> CheckpointFiles:
    """Every checkpoint in the given JSON-lines files, and which lines are not one."""
    found = CheckpointFiles([], [], [])
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                found.checkpoints.append(ReadCheckpoint(where, Checkpoint.from_line(line)))
            except ValueError:
                if number == len(lines):  # no newline after it: cut short while written
                    found.notes.append(f"{where} is incomplete (cut short while written?)")
                else:
                    found.unreadable.append(where)
    return found


def verify_anchored(
    session: Session, files: CheckpointFiles, public_keys: Iterable[Ed25519PublicKey]
) -> ChainCheck:
    """The chain checked link by link, then against every checkpoint of this installation."""
    chain = verify(session)
    if not chain.ok:
        return chain
    if files.unreadable:
        return ChainCheck(
            False, chain.entries, None, f"{files.unreadable[0]} is not a checkpoint (altered?)"
        )
    keys = {key_id(k): k for k in public_keys}
    head = session.get(AuditHead, 1)
    installation = head.installation_id if head else ""
    trimmed = head.trimmed if head else 0
    ours: list[Checkpoint] = []
    for read in files.checkpoints:
        cp = read.checkpoint
        key = keys.get(cp.key)
        if key is None or not cp.verifies_with(key):
            return ChainCheck(
                False,
                chain.entries,
                None,
                f"the checkpoint on {read.where} is not signed by the given public key: "
                "it was forged or altered",
            )
        if cp.installation != installation:
            # The id lives in the head row, which a database writer can replace: a file of
            # checkpoints that no longer match it is as telling as a chain that does not.
            return ChainCheck(
                False,
                chain.entries,
                None,
                f"the checkpoint on {read.where} names installation {cp.installation}, but "
                f"the database's audit head names {installation or 'none'}: the head was "
                "replaced, or the file belongs to another installation",
            )
        ours.append(cp)
    ours.sort(key=lambda c: (c.entries, c.at))
    problem = _compare(session, ours, trimmed=trimmed, total=trimmed + chain.entries, head=head)
    if problem is not None:
        first_broken_id, text = problem
        return ChainCheck(False, chain.entries, first_broken_id, text)
    newest = ours[-1].entries if ours else trimmed
    return ChainCheck(
        True,
        chain.entries,
        head_hash=chain.head_hash,
        checkpoints=len(ours),
        unanchored=trimmed + chain.entries - newest,
    )


def _compare(
    session: Session,
    checkpoints: list[Checkpoint],
    *,
    trimmed: int,
    total: int,
    head: AuditHead | None,
) -> tuple[int | None, str] | None:
    """The first contradiction between the chain and the checkpoints: (entry id, why)."""
    wanted = {cp.entries - trimmed for cp in checkpoints if trimmed < cp.entries <= total}
    at = _entries_at(session, wanted | {p + 1 for p in wanted} | {1, total - trimmed})
    last_good = trimmed  # the chain's start is vouched for by audit.verify
    for cp in checkpoints:
        if cp.entries > total:
            last = at.get(total - trimmed)
            after = f"entry {last[0]}" if last else "the chain's start"
            return None, (
                f"entries were removed from the end: the chain holds {total} entries since it "
                f"began, but the checkpoint of {cp.at} counted {cp.entries}, the last being "
                f"entry {cp.last_id}; the first missing entry is the one after {after}"
            )
        if cp.entries < trimmed:
            continue  # removed by audit retention since; the trim record vouches for it
        if cp.entries == trimmed:
            anchor = head.anchor_hash if head else GENESIS
            if anchor != cp.head:
                return None, f"the chain's start does not match the checkpoint of {cp.at}"
            continue
        entry_id, entry_hash = at[cp.entries - trimmed]
        if entry_hash != cp.head or entry_id != cp.last_id:
            first = at.get(last_good - trimmed + 1, (entry_id, ""))[0]
            covered = (
                f"the last intact checkpoint covers the first {last_good}"
                if last_good
                else "no earlier checkpoint matches"
            )
            return first, (
                f"the chain does not match the checkpoint of {cp.at} ({cp.entries} entries, "
                f"last entry {cp.last_id}): an entry from entry {first} on was changed, removed "
                f"or inserted ({covered})"
            )
        last_good = cp.entries
    return None


def _entries_at(session: Session, positions: set[int]) -> dict[int, tuple[int, str]]:
    """(id, hash) of the entries at these places among those left (1 is the oldest)."""
    found: dict[int, tuple[int, str]] = {}
    if not positions:
        return found
    highest = max(positions)
    query = across_forces(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id))
    result = session.execute(query.execution_options(yield_per=5000))
    try:
        for position, (entry_id, entry_hash) in enumerate(result, start=1):
            if position in positions:
                found[position] = (entry_id, entry_hash)
            if position >= highest:
                break
    finally:
        result.close()
    return found
