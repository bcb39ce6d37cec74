"""Members: creating them, checking passwords, and ending their sessions."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import db
from ..models import Member, utcnow

ROLES = ("member", "moderator", "admin")
MIN_PASSWORD_LENGTH = 12
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
# Compared against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000", method="scrypt")


class MemberError(ValueError):
    """A reason shown to the person who typed it."""


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return "This password is too common. Choose another."
    local = normalise_email(email).split("@")[0]
    if local and len(local) >= 4 and local in lowered:
        return "Do not use your email address in your password."
    return None


def create_member(email: str, password: str, role: str = "member") -> Member:
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise MemberError("That is not an email address.")
    if role not in ROLES:
        raise MemberError(f"Role must be one of {', '.join(ROLES)}.")
    if problem := password_problem(password, email):
        raise MemberError(problem)
    session = db.session()
    if session.scalar(select(Member).where(func.lower(Member.email) == email)):
        raise MemberError("A member with this email address already exists.")
    member = Member(email=email, password_hash=generate_password_hash(password, method="scrypt"),
                    role=role, session_version=1, created_at=utcnow())
    session.add(member)
    session.commit()
    return member


def authenticate(email: str, password: str) -> Member | None:
    """The member with this email and password, or None (without telling which was wrong)."""
    member = db.session().scalar(select(Member).where(Member.email == normalise_email(email)))
    if member is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(member.password_hash, password or ""):
        return None
    member.last_login_at = utcnow()
    db.session().commit()
    return member


def get_member(member_id: int) -> Member | None:
    return db.session().get(Member, member_id)


def end_all_sessions(member: Member) -> None:
    """Every session and remember-me cookie of this member stops working."""
    member.session_version += 1
    db.session().commit()


def change_password(member: Member, current: str, new: str) -> None:
    if not check_password_hash(member.password_hash, current or ""):
        raise MemberError("Your current password is not right.")
    if problem := password_problem(new, member.email):
        raise MemberError(problem)
    member.password_hash = generate_password_hash(new, method="scrypt")
    end_all_sessions(member)
