"""an index on review (cycle_id, state, kind, due_date, author_id): the HR digest's overdue reviews read from an
open cycle's requested reviews alone

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_review_cycle_state", "review", ["cycle_id", "state", "kind", "due_date", "author_id"])


def downgrade() -> None:
    op.drop_index("ix_review_cycle_state", table_name="review")
