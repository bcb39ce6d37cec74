"""The content model: the source of truth that the search indexes are derived from."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """A time from the database with its time zone: SQLite hands back naive datetimes (in UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class Case(Base):
    """A case study: what a city or organisation did, and the lessons it learned."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_published_visibility_place", "published_at", "visibility", "city", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(120), index=True)
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(2))
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    attribution: Mapped[str] = mapped_column(String(10), default="named")
    status: Mapped[str | None] = mapped_column(String(12))
    year: Mapped[int | None] = mapped_column(Integer)
    copied_from: Mapped[str | None] = mapped_column(String(120), index=True)
    contact: Mapped[str | None] = mapped_column(String(300))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    sdg_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    # As in the case file: a web address, or {"url": ..., "title": ...} (app/sources.py).
    sources: Mapped[list[str | dict[str, str]]] = mapped_column(JSON, default=list)
    # "Copy this": {needs, costs, duration_months, roles, pitfalls} as in the case file; None if none.
    transfer: Mapped[dict | None] = mapped_column(JSON)
    # When the contributor last said the case is still as told (a follow-up answered, or an edit).
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None until a moderator approves it (imported cases are published at once).
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # draft -> submitted -> published, or submitted -> returned (with a note) -> submitted ...
    review_state: Mapped[str] = mapped_column(String(12), default="published")
    review_note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped on every save: an edit made on an older version is a conflict, never an overwrite.
    version: Mapped[int] = mapped_column(Integer, default=1)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="case",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
    )
    author: Mapped[Member | None] = relationship(foreign_keys=[author_id], lazy="joined")

    # SQLAlchemy adds "AND version = :old" to every UPDATE: two saves racing cannot both win.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Case {self.slug!r} {self.visibility}>"


class Lesson(Base):
    """Something that went well or went badly, with its own visibility."""

    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_kind_visibility_case", "kind", "visibility", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12))  # went_well | went_badly
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    # Set when another member added it ("we tried this too") under their name; None otherwise.
    contributor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship(back_populates="lessons")
    contributor: Mapped[Member | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Lesson {self.kind} {self.visibility} of case {self.case_id}>"


class IndexChange(Base):
    """One change that alters what search shows, written in the same transaction as the change.

    The indexes remember the id of the last row they applied; rows after it are pending.
    """

    __tablename__ = "index_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(120), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<IndexChange {self.id} {self.slug!r}>"


class Member(Base):
    """An alliance member who can sign in. Roles: member, moderator, admin."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12), default="member")
    name: Mapped[str] = mapped_column(String(120), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # A disabled member cannot sign in and their tokens stop working; their cases stay.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on logout and password change: every older session and remember-me cookie dies.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language of their mails (None: the site's default) and which mails they get.
    language: Mapped[str | None] = mapped_column(String(2))
    # {"introductions": bool, "follow_ups": bool, "alerts": bool}; a missing kind is on.
    mail_choices: Mapped[dict] = mapped_column(JSON, default=dict)

    def wants_mail(self, kind: str) -> bool:
        return bool((self.mail_choices or {}).get(kind, True))

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.role}>"


class Invitation(Base):
    """An invitation to become a member: a link that works once, for 14 days."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(12), default="member")
    # Only a hash is stored: a database leak does not hand out working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.role}>"


class ApiToken(Base):
    """A member's personal API token. Only its hash is kept; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of member {self.member_id}>"


class CaseRevision(Base):
    """One published version of a case, kept for comparing and restoring.

    `content` is the case as a `cases/` file, so a revision restores exactly what was published.
    """

    __tablename__ = "case_revisions"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_case_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # published | edited | imported | restored | lesson_added | copied_from
    action: Mapped[str] = mapped_column(String(20))
    restored_from: Mapped[int | None] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content: Mapped[str] = mapped_column(Text)

    editor: Mapped[Member | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseRevision {self.number} of case {self.case_id}>"


class Proposal(Base):
    """A member's addition to a case that goes through review.

    kind "lesson": "we tried this too", a lesson for someone else's case.
    kind "copied_from": the member's case copied another case (`copied_from` is its slug).
    """

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    lesson_kind: Mapped[str | None] = mapped_column(String(12))
    text: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="members")
    attribution: Mapped[str] = mapped_column(String(10), default="named")
    copied_from: Mapped[str | None] = mapped_column(String(120), index=True)
    # submitted -> approved | returned
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case] = relationship(lazy="joined")
    author: Mapped[Member] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.kind} {self.state}>"


