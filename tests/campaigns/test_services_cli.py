"""`pester services`: national services without --force (the operator's), a force's own with."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from campaigns.commands.services import services as services_cli
from messaging.db import db
from messaging.models import AuditEvent, Service
from tests.support.factories import make_force, make_service


def _run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(services_cli, list(args))
    assert (result.exit_code == 0) is ok, result.output
    return result.output


@pytest.fixture
def two(app: Flask):  # type: ignore[no-untyped-def]
    return make_force("AAA"), make_force("BBB")


def _row(service_id: int) -> Service:
    db.session.expire_all()
    return db.session.get(Service, service_id)


@pytest.mark.postgres
def test_adding_services_for_everyone_and_for_one_force(two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    national = _run("add", "--name", "Drinkline", "--phone", "0300 123 1110")
    local = _run(
        "add", "--name", "Open Road", "--phone", "01702 123456", "--hours", "9-5", "--force", "aaa"
    )
    drinkline = db.session.scalar(select(Service).where(Service.name == "Drinkline"))
    open_road = db.session.scalar(select(Service).where(Service.name == "Open Road"))
    assert f"added service {drinkline.id} (national)" in national
    assert f"added service {open_road.id} (AAA)" in local
    assert (drinkline.force_id, drinkline.national) == (None, True)
    assert (open_road.force_id, open_road.national) == (a.id, False)
    added = db.session.scalars(
        select(AuditEvent.force_id).where(AuditEvent.action == "service_added")
    ).all()
    assert sorted(added, key=str) == sorted([None, a.id], key=str)
    refused = _run("add", "--name", "Nowhere", "--force", "AAA", ok=False)
    assert "--phone: Give a phone number or a web address" in refused


@pytest.mark.postgres
def test_listing_shows_what_a_force_sees_or_everything(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    make_service(force=a, name="Alpha Lighthouse")
    make_service(force=b, name="Bravo Lighthouse")
    seen_by_a = [json.loads(line) for line in _run("list", "--force", "AAA", "--json").splitlines()]
    names = {row["name"]: row["force"] for row in seen_by_a}
    assert names["FRANK"] == "national" and names["Alpha Lighthouse"] == "AAA"
    assert "Bravo Lighthouse" not in names
    everything = _run("list")
    assert "Bravo Lighthouse" in everything and "Alpha Lighthouse" in everything
    assert "\tBBB\tBravo Lighthouse" in everything


@pytest.mark.postgres
def test_a_force_changes_only_its_own_and_the_operator_only_national_ones(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    frank = db.session.scalar(select(Service).where(Service.name == "FRANK"))
    theirs = make_service(force=b, name="Bravo Lighthouse")
    mine = make_service(force=a, name="Alpha Lighthouse")
    refused = _run("edit", str(frank.id), "--hours", "never", "--force", "AAA", ok=False)
    assert "is national: a force cannot change it" in refused
    refused = _run("withdraw", str(theirs.id), "--force", "AAA", ok=False)
    assert f"no service {theirs.id} in force AAA" in refused
    refused = _run("withdraw", str(mine.id), ok=False)  # without --force: national only
    assert "is force AAA's own: add --force AAA" in refused
    assert _row(frank.id).hours != "never" and _row(theirs.id).active
    assert _row(mine.id).active

    assert "hours changed" in _run("edit", str(mine.id), "--hours", "Mon-Fri", "--force", "AAA")
    assert "withdrawn" in _run("withdraw", str(mine.id), "--force", "AAA")
    assert "can be chosen again" in _run("restore", str(mine.id), "--force", "AAA")
    assert (_row(mine.id).hours, _row(mine.id).active) == ("Mon-Fri", True)
    assert "phone changed" in _run("edit", str(frank.id), "--phone", "0300 123 6601")
    assert "withdrawn" in _run("withdraw", str(frank.id))
    assert (_row(frank.id).phone, _row(frank.id).active) == ("0300 123 6601", False)
    assert _row(theirs.id).name == "Bravo Lighthouse" and _row(theirs.id).active
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "service").order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "service_changed",
        "service_withdrawn",
        "service_restored",
        "service_changed",
        "service_withdrawn",
    ]
