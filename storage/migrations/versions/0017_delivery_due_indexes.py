"""delivery due indexes: a job's waiting deliveries and stale claims without reading its whole log

The notices job drains after each burst of clicks (`serve`'s later pool) and every few minutes; its rows only
grow (one or more a check-in), and `due`/`stale_claims` read every row of the job through the unique key.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivery_job_status_due", "delivery", ["job", "status", "next_attempt_at"])
    op.create_index("ix_delivery_job_status_claimed", "delivery", ["job", "status", "claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_job_status_claimed", table_name="delivery")
    op.drop_index("ix_delivery_job_status_due", table_name="delivery")
