"""The force scope, enforced in one place: what it filters, what it refuses, what it fills in."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import Contact, ContactImport, Line
from messaging.tenancy import (
    ALL_FORCES,
    NO_FORCE,
    TenancyError,
    across_forces,
    acting_for,
)
from tests.support.factories import make_contacts, make_force, make_line


@pytest.fixture
def two(app: Flask):  # type: ignore[no-untyped-def]
    a, b = make_force("AAA"), make_force("BBB")
    line_a, line_b = make_line(force=a, reference="SAME"), make_line(force=b, reference="SAME")
    make_contacts(line_a, ["+447700900401"])
    make_contacts(line_b, ["+447700900401", "+447700900402"])
    return a, b, line_a, line_b


@pytest.mark.postgres
def test_queries_in_a_forces_scope_see_only_its_rows(two) -> None:  # type: ignore[no-untyped-def]
    a, _b, line_a, line_b = two
    with acting_for(a.id):
        assert db.session.scalars(select(Line.id)).all() == [line_a.id]
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
        # joins and subqueries too
        shared = select(Contact.line_id).where(Contact.phone_hash == lookup_hash("+447700900401"))
        assert db.session.scalars(select(Line.id).where(Line.id.in_(shared))).all() == [line_a.id]
        # identity-map hits included: line_b is loaded in this session already
        assert db.session.get(Line, line_b.id) is None
        # bulk updates cannot reach another force's rows
        db.session.execute(update(Line).values(name="renamed"))
        db.session.commit()
    with acting_for(ALL_FORCES):
        names = dict(db.session.execute(select(Line.id, Line.name)).all())
    assert names == {line_a.id: "renamed", line_b.id: "Tony"}
    with acting_for(NO_FORCE):
        assert db.session.scalars(select(Line.id)).all() == []
    with acting_for(a.id):
        everyone = db.session.scalars(across_forces(select(Line.id).order_by(Line.id))).all()
    assert everyone == [line_a.id, line_b.id]


@pytest.mark.postgres
def test_core_and_raw_sql_on_force_owned_tables_are_refused_in_a_scope(two) -> None:  # type: ignore[no-untyped-def]
    a, *_ = two
    with acting_for(a.id):
        with pytest.raises(TenancyError, match="Core statement"):
            db.session.execute(select(Line.__table__.c.id))
        with pytest.raises(TenancyError, match="raw SQL"):
            db.session.execute(text("SELECT id FROM lines"))
        assert db.session.execute(select(text("1"))).scalar() == 1  # no force's table


@pytest.mark.postgres
def test_new_rows_take_their_parents_force_and_may_not_cross_it(two) -> None:  # type: ignore[no-untyped-def]
    a, b, line_a, line_b = two
    added = ContactImport(line_id=line_b.id, filename="f", file_sha256="0" * 64, format="csv")
    db.session.add(added)
    db.session.commit()
    assert added.force_id == b.id  # from its line
    wrong = Contact(line_id=line_b.id, force_id=a.id, kind="mobile", phone_hash="x" * 40)
    db.session.add(wrong)
    with pytest.raises(TenancyError, match="parent is of force"):
        db.session.flush()
    db.session.rollback()
    with acting_for(a.id):
        db.session.add(
            ContactImport(line_id=line_b.id, filename="f", file_sha256="1" * 64, format="csv")
        )
        with pytest.raises(TenancyError, match="not in this force"):
            db.session.flush()
        db.session.rollback()
        line = db.session.get(Line, line_a.id)
        line.force_id = b.id  # moving a row out of the force
        with pytest.raises(TenancyError, match="written in force"):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
def test_with_several_forces_a_new_root_row_must_name_its_force(two) -> None:  # type: ignore[no-untyped-def]
    db.session.add(Line(reference="NOFORCE", name="x"))
    with pytest.raises(TenancyError, match="several"):
        db.session.flush()
    db.session.rollback()
