"""The audit trail's public format: entry content, digests, checkpoints, and comparing them.

Standard library and ``cryptography`` only, so that :mod:`messaging.records.audit_evidence`
(the offline check of an export) can be copied out of pester with this file and run
without it. pester's own chain (:mod:`messaging.records.audit`), checkpoints
(:mod:`messaging.records.audit_checkpoints`) and database check
(:mod:`messaging.records.audit_anchors`) use the same definitions. What follows describes the
format exactly enough to check it with another implementation.

**An entry's content** is a JSON object with these members: ``at`` (when it was written:
UTC, as Python's ``datetime.isoformat()`` writes it, e.g.
``2026-05-01T09:30:00.123456+00:00``, with no fraction when it is zero), ``actor_id``
(integer or null), ``actor``, ``category``, ``action``, ``object_type``, ``object_id``,
``recipient``, ``ip``, ``user_agent``, ``reason`` (strings) and ``details`` (an object: ids
and counts); entries with ``chain_version`` 2 or more also have ``force_id`` (integer or
null) and ``chain_version`` (integer). Its **canonical encoding** is what Python's
``json.dumps(content, sort_keys=True, separators=(",", ":"))`` writes: members sorted by
name (by code point, at every depth), no whitespace, every character outside ASCII escaped
as ``\\uXXXX`` (lower-case hex; UTF-16 surrogate pairs above U+FFFF), ``"`` and ``\\`` and
control characters escaped as JSON requires (``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``,
the others as ``\\u00XX``), integers in decimal, ``null``, ``true`` and ``false``.

**The public digest chain.** ``digest = SHA-256(previous digest + canonical encoding)``:
the two joined as text, encoded as UTF-8 (it is all ASCII), the result written as 64
lower-case hex digits. The first entry's previous digest is ``GENESIS``, 64 zeros. No key is
involved, so anyone can recompute it; what makes it evidence is the signed checkpoints.
Each entry also has a keyed ``hash``: the same construction with the previous entry's
``hash`` (its ``prev_hash``) in place of the previous digest, and HMAC-SHA-256 under the
installation's secret key in place of SHA-256. Only pester can recompute that one; anyone
can check that each ``prev_hash`` is the ``hash`` of the entry before it.

**Retention** removes the oldest entries. The chain then starts at the last removed entry's
``hash`` and ``digest``, and the removal is itself an entry (``action`` ``audit_trimmed``)
whose ``details`` hold ``anchor`` (that hash), ``anchor_digest`` (that digest) and
``trimmed_total`` (entries removed since the chain began). A chain trimmed before digests
existed (pester's migration 0008) starts its digests from ``anchor`` itself.

**A checkpoint** (one JSON line of pester's checkpoint file) says "this installation's chain
had ``entries`` entries (counting those retention removed: the first entry ever is place 1),
the newest being ``last_id``, written at ``last_at``, with ``head`` (its hash) and
``digest``, at time ``at``". ``key`` is the first 16 hex digits of the SHA-256 of the
signing key's raw 32-byte Ed25519 public key; ``signature`` is the base64 Ed25519 signature
of ``pester-audit-checkpoint/<version>`` and a line feed, followed by the canonical encoding
of every other member. Version 1 checkpoints, written before digests existed, have no
``digest``: without pester's key they vouch only for the hash at their place.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = "0" * 64
TRIM_ACTION = "audit_trimmed"
CHECKPOINT_VERSION = 2  # 2: signs the public digest too


def canonical(content: Mapping[str, Any]) -> str:
    """An entry's content as the text both of its hashes are taken over."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def public_digest(prev_digest: str, content: Mapping[str, Any]) -> str:
    """The unkeyed digest chaining an entry to the one before it (anyone can recompute it)."""
    return hashlib.sha256((prev_digest + canonical(content)).encode()).hexdigest()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its PEM text; ValueError when it is not an Ed25519 public key."""
    key = serialization.load_pem_public_key(text.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def public_key_pem(public: Ed25519PublicKey) -> str:
    """The public key as PEM: what ``pester audit public-key`` prints and verifiers need."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key, carried by each checkpoint it signs."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement: "this installation's chain had ``entries`` entries, the newest
    ``last_id`` (written at ``last_at``) with hash ``head`` and digest ``digest``, at ``at``"."""

    installation: str
    entries: int  # since the chain began: entries trimmed by retention count too
    head: str
    last_id: int | None
    last_at: str | None
    at: str
    digest: str | None = None  # None in version 1, written before public digests
    key: str = ""
    signature: str = ""
    version: int = CHECKPOINT_VERSION

    def members(self) -> dict[str, Any]:
        found = asdict(self)
        if self.version < 2:
            found.pop("digest")
        return found

    def signed_bytes(self) -> bytes:
        members = self.members()
        members.pop("signature")
        domain = f"pester-audit-checkpoint/{self.version}\n".encode()
        return domain + json.dumps(members, sort_keys=True, separators=(",", ":")).encode()

    def signed_by(self, private: Ed25519PrivateKey) -> Checkpoint:
        unsigned = Checkpoint(**{**asdict(self), "key": key_id(private.public_key())})
        signature = private.sign(unsigned.signed_bytes())
        return Checkpoint(**{**asdict(unsigned), "signature": base64.b64encode(signature).decode()})

    def verifies_with(self, public: Ed25519PublicKey) -> bool:
        try:
            public.verify(base64.b64decode(self.signature), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    def line(self) -> str:
        return json.dumps(self.members(), sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Checkpoint:
        """Parse one line of a checkpoint file; ValueError when it is not a checkpoint."""
        try:
            data = json.loads(line)
            if not isinstance(data, dict) or data.get("version") not in (1, 2):
                raise TypeError("not a checkpoint object")
            if data["version"] == 1 and "digest" in data:
                raise TypeError("a version 1 checkpoint has no digest")
            return cls(**data)
        except (TypeError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError("not a pester audit checkpoint") from exc


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
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
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


def screen_checkpoints(
    files: CheckpointFiles, public_keys: Iterable[Ed25519PublicKey], installation: str, holder: str
) -> tuple[list[Checkpoint], str]:
    """This installation's checkpoints, oldest first, or why the files cannot be relied on
    (``holder`` names what says which installation the chain is: the database's head)."""
    if files.unreadable:
        return [], f"{files.unreadable[0]} is not a checkpoint (altered?)"
    keys = {key_id(k): k for k in public_keys}
    ours = []
    for read in files.checkpoints:
        cp = read.checkpoint
        key = keys.get(cp.key)
        if key is None or not cp.verifies_with(key):
            return [], (
                f"the checkpoint on {read.where} is not signed by the given public key: "
                "it was forged or altered"
            )
        if cp.installation != installation:
            # The id lives in the head row, which a database writer can replace: a file of
            # checkpoints that no longer match it is as telling as a chain that does not.
            return [], (
                f"the checkpoint on {read.where} names installation {cp.installation}, but "
                f"{holder} names {installation or 'none'}: the head was replaced, or the "
                "file belongs to another installation"
            )
        ours.append(cp)
    return sorted(ours, key=lambda c: (c.entries, c.at)), ""


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_broken_id: int | None = None
    problem: str = ""
    head_hash: str = GENESIS
    checkpoints: int = 0  # signed checkpoints the chain matched
    unanchored: int | None = None  # entries newer than the last checkpoint that vouches
    checkpoints_total: int = 0  # signed checkpoints of this installation
    outside: int = 0  # of those, how many cover only entries before or after those checked
    hash_only: int = 0  # version 1 checkpoints checked without the key: hashes only
    scope: str = ""  # which entries were checked, when not the whole chain

    def describe(self) -> str:
        scope = f" ({self.scope})" if self.scope else ""
        if not self.ok:
            where = f"entry {self.first_broken_id}" if self.first_broken_id else "the chain's end"
            return (
                f"audit chain broken at {where}: {self.problem} "
                f"(checked {self.entries} entries{', ' + self.scope if self.scope else ''})"
            )
        text = f"audit chain intact: {self.entries} entries{scope}, head {self.head_hash}"
        if self.unanchored is None:
            return text
        text += f"; agrees with {self.checkpoints} of {self.checkpoints_total} signed checkpoints"
        if self.outside:
            text += f" ({self.outside} cover only entries outside those checked)"
        if self.hash_only:
            text += (
                f" ({self.hash_only} signed before public digests: without the installation's"
                " key they vouch for the entries' hashes, not their contents)"
            )
        return text + f", {self.unanchored} newer entries not covered by a checkpoint"


def unvouched_start(
    start_hash: str, start_digest: str, trimmed: int, trim: tuple[int, Mapping[str, Any]] | None
) -> str:
    """Why the chain's start (hash, digest, entries trimmed) is not the one the newest
    retention record ``trim`` (its id and details) left; "" when it is."""
    if start_hash == GENESIS and not trimmed:
        if start_digest != GENESIS:
            return "the chain's start was moved, but no retention trim recorded it"
        return ""
    if trim is None:
        return "the chain's start was moved, but no retention trim recorded it"
    trim_id, details = trim
    if "anchor" not in details:
        return ""  # recorded before trims named their anchor: nothing more to compare
    # Trims recorded before digests existed: the migration started the digests there.
    expected_digest = details.get("anchor_digest", details["anchor"])
    if (details["anchor"], expected_digest, details.get("trimmed_total")) != (
        start_hash,
        start_digest,
        trimmed,
    ):
        return (
            "the chain's start is not where the last retention trim "
            f"(entry {trim_id}) left it: entries before it were removed"
        )
    return ""


@dataclass(frozen=True)
class Placed:
    """What the comparison needs of the entry at one place in the chain."""

    id: int
    hash: str
    digest: str


@dataclass(frozen=True)
class Span:
    """The stretch of the chain being checked: the entries after ``start`` up to ``end``."""

    start: int  # entries before the first one checked (trimmed, or before the export)
    start_hash: str
    start_digest: str
    end: int  # the place of the last entry checked
    until: datetime | None = None  # an export cut here: later checkpoints lie outside it
    hashes_recomputed: bool = True  # keyed hashes were checked (inside pester, with its key)


@dataclass
class Agreement:
    matched: int = 0
    outside: int = 0
    hash_only: int = 0
    vouched: int = 0  # the last place a matching checkpoint vouches for
    broken: tuple[int | None, str] | None = None


def places_wanted(checkpoints: Iterable[Checkpoint], span_start: int) -> set[int]:
    """The places :func:`compare_checkpoints` looks at (besides the span's end)."""
    return {p for cp in checkpoints for p in (cp.entries, cp.entries + 1)} | {span_start + 1}


def compare_checkpoints(
    checkpoints: Sequence[Checkpoint], span: Span, at: Mapping[int, Placed]
) -> Agreement:
    """The chain against each checkpoint in turn, oldest first, up to the first contradiction
    (its entry id, when there is one to name, and why)."""
    found = Agreement(vouched=span.start)
    for cp in checkpoints:
        if cp.entries > span.end:
            if span.until is not None and _written_at_or_after(cp.last_at, span.until):
                found.outside += 1
                continue
            found.broken = (None, _removed_from_end(cp, span, at))
            return found
        if cp.entries < span.start:
            found.outside += 1  # removed by retention, or before the export: not here
            continue
        if cp.entries == span.start:
            if span.start_hash != cp.head or cp.digest not in (None, span.start_digest):
                found.broken = (None, f"the chain's start does not match the checkpoint of {cp.at}")
                return found
            found.matched += 1
            continue
        entry = at[cp.entries]
        if (entry.id, entry.hash) != (cp.last_id, cp.head) or cp.digest not in (None, entry.digest):
            first = at.get(found.vouched + 1, entry).id
            covered = (
                f"the last intact checkpoint covers the first {found.vouched}"
                if found.vouched
                else "no earlier checkpoint matches"
            )
            found.broken = (
                first,
                f"the chain does not match the checkpoint of {cp.at} ({cp.entries} entries, "
                f"last entry {cp.last_id}): an entry from entry {first} on was changed, removed "
                f"or inserted ({covered})",
            )
            return found
        found.matched += 1
        if cp.digest is not None or span.hashes_recomputed:
            found.vouched = cp.entries
        else:
            found.hash_only += 1
    return found


def _written_at_or_after(when: str | None, until: datetime) -> bool:
    try:
        return when is not None and datetime.fromisoformat(when) >= until
    except (TypeError, ValueError):  # not a time, or one without its zone
        return False


def _removed_from_end(cp: Checkpoint, span: Span, at: Mapping[int, Placed]) -> str:
    last = at.get(span.end)
    after = f"entry {last.id}" if last and span.end > span.start else "the chain's start"
    holds = f"the chain holds {span.end} entries since it began"
    if span.until is not None:
        holds = f"the export holds {span.end} entries since the chain began, up to {span.until}"
    return (
        f"entries were removed from the end: {holds}, but the checkpoint of {cp.at} counted "
        f"{cp.entries}, the last being entry {cp.last_id}; the first missing entry is the one "
        f"after {after}"
    )
