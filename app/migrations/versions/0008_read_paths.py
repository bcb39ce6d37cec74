"""Indexes for what every page reads: copies of a case, and the home page's counts.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "Copied in" on every case page: without it each visit reads the whole cases table.
    op.create_index("ix_cases_copied_from", "cases", ["copied_from"])
    # The home page counts cases, cities and countries: covered by this index, the count never
    # touches the rows (whose long bodies come before these columns on disk).
    op.create_index("ix_cases_published_visibility_place", "cases",
                    ["published_at", "visibility", "city", "country"])
    op.create_index("ix_lessons_kind_visibility_case", "lessons", ["kind", "visibility", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_lessons_kind_visibility_case", "lessons")
    op.drop_index("ix_cases_published_visibility_place", "cases")
    op.drop_index("ix_cases_copied_from", "cases")
