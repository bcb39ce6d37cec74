"""Members: creating them, checking passwords, ending their sessions, and admins managing them."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import db
from ..errors import Invalid
from ..models import ApiToken, Case, Conversation, Invitation, Member, utcnow
from ..policy import SYSTEM, Actor, acting_as, can, require
from .unit_of_work import unit_of_work

ROLES = ("member", "moderator", "admin")
MIN_PASSWORD_LENGTH = 12
MAX_NAME_LENGTH = 120
MAX_ORGANISATION_LENGTH = 200
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


def password_hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH"])


def check_password(member: Member, password: str) -> bool:
    return check_password_hash(member.password_hash, password or "")


@cache
def _dummy_hash(method: str) -> str:
    """Compared against when the email is unknown, so a wrong email takes as long as a wrong password."""
    return generate_password_hash("not-a-real-password-0000", method=method)


class MemberError(Invalid):
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
        return _("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return _("This password is too common. Choose another.")
    local = normalise_email(email).split("@")[0]
    if local and len(local) >= 4 and local in lowered:
        return _("Do not use your email address in your password.")
    return None


def _who(name: str, organisation: str) -> tuple[str, str]:
    """Name and organisation as stored: trimmed, within their lengths."""
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise MemberError(_("Use at most %(n)s characters for the name.", n=MAX_NAME_LENGTH))
    if len(organisation) > MAX_ORGANISATION_LENGTH:
        raise MemberError(_("Use at most %(n)s characters for the organisation.", n=MAX_ORGANISATION_LENGTH))
    return name, organisation


def create_member(email: str, password: str, role: str = "member", *, name: str = "",
                  organisation: str = "", actor: Actor = SYSTEM) -> Member:
    """A new member. Only the command line (or an accepted invitation) creates members."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise MemberError(_("That is not an email address."))
    if role not in ROLES:
        raise MemberError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    if problem := password_problem(password, email):
        raise MemberError(problem)
    name, organisation = _who(name, organisation)
    with unit_of_work(actor) as uow:
        if uow.session.scalar(select(Member).where(func.lower(Member.email) == email)):
            raise MemberError(_("A member with this email address already exists."))
        member = Member(email=email, password_hash=password_hash(password),
                        role=role, name=name, organisation=organisation, session_version=1, created_at=utcnow())
        uow.session.add(member)
        if actor.system:
            uow.session.flush()
            uow.audit("member.create", "member", member.id, email, role)
    return member


def authenticate(email: str, password: str, language: str | None = None) -> Member | None:
    """The member with this email and password, or None (without telling which was wrong).

    `language`: the UI language they sign in with; their mails come in it until they choose one.
    """
    member = db.session().scalar(select(Member).where(Member.email == normalise_email(email)))
    if member is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH"]), password or "")
        return None
    # A disabled member gets the same answer as a wrong password, after the same work.
    if not check_password_hash(member.password_hash, password or "") or not member.is_active:
        return None
    with unit_of_work(acting_as(member)):
        member.last_login_at = utcnow()
        if member.language is None and language in current_app.config["LANGUAGES"]:
            member.language = language
    return member


def get_member(member_id: int) -> Member | None:
    return db.session().get(Member, member_id)


def update_profile(member: Member, name: str, organisation: str) -> None:
    """A member's own name and organisation, as others see them."""
    name, organisation = _who(name, organisation)
    if not name:
        raise MemberError(_("Please give your name."))
    if (member.name, member.organisation) == (name, organisation):
        return
    with unit_of_work(acting_as(member)) as uow:
        member.name, member.organisation = name, organisation
        # Named cases are found by their contributor's name: search must learn the new one.
        named = uow.session.scalars(select(Case.slug).where(Case.author_id == member.id, Case.attribution == "named",
                                                            Case.published_at.is_not(None)))
        for slug in named:
            uow.search_must_look_at(slug)


def end_all_sessions(member: Member) -> None:
    """Every session and remember-me cookie of this member stops working."""
    with unit_of_work(acting_as(member)):
        member.session_version += 1


