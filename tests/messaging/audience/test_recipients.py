"""The recipients rule against real rows: kinds, interactions in a window, exclusions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from messaging.audience.recipients import (
    RecipientsRule,
    count_recipients,
    pack_ids,
    recipient_ids,
    select_recipients,
    unpack_ids,
)
from messaging.audience.suppression import suppress
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import Contact, ContactImport, DoNotContact, Interaction, Line
from tests.support.factories import make_contacts, make_line


def drama(n: int) -> str:
    return f"+447700900{n:03d}"


def _chosen(rule: RecipientsRule) -> set[str]:
    return {phone for _, _, phone in select_recipients(db.session, rule)}


def _interactions(line: Line, counts: dict[str, list[datetime]]) -> None:
    batch = ContactImport(line_id=line.id, filename="log.csv", file_sha256="0" * 64, format="csv")
    db.session.add(batch)
    db.session.flush()
    for number, moments in counts.items():
        for moment in moments:
            db.session.add(
                Interaction(
                    line_id=line.id,
                    import_id=batch.id,
                    phone_hash=lookup_hash(number),
                    kind="call",
                    occurred_at=moment,
                )
            )
    db.session.commit()


def day(n: int) -> datetime:
    return datetime(2026, 3, n, 12, tzinfo=UTC)


@pytest.mark.postgres
def test_minimum_interactions_count_only_inside_the_date_window(app: Flask) -> None:
    line = make_line()
    make_contacts(line, [drama(1), drama(2), drama(3)])
    _interactions(
        line,
        {
            drama(1): [day(2), day(3), day(4)],  # 3 inside the window
            drama(2): [day(1), day(3), day(20)],  # 1 inside, 2 outside
            drama(3): [day(5), day(6)],  # 2 inside
        },
    )
    rule = RecipientsRule(
        (line.id,), allow_drama=True, min_interactions=2, window_from=day(2), window_to=day(10)
    )
    assert _chosen(rule) == {drama(1), drama(3)}
    assert count_recipients(db.session, rule) == 2
    three = RecipientsRule((line.id,), allow_drama=True, min_interactions=3)  # no window
    assert _chosen(three) == {drama(1), drama(2)}


@pytest.mark.postgres
def test_interactions_with_another_line_do_not_count(app: Flask) -> None:
    ours, theirs = make_line(), make_line()
    make_contacts(ours, [drama(1)])
    make_contacts(theirs, [drama(1)])
    _interactions(theirs, {drama(1): [day(1), day(2), day(3)]})
    assert _chosen(RecipientsRule((ours.id,), allow_drama=True, min_interactions=1)) == set()


@pytest.mark.postgres
def test_only_the_chosen_kinds_and_textable_numbers_are_selected(app: Flask) -> None:
    line = make_line()
    make_contacts(line, [drama(1), "020 7946 0000", "+447700900002"])  # a London landline
    assert _chosen(RecipientsRule((line.id,), allow_drama=True)) == {drama(1), drama(2)}
    landline = RecipientsRule(
        (line.id,), allow_drama=True, kinds=("landline",), textable_only=False
    )
    assert _chosen(landline) == {"+442079460000"}


@pytest.mark.postgres
def test_drama_numbers_only_go_through_the_sandbox(app: Flask) -> None:
    line = make_line()
    make_contacts(line, [drama(1)])
    assert _chosen(RecipientsRule((line.id,), allow_drama=False)) == set()


@pytest.mark.postgres
def test_suppressed_do_not_contact_and_optionally_cross_line_numbers_are_left_out(
    app: Flask,
) -> None:
    line, other = make_line(), make_line()
    make_contacts(line, [drama(i) for i in range(1, 6)])
    make_contacts(other, [drama(5)])
    suppress(db.session, drama(1), source="reply")
    db.session.add(DoNotContact(phone_hash=lookup_hash(drama(2)), phone=drama(2)))
    db.session.commit()
    rule = RecipientsRule((line.id,), allow_drama=True)
    assert _chosen(rule) == {drama(3), drama(4), drama(5)}
    cross = RecipientsRule((line.id,), allow_drama=True, exclude_cross_line=True)
    assert _chosen(cross) == {drama(3), drama(4)}


@pytest.mark.postgres
def test_a_purged_contact_does_not_break_the_cross_line_exclusion(app: Flask) -> None:
    line, old = make_line(), make_line()
    make_contacts(line, [drama(1)])
    gone = make_contacts(old, [drama(7), drama(8)])
    for contact in gone:  # retention ended on the old line
        contact.phone = None
        contact.phone_hash = None
    db.session.commit()
    cross = RecipientsRule((line.id,), allow_drama=True, exclude_cross_line=True)
    assert _chosen(cross) == {drama(1)}


@pytest.mark.postgres
def test_a_number_on_several_chosen_lines_is_one_recipient(app: Flask) -> None:
    first, second = make_line(), make_line()
    a = make_contacts(first, [drama(1), drama(2)])
    make_contacts(second, [drama(2), drama(3)])
    rule = RecipientsRule((first.id, second.id), allow_drama=True)
    rows = select_recipients(db.session, rule)
    assert sorted(p for _, _, p in rows) == [drama(1), drama(2), drama(3)]
    assert a[1].id in recipient_ids(db.session, rule)  # the lowest contact id stands for it
    assert db.session.query(Contact).count() == 4


@given(st.sets(st.integers(min_value=1, max_value=2**40), max_size=300))
def test_packed_ids_come_back_exactly(ids: set[int]) -> None:
    assert unpack_ids(pack_ids(ids)) == sorted(ids)


def test_sixty_thousand_ids_from_one_import_pack_into_a_few_kilobytes() -> None:
    packed = pack_ids(range(1000, 61000))
    assert len(packed) < 4096
    assert unpack_ids(packed) == list(range(1000, 61000))
