"""Uploaded extractions on disk: where they wait for confirmation, and when they are swept.

A file waits in ``instance/uploads`` between the import preview and the officer's
confirmation (:mod:`campaigns.uploads` stores it). Retention covers these files too: one
never confirmed would otherwise keep a seized phone's contacts on disk for ever.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)

UPLOADS_SUBDIR = "uploads"
UPLOAD_MAX_AGE = timedelta(hours=24)


def sweep_stale_uploads(
    instance_dir: Path, *, max_age: timedelta = UPLOAD_MAX_AGE, now: float | None = None
) -> int:
    """Delete stored uploads older than ``max_age``: previews the officer walked away from.

    An upload waits in ``instance/uploads`` between the preview and the confirmation; one
    never confirmed would otherwise keep a seized phone's contacts on disk for ever. Called
    from the daily purge and whenever a new file is uploaded. Returns how many were deleted.
    """
    folder = instance_dir / UPLOADS_SUBDIR
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # imported or swept by another process meanwhile
    if removed:
        log.info("removed %s abandoned upload(s)", removed)
    return removed
