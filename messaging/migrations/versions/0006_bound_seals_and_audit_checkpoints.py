"""sealed values bound to their table, column and row; the audit head counts trimmed entries
and names its installation

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00

Every value sealed in the old format (``p1``: bound to its key only) is opened and sealed
again in the bound format (``p2``: table, column, row id and key), so this migration needs
the data keys: run it with ``pester db upgrade``, which has them. A value no configured key
opens stops it, naming where; nothing is changed then.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from messaging.crypto import BOUND_FORMAT, LEGACY_FORMAT, Place, cipher, cipher_configured

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sealed columns as they stood at this revision (frozen: later models may differ).
SEALED = (
    ("contacts", "phone"),
    ("contact_imports", "rejected"),
    ("intelligence_reports", "body"),
    ("contact_sources", "raw"),
    ("contact_sources", "saved_name"),
    ("contact_sources", "account"),
    ("do_not_contact", "phone"),
    ("lines", "line_number"),
    ("outbox_messages", "to"),
    ("replies", "phone"),
    ("replies", "body"),
    ("replies", "notes"),
    ("reply_numbers", "phone"),
    ("suppressions", "phone"),
    ("users", "totp_secret"),
    ("users", "own_phone"),
)
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trimmed", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("installation_id", sa.String(length=36), nullable=False, server_default="")
        )
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.alter_column("trimmed", server_default=None)
        batch_op.alter_column("installation_id", server_default=None)
    op.get_bind().execute(
        sa.text("UPDATE audit_head SET installation_id = :id WHERE installation_id = ''"),
        {"id": str(uuid.uuid4())},
    )
    for table, column in SEALED:
        _reseal(table, column, LEGACY_FORMAT, _bind)


def downgrade() -> None:
    for table, column in SEALED:
        _reseal(table, column, BOUND_FORMAT, _unbind)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("installation_id")
        batch_op.drop_column("trimmed")


def _bind(blob: bytes, place: Place) -> bytes:
    sealer = cipher()
    return sealer.seal(sealer.open_legacy(blob, where=str(place)), place)


def _unbind(blob: bytes, place: Place) -> bytes:
    sealer = cipher()
    accept, sealer.accept_legacy = sealer.accept_legacy, False
    try:
        return sealer.seal_legacy(sealer.open(blob, place))
    finally:
        sealer.accept_legacy = accept


def _reseal(table: str, column: str, old_format: bytes, convert) -> None:  # type: ignore[no-untyped-def]
    """Convert every value of one column in ``old_format``, in batches of rows."""
    connection = op.get_bind()
    quoted = f'"{column}"'
    read = sa.text(
        f"SELECT id, {quoted} FROM {table} WHERE {quoted} IS NOT NULL AND id > :after "  # noqa: S608
        "ORDER BY id LIMIT :n"
    )
    write = sa.text(f"UPDATE {table} SET {quoted} = :value WHERE id = :id")  # noqa: S608
    after = 0
    while True:
        rows = connection.execute(read, {"after": after, "n": BATCH}).all()
        if not rows:
            return
        after = rows[-1][0]
        changed = [
            {"id": row_id, "value": convert(bytes(blob), Place(table, column, row_id))}
            for row_id, blob in rows
            if bytes(blob)[:2] == old_format and _keys_available(table, column)
        ]
        if changed:
            connection.execute(
                write.bindparams(sa.bindparam("value", type_=sa.LargeBinary())), changed
            )


def _keys_available(table: str, column: str) -> bool:
    if not cipher_configured():
        raise RuntimeError(
            f"migration 0006 re-seals personal data ({table}.{column} holds some) and needs "
            "the data keys: run it with `pester db upgrade`, with PESTER_DATA_KEY (and "
            "PESTER_OLD_DATA_KEYS) set"
        )
    return True
