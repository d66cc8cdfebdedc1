"""Which force a piece of work acts for, enforced in one place for every ORM statement.

The scope is set once per unit of work: per web request and API token (from the signed-in
user's force, ``campaigns.auth``), per CLI command that names a force, per job that acts
for one force (a background import). It lives in a context variable rather than only in
``session.info`` because a request may open fresh sessions (``db.transaction()``, the
streaming audit export) that must inherit it; a session may still carry its own in
``session.info["force_scope"]``. Outside any of those the scope is :data:`ALL_FORCES`: that
is the pipeline (sending, webhooks, receipts, retention, the tick) and the system
operator's commands, which work for every force by design and say so where they run.

Inside a force's scope, for every statement run through a session:

* ORM SELECT, UPDATE and DELETE get ``force_id = <the force>`` on every force-owned entity
  they touch (joins, subqueries, relationship loads too): ``with_loader_criteria`` on the
  :class:`~messaging.models.forces.ForceOwned` mixin.
* Reference data (:class:`~messaging.models.forces.SharedOrForceOwned`: services, templates
  and their versions) reads as national rows (``force_id`` NULL) plus the force's own; an
  ORM UPDATE or DELETE reaches only the force's own.
* ``Session.get`` also refuses a row the scope may not read that happens to sit in the
  identity map (it would otherwise be handed back without any SQL).
* ORM INSERTs must carry the scope's force; new, changed and deleted objects are checked at
  flush: a child's force must be its parent's (and is filled in from it), a root's is filled
  in from the scope; a national reference row is never written; a row may name reference
  data (a campaign's service) only when it is national or of the row's force.
* Core statements and raw SQL that touch a scoped table are refused unless marked:
  :func:`across_forces` for a deliberate national read (opt-outs, cross-force links by
  keyed hash, the NCLCC's counts, the audit chain), :func:`scoped_by_caller` for a Core
  statement whose caller scoped it (the import's bulk writes carry the line's force).

Statements run on a connection rather than a session (``session.connection().execute``)
do not pass through here; the few that do are listed in the README's tenancy notes.

:mod:`~messaging.tenancy.scope` holds the scope itself, :mod:`~messaging.tenancy.statements`
the statement criteria and :mod:`~messaging.tenancy.flush` the checks at flush; importing
this package registers the session events.
"""

import messaging.tenancy.statements  # noqa: F401  (registers the statement events)
from messaging.tenancy.flush import parents_of
from messaging.tenancy.scope import (
    ACROSS_FORCES,
    ALL_FORCES,
    NO_FORCE,
    SCOPED_BY_CALLER,
    ForceScope,
    Scope,
    TenancyError,
    across_forces,
    acting_for,
    current_force_id,
    current_scope,
    default_force_id,
    enter,
    every_forces,
    leave,
    scoped_by_caller,
)

__all__ = [
    "ACROSS_FORCES",
    "ALL_FORCES",
    "NO_FORCE",
    "SCOPED_BY_CALLER",
    "ForceScope",
    "Scope",
    "TenancyError",
    "across_forces",
    "acting_for",
    "current_force_id",
    "current_scope",
    "default_force_id",
    "enter",
    "every_forces",
    "leave",
    "parents_of",
    "scoped_by_caller",
]
