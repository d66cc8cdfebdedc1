"""campaigns keep the recipients their approval covered and why they stopped; lease index

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_recipients", sa.LargeBinary(), nullable=True))
        # Existing campaigns stopped for reasons known only as text: their code is "".
        batch_op.add_column(
            sa.Column("stop_code", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.alter_column("stop_code", server_default=None)
    op.create_index("ix_outbox_status_lease", "outbox_messages", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_lease", table_name="outbox_messages")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("resumed_at")
        batch_op.drop_column("stop_code")
        batch_op.drop_column("approved_recipients")
