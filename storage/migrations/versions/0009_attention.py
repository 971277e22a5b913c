"""attention: each blocker alert's state (open, seen, answered, resolved) and its escalation to the skip-level

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attention",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("checkin_id", sa.Integer(), sa.ForeignKey("checkin.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("manager_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_to_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.UniqueConstraint("checkin_id"),
    )
    op.create_index("ix_attention_person_id", "attention", ["person_id"])
    op.create_index("ix_attention_manager_id", "attention", ["manager_id"])
    op.create_index("ix_attention_state", "attention", ["state"])


def downgrade() -> None:
    op.drop_index("ix_attention_state", table_name="attention")
    op.drop_index("ix_attention_manager_id", table_name="attention")
    op.drop_index("ix_attention_person_id", table_name="attention")
    op.drop_table("attention")