class AuditEntry(Base):
    """What a moderator or admin did (approve, send back, restore, delete, import, roles, invitations).

    Written in the same transaction as the deed. Labels are copies, so an entry still reads
    right after the member or the case is gone.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # None for the command line, which acts with the server's own authority.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Member | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"


class OutboxMail(Base):
    """A mail, written in the transaction of the deed that caused it and sent after the commit.

    Nothing is lost when the SMTP server is away: an unsent mail stays here and the commands
    `send-follow-ups` and `send-alerts` try again. Without an SMTP server mail is kept here only.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))  # introductions | follow_ups | alerts | account
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    reply_to: Mapped[str | None] = mapped_column(String(254))  # answers go here, not to the sender address

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.kind} sent={self.sent_at is not None}>"


class Conversation(Base):
    """An introduction a member asked for, and the conversation that follows it.

    The other side is the case's contributor, or (for a case without one) the moderators, who
    pass it on to the case's contact. An anonymous contributor stays "the contributor" to the
    asker until they sign a message with their name.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    case_title: Mapped[str] = mapped_column(String(300))  # kept when the case goes
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # None: the moderators answer for the case.
    contributor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    asker_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    contributor_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When a moderator passed it on to the case's contact.
    passed_on_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case | None] = relationship(lazy="joined")
    asker: Mapped[Member] = relationship(foreign_keys=[asker_id], lazy="joined")
    contributor: Mapped[Member | None] = relationship(foreign_keys=[contributor_id], lazy="joined")
    messages: Mapped[list[Message]] = relationship(back_populates="conversation", order_by="Message.id",
                                                   cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Conversation {self.id} on case {self.case_id}>"


class Message(Base):
    """One message in a conversation. `signed`: the contributor let the asker see their name."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    # asker | contributor | moderators
    side: Mapped[str] = mapped_column(String(12))
    signed: Mapped[bool] = mapped_column(Boolean, default=True)
    body: Mapped[str] = mapped_column(Text)
    # Sent while the other side had blocked the sender: kept for the sender, never shown or mailed to them.
    withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    sender: Mapped[Member | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.side}>"


class Block(Base):
    """A member who no longer wants introductions or messages from another.

    One row per conversation it was made in: blocking "the contributor" and, elsewhere, the same
    person by name are two rows, so neither the button nor the list ties the two together.
    """

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("member_id", "blocked_id", "conversation_id", name="uq_blocks_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # The conversation it was made from: the block list names the other side only as they appeared there.
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Report(Base):
    """A message a member reported to the moderators."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    message: Mapped[Message] = relationship(lazy="joined")
    reporter: Mapped[Member | None] = relationship(foreign_keys=[reporter_id], lazy="joined")


class FollowUp(Base):
    """One "how is it going now?" prompt: one per case and period, never two."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("case_id", "period", name="uq_follow_ups_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    period: Mapped[int] = mapped_column(Integer)  # 1 = the first CASEBOOK_FOLLOW_UP_DAYS after publishing
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    prompted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case] = relationship(lazy="joined")


class CaseUpdate(Base):
    """A contributor's answer to "how is it going now?": reviewed, then shown on the case, dated."""

    __tablename__ = "case_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id", ondelete="SET NULL"))
    status: Mapped[str | None] = mapped_column(String(12))  # the case's new status, if it changed
    text: Mapped[str] = mapped_column(Text, default="")  # what happened since
    lesson_kind: Mapped[str | None] = mapped_column(String(12))
    lesson_text: Mapped[str | None] = mapped_column(Text)
    lesson_visibility: Mapped[str] = mapped_column(String(10), default="members")
    story_addition: Mapped[str | None] = mapped_column(Text)  # appended to the story when approved
    # submitted -> approved | returned
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    case: Mapped[Case] = relationship(lazy="joined")
    author: Mapped[Member | None] = relationship(lazy="joined")


class SavedSearch(Base):
    """A member's search (words and filters) that mails a digest of what is new."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(300), default="")
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # facet -> [values]
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")  # daily | weekly
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # New since this moment goes into the next digest.
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    member: Mapped[Member] = relationship(lazy="joined")


class Meeting(Base):
    """One of the alliance's twice-yearly gatherings."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # public
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_visibility: Mapped[str] = mapped_column(String(10), default="members")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[MeetingItem]] = relationship(back_populates="meeting", order_by="MeetingItem.position",
                                                    cascade="all, delete-orphan")


class MeetingItem(Base):
    """A point of a meeting's programme, usually a case presented. Chatham House: the speaker is
    named only when they agreed."""

    __tablename__ = "meeting_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    # A deleted case takes its programme item along: the item's title is often the case's own,
    # and a members-only case's title must not stay behind on a public page.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    speaker: Mapped[str] = mapped_column(String(200), default="")
    speaker_agreed: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case | None] = relationship(lazy="joined")
