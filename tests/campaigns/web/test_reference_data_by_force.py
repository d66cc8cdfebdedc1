"""Each force keeps its own services and templates; national ones are read-only to it.

Force A's admin sees the national services and templates and A's own, never B's: B's are
not found (404) however they are asked for, and a national one is shown as read-only (403,
with what to do instead). B's campaigns keep the service details they signpost.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from campaigns.campaign_preview import placeholder_values
from messaging import runtime
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.inbound.answers import AnswerRefused, AnswerRequest, request_answer
from messaging.models import Campaign, MessageTemplate, Reply, Service, TemplateVersion
from messaging.tenancy import acting_for
from tests.campaigns.web.helpers import (
    DRAMA,
    make_draft,
    post,
    sign_in,
    text_of,
    version_id,
)
from tests.support.factories import (
    make_contacts,
    make_force,
    make_line,
    make_service,
    make_template,
    make_user,
)


@pytest.fixture
def two(app: Flask):  # type: ignore[no-untyped-def]
    a, b = make_force("AAA"), make_force("BBB")
    people = {
        (force.code, role): make_user(role=role, force=force, email=f"{role}@{force.code}.test")
        for force in (a, b)
        for role in ("admin", "officer", "analyst")
    }
    template_b = make_template(force=b, name="Bravo wording", slug="bravo_wording")
    return {
        "a": a,
        "b": b,
        "people": people,
        "frank": db.session.scalar(select(Service).where(Service.name == "FRANK")),
        "service_a": make_service(
            force=a, name="Open Road Alpha", phone="01702 111111", hours="24 hours", url="a.org"
        ),
        "service_b": make_service(
            force=b, name="Open Road Bravo", phone="01702 222222", hours="24 hours", url="b.org"
        ),
        "template_b": template_b,
        "version_b": template_b.current.id,
        "national_template": db.session.scalar(
            select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
        ),
    }


def _client(app: Flask, two, force: str, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, two["people"][(force, role)])
    return client


def _service_row(service_id: int) -> tuple:
    db.session.expire_all()
    row = db.session.get(Service, service_id)
    return (row.name, row.phone, row.url, row.hours, row.areas, row.active, row.force_id)


@pytest.mark.postgres
def test_the_directory_lists_national_services_and_the_forces_own_only(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    admin = _client(app, two, "AAA", "admin")
    page = text_of(admin.get("/admin/services/").text)
    assert "FRANK" in page and "Open Road Alpha" in page
    assert "Open Road Bravo" not in page
    assert "Read-only" in page  # FRANK's row has no Change or Withdraw


@pytest.mark.postgres
def test_a_national_service_is_read_only_to_a_forces_admin(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    frank = two["frank"].id
    before = _service_row(frank)
    admin = _client(app, two, "AAA", "admin")
    page = admin.get(f"/admin/services/{frank}/edit")
    assert page.status_code == 403
    said = text_of(page.text)
    assert "FRANK is national" in said and "kept by the system operator" in said
    assert "add your own service" in said
    change = {"name": "FRANK", "phone": "0800 000 000", "url": "talktofrank.com"}
    assert (
        post(admin, f"/admin/services/{frank}/edit", change, page="/admin/services/").status_code
        == 403
    )
    for action in ("withdraw", "restore"):
        answer = post(admin, f"/admin/services/{frank}/{action}", {}, page="/admin/services/")
        assert answer.status_code == 403
    assert _service_row(frank) == before


@pytest.mark.postgres
def test_a_service_added_by_a_force_is_its_own_and_it_alone_changes_it(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    admin_a = _client(app, two, "AAA", "admin")
    fields = {"name": "Lighthouse", "phone": "01632 960001", "areas": "Alphatown"}
    assert post(admin_a, "/admin/services/new", fields).status_code == 302
    added = db.session.scalar(select(Service).where(Service.name == "Lighthouse"))
    assert added.force_id == two["a"].id and not added.national
    changed = {**fields, "phone": "01632 960002"}
    assert post(admin_a, f"/admin/services/{added.id}/edit", changed).status_code == 302
    assert _service_row(added.id)[1] == "01632 960002"
    # B's admin can add a service of the same name: its own, not A's
    admin_b = _client(app, two, "BBB", "admin")
    assert post(admin_b, "/admin/services/new", fields).status_code == 302
    assert "01632 960002" not in admin_b.get("/admin/services/").text


@pytest.mark.postgres
def test_another_forces_service_is_not_found_and_its_campaign_keeps_its_text(  # type: ignore[no-untyped-def]
    app: Flask, two
) -> None:
    b, service_b = two["b"], two["service_b"]
    with acting_for(b.id):
        line = make_line(force=b)
        make_contacts(line, DRAMA[:1])
        campaign = make_draft(
            two["people"][("BBB", "officer")],
            [line],
            slug="treatment_local_service",
            service_id=service_b.id,
        )
    before = _service_row(service_b.id)
    admin_a = _client(app, two, "AAA", "admin")
    edit = {"name": "Hijacked", "phone": "0800 666 666", "url": "evil.example"}
    assert admin_a.get(f"/admin/services/{service_b.id}/edit").status_code == 404
    assert (
        post(
            admin_a, f"/admin/services/{service_b.id}/edit", edit, page="/admin/services/"
        ).status_code
        == 404
    )
    for action in ("withdraw", "restore"):
        answer = post(
            admin_a, f"/admin/services/{service_b.id}/{action}", {}, page="/admin/services/"
        )
        assert answer.status_code == 404
    assert _service_row(service_b.id) == before
    with acting_for(b.id):
        values = placeholder_values(db.session, db.session.get(Campaign, campaign.id))
    assert (values["service_name"], values["service_phone"]) == ("Open Road Bravo", "01702 222222")


@pytest.mark.postgres
def test_the_wizard_offers_and_accepts_national_and_own_services_only(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    a = two["a"]
    officer = two["people"][("AAA", "officer")]
    with acting_for(a.id):
        line = make_line(force=a)
        make_contacts(line, DRAMA[:1])
        campaign = make_draft(officer, [line])
    client = _client(app, two, "AAA", "officer")
    step = client.get(f"/campaigns/{campaign.id}/message").text
    assert "FRANK" in step and "Open Road Alpha" in step and "Open Road Bravo" not in step
    form = {
        "template_version_id": str(version_id("treatment_local_service")),
        "force_name": "Alphashire Police",
        "reply_route": "Reply STOP to opt out.",
    }
    refused = post(
        client, f"/campaigns/{campaign.id}/message", {**form, "service_id": two["service_b"].id}
    )
    assert refused.status_code == 422
    assert "Choose a service from the list." in refused.text
    with_b_text = {**form, "template_version_id": str(two["version_b"])}
    assert post(client, f"/campaigns/{campaign.id}/message", with_b_text).status_code == 422
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).service_id is None
    mine = {**form, "service_id": two["service_a"].id}
    saved = post(client, f"/campaigns/{campaign.id}/message", mine)
    assert saved.status_code == 302, text_of(saved.text)[:3000]
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).service_id == two["service_a"].id


@pytest.mark.postgres
def test_an_answer_cannot_name_another_forces_service(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    a = two["a"]
    number = "+447700900601"
    with acting_for(a.id):
        reply = Reply(
            force_id=a.id,
            provider_id="SM" + "6" * 32,
            phone_hash=lookup_hash(number),
            phone=number,
            body="where can i get help",
            labels=["help_seeking"],
        )
        db.session.add(reply)
        db.session.commit()
        treatment = db.session.scalar(
            select(TemplateVersion.id)
            .join(MessageTemplate)
            .where(MessageTemplate.slug == "response_treatment")
        )
        wanted = AnswerRequest(
            reply_id=reply.id,
            request_key="k" * 32,
            template_version_id=treatment,
            service_id=two["service_b"].id,
        )
        with pytest.raises(AnswerRefused) as refused:
            request_answer(
                db.session,
                wanted,
                user_id=two["people"][("AAA", "analyst")].id,
                responder=False,
                settings=runtime.current().settings,
            )
        assert refused.value.code == "no_service"
        db.session.rollback()


@pytest.mark.postgres
def test_a_national_template_is_read_only_and_a_force_copies_it_to_adapt(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    national = two["national_template"]
    text_before, version_before = national.current.body, national.current.version
    admin = _client(app, two, "AAA", "admin")
    page = admin.get(f"/templates/{national.id}")
    assert "read-only" in text_of(page.text) and "Edit (makes version" not in page.text
    refused = admin.get(f"/templates/{national.id}/edit")
    assert refused.status_code == 403
    assert "Make a copy for your force" in refused.text
    edit = {"name": national.name, "purpose": national.purpose, "body": text_before + " Hi."}
    assert (
        post(
            admin, f"/templates/{national.id}/edit", edit, page=f"/templates/{national.id}"
        ).status_code
        == 403
    )
    withdraw = post(
        admin, f"/templates/{national.id}/withdraw", {}, page=f"/templates/{national.id}"
    )
    assert withdraw.status_code == 403
    copied = post(admin, f"/templates/{national.id}/copy", {}, page=f"/templates/{national.id}")
    assert copied.status_code == 302
    db.session.expire_all()
    national = db.session.get(MessageTemplate, national.id)
    assert (national.current.body, national.current.version, national.active) == (
        text_before,
        version_before,
        True,
    )
    copy = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.name.endswith("(our copy)"))
    )
    assert copy.force_id == two["a"].id and copy.current.body == text_before
    assert copy.slug != national.slug and copy.current.force_id == two["a"].id
    theirs = _client(app, two, "BBB", "officer")
    assert theirs.get(f"/templates/{copy.id}").status_code == 404
    assert "(our copy)" not in theirs.get("/templates/").text


@pytest.mark.postgres
def test_another_forces_template_is_not_found_and_its_slug_blocks_nobody(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    theirs = two["template_b"]
    officer = _client(app, two, "AAA", "officer")
    for path in ("", "/edit"):
        assert officer.get(f"/templates/{theirs.id}{path}").status_code == 404
    for action in ("withdraw", "restore", "copy", "edit"):
        answer = post(officer, f"/templates/{theirs.id}/{action}", {}, page="/templates/")
        assert answer.status_code == 404
    assert "Bravo wording" not in officer.get("/templates/").text
    body = "{{ force_name }}: help is there if you want it. {{ reply_route }}"
    new = {"name": "Bravo wording", "purpose": "signposting", "body": body, "action": "save"}
    assert post(officer, "/templates/new", new).status_code == 302
    mine = db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.name == "Bravo wording", MessageTemplate.force_id == two["a"].id
        )
    )
    assert mine.slug == theirs.slug == "bravo_wording"  # each force's own slug
    national_slugs = set(
        db.session.scalars(select(MessageTemplate.slug).where(MessageTemplate.force_id.is_(None)))
    )
    named_like_national = {**new, "name": "Treatment signposting"}
    assert "treatment_signposting" in national_slugs
    assert post(officer, "/templates/new", named_like_national).status_code == 302
    newest = db.session.scalar(select(MessageTemplate).order_by(MessageTemplate.id.desc()))
    assert newest.force_id == two["a"].id
    assert newest.slug == "treatment_signposting_2"  # national slugs are reserved


def test_the_nclcc_role_sees_counts_only_and_edits_no_reference_data(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    nclcc = make_user(role="nclcc", force=make_force("NCLCC"), email="n@nclcc.test")
    client = app.test_client()
    sign_in(client, nclcc)
    frank, national = two["frank"].id, two["national_template"].id
    before = _service_row(frank)
    for path in (f"/admin/services/{frank}/edit", f"/templates/{national}/edit", "/templates/new"):
        assert client.get(path).status_code == 403, path
    for path in (f"/admin/services/{frank}/withdraw", f"/templates/{national}/copy"):
        assert post(client, path, {}, page="/account").status_code == 403, path
    assert _service_row(frank) == before
