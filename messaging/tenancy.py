"""Which force a piece of work acts for, enforced in one place for every ORM statement.

The scope is set once per unit of work: per web request and API token (from the signed-in
user's force, ``campaigns.auth``), per CLI command that names a force, per job that acts
for one force (a background import). It lives in a context variable rather than only in
``session.info`` because a request may open fresh sessions (``db.transaction()``, the
streaming audit export) that must inherit it; a session may still carry its own in
``session.info["force_scope"]``. Outside any of those the scope is :data:`ALL_FORCES`: that
is the pipeline (sending, webhooks, receipts, retention, the tick), which works for every
force by design and says so where it runs.

Inside a force's scope, for every statement run through a session:

* ORM SELECT, UPDATE and DELETE get ``force_id = <the force>`` on every force-owned entity
  they touch (joins, subqueries, relationship loads too): ``with_loader_criteria`` on the
  :class:`~messaging.models.forces.ForceOwned` mixin.
* ``Session.get`` also refuses a row of another force that happens to sit in the identity
  map (it would otherwise be handed back without any SQL).
* ORM INSERTs must carry the scope's force; new, changed and deleted objects are checked at
  flush: a child's force must be its parent's (and is filled in from it), a root's is filled
  in from the scope.
* Core statements and raw SQL that touch a force-owned table are refused unless marked:
  :func:`across_forces` for a deliberate national read (opt-outs, cross-force links by
  keyed hash, the NCLCC's counts, the audit chain), :func:`scoped_by_caller` for a Core
  statement whose caller scoped it (the import's bulk writes carry the line's force).

Statements run on a connection rather than a session (``session.connection().execute``)
do not pass through here; the few that do are listed in the README's tenancy notes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import TextClause
from sqlalchemy.sql.util import find_tables

from messaging.db import Base, PesterSession
from messaging.models.forces import Force, ForceOwned


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
_NOBODY = 0  # no force has id 0: what an anonymous request's queries are filtered to

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


def _force_owned_tables() -> frozenset[str]:
    return frozenset(
        mapper.local_table.name  # type: ignore[union-attr]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, ForceOwned)
    )


def _filter_id(scope: ForceScope) -> int:
    return scope if isinstance(scope, int) else _NOBODY


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    scope = current_scope(state.session)
    if scope is ALL_FORCES:
        return
    options = state.execution_options
    if options.get(ACROSS_FORCES) or options.get(SCOPED_BY_CALLER):
        return
    if not state.is_orm_statement:
        _refuse_unscoped_core(state.statement)
        return
    if state.is_insert:
        _check_inserted_rows(state, scope)
        return
    if state.is_select or state.is_update or state.is_delete:
        force_id = _filter_id(scope)
        state.statement = state.statement.options(
            with_loader_criteria(
                ForceOwned, lambda cls: cls.force_id == force_id, include_aliases=True
            )
        )


def _refuse_unscoped_core(statement: Any) -> None:
    if isinstance(statement, TextClause):
        raise TenancyError(
            "raw SQL in a force's scope: mark it across_forces() or scoped_by_caller()"
        )
    owned = _force_owned_tables()
    touched = {
        table.name
        for table in find_tables(statement, include_crud=True, include_selects=True)
        if getattr(table, "name", None) in owned
    }
    if touched:
        raise TenancyError(
            f"a Core statement on force-owned tables ({', '.join(sorted(touched))}) in a "
            "force's scope: use ORM entities, or mark it across_forces() / scoped_by_caller()"
        )


def _check_inserted_rows(state: ORMExecuteState, scope: ForceScope) -> None:
    entity = state.bind_mapper
    if entity is None or not issubclass(entity.class_, ForceOwned):
        return
    rows = state.parameters
    rows = [rows] if isinstance(rows, dict) else list(rows or [])
    if not rows:
        rows = [getattr(state.statement, "_values", None) or {}]
    for row in rows:
        value = row.get("force_id") if isinstance(row, dict) else None
        if value != scope:
            raise TenancyError(
                f"{entity.class_.__name__} rows inserted in force {scope!r}'s scope must "
                "carry that force_id"
            )


def _visible(session: Session, obj: Any) -> bool:
    """Whether a row in the identity map may be handed out by ``Session.get`` now."""
    if not isinstance(obj, ForceOwned):
        return True
    scope = current_scope(session)
    if scope is ALL_FORCES:
        return True
    return obj.force_id == _filter_id(scope)


PesterSession.row_filters.append(_visible)


@event.listens_for(Session, "before_flush")
def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    scope = current_scope(session)
    pending = [obj for obj in session.new if isinstance(obj, ForceOwned)]
    _assign_new(session, pending, scope)
    if not isinstance(scope, int) and scope is not NO_FORCE:
        return
    for obj in [*session.dirty, *session.deleted, *pending]:
        if isinstance(obj, ForceOwned) and obj.force_id != _filter_id(scope):
            raise TenancyError(
                f"{type(obj).__name__} {getattr(obj, 'id', None)} of force {obj.force_id} "
                f"written in force {scope!r}'s scope"
            )


def _assign_new(session: Session, pending: list[ForceOwned], scope: ForceScope) -> None:
    """Fill in (and check) the force of new rows: a child's from its parent, a root's from
    the scope, or from the only force when the installation has just one."""
    only_force: list[int | None] = []
    remaining = pending
    while remaining:
        waiting = []
        for obj in remaining:
            if not _assign_one(session, obj, scope, only_force):
                waiting.append(obj)
        if len(waiting) == len(remaining):
            names = ", ".join(sorted({type(obj).__name__ for obj in waiting}))
            raise TenancyError(f"cannot tell which force new {names} rows belong to")
        remaining = waiting


def _assign_one(
    session: Session, obj: ForceOwned, scope: ForceScope, only_force: list[int | None]
) -> bool:
    if obj.force_parent is not None:
        found, parent_force = _parent_force(session, obj)
        if not found:
            return False
        if parent_force is None and _nullable(obj):
            return _assign_only_force(session, obj, only_force, required=False)
        if obj.force_id is None:
            obj.force_id = parent_force  # type: ignore[assignment]
        elif obj.force_id != parent_force:
            raise TenancyError(
                f"{type(obj).__name__} given force {obj.force_id} but its parent is of "
                f"force {parent_force}"
            )
        return True
    if obj.force_id is not None:
        return True
    if isinstance(scope, int):
        obj.force_id = scope
        return True
    return _assign_only_force(session, obj, only_force, required=not _nullable(obj))


def _assign_only_force(
    session: Session, obj: ForceOwned, only_force: list[int | None], *, required: bool
) -> bool:
    """A single-force installation's rows are all its force's; with several, a row must say
    (one that may have none, such as the system's own audit entry, is left without)."""
    if obj.force_id is not None:
        return True
    if not only_force:
        ids = session.scalars(select(Force.id).order_by(Force.id).limit(2)).all()
        if not ids and required:
            raise TenancyError("this installation has no force yet: add one first")
        only_force.append(ids[0] if len(ids) == 1 else None)
    if only_force[0] is None and required:
        raise TenancyError(
            f"a new {type(obj).__name__} needs a force: this installation has several"
        )
    obj.force_id = only_force[0]  # type: ignore[assignment]
    return True


def _nullable(obj: ForceOwned) -> bool:
    return bool(type(obj).__table__.c.force_id.nullable)  # type: ignore[attr-defined]


def _parent_force(session: Session, obj: ForceOwned) -> tuple[bool, int | None]:
    """(known yet, the parent's force) for a child row; a parent without a force yet (new
    in this flush) is not known yet, and a missing parent reference means no parent."""
    fk, parent_name = obj.force_parent  # type: ignore[misc]
    mapper = inspect(type(obj))
    parent: Any = None
    for relationship in mapper.relationships:
        if relationship.mapper.class_.__name__ == parent_name:
            parent = getattr(obj, relationship.key, None)
            if parent is not None:
                break
    if parent is None:
        parent_id = getattr(obj, fk)
        if parent_id is None:
            return True, None
        parent_class = Base.registry._class_registry[parent_name]  # type: ignore[attr-defined]
        parent = session.get(parent_class, parent_id)
        if parent is None:
            raise TenancyError(
                f"{type(obj).__name__} refers to {parent_name} {parent_id}, which is not "
                "in this force"
            )
    if parent.force_id is None:
        return (not _pending(parent)), None
    return True, parent.force_id


def _pending(obj: Any) -> bool:
    return bool(inspect(obj).pending)
