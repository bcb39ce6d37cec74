"""A member's own account by mail: a forgotten password, a new address, which mails they get.

Links in these mails are signed (itsdangerous) instead of stored: a reset link carries a
fingerprint of the member's password and session, so using it once (a new password) or signing
out everywhere makes it stop working; it also expires after an hour.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .. import db
from ..models import Member
from ..policy import ANONYMOUS, acting_as
from . import members, outbox
from .unit_of_work import unit_of_work

RESET_SECONDS = 3600
ADDRESS_SECONDS = 24 * 3600


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"casebook-{purpose}")


def _fingerprint(member: Member) -> str:
    """Changes when the password or the sessions change: an old link then stops working."""
    return hashlib.sha256(f"{member.password_hash}|{member.session_version}|{member.email}".encode()).hexdigest()[:20]


# --- a forgotten password ----------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active member; otherwise do nothing.

    The caller answers the same either way: nobody learns which addresses are members.
    """
    member = members.member_by_email(email)
    if member is None or not member.is_active:
        return
    token = _signer("reset").dumps([member.id, _fingerprint(member)])
    with unit_of_work(ANONYMOUS) as uow:
        outbox.queue(uow, member, "account", "password_reset",
                     reset_url=outbox.link("auth.reset_password", token=token))


def member_for_reset(token: str) -> Member | None:
    """The member this reset link is for, while it is unused, unexpired and theirs."""
    try:
        member_id, fingerprint = _signer("reset").loads(token, max_age=RESET_SECONDS)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    member = db.session().get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or not member.is_active or fingerprint != _fingerprint(member):
        return None
    return member


def reset_password(token: str, new: str) -> Member:
    member = member_for_reset(token)
    if member is None:
        raise members.MemberError(_("This link has been used or has expired. Ask for a new one."))
    if problem := members.password_problem(new, member.email):
        raise members.MemberError(problem)
    with unit_of_work(acting_as(member)):
        member.password_hash = members.password_hash(new)
        members.end_all_sessions(member)  # whoever knew the old password is signed out everywhere
    return member


# --- a new address -----------------------------------------------------------------------------

def request_address_change(member: Member, new_email: str, password: str) -> str:
    """Mail a confirmation link to the new address; the address changes only when it is followed."""
    new_email = members.normalise_email(new_email)
    if not members.check_password(member, password):
        raise members.MemberError(_("Your current password is not right."))
    if not members.EMAIL_RE.match(new_email):
        raise members.MemberError(_("That is not an email address."))
    if new_email == member.email:
        raise members.MemberError(_("That is already your address."))
    token = _signer("address").dumps([member.id, member.email, new_email])
    with unit_of_work(acting_as(member)) as uow:
        # Said the same whether or not another member has it: checked again when confirmed.
        outbox.queue_to_address(uow, new_email, outbox.language_of(member), "address_confirm",
                                new_email=new_email,
                                confirm_url=outbox.link("profile.confirm_address", token=token))
    return new_email


def confirm_address_change(token: str) -> Member:
    try:
        member_id, old_email, new_email = _signer("address").loads(token, max_age=ADDRESS_SECONDS)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        raise members.MemberError(_("This link has been used or has expired. Ask for a new one.")) from None
    member = db.session().get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or not member.is_active or member.email != old_email:
        raise members.MemberError(_("This link has been used or has expired. Ask for a new one."))
    taken = db.session().scalar(select(Member.id).where(func.lower(Member.email) == new_email))
    if taken is not None:
        raise members.MemberError(_("Another member already uses this address."))
    with unit_of_work(acting_as(member)) as uow:
        member.email = new_email
        # The old address hears of it: a stolen session cannot quietly take the account over.
        outbox.queue_to_address(uow, old_email, outbox.language_of(member), "address_changed", new_email=new_email)
    return member


# --- which mails, in which language --------------------------------------------------------------

def set_mail_choices(member: Member, language: str | None, wanted: dict[str, bool]) -> None:
    if language not in current_app.config["LANGUAGES"]:
        language = None
    choices = {kind: bool(wanted.get(kind)) for kind in outbox.CHOICES}
    with unit_of_work(acting_as(member)):
        member.language = language
        member.mail_choices = choices


def use_language(member: Member, language: str) -> None:
    """The member switched the site's language: their mails come in it too (until they switch again)."""
    if language in current_app.config["LANGUAGES"] and member.language != language:
        with unit_of_work(acting_as(member)):
            member.language = language


def unsubscribe(token: str) -> tuple[Member, str] | None:
    """Turn one kind of mail off for the member the signed link names; (member, kind), or None."""
    found = member_for_unsubscribe(token)
    if found is None:
        return None
    member, kind = found
    if member.wants_mail(kind):
        with unit_of_work(acting_as(member)):
            member.mail_choices = {**(member.mail_choices or {}), kind: False}
    return member, kind


def member_for_unsubscribe(token: str) -> tuple[Member, str] | None:
    read = outbox.read_unsubscribe_token(token)
    member = db.session().get(Member, read[0]) if read else None
    return (member, read[1]) if member is not None and read is not None else None
