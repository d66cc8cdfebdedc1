"""Importing a large extraction in a worker, with progress a browser can poll.

The web request stores the upload and queues :func:`run_import`; the job imports in one
transaction exactly as the inline path does and keeps its stage, fraction and result in a
Redis hash for an hour. Only counts and the rejected rows' positions go there, never numbers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis import Redis
from rq import get_current_job

from messaging import runtime
from messaging.db import db
from messaging.intake.contact_import import ImportRefused, ImportReport, import_contacts
from messaging.intake.extractions import ColumnMap
from messaging.models import Line
from messaging.queues import MAINTENANCE, enqueue
from messaging.records import audit

log = logging.getLogger(__name__)
STATUS_TTL = 3600
FAILED_MESSAGE = (
    "The import stopped because of an error. Nothing was imported: upload the file again, "
    "and tell your administrator if it happens again."
)


def status_key(prefix: str, job_id: str) -> str:
    return f"{prefix}:import-job:{job_id}"


def queue_import(
    redis: Redis,
    *,
    line_id: int,
    path: Path,
    filename: str,
    format: str = "auto",
    number_columns: tuple[str, ...] = (),
    name_column: str | None = None,
    user_id: int | None = None,
    ip: str = "",
    user_agent: str = "",
    prefix: str = "pester",
) -> str:
    """Queue the import of a stored upload; returns the job id to poll.

    ``ip`` and ``user_agent`` come from the request that queued it: the job runs outside
    that request, and the audit log still says where the import came from.
    """
    job = enqueue(
        redis,
        run_import,
        line_id,
        str(path),
        filename,
        format,
        list(number_columns),
        name_column,
        user_id,
        ip,
        user_agent,
        queue=MAINTENANCE,
        prefix=prefix,
    )
    redis.hset(
        status_key(prefix, job.id),
        # The line's id goes with the status: a page shows a job only under its own line.
        mapping={
            "state": "queued",
            "stage": "waiting for a worker",
            "fraction": 0,
            "line": line_id,
        },
    )
    redis.expire(status_key(prefix, job.id), STATUS_TTL)
    return job.id


def import_status(redis: Redis, job_id: str, *, prefix: str = "pester") -> dict[str, Any] | None:
    """The job's state, stage, fraction done and, when finished, its report or refusal."""
    raw = redis.hgetall(status_key(prefix, job_id))
    if not raw:
        return None
    data = {k.decode(): v.decode() for k, v in raw.items()}
    data["fraction"] = float(data.get("fraction", 0))
    data["line"] = int(data.get("line") or 0)
    for key in ("report", "refusal"):
        if key in data:
            data[key] = json.loads(data[key])
    return data


def run_import(
    line_id: int,
    path: str,
    filename: str,
    format: str,
    number_columns: list[str],
    name_column: str | None,
    user_id: int | None,
    ip: str = "",
    user_agent: str = "",
) -> dict[str, Any]:
    """RQ job: import a stored upload into a line and report progress as it goes."""
    rt = runtime.current()
    job = get_current_job()
    key = status_key(rt.settings.queue_prefix, job.id if job else "inline")
    column_map = (
        ColumnMap(numbers=tuple(number_columns), name=name_column) if number_columns else None
    )
    upload = Path(path)
    try:
        report = _import_upload(
            line_id,
            upload,
            filename=filename,
            format=format,
            column_map=column_map,
            requester=(user_id, ip, user_agent),
            progress=_progress_to(rt.redis, key),
        )
    except ImportRefused as exc:
        _finish(
            rt.redis, key, "refused", refusal=json.dumps({"code": exc.code, "message": exc.message})
        )
        log.info("background import for line %s refused: %s", line_id, exc.code)
        return {"refused": exc.code}
    except Exception as exc:
        # Anything else (a lost database, a bug): say so rather than "running" forever, and
        # re-raise so RQ records the job as failed. Only the type is logged: a database
        # error's text can quote the numbers it was writing.
        _finish(rt.redis, key, "failed", error=FAILED_MESSAGE)
        log.error("background import for line %s failed: %s", line_id, type(exc).__name__)
        raise
    finally:
        upload.unlink(missing_ok=True)
    summary = report.as_json()
    summary["rejected"] = len(report.rejected)  # the rows themselves stay encrypted in the DB
    _finish(rt.redis, key, "done", report=json.dumps(summary))
    log.info("background import %s for line %s done", report.import_id, line_id)
    return {"import_id": report.import_id}


def _progress_to(redis: Redis, key: str) -> Callable[[str, float], None]:
    """A progress callback that keeps the job's stage and fraction in its Redis hash."""

    def progress(stage: str, fraction: float) -> None:
        redis.hset(key, mapping={"state": "running", "stage": stage, "fraction": fraction})
        redis.expire(key, STATUS_TTL)

    return progress


def _import_upload(
    line_id: int,
    upload: Path,
    *,
    filename: str,
    format: str,
    column_map: ColumnMap | None,
    requester: tuple[int | None, str, str],
    progress: Callable[[str, float], None],
) -> ImportReport:
    """Import the upload in one transaction and audit it, as the inline path does."""
    user_id, ip, user_agent = requester
    with db.transaction() as session:
        line = session.get(Line, line_id)
        if line is None:
            raise ImportRefused("no_line", "The line no longer exists.")
        report = import_contacts(
            session,
            line,
            upload,
            filename=filename,
            format=format,
            column_map=column_map,
            textable_regions=runtime.current().settings.textable_regions,
            user_id=user_id,
            ip=ip,
            user_agent=user_agent,
            progress=progress,
        )
        if not report.already_imported:
            audit.append(
                session,
                category="collection",
                action="contacts_imported",
                actor=f"user:{user_id} (background import)",
                actor_id=user_id,
                object_type="line",
                object_id=line_id,
                ip=ip,
                user_agent=user_agent,
                details=report.audit_details(),
                force_id=line.force_id,
            )
    return report


def _finish(redis: Redis, key: str, state: str, **fields: str) -> None:
    """Record how the job ended (done, refused or failed) for the progress page to show."""
    redis.hset(key, mapping={"state": state, "stage": state, "fraction": 1, **fields})
    redis.expire(key, STATUS_TTL)
