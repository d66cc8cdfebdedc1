"""interactions keep their deleted state and are stored once per event

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a constraint to an existing table, so Alembic copies it.
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_state", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("natural_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_interactions_line_id_natural_key"), ["line_id", "natural_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_interactions_line_id_natural_key"), type_="unique")
        batch_op.drop_column("natural_key")
        batch_op.drop_column("deleted_state")
