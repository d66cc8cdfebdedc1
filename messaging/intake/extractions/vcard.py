"""Read contacts from a vCard file (2.1, 3.0 or 4.0), as handsets export their address book.

Handles folded lines (a line break followed by a space or tab), vCard 2.1 quoted-printable
values with soft line breaks and CHARSET parameters, bare 2.1 types (``TEL;CELL;PREF:``),
3.0/4.0 ``TYPE=`` lists, ``item1.TEL`` groups labelled by ``item1.X-ABLabel`` (Apple), and
several TELs per card. The TEL value is passed on as written (``tel:+44…`` included); the
label is the TYPE parameters joined by commas, as the file wrote them. The file is streamed
line by line; properties other than names and numbers (photos above all) are skipped unread.
"""

from __future__ import annotations

import codecs
import io
import quopri
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.limits import ExtractionLimits, check_record_count
from messaging.intake.extractions.records import (
    ExtractedNumber,
    Extraction,
    RejectedRecord,
    RejectReason,
)
from messaging.intake.extractions.text_encoding import read_head, sniff_encoding

_WANTED = frozenset({b"BEGIN", b"END", b"VERSION", b"TEL", b"FN", b"N", b"X-ABLABEL"})
_NOT_TYPES = frozenset(
    {
        "ENCODING",
        "CHARSET",
        "VALUE",
        "LANGUAGE",
        "PREF",
        "PID",
        "ALTID",
        "MEDIATYPE",
        "CALSCALE",
        "SORT-AS",
        "GEO",
        "TZ",
        "INDEX",
        "LEVEL",
        "LABEL",
    }
)
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"})
_RAW_LIMIT = 500


@dataclass(slots=True)
class _Property:
    group: str | None
    name: str
    params: dict[str, list[str]]
    value: bytes
    too_long: bool = False


@dataclass
class _Card:
    number: int
    full_name: str | None = None
    structured_name: str | None = None
    tels: list[tuple[str | None, str, str | None]] = field(
        default_factory=list
    )  # group, value, label
    group_labels: dict[str, str] = field(default_factory=dict)
    rejected: list[RejectedRecord] = field(default_factory=list)


def extract_vcf(path: Path, *, limits: ExtractionLimits) -> Extraction:
    """Read every card of a vCard file into numbers; a card without a TEL is rejected."""
    head = read_head(path)
    encoding = sniff_encoding(path, head)
    extraction = Extraction("vcf", 0, columns={"encoding": encoding.label})
    charset = "cp1252" if encoding.codec == "cp1252" else "utf-8"
    versions: set[str] = set()
    card: _Card | None = None
    try:
        with _binary_lines(path, encoding.codec) as stream:
            for prop in _properties(stream, limits.max_line_chars):
                if prop.name == "BEGIN" and prop.value.strip().upper() == b"VCARD":
                    if card is not None:
                        _finish(card, extraction)
                    extraction.records += 1
                    check_record_count(extraction.records, limits)
                    card = _Card(extraction.records)
                elif card is None:
                    continue
                elif prop.name == "END" and prop.value.strip().upper() == b"VCARD":
                    _finish(card, extraction)
                    card = None
                elif prop.name == "VERSION":
                    versions.add(prop.value.strip().decode("ascii", "replace"))
                else:
                    _add_property(card, prop, charset)
    except OSError as exc:
        raise ExtractionRefused(RefusalCode.UNREADABLE) from exc
    if card is not None:
        _finish(card, extraction)  # a last card without END:VCARD still counts
    if extraction.records == 0:
        raise ExtractionRefused(RefusalCode.NO_VCARDS)
    extraction.columns["versions"] = sorted(versions)
    return extraction


def _binary_lines(path: Path, codec: str) -> BinaryIO:
    if codec in ("utf-8", "utf-8-sig", "cp1252"):
        return path.open("rb")
    # UTF-16 and UTF-32 exports are rare and small: re-encode them as UTF-8 bytes.
    return io.BytesIO(path.read_text(encoding=codec, errors="replace").encode("utf-8"))


