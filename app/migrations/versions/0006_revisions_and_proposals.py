"""Revisions, edit conflicts, proposals ("we tried this too", copied_from), member names.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("name", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("organisation", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("contributor_id", sa.Integer,
                                   sa.ForeignKey("members.id", name="fk_lessons_contributor", ondelete="SET NULL")))
    op.create_table(
        "case_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("restored_from", sa.Integer),
        sa.Column("editor_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "number", name="uq_case_revisions_number"),
    )
    op.create_index("ix_case_revisions_case_id", "case_revisions", ["case_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("lesson_kind", sa.String(12)),
        sa.Column("text", sa.Text),
        sa.Column("visibility", sa.String(10), nullable=False, server_default="members"),
        sa.Column("attribution", sa.String(10), nullable=False, server_default="named"),
        sa.Column("copied_from", sa.String(120)),
        sa.Column("state", sa.String(12), nullable=False, server_default="submitted"),
        sa.Column("review_note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_proposals_case_id", "proposals", ["case_id"])
    op.create_index("ix_proposals_author_id", "proposals", ["author_id"])


def downgrade() -> None:
    op.drop_table("proposals")
    op.drop_table("case_revisions")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_constraint("fk_lessons_contributor", type_="foreignkey")
        batch.drop_column("contributor_id")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("organisation")
        batch.drop_column("name")
