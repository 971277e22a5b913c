"""custom check-in questions: a list per team or plan (question_list) and the answers given (checkin_answer)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_list",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("performanceplan.id"), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("anchor_week", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id"),
        sa.UniqueConstraint("plan_id"),
    )
    op.create_table(
        "checkin_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("checkin_id", sa.Integer(), sa.ForeignKey("checkin.id"), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("answer_type", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.UniqueConstraint("checkin_id", "question_id", name="uq_checkin_answer_question"),
    )
    op.create_index("ix_checkin_answer_checkin_id", "checkin_answer", ["checkin_id"])


def downgrade() -> None:
    op.drop_index("ix_checkin_answer_checkin_id", table_name="checkin_answer")
    op.drop_table("checkin_answer")
    op.drop_table("question_list")
