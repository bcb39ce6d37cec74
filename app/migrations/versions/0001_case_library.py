"""The case library: cases, lessons and the index change log.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("attribution", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12)),
        sa.Column("year", sa.Integer),
        sa.Column("copied_from", sa.String(120)),
        sa.Column("contact", sa.String(300)),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("sdg_targets", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cases_slug", "cases", ["slug"], unique=True)
    op.create_index("ix_cases_city", "cases", ["city"])
    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
    )
    op.create_index("ix_lessons_case_id", "lessons", ["case_id"])
    op.create_table(
        "index_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_index_changes_slug", "index_changes", ["slug"])


def downgrade() -> None:
    op.drop_table("index_changes")
    op.drop_table("lessons")
    op.drop_table("cases")