def change_password(member: Member, current: str, new: str) -> None:
    if not check_password_hash(member.password_hash, current or ""):
        raise MemberError(_("Your current password is not right."))
    if problem := password_problem(new, member.email):
        raise MemberError(problem)
    with unit_of_work(acting_as(member)):
        member.password_hash = password_hash(new)
        end_all_sessions(member)


# --- invitations -------------------------------------------------------------------------
INVITATION_DAYS = 14


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitable_roles(actor: Actor) -> tuple[str, ...]:
    """The roles this actor may give in an invitation (none: they may not invite)."""
    return tuple(role for role in ROLES if can(actor, "member.invite", role))


def invite(actor: Actor, email: str, role: str) -> str:
    """Create an invitation and return its secret token (shown once, stored hashed)."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise MemberError(_("That is not an email address."))
    if role not in ROLES:
        raise MemberError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    if not can(actor, "member.invite", role):
        raise MemberError(_("You may not invite someone with that role."))
    with unit_of_work(actor) as uow:
        if uow.session.scalar(select(Member).where(Member.email == email)):
            raise MemberError(_("A member with this email address already exists."))
        token = secrets.token_urlsafe(32)
        now = utcnow()
        invitation = Invitation(email=email, role=role, token_hash=_token_hash(token),
                                invited_by_id=actor.acting.id if actor.acting else None, created_at=now,
                                expires_at=now + timedelta(days=INVITATION_DAYS))
        uow.session.add(invitation)
        uow.session.flush()
        uow.audit("invitation.create", "invitation", invitation.id, email, role)
    return token


def _is_open(invitation: Invitation) -> bool:
    if invitation.used_at is not None:
        return False
    expires = invitation.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive datetimes
        expires = expires.replace(tzinfo=UTC)
    return expires > utcnow()


def open_invitation(token: str) -> Invitation | None:
    """The invitation behind this token if it can still be used, else None."""
    invitation = db.session().scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    return invitation if invitation is not None and _is_open(invitation) else None


def accept_invitation(token: str, password: str, name: str = "", organisation: str = "") -> Member:
    invitation = open_invitation(token)
    if invitation is None:
        raise MemberError(_("This invitation has expired or was already used."))
    if not (name or "").strip():
        raise MemberError(_("Please give your name."))
    with unit_of_work(Actor()):  # one transaction: a member is created exactly when the link is used up
        member = create_member(invitation.email, password, invitation.role, name=name, organisation=organisation,
                               actor=Actor())
        invitation.used_at = utcnow()
    return member


# --- personal API tokens --------------------------------------------------------------------
TOKEN_PREFIX = "cb_"


def create_token(member: Member, name: str) -> str:
    """A new token for this member, returned once; only its hash is stored."""
    name = (name or "").strip()[:80] or "API token"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(acting_as(member)) as uow:
        uow.session.add(ApiToken(member_id=member.id, name=name, token_hash=_token_hash(token), created_at=utcnow()))
    return token


def member_for_token(token: str) -> Member | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    found = db.session().scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                                                       ApiToken.revoked_at.is_(None)))
    if found is None:
        return None
    member = get_member(found.member_id)
    if member is None or not member.is_active:
        return None
    with unit_of_work(acting_as(member)):
        found.last_used_at = utcnow()
    return member


def tokens_of(member: Member) -> list[ApiToken]:
    return list(db.session().scalars(select(ApiToken).where(ApiToken.member_id == member.id,
                                                            ApiToken.revoked_at.is_(None))
                                     .order_by(ApiToken.created_at.desc())))


def revoke_token(member: Member, token_id: int) -> bool:
    """Revoke one of this member's own tokens; False when there is no such token of theirs."""
    token = db.session().scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.member_id == member.id,
                                                       ApiToken.revoked_at.is_(None)))
    if token is None:
        return False
    with unit_of_work(acting_as(member)):
        token.revoked_at = utcnow()
    return True


