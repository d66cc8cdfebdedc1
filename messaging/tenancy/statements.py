"""Every ORM statement run in a force's scope gets that force's criteria; unmarked Core on a
scoped table is refused; ``Session.get`` hands out no row the scope may not see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, or_
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import TextClause
from sqlalchemy.sql.util import find_tables

from messaging.db import Base, PesterSession
from messaging.models.forces import ForceOwned, SharedOrForceOwned
from messaging.tenancy.scope import (
    ACROSS_FORCES,
    ALL_FORCES,
    SCOPED_BY_CALLER,
    ForceScope,
    TenancyError,
    current_scope,
    filter_id,
)

SCOPED_MIXINS = (ForceOwned, SharedOrForceOwned)


def scoped_tables() -> frozenset[str]:
    """Tables whose rows belong to a force (or, for reference data, to a force or none)."""
    return frozenset(
        mapper.local_table.name  # type: ignore[union-attr]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, SCOPED_MIXINS)
    )


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
        state.statement = state.statement.options(*_criteria(scope, reading=state.is_select))


def _criteria(scope: ForceScope, *, reading: bool) -> tuple[Any, ...]:
    """A force's own rows; and, for a read in a force's scope, national reference rows too
    (an UPDATE or DELETE never reaches a national row from a force's scope)."""
    force_id = filter_id(scope)
    own = with_loader_criteria(
        ForceOwned, lambda cls: cls.force_id == force_id, include_aliases=True
    )
    if reading and isinstance(scope, int):
        reference = with_loader_criteria(
            SharedOrForceOwned,
            lambda cls: or_(cls.force_id.is_(None), cls.force_id == force_id),
            include_aliases=True,
        )
    else:
        reference = with_loader_criteria(
            SharedOrForceOwned, lambda cls: cls.force_id == force_id, include_aliases=True
        )
    return own, reference


def _refuse_unscoped_core(statement: Any) -> None:
    if isinstance(statement, TextClause):
        raise TenancyError(
            "raw SQL in a force's scope: mark it across_forces() or scoped_by_caller()"
        )
    scoped = scoped_tables()
    touched = {
        table.name
        for table in find_tables(statement, include_crud=True, include_selects=True)
        if getattr(table, "name", None) in scoped
    }
    if touched:
        raise TenancyError(
            f"a Core statement on force-owned tables ({', '.join(sorted(touched))}) in a "
            "force's scope: use ORM entities, or mark it across_forces() / scoped_by_caller()"
        )


def _check_inserted_rows(state: ORMExecuteState, scope: ForceScope) -> None:
    entity = state.bind_mapper
    if entity is None or not issubclass(entity.class_, SCOPED_MIXINS):
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
    if not isinstance(obj, SCOPED_MIXINS):
        return True
    scope = current_scope(session)
    if scope is ALL_FORCES:
        return True
    if isinstance(obj, SharedOrForceOwned) and obj.force_id is None:
        return isinstance(scope, int)  # national reference data: every force reads it
    return obj.force_id == filter_id(scope)


PesterSession.row_filters.append(_visible)
