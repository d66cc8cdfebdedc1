"""The national index of numbers that contacts of two or more forces hold (keyed hashes).

Finding every number two forces share means grouping every force's contacts by number: a
pass over every contact of the installation. This index keeps the answer, so the national
pass (:func:`messaging.audience.cross_force.numbers_across_forces`) reads a few thousand
hashes and looks up who holds each, instead.

It is kept where contacts change:

* an import lists the numbers it brings that another force's contacts already hold
  (:mod:`messaging.intake.matching` finds them in its pass over the file's numbers);
* erasing a line's contacts checks their numbers again (:mod:`messaging.records.erasure`);
* :func:`rebuild` starts it afresh from every contact: migration 0011, and hourly from the
  tick. That also lists a number two imports into different forces brought at the same
  moment, neither seeing the other's rows before both committed.

A listed number that no longer qualifies is harmless: the national pass looks up who holds
each one and drops it. Lines' own numbers are not listed: the national pass reads every
line's own number anyway. The index holds hashes only and names no force.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from messaging.models import Contact, CrossForceNumber
from messaging.tenancy import across_forces

CHUNK = 500  # numbers looked up at a time


def on_several_forces() -> Any:
    """The numbers that contacts of two or more forces hold, grouped along the (number,
    force) index: the full pass this index saves."""
    return (
        select(Contact.phone_hash)
        .where(Contact.phone_hash.is_not(None))
        .group_by(Contact.phone_hash)
        # Two or more forces: cheaper than counting distinct forces (no sort per number).
        .having(func.min(Contact.force_id) != func.max(Contact.force_id))
    )


def listed() -> Any:
    """The listed numbers, as a select (some may no longer qualify: see the docstring)."""
    return select(CrossForceNumber.phone_hash)


def _insert(session: Session) -> Any:
    """An insert that skips a number already listed (an import in another force may list
    it at the same moment)."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(CrossForceNumber).on_conflict_do_nothing(index_elements=["phone_hash"])


def add(session: Session, hashes: Iterable[str]) -> None:
    """List ``hashes``, which the caller knows contacts of two or more forces hold."""
    rows = [{"phone_hash": h} for h in sorted(set(hashes))]
    for start in range(0, len(rows), CHUNK):
        session.execute(_insert(session), rows[start : start + CHUNK])


def recheck(session: Session, hashes: Iterable[str]) -> None:
    """Look at ``hashes`` again (after their contacts changed): list those that contacts of
    two or more forces still hold, and only those."""
    numbers = sorted(set(hashes))
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        session.execute(delete(CrossForceNumber).where(CrossForceNumber.phone_hash.in_(chunk)))
        still = on_several_forces().where(Contact.phone_hash.in_(chunk))
        add(session, session.scalars(across_forces(still)))


def rebuild(session: Session) -> int:
    """Start the index afresh from every contact; returns how many numbers it lists."""
    session.execute(delete(CrossForceNumber))
    fill = _insert(session).from_select(["phone_hash"], on_several_forces())
    session.execute(across_forces(fill))
    return session.scalar(select(func.count()).select_from(CrossForceNumber)) or 0
