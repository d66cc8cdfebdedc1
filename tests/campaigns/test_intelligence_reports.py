"""Intelligence reports: graded 3x5x2, the replier's number withheld unless chosen with a
reason, exported as a PDF that opens and carries the grading, and as JSON; all audited."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import AuditEvent, IntelligenceReport, Reply
from tests.conftest import csrf_token
from tests.support.factories import login, make_line, make_user

REPLIER = "+447700900551"
REPLY = "this is 07700 900551, my dealer's new line is 07700900552. ring me on +447700900551"


def _reply(line_id: int) -> Reply:
    reply = Reply(
        provider_id="SM" + "7" * 32,
        phone_hash=lookup_hash(REPLIER),
        phone=REPLIER,
        body=REPLY,
        line_id=line_id,
        labels=["supply_intel"],
        risk_kinds=[],
        tags=[],
    )
    db.session.add(reply)
    db.session.commit()
    return reply


def _write(client, reply: Reply, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/reports/new?reply={reply.id}")
    assert page.status_code == 200
    assert REPLIER not in page.text and "07700 900551" not in page.text  # sanitised draft
    form = {
        "csrf_token": csrf_token(page.text),
        "reply": str(reply.id),
        "title": "Supply line moved",
        "body": page.text.split('name="body"', 1)[1].split(">", 1)[1].split("</textarea>")[0],
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "C",
        "handling_conditions": "Share only with the regional organised crime unit.",
        **fields,
    }
    return client.post(f"/reports/new?reply={reply.id}", data=form)


@pytest.mark.postgres
def test_a_report_pdf_opens_and_carries_the_grading_without_the_repliers_number(
    app: Flask,
) -> None:
    analyst = make_user(role="analyst")
    reply = _reply(make_line(reference="OP-REPORT/1").id)
    client = app.test_client()
    login(client, analyst)
    saved = _write(client, reply)
    assert saved.status_code == 302, saved.text
    report = db.session.scalar(select(IntelligenceReport))
    pdf = client.get(f"/reports/{report.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Grading (3x5x2): 2 / B / C" in text
    assert "Source evaluation: 2 - Untested" in text
    assert "Intelligence assessment: B - Known indirectly to the source but corroborated" in text
    assert "Handling code: C - Lawful sharing permitted with conditions" in text
    assert "regional organised crime unit" in text
    assert "OP-REPORT/1" in text and "07700900552" in text  # the intelligence stays
    assert "900551" not in text and "withheld" in text
    document = json.loads(client.get(f"/reports/{report.id}.json").data)
    assert document["grading"]["code"] == "2 / B / C"
    assert "900551" not in json.dumps(document)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("report_exported") == 2 and "report_written" in actions
    assert report.id in [r.id for r in db.session.scalars(select(IntelligenceReport))]
    assert "Supply line moved" in client.get(f"/lines/{reply.line_id}").text  # listed per line


@pytest.mark.postgres
def test_including_the_repliers_number_takes_a_reason_and_is_audited(app: Flask) -> None:
    analyst = make_user(role="analyst")
    reply = _reply(make_line().id)
    client = app.test_client()
    login(client, analyst)
    refused = _write(client, reply, include_number="yes", body=REPLY)
    assert refused.status_code == 422 and "Say why" in refused.text
    done = _write(
        client,
        reply,
        include_number="yes",
        number_reason="The replier asked to be contacted by the exploitation team.",
        body=REPLY,
    )
    assert done.status_code == 302
    report = db.session.scalar(select(IntelligenceReport))
    assert report.includes_number and REPLIER in (report.body or "")
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_written"))
    assert entry.details["replier_number_included"] is True
    assert entry.reason.startswith("The replier asked")
    assert "900551" not in json.dumps(entry.details)


@pytest.mark.postgres
def test_handling_code_c_needs_its_conditions(app: Flask) -> None:
    client = app.test_client()
    login(client, make_user(role="analyst"))
    refused = _write(client, _reply(make_line().id), handling_conditions="")
    assert refused.status_code == 422 and "conditions" in refused.text
    assert db.session.scalar(select(IntelligenceReport)) is None


def test_the_pdf_names_what_its_font_cannot_show_rather_than_losing_it(app: Flask) -> None:
    """Emoji are words in drug texts, and names keep their letters: the PDF names every
    character outside Latin-1 (no "?"), says so, and the JSON keeps the exact text."""
    analyst = make_user(role="analyst")
    reply = _reply(make_line(reference="OP-REPORT/2").id)
    client = app.test_client()
    login(client, analyst)
    words = "Łukasz has the ❄️ and 🔌 says “same place” — café²"
    assert _write(client, reply, body=words, title="Supply ❄️").status_code == 302
    report = db.session.scalar(select(IntelligenceReport))
    pdf = client.get(f"/reports/{report.id}.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = " ".join(text.split())  # the PDF wraps lines where it likes
    assert "[LATIN CAPITAL LETTER L WITH STROKE]ukasz has the [SNOWFLAKE] and" in flat
    assert "[ELECTRIC PLUG]" in flat and "Supply [SNOWFLAKE]" in flat
    assert "VARIATION SELECTOR" not in flat  # presentation only, left out
    assert '"same place" - café²' in flat  # phone punctuation made plain, Latin-1 kept
    assert "?" not in flat
    assert "given by their Unicode names in brackets" in flat
    document = json.loads(client.get(f"/reports/{report.id}.json").data)
    assert document["text"] == words and document["title"] == "Supply ❄️"


def test_a_pdf_of_plain_text_says_nothing_about_naming_characters(app: Flask) -> None:
    analyst = make_user(role="analyst")
    reply = _reply(make_line().id)
    client = app.test_client()
    login(client, analyst)
    assert _write(client, reply, body="plain words, café and £20").status_code == 302
    report = db.session.scalar(select(IntelligenceReport))
    pdf = client.get(f"/reports/{report.id}.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "café and £20" in text and "Unicode names" not in text
