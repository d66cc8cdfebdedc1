"""Lines: the list and its search, and a line's page (provenance, contacts, overlaps, retention)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask

from messaging.db import db
from messaging.models import Line
from tests.campaigns.web.helpers import (
    DRAMA,
    audit_actions,
    make_draft,
    page_problems,
    post,
    sign_in,
    text_of,
)
from tests.conftest import csrf_token
from tests.support.factories import make_contacts, make_line, make_user


def test_the_list_searches_reference_operation_and_exhibit(app: Flask) -> None:
    make_line(reference="OP-KESTREL/1", name="Tony", operation="Kestrel", exhibit_reference="EX/1")
    make_line(reference="OP-HERON/2", name="Dex", operation="Heron", exhibit_reference="EX/77")
    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    page = client.get("/lines/?q=heron")
    assert "OP-HERON/2" in page.text and "OP-KESTREL/1" not in page.text
    page = client.get("/lines/?q=EX/1")
    assert "OP-KESTREL/1" in page.text and "OP-HERON/2" not in page.text
    assert "lines_listed" in audit_actions(object_type="line")
    assert page_problems(page.text) == []


def test_purged_lines_are_listed_apart(app: Flask) -> None:
    from messaging.db import utcnow

    make_line(reference="OPEN/1")
    make_line(reference="GONE/1", purged_at=utcnow())
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    assert "GONE/1" not in client.get("/lines/").text
    assert "GONE/1" in client.get("/lines/?show=purged").text
    assert "OPEN/1" not in client.get("/lines/?show=purged").text


def test_a_lines_page_shows_its_provenance_and_is_audited(app: Flask, tmp_path: Path) -> None:
    officer = make_user(role="officer")
    line = make_line(reference="OP-KESTREL/1", exhibit_reference="EX/KES/4", retention_days=30)
    other = make_line(reference="OP-HERON/2")
    make_contacts(other, DRAMA[:2])
    client = app.test_client()
    sign_in(client, officer)
    upload = tmp_path / "tony.csv"
    upload.write_text("Name,Mobile\nA,07700 900100\nB,07700 900105\nC,07700 900106\n")
    page = client.get(f"/lines/{line.id}")
    with upload.open("rb") as handle:
        preview = client.post(
            f"/lines/{line.id}/import",
            data={
                "csrf_token": csrf_token(page.text),
                "format": "auto",
                "file": (handle, "tony.csv"),
            },
            content_type="multipart/form-data",
        )
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = client.post(
        f"/lines/{line.id}/import/confirm",
        data={
            "csrf_token": csrf_token(preview.text),
            "token": token,
            "filename": "tony.csv",
            "format": "auto",
        },
    )
    assert "3 new contacts added" in done.text
    page = client.get(f"/lines/{line.id}")
    text = text_of(page.text)
    assert hashlib.sha256(upload.read_bytes()).hexdigest() in page.text  # in full
    assert "EX/KES/4" in text
    assert officer.email in text
    assert "Mobile 3" in text
    assert "OP-HERON/2 1" in text  # 07700 900100 is on both lines
    registered = db.session.get(Line, line.id).created_at
    assert (registered + timedelta(days=30)).strftime("%d %b %Y") in text
    assert "line_viewed" in audit_actions(object_type="line", object_id=str(line.id))
    assert page_problems(page.text) == []


def test_a_lines_page_lists_its_campaigns(app: Flask) -> None:
    officer = make_user(role="officer")
    line = make_line()
    make_contacts(line, DRAMA[:2])
    campaign = make_draft(officer, [line], name="Kestrel FRANK")
    client = app.test_client()
    sign_in(client, make_user(role="supervisor"))
    page = client.get(f"/lines/{line.id}")
    assert f'href="/campaigns/{campaign.id}"' in page.text and "Kestrel FRANK" in page.text
    assert "Import an extraction" not in page.text  # only officers import


def test_registering_a_line_reports_every_problem_at_once(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    response = post(
        client, "/lines/new", {"reference": "bad ref!", "retention_days": "0", "seized_on": "31/02"}
    )
    assert response.status_code == 422
    summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    for field in ("reference", "name", "retention_days", "seized_on"):
        assert f'href="#{field}"' in summary, field
    assert 'value="bad ref!"' in response.text
