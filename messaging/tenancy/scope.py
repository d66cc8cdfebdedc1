"""The force a unit of work acts for: set per request, command or job, read everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models.forces import Force


class TenancyError(RuntimeError):
    """Work tried to read or write outside the force it acts for."""


class Scope:
    """A scope that is not one force: every force (the pipeline), or none (anonymous)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<scope {self.name}>"


ALL_FORCES = Scope("all forces")
NO_FORCE = Scope("no force")
NOBODY = 0  # no force has id 0: what an anonymous request's queries are filtered to

ForceScope = int | Scope
_current: ContextVar[ForceScope] = ContextVar("pester_force_scope", default=ALL_FORCES)

ACROSS_FORCES = "pester_across_forces"
SCOPED_BY_CALLER = "pester_scoped_by_caller"


def current_scope(session: Session | None = None) -> ForceScope:
    """The scope work is in now: a force id, :data:`ALL_FORCES` or :data:`NO_FORCE`."""
    if session is not None and "force_scope" in session.info:
        return session.info["force_scope"]
    return _current.get()


def current_force_id(session: Session | None = None) -> int | None:
    """The force work acts for, or None when it acts for all forces or none."""
    scope = current_scope(session)
    return scope if isinstance(scope, int) else None


def filter_id(scope: ForceScope) -> int:
    """The force id a scoped statement is filtered to (:data:`NOBODY` for no force)."""
    return scope if isinstance(scope, int) else NOBODY


def default_force_id(session: Session) -> int | None:
    """The force a new row belongs to when its writer names none: the scope's force, else
    the installation's only force; None when it has several (or none)."""
    force_id = current_force_id(session)
    if force_id is not None:
        return force_id
    ids = session.scalars(select(Force.id).order_by(Force.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def enter(scope: ForceScope) -> Token[ForceScope]:
    """Start acting for ``scope`` until :func:`leave` (a request's before/teardown pair)."""
    return _current.set(scope)


def leave(token: Token[ForceScope]) -> None:
    _current.reset(token)


@contextmanager
def acting_for(scope: ForceScope) -> Iterator[None]:
    """Act for one force (or :data:`ALL_FORCES` / :data:`NO_FORCE`) inside the block."""
    token = enter(scope)
    try:
        yield
    finally:
        leave(token)


def across_forces(statement: Any) -> Any:
    """Mark a statement as a deliberate read across every force (keyed hashes, counts)."""
    return statement.execution_options(**{ACROSS_FORCES: True})


def every_forces(model: Any) -> Any:
    """``model``'s table, for a sub-select that must read every force's rows inside an
    otherwise scoped statement (a launch excludes every force's opt-outs): the scope's
    criteria apply to ORM entities, not to a bare table."""
    return model.__table__


def scoped_by_caller(statement: Any) -> Any:
    """Mark a Core statement whose caller has scoped it (explicit force ids, scoped ids)."""
    return statement.execution_options(**{SCOPED_BY_CALLER: True})
