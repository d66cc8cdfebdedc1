"""The OpenAPI document says what the API does: every route, and the shapes it answers."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from campaigns.api.routes import PREFIX
from messaging.audience.suppression import suppress
from messaging.db import db
from messaging.inbound.replies import receive_reply
from tests.campaigns.api.helpers import bearer
from tests.support.factories import make_contacts, make_line, make_user

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _flask_path_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented_with_its_methods(
    app: Flask, document: dict[str, Any]
) -> None:
    routed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            methods = {m.lower() for m in rule.methods or ()} - {m.lower() for m in IGNORED_METHODS}
            routed.setdefault(_flask_path_to_openapi(rule.rule), set()).update(methods)
    documented = {
        path: {m for m in item if m in {"get", "post", "put", "patch", "delete"}}
        for path, item in document["paths"].items()
    }
    assert routed, "no API routes registered"
    assert documented == routed


def test_the_document_is_openapi_3_1_with_valid_json_schemas(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["paths"][f"{PREFIX}/openapi.json"]["get"]["security"] == []


def test_every_operation_documents_its_errors_with_the_error_body(
    document: dict[str, Any],
) -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            if operation.get("security") != []:
                assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "422" in codes, (method, path)
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == error_ref


class Checker:
    """Validates real answers against the schema the document gives for them."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:pester-api", resource)
        self.checked: set[tuple[str, str, str]] = set()

    def __call__(self, method: str, path: str, response: Any) -> None:
        operation = self.document["paths"][path][method]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {path}: undocumented {status}"
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        validator = Draft202012Validator(
            {"$ref": "urn:pester-api#" + schema["$ref"].removeprefix("#")}
            if "$ref" in schema
            else schema,
            registry=self.registry,
            format_checker=FormatChecker(),
        )
        errors = sorted(validator.iter_errors(response.get_json()), key=str)
        assert not errors, f"{method} {path} {status}: {errors[0].message} at {errors[0].path}"
        self.checked.add((method, path, status))


@pytest.mark.postgres
def test_real_answers_match_the_documented_schemas(app: Flask, document: dict[str, Any]) -> None:
    check = Checker(document)
    client = app.test_client()
    officer_user, supervisor_user = make_user(role="officer"), make_user(role="supervisor")
    officer, supervisor = bearer(officer_user), bearer(supervisor_user)
    analyst = bearer(make_user(role="analyst"))
    p = PREFIX

    created = client.post(
        f"{p}/lines", headers=officer, json={"reference": "DOC/1", "name": "Tony"}
    )
    check("post", f"{p}/lines", created)
    line_id = created.get_json()["id"]
    check("post", f"{p}/lines", client.post(f"{p}/lines", headers=officer, json={}))
    check("get", f"{p}/lines", client.get(f"{p}/lines", headers=analyst))
    check("get", f"{p}/lines/{{line_id}}", client.get(f"{p}/lines/{line_id}", headers=officer))
    check("get", f"{p}/lines/{{line_id}}", client.get(f"{p}/lines/777", headers=officer))
    csv = b"Name,Mobile\nA,07700 900501\nB,07700 900502\nC,nonsense\n"
    imported = client.post(
        f"{p}/lines/{line_id}/imports",
        headers=officer,
        data={"file": (io.BytesIO(csv), "c.csv")},
        content_type="multipart/form-data",
    )
    check("post", f"{p}/lines/{{line_id}}/imports", imported)
    refused = client.post(
        f"{p}/lines/{line_id}/imports",
        headers=officer,
        data={"file": (io.BytesIO(b"no cards"), "c.vcf"), "format": "vcf"},
        content_type="multipart/form-data",
    )
    check("post", f"{p}/lines/{{line_id}}/imports", refused)

    templates = client.get(f"{p}/templates", headers=officer)
    check("get", f"{p}/templates", templates)
    services = client.get(f"{p}/services", headers=officer)
    check("get", f"{p}/services", services)
    draft = {
        "name": "Doc check",
        "line_ids": [line_id],
        "template_version_id": templates.get_json()["items"][0]["version_id"],
        "service_id": services.get_json()["items"][0]["id"],
        "sender": "+447700900000",
        "force_name": "Testshire Police",
        "reply_route": "Reply STOP to opt out.",
        "urgent": True,
        "urgency_reason": "Documented check",
    }
    campaign = client.post(f"{p}/campaigns", headers=officer, json=draft)
    check("post", f"{p}/campaigns", campaign)
    cid = campaign.get_json()["id"]
    for suffix in ("", "/preview", "/status"):
        path = f"{p}/campaigns/{{campaign_id}}{suffix}"
        check("get", path, client.get(f"{p}/campaigns/{cid}{suffix}", headers=officer))
    check("get", f"{p}/campaigns", client.get(f"{p}/campaigns", headers=supervisor))
    for action, headers in (
        ("pause", officer),  # 409: a draft cannot be paused
        ("submit", officer),
        ("approve", supervisor),
        ("launch", officer),
        ("pause", officer),
        ("cancel", officer),
    ):
        response = client.post(f"{p}/campaigns/{cid}/{action}", headers=headers)
        check("post", f"{p}/campaigns/{{campaign_id}}/{action}", response)

    make_contacts(make_line(), ["07700 900601"])
    receive_reply(
        db.session,
        {"MessageSid": "SM-doc", "From": "+447700900601", "To": "+447700900000", "Body": "who?"},
    )
    db.session.commit()
    for headers in (officer, analyst):
        check("get", f"{p}/replies", client.get(f"{p}/replies", headers=headers))
    check("get", f"{p}/replies", client.get(f"{p}/replies?per_page=1000", headers=analyst))
    check("get", f"{p}/replies/{{reply_id}}", client.get(f"{p}/replies/1", headers=analyst))
    check("get", f"{p}/replies/{{reply_id}}", client.get(f"{p}/replies/1", headers=officer))
    check(
        "post",
        f"{p}/replies/{{reply_id}}/labels",
        client.post(f"{p}/replies/1/labels", headers=analyst, json={"tags": ["doc"]}),
    )
    check(
        "post",
        f"{p}/replies/{{reply_id}}/handled",
        client.post(f"{p}/replies/1/handled", headers=analyst),
    )

    row = suppress(db.session, "+447700900602", source="reply")
    db.session.commit()
    check("get", f"{p}/suppressions", client.get(f"{p}/suppressions", headers=analyst))
    added = client.post(
        f"{p}/suppressions", headers=analyst, json={"phone": "07700900603", "reason": "By phone."}
    )
    check("post", f"{p}/suppressions", added)
    lifted = client.post(
        f"{p}/suppressions/{row.id}/lift", headers=analyst, json={"reason": "Said START."}
    )
    check("post", f"{p}/suppressions/{{suppression_id}}/lift", lifted)
    check("get", f"{p}/suppressions", client.get(f"{p}/suppressions"))  # 401

    statuses = {status for _m, _p, status in check.checked}
    assert {"200", "201", "401", "403", "404", "409", "422"} <= statuses
    assert len({(m, path) for m, path, _s in check.checked}) >= 20


def test_each_operation_names_its_permission_and_the_roles_that_hold_it(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/replies"]["get"]
    assert "`replies:read` permission (roles: analyst, supervisor)" in listing["description"]
    assert "403" in listing["responses"]
    assert "officer" not in listing["description"].split("roles:")[1]
