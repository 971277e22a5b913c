"""ai_call: the assistant's call log (who asked, feature, record ids sent, token counts, outcome; never the text)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_call",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("feature", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
    )
    op.create_index("ix_ai_call_at", "ai_call", ["at"])
    op.create_index("ix_ai_call_person_id", "ai_call", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_ai_call_person_id", table_name="ai_call")
    op.drop_index("ix_ai_call_at", table_name="ai_call")
    op.drop_table("ai_call")
