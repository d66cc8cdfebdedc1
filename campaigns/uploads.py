"""Uploaded extraction files held between the preview and the officer's confirmation.

Files are stored under a random name inside instance/uploads (never the name the browser
sent, so a crafted filename cannot escape the folder) and removed once imported or refused.
One the officer walks away from is removed a day later: each new upload sweeps the folder,
and so does the daily purge (:func:`messaging.records.uploads.sweep_stale_uploads`).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from werkzeug.datastructures import FileStorage

from messaging.records.uploads import UPLOADS_SUBDIR, sweep_stale_uploads

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadError(ValueError):
    pass


def upload_dir(instance_dir: Path) -> Path:
    path = instance_dir / UPLOADS_SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(instance_dir: Path, file: FileStorage, max_bytes: int) -> tuple[str, Path]:
    """Store an upload under a random token; refuse empty or oversized files."""
    sweep_stale_uploads(instance_dir)
    token = secrets.token_urlsafe(24)
    path = upload_dir(instance_dir) / token
    written = 0
    with path.open("wb") as out:
        while chunk := file.stream.read(1 << 20):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise UploadError(f"The file is larger than the {max_bytes // 2**20} MB limit.")
            out.write(chunk)
    if written == 0:
        path.unlink(missing_ok=True)
        raise UploadError("The file is empty.")
    return token, path


def upload_path(instance_dir: Path, token: str) -> Path:
    """The stored file for ``token``; refuses anything that is not a token we issued."""
    if not TOKEN.match(token or ""):
        raise UploadError("That upload has expired. Choose the file again.")
    path = upload_dir(instance_dir) / token
    if not path.is_file():
        raise UploadError("That upload has expired. Choose the file again.")
    return path


def safe_filename(name: str | None) -> str:
    """The browser's file name reduced to something safe to display and store."""
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9 ._()-]", "_", base)[:200] or "upload"
