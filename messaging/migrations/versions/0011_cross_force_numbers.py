"""cross_force_numbers: the national index of numbers two or more forces' contacts hold

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-15 09:00:00

One keyed hash per number that contacts of two or more forces hold (no force, no line:
nothing else), so the national pass reads these instead of grouping every contact of every
force (:mod:`messaging.records.cross_force_index`). Filled here from the contacts as they
are; imports, erasure and an hourly rebuild keep it from then on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cross_force_numbers",
        sa.Column("phone_hash", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("phone_hash", name=op.f("pk_cross_force_numbers")),
    )
    op.execute(
        "INSERT INTO cross_force_numbers (phone_hash) SELECT phone_hash FROM contacts"
        " WHERE phone_hash IS NOT NULL GROUP BY phone_hash"
        " HAVING min(force_id) <> max(force_id)"
    )


def downgrade() -> None:
    op.drop_table("cross_force_numbers")
