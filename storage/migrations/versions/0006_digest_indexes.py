"""an index on oneonone (report_id, manager_id, held_at): the digest's last 1:1 per pair in one probe

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_oneonone_pair_held_at", "oneonone", ["report_id", "manager_id", "held_at"])


def downgrade() -> None:
    op.drop_index("ix_oneonone_pair_held_at", table_name="oneonone")
