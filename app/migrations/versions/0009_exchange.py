"""The exchange: outbox mail, introductions and their conversations, blocks and reports,
follow-ups and case updates, saved searches, meetings, the "copy this" guide.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _member(name: str, ondelete: str = "SET NULL", nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("members.id", ondelete=ondelete), nullable=nullable,
                     index=True)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("transfer", sa.JSON))
        batch.add_column(sa.Column("confirmed_at", TZ))
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("language", sa.String(2)))
        batch.add_column(sa.Column("mail_choices", sa.JSON, nullable=False, server_default="{}"))

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        _member("member_id", "CASCADE"),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ),
        sa.Column("last_error", sa.String(500)),
        sa.Column("reply_to", sa.String(254)),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "next_attempt_at"])

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="SET NULL"), index=True),
        sa.Column("case_title", sa.String(300), nullable=False),
        _member("asker_id", "CASCADE", nullable=False),
        _member("contributor_id", "CASCADE"),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TZ, nullable=False, index=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("asker_read_at", TZ),
        sa.Column("contributor_read_at", TZ),
        sa.Column("passed_on_at", TZ),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        _member("sender_id"),
        sa.Column("side", sa.String(12), nullable=False),
        sa.Column("signed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("withheld", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer, primary_key=True),
        _member("member_id", "CASCADE", nullable=False),
        _member("blocked_id", "CASCADE", nullable=False),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="SET NULL")),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("member_id", "blocked_id", "conversation_id", name="uq_blocks_pair"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        _member("reporter_id"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("resolved_at", TZ),
        sa.Column("resolved_by_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL")),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("period", sa.Integer, nullable=False),
        _member("member_id"),
        sa.Column("prompted_at", TZ, nullable=False),
        sa.Column("answered_at", TZ),
        sa.UniqueConstraint("case_id", "period", name="uq_follow_ups_period"),
    )
    op.create_table(
        "case_updates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
        _member("author_id"),
        sa.Column("follow_up_id", sa.Integer, sa.ForeignKey("follow_ups.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(12)),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("lesson_kind", sa.String(12)),
        sa.Column("lesson_text", sa.Text),
        sa.Column("lesson_visibility", sa.String(10), nullable=False, server_default="members"),
        sa.Column("story_addition", sa.Text),
        sa.Column("state", sa.String(12), nullable=False, server_default="submitted"),
        sa.Column("review_note", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("published_at", TZ, index=True),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True),
        _member("member_id", "CASCADE", nullable=False),
        sa.Column("query", sa.String(300), nullable=False, server_default=""),
        sa.Column("filters", sa.JSON, nullable=False, server_default="{}"),
        sa.Column("frequency", sa.String(8), nullable=False, server_default="weekly"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("checked_at", TZ, nullable=False),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False, index=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("notes_visibility", sa.String(10), nullable=False, server_default="members"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "meeting_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True),
        sa.Column("speaker", sa.String(200), nullable=False, server_default=""),
        sa.Column("speaker_agreed", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for table in ("meeting_items", "meetings", "saved_searches", "case_updates", "follow_ups", "reports",
                  "blocks", "messages", "conversations"):
        op.drop_table(table)
    op.drop_index("ix_outbox_unsent", "outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("mail_choices")
        batch.drop_column("language")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("confirmed_at")
        batch.drop_column("transfer")
