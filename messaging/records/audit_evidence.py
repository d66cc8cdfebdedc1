"""Checking an audit evidence export offline, with nothing but the installation's public key.

``pester audit verify-export EXPORT --checkpoints FILE --public-key KEY.pem`` runs this, and
so can anyone without pester: copy this file and :mod:`messaging.records.audit_format`
(which defines entries, digests and checkpoints) into one directory, then run
``python audit_evidence.py EXPORT --checkpoints FILE --public-key KEY.pem`` with Python 3.11+
and the ``cryptography`` package. No database, no secret key.

**The export** (``pester audit export --format jsonl``) is UTF-8 JSON, one object a line. A
header first: ``format`` (``pester-audit-evidence``), ``version`` (1), ``installation``,
``exported_at``, ``since`` and ``until`` (the period asked for: ISO 8601, or null),
``trimmed`` (entries retention had removed), ``first_position`` (the first exported entry's
place in the chain, counted as checkpoints count), ``start_hash`` and ``start_digest``
(those of the entry before it, or of the chain's start), ``head_hash`` and ``head_digest``
(the chain's newest entry; null when ``until`` is set) and ``entries`` (how many lines
follow). Then one line an entry, oldest first: ``id``, ``prev_hash``, ``hash``, ``digest``
and ``content`` (the entry's content, as :mod:`~messaging.records.audit_format` defines it).

**The check**, in this order (the first failure is reported):

1. Each entry's ``prev_hash`` is the ``hash`` of the line before (``start_hash`` for the
   first), else "does not link"; its ``digest`` is recomputed from the digest before it
   (``start_digest`` for the first) and its content, else "its contents were changed".
2. The export holds ``entries`` entries; one that runs to the end (no ``until``) ends with
   ``head_hash`` and ``head_digest``; one that starts at the chain's start
   (``first_position`` is ``trimmed + 1``) starts at ``GENESIS``, or where the newest
   retention record in it says.
3. Every checkpoint line is signed by one of the given keys and names the export's
   installation.
4. Oldest first, each checkpoint's entry (the one at place ``entries``) has its ``last_id``,
   ``head`` and ``digest``. A checkpoint counting more entries than the export holds, when
   the export runs to the end or the checkpoint's last entry was written before ``until``,
   shows entries removed from the end. A mismatch names the first entry after the last
   checkpoint that matched: something from there on was changed, removed or inserted.

Everything up to the last matching checkpoint is then exactly what pester signed. Entries
after it are only as strong as the keyed chain, which needs pester and its key to check
(``pester audit verify``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

try:
    from messaging.records.audit_format import (
        TRIM_ACTION,
        ChainCheck,
        CheckpointFiles,
        Placed,
        Span,
        compare_checkpoints,
        load_public_key,
        places_wanted,
        public_digest,
        read_checkpoint_files,
        screen_checkpoints,
        unvouched_start,
    )
except ModuleNotFoundError as missing:  # copied out of pester, next to audit_format.py
    if missing.name not in ("messaging", "messaging.records"):
        raise
    from audit_format import (  # type: ignore[no-redef]
        TRIM_ACTION,
        ChainCheck,
        CheckpointFiles,
        Placed,
        Span,
        compare_checkpoints,
        load_public_key,
        places_wanted,
        public_digest,
        read_checkpoint_files,
        screen_checkpoints,
        unvouched_start,
    )

EXPORT_FORMAT = "pester-audit-evidence"
EXPORT_VERSION = 1


class ExportError(ValueError):
    """The file is not a pester audit evidence export (the message says why)."""


@dataclass(frozen=True)
class ExportHeader:
    installation: str
    since: str | None
    until: str | None
    trimmed: int
    first_position: int
    start_hash: str
    start_digest: str
    head_hash: str | None
    head_digest: str | None
    entries: int
    exported_at: str = ""
    format: str = EXPORT_FORMAT
    version: int = EXPORT_VERSION

    @classmethod
    def from_line(cls, line: str) -> ExportHeader:
        try:
            data = json.loads(line)
            header = cls(**data)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ExportError("not a pester audit evidence export (jsonl): no header") from exc
        if (header.format, header.version) != (EXPORT_FORMAT, EXPORT_VERSION):
            raise ExportError(f"not a {EXPORT_FORMAT} export version {EXPORT_VERSION}")
        return header

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True) + "\n"


def entry_line(entry_id: int, prev_hash: str, hash_: str, digest: str, content: Any) -> str:
    """One entry of an export, as :func:`verify_export` reads it."""
    row = {"id": entry_id, "prev_hash": prev_hash, "hash": hash_, "digest": digest}
    return json.dumps({**row, "content": content}, sort_keys=True) + "\n"


@dataclass
class _Walk:
    """The exported entries read so far, and what the checks need of them."""

    header: ExportHeader
    wanted: set[int]
    count: int = 0
    prev_hash: str = ""
    prev_digest: str = ""
    trim: tuple[int, Mapping[str, Any]] | None = None
    at: dict[int, Placed] = field(default_factory=dict)
    last: Placed | None = None


def _walk(walk: _Walk, lines: Iterator[str]) -> tuple[int | None, str] | None:
    """Check each entry's link and digest; the first that fails: (entry id, why)."""
    walk.prev_hash, walk.prev_digest = walk.header.start_hash, walk.header.start_digest
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            entry = Placed(int(row["id"]), str(row["hash"]), str(row["digest"]))
            prev_hash, content = str(row["prev_hash"]), row["content"]
            if not isinstance(content, dict):
                raise TypeError("content is not an object")
        except (TypeError, KeyError, ValueError) as exc:
            return None, f"line {number} of the export is not an audit entry ({exc})"
        walk.count += 1
        if prev_hash != walk.prev_hash:
            return entry.id, "does not link to the entry before it"
        if public_digest(walk.prev_digest, content) != entry.digest:
            return entry.id, "its contents were changed"
        if content.get("action") == TRIM_ACTION:
            walk.trim = (entry.id, content.get("details") or {})
        place = walk.header.first_position + walk.count - 1
        if place in walk.wanted:
            walk.at[place] = entry
        walk.prev_hash, walk.prev_digest, walk.last = entry.hash, entry.digest, entry
    return None


