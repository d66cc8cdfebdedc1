"""services and templates may be national or one force's own

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-14 09:00:00

``services``, ``message_templates`` and ``template_versions`` get a nullable ``force_id``
(a foreign key to ``forces``, indexed). NULL is national: shared by every force and changed
only outside any force's scope. Every existing row stays national, as it was shared before.

A version carries its template's force (rather than being scoped through a join to its
template) so that a version looked up by id, as campaigns and answers name one, is scoped
by the same single criterion as every other row.

A template's slug becomes unique per force (``force_id, slug``), and unique among national
templates by a partial index (NULLs are distinct in a unique constraint): one force's slug
no longer blocks another's. Downgrading refuses while any row is a force's own, since the
old schema could not say whose it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("services", "message_templates", "template_versions")
NATIONAL_SLUG = "uq_message_templates_national_slug"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("force_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_force_id"), ["force_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_force_id_forces"), "forces", ["force_id"], ["id"]
            )
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_constraint("uq_message_templates_slug", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_message_templates_force_id_slug"), ["force_id", "slug"]
        )
    op.create_index(
        NATIONAL_SLUG,
        "message_templates",
        ["slug"],
        unique=True,
        sqlite_where=sa.text("force_id IS NULL"),
        postgresql_where=sa.text("force_id IS NULL"),
    )


def downgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        owned = bind.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE force_id IS NOT NULL")  # noqa: S608
        ).scalar_one()
        if owned:
            raise RuntimeError(
                f"{owned} {table} rows belong to one force: the schema before 0010 would "
                "share them with every force. Remove them (or make them national) first."
            )
    op.drop_index(NATIONAL_SLUG, table_name="message_templates")
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_constraint("uq_message_templates_force_id_slug", type_="unique")
        batch_op.create_unique_constraint("uq_message_templates_slug", ["slug"])
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_force_id_forces", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_force_id")
            batch_op.drop_column("force_id")
