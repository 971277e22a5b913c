"""attention covering indexes: the digest's answer figures read the index alone

The HR digest takes, per team, the hours each alert answered in the last four weeks waited and counts the alerts
still waiting. At 50,000 people those are tens of thousands of alerts: with the employee (and, for the waiting,
the manager) in the index, neither database visits the table for each.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attention_answered", "attention", ["answered_at", "opened_at", "person_id"])
    op.create_index("ix_attention_waiting", "attention", ["state", "opened_at", "person_id", "manager_id"])
    op.drop_index("ix_attention_answered_at", table_name="attention")
    op.drop_index("ix_attention_state_opened_at", table_name="attention")


def downgrade() -> None:
    op.create_index("ix_attention_state_opened_at", "attention", ["state", "opened_at"])
    op.create_index("ix_attention_answered_at", "attention", ["answered_at"])
    op.drop_index("ix_attention_waiting", table_name="attention")
    op.drop_index("ix_attention_answered", table_name="attention")
