"""review cycles: how many peers must answer before the reviewed person reads their comments (default 3)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cycles opened before this rule get the default: fewer than three answers stay with the manager chain and HR.
    with op.batch_alter_table("reviewcycle") as batch:
        batch.add_column(sa.Column("peer_threshold", sa.Integer(), nullable=False, server_default="3"))


def downgrade() -> None:
    with op.batch_alter_table("reviewcycle") as batch:
        batch.drop_column("peer_threshold")
