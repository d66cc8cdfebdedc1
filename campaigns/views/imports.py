"""An import's rejected rows, downloadable so an officer can fix and re-import them."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, jsonify, render_template

from campaigns.audit import record
from campaigns.permissions import requires
from messaging import runtime
from messaging.csv_safety import safe_csv
from messaging.db import db
from messaging.intake.import_jobs import import_status
from messaging.models import ContactImport, Line

bp = Blueprint("imports", __name__, url_prefix="/lines")
REJECTED_SHOWN = 20  # on the result pages; the rest are in the rejected-rows CSV


@bp.route("/<int:line_id>/imports/<int:import_id>/rejected.csv")
@requires("contacts:import")
def rejected_csv(line_id: int, import_id: int):  # type: ignore[no-untyped-def]
    contact_import = db.session.get(ContactImport, import_id)
    if contact_import is None or contact_import.line_id != line_id:
        abort(404)
    rows = json.loads(contact_import.rejected) if contact_import.rejected else []
    record(
        "disclosure",
        "rejected_rows_downloaded",
        "contact_import",
        import_id,
        details={"rows": len(rows), "line_id": line_id},
        recipient="officer's browser",
    )
    body = safe_csv(
        ["position", "value", "reason"], ([r["position"], r["raw"], r["reason"]] for r in rows)
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-rejected.csv"'},
    )


def _status_or_404(line_id: int, job_id: str) -> dict:  # type: ignore[type-arg]
    """The job's status, only under its own line, and only when that line is in the force."""
    rt = runtime.current()
    status = import_status(rt.redis, job_id, prefix=rt.settings.queue_prefix)
    if status is None or status["line"] != line_id or db.session.get(Line, line_id) is None:
        abort(404)
    return status


@bp.route("/<int:line_id>/imports/jobs/<job_id>")
@requires("contacts:import")
def job(line_id: int, job_id: str):  # type: ignore[no-untyped-def]
    """A background import's progress page (it polls the JSON below)."""
    line = db.session.get(Line, line_id)
    if line is None:
        abort(404)
    status = _status_or_404(line_id, job_id)
    return render_template(
        "lines/import_job.html",
        line=line,
        job_id=job_id,
        status=status,
        rejected_rows=_first_rejected(line_id, status),
    )


def _first_rejected(line_id: int, status: dict) -> list[dict[str, str]]:  # type: ignore[type-arg]
    """A finished job's first rejected rows, read from the import (Redis holds counts only)."""
    import_id = (status.get("report") or {}).get("import_id")
    if status.get("state") != "done" or not import_id:
        return []
    contact_import = db.session.get(ContactImport, import_id)
    if contact_import is None or contact_import.line_id != line_id or not contact_import.rejected:
        return []
    return json.loads(contact_import.rejected)[:REJECTED_SHOWN]


@bp.route("/<int:line_id>/imports/jobs/<job_id>.json")
@requires("contacts:import")
def job_status(line_id: int, job_id: str):  # type: ignore[no-untyped-def]
    return jsonify(_status_or_404(line_id, job_id))