def _properties(stream: BinaryIO, max_chars: int) -> Iterator[_Property]:
    """Yield the wanted properties as logical lines: unfolded, QP soft breaks joined."""
    fold = (b" ", b"\t")
    line, too_long = _read_line(stream, max_chars)
    line = line.removeprefix(codecs.BOM_UTF8)
    while line:
        line = line.rstrip(b"\r\n")
        nxt, nxt_too_long = _read_line(stream, max_chars)
        # A fold can fall inside the name or parameters: join until the ":" is seen.
        while b":" not in line and nxt[:1] in fold and len(line) <= max_chars:
            line += nxt.rstrip(b"\r\n")[1:]
            too_long = too_long or nxt_too_long
            nxt, nxt_too_long = _read_line(stream, max_chars)
        prefix, colon, value = line.partition(b":")
        name_part, semicolon, _ = prefix.partition(b";")
        group, _, name = name_part.rpartition(b".")
        name = name.strip().upper()
        wanted = bool(colon) and name in _WANTED
        is_qp = wanted and semicolon and b"QUOTED-PRINTABLE" in prefix.upper()
        parts = [value]
        while True:
            if nxt[:1] in fold:
                too_long = too_long or nxt_too_long
                if wanted:
                    parts.append(nxt.rstrip(b"\r\n")[1:])
            elif nxt and is_qp and parts[-1].endswith(b"="):
                too_long = too_long or nxt_too_long
                parts[-1] = parts[-1][:-1]
                parts.append(nxt.rstrip(b"\r\n"))
            else:
                break
            nxt, nxt_too_long = _read_line(stream, max_chars)
        if wanted:
            yield _Property(
                group.decode("ascii", "replace").upper() if group else None,
                name.decode("ascii", "replace"),
                _params(prefix) if semicolon else {},
                b"".join(parts) if len(parts) > 1 else value,
                too_long,
            )
        line, too_long = nxt, nxt_too_long


def _read_line(stream: BinaryIO, max_chars: int) -> tuple[bytes, bool]:
    """The next physical line, cut at the limit (the rest skipped), and whether it was cut."""
    line = stream.readline(max_chars + 2)
    if len(line) <= max_chars or line.endswith(b"\n"):
        return line, False
    rest = line
    while rest and not rest.endswith(b"\n"):
        rest = stream.readline(max_chars + 2)
    return line, True


def _params(prefix: bytes) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for raw in prefix.decode("ascii", "replace").split(";")[1:]:
        key, sep, value = raw.partition("=")
        key = key.strip().upper()
        if not sep:
            key, value = ("ENCODING", key) if key in _BARE_ENCODINGS else ("TYPE", raw.strip())
        values = [v.strip().strip('"') for v in value.split(",") if v.strip().strip('"')]
        params.setdefault(key, []).extend(values)
    return params


def _add_property(card: _Card, prop: _Property, charset: str) -> None:
    if prop.too_long:
        card.rejected.append(
            RejectedRecord(f"card {card.number}", prop.name, RejectReason.LINE_TOO_LONG)
        )
        return
    text = _decode(prop, charset)
    if prop.name == "TEL":
        value = text.strip()
        if "\ufffd" in value:
            card.rejected.append(
                RejectedRecord(f"card {card.number}", value[:_RAW_LIMIT], RejectReason.UNDECODABLE)
            )
        elif value:
            types = [v for k, vs in prop.params.items() if k not in _NOT_TYPES for v in vs]
            card.tels.append((prop.group, value, ",".join(types) or None))
    elif prop.name == "FN":
        card.full_name = _unescape(text).strip() or card.full_name
    elif prop.name == "N":
        card.structured_name = text  # split only if the card has no FN
    elif prop.name == "X-ABLABEL" and prop.group:
        label = text.strip().removeprefix("_$!<").removesuffix(">!$_").strip()
        if label:
            card.group_labels[prop.group] = label


def _finish(card: _Card, extraction: Extraction) -> None:
    position = f"card {card.number}"
    name = card.full_name or (
        _structured_name(card.structured_name) if card.structured_name else None
    )
    for group, value, label in card.tels:
        if label is None and group is not None:
            label = card.group_labels.get(group)
        extraction.numbers.append(ExtractedNumber(position, value, name, label, None, None, None))
    extraction.rejected.extend(card.rejected)
    if not card.tels and not card.rejected:
        extraction.rejected.append(RejectedRecord(position, name or "", RejectReason.NO_NUMBER))


def _decode(prop: _Property, charset: str) -> str:
    value = prop.value
    if "QUOTED-PRINTABLE" in (v.upper() for v in prop.params.get("ENCODING", ())):
        value = quopri.decodestring(value)
    wanted = (prop.params.get("CHARSET") or [charset])[0]
    try:
        return value.decode(wanted, errors="replace")
    except LookupError:
        return value.decode(charset, errors="replace")


def _structured_name(text: str) -> str | None:
    # N is family;given;additional;prefixes;suffixes with backslash-escaped separators.
    parts = [_unescape(p).strip() for p in _split_unescaped(text, ";")]
    parts += [""] * (5 - len(parts))
    family, given, additional, prefix, suffix = parts[:5]
    return " ".join(p for p in (prefix, given, additional, family, suffix) if p) or None


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, escaped = [], False
    for char in text:
        if escaped:
            out.append("\n" if char in "nN" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out)