def verify_export(
    lines: Iterable[str], files: CheckpointFiles, public_keys: Iterable[Ed25519PublicKey]
) -> ChainCheck:
    """Check an evidence export link by link, then against every checkpoint: as ``pester
    audit verify --checkpoints`` checks the database, with only the public key."""
    stream = iter(lines)
    header = ExportHeader.from_line(next(stream, ""))
    parsed = [read.checkpoint for read in files.checkpoints]
    walk = _Walk(header, places_wanted(parsed, header.first_position - 1))
    broken = _walk(walk, stream) or _ends(walk)
    if broken is not None:
        return ChainCheck(False, walk.count, broken[0], broken[1], scope=_scope(header))
    holder = "the export's audit head"
    ours, problem = screen_checkpoints(files, public_keys, header.installation, holder)
    if problem:
        return ChainCheck(False, walk.count, None, problem, scope=_scope(header))
    span = Span(
        start=header.first_position - 1,
        start_hash=header.start_hash,
        start_digest=header.start_digest,
        end=header.first_position - 1 + walk.count,
        until=datetime.fromisoformat(header.until) if header.until else None,
        hashes_recomputed=False,
    )
    if walk.last is not None:
        walk.at[span.end] = walk.last
    found = compare_checkpoints(ours, span, walk.at)
    if found.broken is not None:
        return ChainCheck(False, walk.count, *found.broken, scope=_scope(header))
    return ChainCheck(
        True,
        walk.count,
        head_hash=walk.prev_hash,
        checkpoints=found.matched,
        unanchored=span.end - found.vouched,
        checkpoints_total=len(ours),
        outside=found.outside,
        hash_only=found.hash_only,
        scope=_scope(header),
    )


def _ends(walk: _Walk) -> tuple[int | None, str] | None:
    """What is wrong with the export's end (cut short, the head's entries gone) or its start
    (moved with no retention record to vouch for it), if anything."""
    header = walk.header
    if walk.count != header.entries:
        return None, (
            f"the export holds {walk.count} entries but its header says {header.entries}: "
            "lines were removed or added, or the file was cut short"
        )
    if header.until is None and (walk.prev_hash, walk.prev_digest) != (
        header.head_hash,
        header.head_digest,
    ):
        return None, "entries after the last one were removed"
    # An export from the chain's start must start where the newest retention record says:
    # one that stops at ``until`` may not hold that record, but the start of a chain never
    # trimmed is GENESIS all the same.
    starts_at_start = header.first_position == header.trimmed + 1
    if starts_at_start and (header.until is None or not header.trimmed):
        problem = unvouched_start(header.start_hash, header.start_digest, header.trimmed, walk.trim)
        if problem:
            first = walk.at.get(header.first_position)
            return (first.id if first else None), problem
    return None


def _scope(header: ExportHeader) -> str:
    if header.first_position == header.trimmed + 1 and header.until is None:
        return ""
    since = f" since {header.since}" if header.since else ""
    until = f" until {header.until}" if header.until else ""
    return f"exported{since}{until}: the chain's entries from place {header.first_position} on"


def main(argv: Sequence[str] | None = None) -> int:
    """``python audit_evidence.py EXPORT --checkpoints FILE --public-key PEM``: exit 0 when
    the export agrees with every checkpoint, 1 when something was changed, 2 on bad input."""
    parser = argparse.ArgumentParser(
        description="Check a pester audit export against its signed checkpoints."
    )
    parser.add_argument("export", type=Path, help="a `pester audit export --format jsonl` file")
    parser.add_argument("--checkpoints", type=Path, action="append", required=True)
    parser.add_argument("--public-key", type=Path, action="append", required=True)
    args = parser.parse_args(argv)
    try:
        keys = [load_public_key(path.read_text()) for path in args.public_key]
        files = read_checkpoint_files(args.checkpoints)
        with args.export.open(encoding="utf-8") as export:
            check = verify_export(export, files, keys)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in files.notes:
        print(f"note: {note}", file=sys.stderr)
    print(check.describe(), file=sys.stdout if check.ok else sys.stderr)
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
