"""Contributed cases: author and review state.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("review_state", sa.String(12), nullable=False, server_default="published"))
        batch.add_column(sa.Column("review_note", sa.Text))
        batch.add_column(sa.Column("author_id", sa.Integer, sa.ForeignKey("members.id", name="fk_cases_author",
                                                                          ondelete="SET NULL")))
        batch.create_index("ix_cases_author_id", ["author_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_author_id")
        batch.drop_constraint("fk_cases_author", type_="foreignkey")
        batch.drop_column("author_id")
        batch.drop_column("review_note")
        batch.drop_column("review_state")
