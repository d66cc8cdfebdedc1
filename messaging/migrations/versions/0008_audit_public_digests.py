"""audit entries carry a public digest chain beside the keyed one

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 09:00:00

Each audit entry gets ``digest``: SHA-256 over the previous entry's digest and the entry's
canonical content (the same text its keyed hash covers), and the head its newest digest and
the digest the chain starts from. Existing entries are backfilled in chain order from the
head's anchor. No key is needed: the digest is unkeyed. A chain already trimmed by
retention starts its digests from its keyed anchor hash (the removed entries' digests can
no longer be computed); ``messaging.records.audit_format`` documents that rule.

The canonical content is frozen here as it stood at this revision, so the backfill never
changes with later code.
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from messaging.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000

_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor_id", sa.Integer()),
    *(
        sa.column(name, sa.String())
        for name in (
            "actor",
            "category",
            "action",
            "object_type",
            "object_id",
            "recipient",
            "ip",
            "user_agent",
            "reason",
        )
    ),
    sa.column("details", sa.JSON()),
    sa.column("force_id", sa.Integer()),
    sa.column("chain_version", sa.Integer()),
    sa.column("digest", sa.String()),
)
_head = sa.table(
    "audit_head",
    sa.column("id", sa.Integer()),
    sa.column("anchor_hash", sa.String()),
    sa.column("last_digest", sa.String()),
    sa.column("anchor_digest", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        for name in ("last_digest", "anchor_digest"):
            batch_op.add_column(
                sa.Column(name, sa.String(length=64), nullable=False, server_default=GENESIS)
            )
    _backfill()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("digest", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.alter_column("last_digest", server_default=None)
        batch_op.alter_column("anchor_digest", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("anchor_digest")
        batch_op.drop_column("last_digest")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("digest")


def _backfill() -> None:
    """Every entry's digest, oldest first, chained from the head's anchor."""
    connection = op.get_bind()
    head = connection.execute(sa.select(_head.c.anchor_hash).where(_head.c.id == 1)).first()
    digest = head[0] if head else GENESIS
    connection.execute(sa.update(_head).where(_head.c.id == 1).values(anchor_digest=digest))
    read = sa.select(_events).where(_events.c.id > sa.bindparam("after"))
    read = read.order_by(_events.c.id).limit(BATCH)
    write = (
        sa.update(_events)
        .where(_events.c.id == sa.bindparam("entry_id"))
        .values(digest=sa.bindparam("new_digest"))
    )
    after = 0
    while True:
        rows = connection.execute(read, {"after": after}).all()
        if not rows:
            break
        changed = []
        for row in rows:
            digest = hashlib.sha256((digest + _canonical(row)).encode()).hexdigest()
            changed.append({"entry_id": row.id, "new_digest": digest})
        connection.execute(write, changed)
        after = rows[-1].id
    connection.execute(sa.update(_head).where(_head.c.id == 1).values(last_digest=digest))


def _canonical(row: Any) -> str:
    content = {
        "at": row.at.isoformat(),
        "actor_id": row.actor_id,
        "actor": row.actor,
        "category": row.category,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "details": row.details,
        "recipient": row.recipient,
        "ip": row.ip,
        "user_agent": row.user_agent,
        "reason": row.reason,
    }
    if row.chain_version >= 2:  # entries written since forces existed hash their force
        content["force_id"] = row.force_id
        content["chain_version"] = row.chain_version
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
