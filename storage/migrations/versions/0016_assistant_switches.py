"""assistant switches: HR turns each assistant feature off or on again (assistant_switch)

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.types import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistant_switch",
        sa.Column("feature", sqlmodel.sql.sqltypes.AutoString(length=30), primary_key=True),
        sa.Column("on", sa.Boolean(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assistant_switch")
