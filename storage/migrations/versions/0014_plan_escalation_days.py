"""performance plans: the working days an unanswered blocker waits before it goes to the skip-level (1-10)

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for every plan so far: they keep the organisation's setting (CHECKIN_ESCALATE_AFTER_DAYS).
    with op.batch_alter_table("performanceplan") as batch:
        batch.add_column(sa.Column("escalate_after_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("performanceplan") as batch:
        batch.drop_column("escalate_after_days")
