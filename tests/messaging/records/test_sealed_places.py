"""Sealed values are bound to their table, column and row: moved anywhere else, they refuse to
open, with an error that names the place and never the value."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import LargeBinary, bindparam, insert, select, text
from sqlalchemy.exc import StatementError

from messaging import runtime
from messaging.crypto import (
    BOUND_FORMAT,
    LegacySealRefused,
    MisplacedValueError,
    Place,
    cipher,
    configure_cipher,
    lookup_hash,
)
from messaging.db import db, utcnow
from messaging.intake.import_rows import _insert_many
from messaging.models import Contact, ContactSource, OutboxMessage, Reply, ReplyAnswer, User
from messaging.models.lines import Line
from messaging.records.key_rotation import RotationError, encrypted_columns, rotate
from messaging.sealed_columns import Encrypted, UnplacedValueError, place_rows
from tests.security.helpers import NUMBERS, SAVED_NAME, seeded_line
from tests.support.factories import make_answer, make_contacts, make_line, make_user


def _raw(table: str, column: str, row_id: int) -> bytes:
    value = db.session.execute(
        text(f'SELECT "{column}" FROM {table} WHERE id = :id'),  # noqa: S608 (test names)
        {"id": row_id},
    ).scalar_one()
    return bytes(value)


def _store(table: str, column: str, row_id: int, blob: bytes) -> None:
    statement = text(f'UPDATE {table} SET "{column}" = :v WHERE id = :id')  # noqa: S608
    db.session.execute(
        statement.bindparams(bindparam("v", type_=LargeBinary())), {"v": blob, "id": row_id}
    )
    db.session.commit()


def _reading_all_contacts() -> list[str | None]:
    db.session.expire_all()
    return [c.phone for c in db.session.scalars(select(Contact).order_by(Contact.id))]


@pytest.mark.postgres
def test_values_are_stored_bound_to_their_row_and_read_back_whole(app: Flask) -> None:
    contacts = make_contacts(make_line(), NUMBERS[:2])
    for contact, number in zip(contacts, NUMBERS[:2], strict=True):
        blob = _raw("contacts", "phone", contact.id)
        assert blob[:2] == BOUND_FORMAT and number.encode() not in blob
        assert cipher().open(blob, Place("contacts", "phone", contact.id)) == number
    assert _reading_all_contacts() == NUMBERS[:2]


@pytest.mark.postgres
def test_swapping_two_sealed_values_between_rows_is_refused_on_read(app: Flask) -> None:
    first, second = (c.id for c in make_contacts(make_line(), NUMBERS[:2]))
    a, b = _raw("contacts", "phone", first), _raw("contacts", "phone", second)
    _store("contacts", "phone", first, b)
    _store("contacts", "phone", second, a)

    with pytest.raises(MisplacedValueError) as refused:
        _reading_all_contacts()
    assert refused.value.place == Place("contacts", "phone", first)
    message = str(refused.value)
    assert f"contacts.phone of row {first}" in message
    assert not any(n in message or n[3:] in message for n in NUMBERS)
    # Core reads are refused as well as ORM loads, each naming its own row.
    with pytest.raises(MisplacedValueError, match=f"contacts.phone of row {second}"):
        db.session.execute(select(Contact.phone).where(Contact.id == second)).all()


@pytest.mark.postgres
def test_swapping_two_sealed_values_between_columns_is_refused_on_read(app: Flask) -> None:
    seeded = seeded_line(make_user())
    source = db.session.scalars(select(ContactSource).order_by(ContactSource.id)).first()
    assert source is not None and source.saved_name == SAVED_NAME
    raw, name = (
        _raw("contact_sources", "raw", source.id),
        _raw("contact_sources", "saved_name", source.id),
    )
    _store("contact_sources", "raw", source.id, name)
    _store("contact_sources", "saved_name", source.id, raw)
    db.session.expire_all()
    with pytest.raises(MisplacedValueError) as refused:
        db.session.get(ContactSource, source.id)
    assert refused.value.place.table == "contact_sources"
    assert refused.value.place.column in {"raw", "saved_name"}
    assert SAVED_NAME not in str(refused.value)

    # Across tables too: a reply's text copied into a contact's number.
    reply = seeded.replies[0]
    _store("contacts", "phone", seeded.contacts[0].id, _raw("replies", "body", reply.id))
    with pytest.raises(MisplacedValueError, match=r"contacts\.phone"):
        db.session.execute(
            select(Contact.phone).where(Contact.id == seeded.contacts[0].id)
        ).scalar_one()


ANSWERS = ("Call 999 now and stay with them.", "Samaritans: 116 123, any time.")


def _answered() -> list[tuple[int, int]]:
    """Two analysts' answers to two replies: (answer id, its outbox row id) each."""
    seeded = seeded_line(make_user())
    analyst = make_user(role="analyst")
    made = [
        make_answer(reply, analyst, text)
        for reply, text in zip(seeded.replies[:2], ANSWERS, strict=True)
    ]
    return [(answer.id, row.id) for answer, row in made]


