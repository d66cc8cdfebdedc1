"""Open zip archives (UFDR, XLSX) without letting a zip bomb expand past the limits."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.limits import ExtractionLimits


def open_zip(path: Path, limits: ExtractionLimits) -> zipfile.ZipFile:
    """Open an archive, refusing a damaged one or one with too many members."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionRefused(RefusalCode.CORRUPT_ZIP) from exc
    try:
        count = len(archive.infolist())
        if count > limits.max_zip_members:
            raise ExtractionRefused(
                RefusalCode.TOO_MANY_MEMBERS,
                f"The archive holds {count:,} files; the limit is {limits.max_zip_members:,}.",
                {"members": count, "limit": limits.max_zip_members},
            )
    except BaseException:
        archive.close()
        raise
    return archive


def check_declared_sizes(infos: Iterable[zipfile.ZipInfo], limits: ExtractionLimits) -> int:
    """Refuse members whose declared uncompressed sizes add up past the limit; return the sum."""
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise ExtractionRefused(
                RefusalCode.ZIP_BOMB,
                f"The archive expands past the limit of "
                f"{limits.max_uncompressed_bytes // 2**20} MB (at {info.filename!r}).",
                {"member": info.filename, "limit_bytes": limits.max_uncompressed_bytes},
            )
    return total


# What a damaged member raises while it is decompressed.
_STREAM_ERRORS = (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, lzma.LZMAError)


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> BoundedReader:
    """Open one member for streaming, refusing encrypted or unsupported compression."""
    try:
        stream = archive.open(info)
    except (RuntimeError, NotImplementedError) as exc:
        # zipfile raises these for encrypted members and unknown compression methods.
        raise ExtractionRefused(
            RefusalCode.CORRUPT_ZIP, "The archive is encrypted or uses unknown compression."
        ) from exc
    except _STREAM_ERRORS as exc:
        raise ExtractionRefused(RefusalCode.CORRUPT_ZIP) from exc
    return BoundedReader(stream, limit)


class BoundedReader(io.RawIOBase):
    """Read a zip member, stopping with ZIP_BOMB once it yields more than ``limit`` bytes.

    zipfile already stops at the declared size; this also bounds what a parser can pull
    when a header lies, and turns damage found mid-stream into CORRUPT_ZIP.
    """

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        super().__init__()
        self._stream = stream
        self._limit = limit
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._stream.read(len(buffer))
        except _STREAM_ERRORS as exc:
            raise ExtractionRefused(RefusalCode.CORRUPT_ZIP) from exc
        self.consumed += len(data)
        if self.consumed > self._limit:
            raise ExtractionRefused(
                RefusalCode.ZIP_BOMB,
                details={"limit_bytes": self._limit},
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()
