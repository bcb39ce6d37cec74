"""The content model: the source of truth that the search indexes are derived from."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Case(Base):
    """A case study: what a city or organisation did, and the lessons it learned."""

    __tablename__ = "cases"

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
    status: Mapped[Optional[str]] = mapped_column(String(12))
    year: Mapped[Optional[int]] = mapped_column(Integer)
    copied_from: Mapped[Optional[str]] = mapped_column(String(120))
    contact: Mapped[Optional[str]] = mapped_column(String(300))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    sdg_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    # None until a moderator approves it (imported cases are published at once).
    published_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # draft -> submitted -> published, or submitted -> returned (with a note) -> submitted ...
    review_state: Mapped[str] = mapped_column(String(12), default="published")
    review_note: Mapped[Optional[str]] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="case",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Case {self.slug!r} {self.visibility}>"


class Lesson(Base):
    """Something that went well or went badly, with its own visibility."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12))  # went_well | went_badly
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="public")

    case: Mapped[Case] = relationship(back_populates="lessons")

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
    # Bumped on logout and password change: every older session and remember-me cookie dies.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

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
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

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
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of member {self.member_id}>"