@pytest.mark.postgres
def test_analysts_answers_are_sealed_for_their_own_row_and_column(app: Flask) -> None:
    answered = _answered()
    (first, first_row), (second, second_row) = answered
    for (answer_id, row_id), plain in zip(answered, ANSWERS, strict=True):
        for place in (
            Place("reply_answers", "body", answer_id),
            Place("outbox_messages", "private_body", row_id),
        ):
            blob = _raw(place.table, place.column, place.row_id)
            assert blob[:2] == BOUND_FORMAT and plain.encode() not in blob
            assert cipher().open(blob, place) == plain
    db.session.expire_all()
    bodies = db.session.scalars(select(ReplyAnswer.body).order_by(ReplyAnswer.id)).all()
    assert bodies == list(ANSWERS)
    assert db.session.get(OutboxMessage, second_row).text == ANSWERS[1]

    # Swapped between two answers: refused, naming the row and never the text.
    a, b = _raw("reply_answers", "body", first), _raw("reply_answers", "body", second)
    _store("reply_answers", "body", first, b)
    _store("reply_answers", "body", second, a)
    db.session.expire_all()
    with pytest.raises(MisplacedValueError) as refused:
        db.session.get(ReplyAnswer, first)
    assert refused.value.place == Place("reply_answers", "body", first)
    assert not any(plain in str(refused.value) for plain in ANSWERS)
    with pytest.raises(MisplacedValueError, match=f"reply_answers.body of row {second}"):
        db.session.execute(select(ReplyAnswer.body).where(ReplyAnswer.id == second)).all()

    # Between columns of one outbox row (the text into the number), and between tables (an
    # answer's text into another answer's outbox row): refused as well.
    _store("outbox_messages", "to", first_row, _raw("outbox_messages", "private_body", first_row))
    with pytest.raises(MisplacedValueError, match=f"outbox_messages.to of row {first_row}"):
        db.session.execute(select(OutboxMessage.to).where(OutboxMessage.id == first_row)).all()
    _store("outbox_messages", "private_body", second_row, a)
    with pytest.raises(MisplacedValueError, match=r"outbox_messages\.private_body"):
        db.session.execute(
            select(OutboxMessage.private_body).where(OutboxMessage.id == second_row)
        ).all()


@pytest.mark.postgres
def test_a_value_copied_to_another_row_of_the_same_column_is_refused(app: Flask) -> None:
    first, second = (c.id for c in make_contacts(make_line(), NUMBERS[:2]))
    _store("contacts", "phone", second, _raw("contacts", "phone", first))
    db.session.expire_all()
    assert db.session.get(Contact, first).phone == NUMBERS[0]  # the original still opens
    db.session.expire_all()
    with pytest.raises(MisplacedValueError, match=f"row {second}"):
        db.session.get(Contact, second)


@pytest.mark.postgres
def test_writing_a_sealed_value_without_its_row_is_refused(app: Flask) -> None:
    line = make_line()
    row = {
        "force_id": line.force_id,
        "line_id": line.id,
        "phone_hash": lookup_hash(NUMBERS[0]),
        "phone": NUMBERS[0],
    }
    with pytest.raises(StatementError, match="must name its row") as refused:
        db.session.execute(insert(Contact), [{**row, "kind": "mobile"}])
    assert isinstance(refused.value.orig, UnplacedValueError)
    db.session.rollback()
    # Given their ids (and so their place), bulk rows are written and read back.
    rows = [{**row, "kind": "mobile"}]
    place_rows(db.session.connection(), Contact.__table__, rows)
    db.session.execute(insert(Contact), rows)
    db.session.commit()
    assert _reading_all_contacts() == [NUMBERS[0]]


