"""risk alerts, analysts' answers, conversions, A/B arms and the responder permission

The new tables are force-owned (``force_id``, the force of the row they hang from: an
alert's reply, a delivery's alert, an attempt's delivery, an answer's reply, a conversion's
campaign text). They are created empty, so the column is required from the start; an
answer's outbox row carries the answer's force in the outbox's own ``force_id``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["replies.id"], name=op.f("fk_alerts_reply_id_replies")
        ),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_alerts_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("reply_id", "round", name=op.f("uq_alerts_reply_id_round")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_force_id"), ["force_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_reply_id"), ["reply_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)

    op.create_table(
        "conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_conversions_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox_messages.id"],
            name=op.f("fk_conversions_outbox_id_outbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_conversions_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["replies.id"], name=op.f("fk_conversions_reply_id_replies")
        ),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_conversions_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
        sa.UniqueConstraint("outbox_id", "kind", name=op.f("uq_conversions_outbox_id_kind")),
    )
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversions_force_id"), ["force_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_conversions_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "reply_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("approval", sa.String(length=20), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_reply_answers_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["replies.id"], name=op.f("fk_reply_answers_reply_id_replies")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_reply_answers_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_reply_answers_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["template_versions.id"],
            name=op.f("fk_reply_answers_template_version_id_template_versions"),
        ),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_reply_answers_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_answers")),
        sa.UniqueConstraint("request_key", name=op.f("uq_reply_answers_request_key")),
    )
    with op.batch_alter_table("reply_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_answers_force_id"), ["force_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reply_answers_phone_hash"), ["phone_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reply_answers_reply_id"), ["reply_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reply_answers_state"), ["state"], unique=False)

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts")
        ),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_alert_deliveries_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint(
            "alert_id", "channel", name=op.f("uq_alert_deliveries_alert_id_channel")
        ),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_force_id"), ["force_id"], unique=False
        )
        batch_op.create_index(
            "ix_alert_deliveries_status_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "alert_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["alert_deliveries.id"],
            name=op.f("fk_alert_attempts_delivery_id_alert_deliveries"),
        ),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_alert_attempts_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_attempts")),
    )
    with op.batch_alter_table("alert_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_attempts_force_id"), ["force_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alert_attempts_delivery_id"), ["delivery_id"], unique=False
        )

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_version_b_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("arm_seed", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_template_version_b_id_template_versions"),
            "template_versions",
            ["template_version_b_id"],
            ["id"],
        )

    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=False, server_default="[]"))

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("arm", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("private_body", sa.LargeBinary(), nullable=True))
        batch_op.alter_column("campaign_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_messages_answer_id"), ["answer_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_answer_id_reply_answers"),
            "reply_answers",
            ["answer_id"],
            ["id"],
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("responder", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # The defaults only filled the rows already there; the models set their own.
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.alter_column("answers", server_default=None)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("responder", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("responder")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_answer_id_reply_answers"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_outbox_messages_answer_id"), type_="unique")
        batch_op.alter_column("contact_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("campaign_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("private_body")
        batch_op.drop_column("arm")
        batch_op.drop_column("answer_id")

    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_column("answers")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_template_version_b_id_template_versions"), type_="foreignkey"
        )
        batch_op.drop_column("arm_seed")
        batch_op.drop_column("template_version_b_id")

    with op.batch_alter_table("alert_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_attempts_force_id"))
        batch_op.drop_index(batch_op.f("ix_alert_attempts_delivery_id"))

    op.drop_table("alert_attempts")
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_force_id"))
        batch_op.drop_index("ix_alert_deliveries_status_due")

    op.drop_table("alert_deliveries")
    with op.batch_alter_table("reply_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_answers_force_id"))
        batch_op.drop_index(batch_op.f("ix_reply_answers_state"))
        batch_op.drop_index(batch_op.f("ix_reply_answers_reply_id"))
        batch_op.drop_index(batch_op.f("ix_reply_answers_phone_hash"))

    op.drop_table("reply_answers")
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversions_force_id"))
        batch_op.drop_index(batch_op.f("ix_conversions_campaign_id"))

    op.drop_table("conversions")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_force_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_alerts_reply_id"))

    op.drop_table("alerts")
