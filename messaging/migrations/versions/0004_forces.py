"""forces: every force-owned row belongs to one force; existing rows move into a default one

The default force's code comes from ``PESTER_DEFAULT_FORCE`` (``DEFAULT`` when unset) and its
name from ``PESTER_DEFAULT_FORCE_NAME``. Audit entries written before this keep hashes that
do not cover their force: they are marked ``chain_version`` 1 so the chain still verifies.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00
"""

import os
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every force-owned table, and whether its force may be empty (audit: the system's own
# entries; delivery events: callbacks about texts pester does not know).
OWNED: tuple[tuple[str, bool], ...] = (
    ("users", False),
    ("api_tokens", False),
    ("lines", False),
    ("contacts", False),
    ("contact_imports", False),
    ("contact_sources", False),
    ("interactions", False),
    ("do_not_contact", False),
    ("campaigns", False),
    ("outbox_messages", False),
    ("test_sends", False),
    ("delivery_events", True),
    ("replies", False),
    ("reply_numbers", False),
    ("suppressions", False),
    ("suppression_events", False),
    ("audit_events", True),
)


def _default_force() -> tuple[str, str]:
    code = (os.environ.get("PESTER_DEFAULT_FORCE") or "DEFAULT").strip().upper()
    name = (os.environ.get("PESTER_DEFAULT_FORCE_NAME") or "").strip() or code
    return code[:12], name[:120]


def upgrade() -> None:
    forces = op.create_table(
        "forces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("on_call_email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forces")),
        sa.UniqueConstraint("code", name=op.f("uq_forces_code")),
    )
    code, name = _default_force()
    op.bulk_insert(
        forces,
        [
            {
                "id": 1,
                "code": code,
                "name": name,
                "contact_name": "",
                "contact_email": "",
                "on_call_email": "",
                "created_at": datetime.now(UTC),
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('forces', 'id'), 1)")
    for table, nullable in OWNED:
        _add_force(table, nullable)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("chain_version", server_default=None)
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_constraint("uq_lines_reference", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_lines_force_id_reference"), ["force_id", "reference"]
        )
    with op.batch_alter_table("do_not_contact", schema=None) as batch_op:
        batch_op.drop_constraint("uq_do_not_contact_phone_hash", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_do_not_contact_force_id_phone_hash"), ["force_id", "phone_hash"]
        )
        batch_op.create_index(
            batch_op.f("ix_do_not_contact_phone_hash"), ["phone_hash"], unique=False
        )
    op.create_index("ix_contacts_phone_force", "contacts", ["phone_hash", "force_id"])
    _create_reports()


def _create_reports() -> None:
    op.create_table(
        "intelligence_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("finding", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("source_evaluation", sa.String(length=1), nullable=False),
        sa.Column("intelligence_assessment", sa.String(length=1), nullable=False),
        sa.Column("handling_code", sa.String(length=1), nullable=False),
        sa.Column("handling_conditions", sa.Text(), nullable=False),
        sa.Column("includes_number", sa.Boolean(), nullable=False),
        sa.Column("number_reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_intelligence_reports_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_intelligence_reports_force_id_forces")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_intelligence_reports_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["replies.id"], name=op.f("fk_intelligence_reports_reply_id_replies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_reports")),
    )
    for column in ("force_id", "line_id", "reply_id"):
        op.create_index(op.f(f"ix_intelligence_reports_{column}"), "intelligence_reports", [column])


def _add_force(table: str, nullable: bool) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("force_id", sa.Integer(), nullable=True))
    if table == "delivery_events":
        op.execute("UPDATE delivery_events SET force_id = 1 WHERE outbox_id IS NOT NULL")
    else:
        op.execute(f"UPDATE {table} SET force_id = 1")  # noqa: S608 (table names are ours)
    with op.batch_alter_table(table, schema=None) as batch_op:
        if not nullable:
            batch_op.alter_column("force_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f(f"ix_{table}_force_id"), ["force_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{table}_force_id_forces"), "forces", ["force_id"], ["id"]
        )


def downgrade() -> None:
    op.drop_table("intelligence_reports")
    op.drop_index("ix_contacts_phone_force", table_name="contacts")
    with op.batch_alter_table("do_not_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_do_not_contact_phone_hash"))
        batch_op.drop_constraint("uq_do_not_contact_force_id_phone_hash", type_="unique")
        batch_op.create_unique_constraint("uq_do_not_contact_phone_hash", ["phone_hash"])
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_constraint("uq_lines_force_id_reference", type_="unique")
        batch_op.create_unique_constraint("uq_lines_reference", ["reference"])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("chain_version")
    for table, _nullable in reversed(OWNED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_force_id_forces", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_force_id")
            batch_op.drop_column("force_id")
    op.drop_table("forces")
