"""contacts: indexes that answer the network and the cross-force links on their own

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-13 09:00:00

A force's line network groups the force's contacts by number, and a reply's numbers are
looked up among the force's contacts: both read only this index (force first, so it
serves everything the index by force alone served), in number order, without a sort or a
visit to the table. Cross-force links group every contact by number and force, then read
the lines of the numbers two forces hold: the index by number and force gains the line, so
that pass never visits the table either.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contacts_force_phone_line", "contacts", ["force_id", "phone_hash", "line_id"]
    )
    op.drop_index("ix_contacts_force_id", table_name="contacts")
    op.create_index(
        "ix_contacts_phone_force_line", "contacts", ["phone_hash", "force_id", "line_id"]
    )
    op.drop_index("ix_contacts_phone_force", table_name="contacts")


def downgrade() -> None:
    op.create_index("ix_contacts_phone_force", "contacts", ["phone_hash", "force_id"])
    op.drop_index("ix_contacts_phone_force_line", table_name="contacts")
    op.create_index("ix_contacts_force_id", "contacts", ["force_id"])
    op.drop_index("ix_contacts_force_phone_line", table_name="contacts")
