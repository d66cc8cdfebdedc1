"""replies get a triage queue and the model's risk score

Existing replies are put in the queue their stored labels give (risk when urgent, else their
most urgent label); their score stays empty, since the model never read them.
``pester replies retriage`` re-reads them with the model (and may move some to
``needs_person``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The label order of messaging.inbound.triage.queues at the time of this revision (a
# migration keeps its own copy: later changes to the code must not change what it did).
_LABEL_QUEUES = (
    "help_seeking",
    "opt_out",
    "hostile",
    "supply_intel",
    "wrong_number",
    "opt_in",
)
_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue", sa.String(length=20), nullable=False, server_default="other")
        )
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.alter_column("queue", server_default=None)
        batch_op.create_index(batch_op.f("ix_replies_queue"), ["queue"], unique=False)
    _backfill_queues()


def _queue_of(labels: list, urgent: bool) -> str:
    if urgent:
        return "risk"
    names = {str(label) for label in labels or []}
    return next((label for label in _LABEL_QUEUES if label in names), "other")


def _backfill_queues() -> None:
    replies = sa.table(
        "replies",
        sa.column("id", sa.Integer),
        sa.column("labels", sa.JSON),
        sa.column("urgent", sa.Boolean),
        sa.column("queue", sa.String),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(replies.c.id, replies.c.labels, replies.c.urgent)
            .where(replies.c.id > last_id)
            .order_by(replies.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        changes = [
            {"reply_id": row.id, "new_queue": _queue_of(row.labels, bool(row.urgent))}
            for row in rows
        ]
        changes = [change for change in changes if change["new_queue"] != "other"]
        if changes:
            connection.execute(
                replies.update()
                .where(replies.c.id == sa.bindparam("reply_id"))
                .values(queue=sa.bindparam("new_queue")),
                changes,
            )
        last_id = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replies_queue"))
        batch_op.drop_column("score")
        batch_op.drop_column("queue")