def member_by_email(email: str) -> Member | None:
    return db.session().scalar(select(Member).where(Member.email == normalise_email(email)))


# --- administration: admins manage members ------------------------------------------------


def _check_admin(actor: Actor) -> None:
    if not can(actor, "members.manage"):
        raise MemberError(_("Only an admin may manage members."))


def all_members(actor: Actor) -> list[Member]:
    """Every member by the name others see, so an admin finds people where they expect them."""
    require(actor, "members.manage")
    return sorted(db.session().scalars(select(Member)), key=lambda m: (m.display_name.lower(), m.email))


def open_invitations(actor: Actor) -> list[tuple[Invitation, Member | None]]:
    """Invitations whose link still works, newest first, each with who sent it (None: the command line)."""
    require(actor, "members.manage")
    pending = db.session().execute(select(Invitation, Member).outerjoin(Member, Member.id == Invitation.invited_by_id)
                                   .where(Invitation.used_at.is_(None)).order_by(Invitation.created_at.desc()))
    return [(invitation, inviter) for invitation, inviter in pending if _is_open(invitation)]


def get_invitation(invitation_id: int) -> Invitation | None:
    invitation = db.session().get(Invitation, invitation_id)
    return invitation if invitation is not None and _is_open(invitation) else None


def _keep_an_admin(target: Member) -> None:
    """Refuse when `target` is the only active admin left: someone must be able to manage members."""
    # Locking every active admin row makes two admins who demote each other at once take turns,
    # so the second one sees the first one's change (PostgreSQL; SQLite has one writer anyway).
    admins = db.session().scalars(select(Member.id).where(Member.role == "admin", Member.disabled_at.is_(None))
                                  .order_by(Member.id).with_for_update()).all()
    if admins == [target.id]:
        raise MemberError(_("This is the last active admin. Make another member admin first."))


def change_role(actor: Actor, target: Member, role: str) -> None:
    _check_admin(actor)
    if role not in ROLES:
        raise MemberError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    with unit_of_work(actor) as uow:
        if target.role == "admin" and role != "admin":
            if actor.is_(target):
                raise MemberError(_("You cannot take away your own admin role. Ask another admin."))
            _keep_an_admin(target)
        if target.role != role:
            uow.audit("member.role", "member", target.id, target.email, f"{target.role} -> {role}")
            target.role = role


def disable_member(actor: Actor, target: Member) -> None:
    """The member can no longer sign in; their sessions and API tokens stop working at once."""
    _check_admin(actor)
    if actor.is_(target):
        raise MemberError(_("You cannot disable yourself. Ask another admin."))
    if not target.is_active:
        raise MemberError(_("This member is already disabled."))
    with unit_of_work(actor) as uow:
        if target.role == "admin":
            _keep_an_admin(target)
        now = utcnow()
        target.disabled_at = now
        # Revoked, not just refused: re-enabling a member must not revive a script someone left behind.
        for token in tokens_of(target):
            token.revoked_at = now
        target.session_version += 1  # every session and remember-me cookie ends
        # Introductions to them would wait for an answer that never comes: the moderators take them over.
        uow.session.execute(update(Conversation).where(Conversation.contributor_id == target.id)
                            .values(contributor_id=None))
        uow.audit("member.disable", "member", target.id, target.email)


def enable_member(actor: Actor, target: Member) -> None:
    _check_admin(actor)
    if target.is_active:
        raise MemberError(_("This member is not disabled."))
    with unit_of_work(actor) as uow:
        target.disabled_at = None
        uow.audit("member.enable", "member", target.id, target.email)


def revoke_invitation(actor: Actor, invitation: Invitation) -> None:
    """The invitation link stops working; the person can be invited again."""
    _check_admin(actor)
    with unit_of_work(actor) as uow:
        uow.audit("invitation.revoke", "invitation", invitation.id, invitation.email, invitation.role)
        uow.session.delete(invitation)
