"""slack events: the Events API deliveries already handled, so Slack's retries are processed once

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slackevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(op.f("ix_slackevent_received_at"), "slackevent", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_slackevent_received_at"), table_name="slackevent")
    op.drop_table("slackevent")