def test_every_sealed_column_knows_its_place(app: Flask) -> None:
    places = [(t.name, c.name, c.type) for t, c in encrypted_columns()]
    assert sorted(f"{table}.{column}" for table, column, _ in places) == [
        "contact_imports.rejected",
        "contact_sources.account",
        "contact_sources.raw",
        "contact_sources.saved_name",
        "contacts.phone",
        "do_not_contact.phone",
        "intelligence_reports.body",
        "lines.line_number",
        "outbox_messages.private_body",  # an analyst's answer, as sent
        "outbox_messages.to",
        "replies.body",
        "replies.notes",
        "replies.phone",
        "reply_answers.body",  # an analyst's answer
        "reply_numbers.phone",
        "suppressions.phone",
        "users.own_phone",
        "users.totp_secret",
    ]
    for table, column, kind in places:
        assert isinstance(kind, Encrypted)
        assert (kind.table, kind.column) == (table, column)


def _old_format(row: Contact | User | Reply, column: str) -> None:
    """Store the row's value as pester wrote it before migration 0006 (key-bound only)."""
    plain = getattr(row, column)
    _store(type(row).__tablename__, column, row.id, cipher().seal_legacy(plain))


def _use(*, accept_legacy: bool) -> None:
    s = runtime.current().settings
    configure_cipher(s.data_key, s.old_data_keys, s.lookup_key, accept_legacy=accept_legacy)


@pytest.mark.postgres
def test_old_format_values_are_refused_unless_accepted_and_rotation_binds_them(
    app: Flask,
) -> None:
    first, second = make_contacts(make_line(), NUMBERS[:2])
    _old_format(first, "phone")
    _old_format(second, "phone")
    first, second = first.id, second.id
    with pytest.raises(LegacySealRefused, match=f"contacts.phone of row {first}"):
        _reading_all_contacts()
    with pytest.raises(RotationError, match="old format"):
        rotate()
    try:
        _use(accept_legacy=True)
        assert _reading_all_contacts() == NUMBERS[:2]
        report = rotate()
        assert report.resealed["contacts.phone"] == 2
    finally:
        _use(accept_legacy=False)
    # Bound now: readable without accepting the old format, and no longer movable.
    assert _raw("contacts", "phone", first)[:2] == BOUND_FORMAT
    assert _reading_all_contacts() == NUMBERS[:2]
    _store("contacts", "phone", first, _raw("contacts", "phone", second))
    with pytest.raises(MisplacedValueError):
        _reading_all_contacts()


@pytest.mark.postgres
def test_rotation_stops_at_a_misplaced_value_naming_it(app: Flask) -> None:
    first, second = (c.id for c in make_contacts(make_line(), NUMBERS[:2]))
    _store("contacts", "phone", second, _raw("contacts", "phone", first))
    s = runtime.current().settings
    configure_cipher("a-new-data-key-0123456789abcdef0123456789", (s.data_key,), s.lookup_key)
    try:
        with pytest.raises(RotationError, match=f"contacts.phone of row {second}"):
            rotate()
    finally:
        configure_cipher(s.data_key, s.old_data_keys, s.lookup_key)


def test_the_import_fast_path_binds_each_value_to_its_own_row(app: Flask) -> None:
    # Contacts written by Core executemany (as an import writes them): each opens only in
    # its own row, so ids were known before the insert.
    line = db.session.get(Line, make_line().id)
    rows = [
        {
            "force_id": line.force_id,
            "line_id": line.id,
            "phone_hash": lookup_hash(n),
            "phone": n,
            "kind": "mobile",
            "region": "GB",
            "textable": True,
            "drama": True,
            "suppressed_at_import": False,
            "do_not_contact_at_import": False,
            "interactions": 0,
            "created_at": utcnow(),
        }
        for n in NUMBERS
    ]
    _insert_many(db.session, Contact.__table__, rows)
    db.session.commit()
    assert _reading_all_contacts() == NUMBERS
    ids = [r["id"] for r in rows]
    for row_id, number in zip(ids, NUMBERS, strict=True):
        blob = _raw("contacts", "phone", row_id)
        assert cipher().open(blob, Place("contacts", "phone", row_id)) == number
    with pytest.raises(MisplacedValueError):
        cipher().open(_raw("contacts", "phone", ids[0]), Place("contacts", "phone", ids[1]))
