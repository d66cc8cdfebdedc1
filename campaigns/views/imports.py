"""An import's rejected rows, downloadable so an officer can fix and re-import them."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort

from campaigns.audit import record
from campaigns.permissions import requires
from messaging.csv_safety import safe_csv
from messaging.db import db
from messaging.models import ContactImport

bp = Blueprint("imports", __name__, url_prefix="/lines")


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
