"""Work out how a text export is encoded: BOMs, BOM-less UTF-16, UTF-8, else cp1252.

Excel on Windows writes "Unicode text" as UTF-16 LE with a BOM, "CSV UTF-8" with a BOM and
plain "CSV" as cp1252; phones and Macs write UTF-8 without one. A file with NUL bytes that is
not UTF-16, or full of control characters, is binary and refused rather than guessed at.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode

SAMPLE_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
# C0 controls other than tab, LF, VT, FF, CR, plus DEL.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le-bom"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be-bom"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-bom"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le-bom"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be-bom"),
)


@dataclass(frozen=True, slots=True)
class TextEncoding:
    """A codec to decode the file with (it consumes any BOM) and a label for the preview."""

    codec: str
    label: str


def read_head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    """Return the first bytes of a file, for sniffing."""
    try:
        with path.open("rb") as file:
            return file.read(size)
    except OSError as exc:
        raise ExtractionRefused(RefusalCode.UNREADABLE) from exc


def sniff_encoding(path: Path, head: bytes | None = None) -> TextEncoding:
    """Return the file's encoding, or refuse it as binary (NOT_TEXT)."""
    head = read_head(path) if head is None else head
    encoding = encoding_from_head(head)
    if encoding is None:
        raise ExtractionRefused(RefusalCode.NOT_TEXT)
    if encoding.codec == "utf-8" and not _is_utf8(path):
        encoding = TextEncoding("cp1252", "cp1252")
    problem = text_problem(decode_head(head, encoding))
    if problem is not None:
        raise ExtractionRefused(problem, details={"encoding": encoding.label})
    return encoding


def encoding_from_head(head: bytes) -> TextEncoding | None:
    """Guess the encoding from the first bytes alone; None means binary, not text.

    UTF-8 here means "valid so far"; :func:`sniff_encoding` checks the rest of the file.
    """
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return TextEncoding(codec, label)
    utf16 = _bomless_utf16(head)
    if utf16 is not None:
        return TextEncoding(utf16, utf16)
    if b"\x00" in head:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return TextEncoding("cp1252", "cp1252")
    return TextEncoding("utf-8", "utf-8")


def decode_head(head: bytes, encoding: TextEncoding) -> str:
    """Decode a sample, leaving out a character cut in half at its end."""
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="replace")
    return decoder.decode(head, final=False)


def text_problem(text: str) -> RefusalCode | None:
    """NOT_TEXT for control characters (binary), BAD_ENCODING for undecodable bytes, or None.

    A few of either are tolerated: they reject single rows, not the file.
    """
    allowed = max(4, len(text) // 100)
    if len(_CONTROL.findall(text)) > allowed:
        return RefusalCode.NOT_TEXT
    if text.count("\ufffd") > allowed:
        return RefusalCode.BAD_ENCODING
    return None


def _bomless_utf16(head: bytes) -> str | None:
    """Spot UTF-16 without a BOM: text in Latin script has a NUL in every other byte."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul >= 0.3 and even_nul <= 0.05:
        return "utf-16-le"
    if even_nul >= 0.3 and odd_nul <= 0.05:
        return "utf-16-be"
    return None


def _is_utf8(path: Path) -> bool:
    """Return True if the whole file decodes as UTF-8 (checked in chunks, not loaded)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk, final=False)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except OSError as exc:
        raise ExtractionRefused(RefusalCode.UNREADABLE) from exc
    return True
