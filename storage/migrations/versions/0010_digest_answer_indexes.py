"""indexes for the HR digest's response figures: review (period, subject_id), attention answered_at and
(state, opened_at)

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_review_period_subject", "review", ["period", "subject_id"])
    op.create_index("ix_attention_answered_at", "attention", ["answered_at"])
    op.create_index("ix_attention_state_opened_at", "attention", ["state", "opened_at"])


def downgrade() -> None:
    op.drop_index("ix_attention_state_opened_at", table_name="attention")
    op.drop_index("ix_attention_answered_at", table_name="attention")
    op.drop_index("ix_review_period_subject", table_name="review")
