"""action items by owner: the check-in's follow-ups read the items due per person each time the form opens

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_actionitem_owner_id", "actionitem", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_actionitem_owner_id", table_name="actionitem")
