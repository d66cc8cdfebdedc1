"""Rows written in a flush: a new row's force is filled in (from its parent, the scope, or
the only force) and every new, changed or deleted row is checked against the scope.

Force-owned rows must be the scope's force. Reference data (:class:`SharedOrForceOwned`) may
be written in a force's scope only when it is that force's own: a national row is changed
only outside any force's scope (the system operator's commands). A row that refers to
reference data (a campaign's service, an answer's template version) may refer only to a
national row or one of its own force.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from messaging.db import Base
from messaging.models.forces import Force, ForceOwned, SharedOrForceOwned
from messaging.tenancy.scope import (
    NO_FORCE,
    ForceScope,
    TenancyError,
    current_scope,
    filter_id,
)


@event.listens_for(Session, "before_flush")
def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    scope = current_scope(session)
    _assign_shared(session, [o for o in session.new if isinstance(o, SharedOrForceOwned)], scope)
    pending = [obj for obj in session.new if isinstance(obj, ForceOwned)]
    _assign_new(session, pending, scope)
    _check_references(session, scope)
    if not isinstance(scope, int) and scope is not NO_FORCE:
        return
    for obj in [*session.dirty, *session.deleted, *pending]:
        if isinstance(obj, ForceOwned) and obj.force_id != filter_id(scope):
            raise TenancyError(
                f"{type(obj).__name__} {getattr(obj, 'id', None)} of force {obj.force_id} "
                f"written in force {scope!r}'s scope"
            )
    _check_shared_writes(session, scope)


def _check_shared_writes(session: Session, scope: ForceScope) -> None:
    """In a force's scope, reference rows written must be (and stay, and have been) its own."""
    changed = [
        obj
        for obj in session.dirty
        if isinstance(obj, SharedOrForceOwned)
        and session.is_modified(obj, include_collections=False)
    ]
    for obj in [*session.new, *changed, *session.deleted]:
        if not isinstance(obj, SharedOrForceOwned):
            continue
        was = inspect(obj).attrs.force_id.history.deleted
        forces = {obj.force_id, *was}
        if forces != {filter_id(scope)}:
            whose = "national" if None in forces else f"of force {obj.force_id}"
            raise TenancyError(
                f"{type(obj).__name__} {getattr(obj, 'id', None)} is {whose}: it cannot be "
                f"written in force {scope!r}'s scope"
            )


def _assign_shared(session: Session, pending: list[SharedOrForceOwned], scope: Any) -> None:
    """A new reference row is the scope's force's (national outside any force's scope); one
    with a parent (a template's version) is its parent's."""
    for obj in pending:
        if obj.force_parent is None and obj.force_id is None and isinstance(scope, int):
            obj.force_id = scope  # type: ignore[assignment]
    for obj in pending:
        if obj.force_parent is None:
            continue
        fk, parent_name = obj.force_parent
        parent = _referenced_parent(session, obj, fk, parent_name)
        parent_force = parent.force_id if parent is not None else None
        if obj.force_id is not None and obj.force_id != parent_force:
            raise TenancyError(
                f"{type(obj).__name__} given force {obj.force_id} but its parent is "
                f"{'national' if parent_force is None else f'of force {parent_force}'}"
            )
        obj.force_id = parent_force  # type: ignore[assignment]


@cache
def _reference_columns(model: type) -> tuple[tuple[str, type], ...]:
    """(attribute, referenced model) for each foreign key of ``model`` to reference data."""
    shared = {
        mapper.local_table.name: mapper.class_  # type: ignore[union-attr]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, SharedOrForceOwned)
    }
    mapper = inspect(model)
    found = []
    for column in mapper.local_table.columns:
        if column.name == "force_id":
            continue
        for fk in column.foreign_keys:
            target = shared.get(fk.column.table.name)
            if target is not None and target is not model:
                found.append((mapper.get_property_by_column(column).key, target))
    return tuple(found)


def _check_references(session: Session, scope: ForceScope) -> None:
    """A row may name reference data only when it is national or of the row's own force."""
    for obj in [*session.new, *session.dirty]:
        if not isinstance(obj, (ForceOwned, SharedOrForceOwned)):
            continue
        for key, target in _reference_columns(type(obj)):
            added = inspect(obj).attrs[key].history.added
            value = added[0] if added else None
            if value is None:
                continue
            row = session.get(target, value)
            if row is None or row.force_id not in (None, obj.force_id):
                raise TenancyError(
                    f"{type(obj).__name__} refers to {target.__name__} {value}, which is "
                    f"neither national nor of its force (scope {scope!r})"
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
    in this flush) is not known yet, and a missing parent reference means no parent. A row
    with several possible parents (an outbox row: a campaign's, or an answer's) takes the
    force of the first one it refers to."""
    parent: Any = None
    for fk, parent_name in parents_of(type(obj)):
        parent = _referenced_parent(session, obj, fk, parent_name)
        if parent is not None:
            break
    if parent is None:
        return True, None
    if parent.force_id is None:
        return (not _pending(parent)), None
    return True, parent.force_id


def parents_of(model: type) -> tuple[tuple[str, str], ...]:
    """A force-owned model's declared parents, as (foreign key attribute, model name) pairs."""
    declared = getattr(model, "force_parent", None)
    if not declared:
        return ()
    if isinstance(declared[0], str):
        return (declared,)  # type: ignore[return-value]
    return tuple(declared)


def _referenced_parent(session: Session, obj: Any, fk: str, parent_name: str) -> Any:
    for relationship in inspect(type(obj)).relationships:
        if relationship.mapper.class_.__name__ == parent_name:
            parent = getattr(obj, relationship.key, None)
            if parent is not None:
                return parent
    parent_id = getattr(obj, fk)
    if parent_id is None:
        return None
    parent_class = Base.registry._class_registry[parent_name]  # type: ignore[attr-defined]
    parent = session.get(parent_class, parent_id)
    if parent is None:
        raise TenancyError(
            f"{type(obj).__name__} refers to {parent_name} {parent_id}, which is not in this force"
        )
    return parent


def _pending(obj: Any) -> bool:
    return bool(inspect(obj).pending)
