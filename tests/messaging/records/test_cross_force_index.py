"""The national index of cross-force numbers stays what a pass over every contact would say:
imports list the numbers they bring that another force holds, erasure checks its numbers
again, the hourly rebuild starts afresh, and a stale entry never shows as a link."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import delete, select

from messaging.audience.cross_force import every_forces_links, numbers_across_forces
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.contact_import import import_contacts
from messaging.models import CrossForceNumber, Force, Line
from messaging.records import cross_force_index
from messaging.records.erasure import purge_line
from messaging.sending.reconcile import rebuild_cross_force_index_if_due
from tests.support.factories import make_contacts, make_force, make_line

SHARED, OURS, THEIRS, ALSO = "+447700900701", "+447700900702", "+447700900703", "+447700900704"


def _import(tmp_path: Path, line: Line, numbers: list[str]) -> None:
    upload = tmp_path / f"line-{line.id}.csv"
    rows = "".join(f"Contact {i},{n}\r\n" for i, n in enumerate(numbers))
    upload.write_text("Name,Mobile\r\n" + rows, encoding="utf-8")
    import_contacts(db.session, line, upload, filename=upload.name)
    db.session.commit()


def _listed() -> list[str]:
    return sorted(db.session.scalars(select(CrossForceNumber.phone_hash)))


def _from_every_contact() -> list[str]:
    """What a full pass over every contact says (the index's invariant: no fewer)."""
    return sorted(db.session.scalars(cross_force_index.on_several_forces()))


def _forces() -> tuple[Force, Force]:
    return make_force("AAA"), make_force("BBB")


@pytest.mark.postgres
def test_an_import_lists_the_numbers_another_forces_contacts_already_hold(
    app: Flask, tmp_path: Path
) -> None:
    a, b = _forces()
    ours, theirs, also_ours = make_line(force=a), make_line(force=b), make_line(force=a)
    _import(tmp_path, ours, [SHARED, OURS])
    assert _listed() == []  # on one force's line only
    _import(tmp_path, also_ours, [OURS])
    assert _listed() == []  # two lines of one force: no cross-force number
    _import(tmp_path, theirs, [SHARED, THEIRS])
    assert _listed() == [lookup_hash(SHARED)] == _from_every_contact()
    shared = numbers_across_forces(db.session)
    assert shared == {lookup_hash(SHARED): {a.id: {ours.id}, b.id: {theirs.id}}}
    assert every_forces_links(db.session)[a.id].sentence() == "also on 1 line in 1 other force"


@pytest.mark.postgres
def test_erasing_a_lines_contacts_takes_its_numbers_off_the_index_unless_still_shared(
    app: Flask, tmp_path: Path
) -> None:
    a, b = _forces()
    c = make_force("CCC")
    ours, theirs, third = make_line(force=a), make_line(force=b), make_line(force=c)
    _import(tmp_path, ours, [SHARED, ALSO])
    _import(tmp_path, theirs, [SHARED, ALSO])
    _import(tmp_path, third, [ALSO])
    assert _listed() == sorted([lookup_hash(SHARED), lookup_hash(ALSO)])
    purge_line(db.session, db.session.get(Line, ours.id))
    db.session.commit()
    assert _listed() == [lookup_hash(ALSO)] == _from_every_contact()  # B and C still hold it
    assert set(numbers_across_forces(db.session)) == {lookup_hash(ALSO)}


@pytest.mark.postgres
def test_a_listed_number_no_two_forces_hold_is_never_a_link(app: Flask) -> None:
    a, b = _forces()
    make_contacts(make_line(force=a), [SHARED])
    make_contacts(make_line(force=a), [SHARED])  # a second line of the same force
    make_contacts(make_line(force=b), [THEIRS])
    cross_force_index.add(db.session, [lookup_hash(SHARED), lookup_hash(OURS)])  # stale
    db.session.commit()
    assert numbers_across_forces(db.session) == {}
    assert every_forces_links(db.session) == {}


@pytest.mark.postgres
def test_the_hourly_rebuild_lists_what_every_contact_says_once_an_hour(
    app: Flask, redis: Redis
) -> None:
    """Rows written without an import (two imports committing at once in two forces, each
    unseen by the other) are listed by the rebuild; a stale entry goes."""
    a, b = _forces()
    make_contacts(make_line(force=a), [SHARED, OURS])
    make_contacts(make_line(force=b), [SHARED])
    db.session.execute(delete(CrossForceNumber))  # as if neither import had seen the other
    cross_force_index.add(db.session, [lookup_hash(OURS)])  # stale
    db.session.commit()
    assert set(numbers_across_forces(db.session)) == set()  # SHARED not yet listed
    assert rebuild_cross_force_index_if_due() == 1
    db.session.expire_all()
    assert _listed() == [lookup_hash(SHARED)] == _from_every_contact()
    assert set(numbers_across_forces(db.session)) == {lookup_hash(SHARED)}
    db.session.execute(delete(CrossForceNumber))
    db.session.commit()
    assert rebuild_cross_force_index_if_due() is None  # within the hour, whichever worker ticks
    assert _listed() == []
