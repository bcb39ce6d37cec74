"""Mail to members: written to the outbox in the deed's transaction, sent after the commit.

`queue()` renders a mail in its recipient's language from `templates/mail/<name>.txt` and
`.html` (each sets `subject`), adds it to the unit of work's transaction and asks the unit to
send it once committed. A send that fails leaves the mail in the outbox, with a later time to
try again: `send()` (run by `send-follow-ups` and `send-alerts`) picks it up. Nothing is ever
sent twice by two workers: a mail is claimed with a conditional update before it is sent.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from .. import db, mail
from ..models import Member, OutboxMail, utcnow

if TYPE_CHECKING:
    from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# The mails a member can turn off on /profile; "account" mail (password reset, address change) cannot.
CHOICES = ("introductions", "follow_ups", "alerts")
KINDS = (*CHOICES, "account")
CLAIM = timedelta(minutes=5)  # a worker that claimed a mail and died gives it back after this
MAX_ATTEMPTS = 12
_UNSUBSCRIBE_SALT = "casebook-unsubscribe"


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# --- links in mail -------------------------------------------------------------------------------

@contextmanager
def _url_context() -> Iterator[None]:
    """url_for works in a command too (no request there)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/"):
        yield


def link(endpoint: str, **values: Any) -> str:
    """An address for a mail: always the site's public one (CASEBOOK_BASE_URL), never the request's host."""
    with _url_context():
        path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + path


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(member: Member, kind: str) -> str:
    return unsubscribe_token_for(member.id, kind)


def unsubscribe_token_for(member_id: int, kind: str) -> str:
    return _serializer().dumps([member_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        member_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(member_id, int) or kind not in CHOICES:
        return None
    return member_id, kind


# --- writing mail --------------------------------------------------------------------------------

def language_of(member: Member) -> str:
    if member.language and member.language in current_app.config["LANGUAGES"]:
        return member.language
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def compose(member: Member, kind: str, template: str, **context: object) -> OutboxMail | None:
    """The mail rendered in the member's language; None when they turned this kind off or were disabled
    (a disabled member is no longer one: nothing of the exchange reaches them)."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    if kind in CHOICES and (not member.is_active or not member.wants_mail(kind)):
        return None
    language = language_of(member)
    unsubscribe = link("mailprefs.unsubscribe", token=unsubscribe_token(member, kind)) if kind in CHOICES else None
    context = {**context, "member": member, "link": link, "unsubscribe": unsubscribe, "kind": kind}
    with _url_context(), force_locale(language):
        # Rendered once: the module is the text part, and holds the subject the template sets.
        full = dict(context)
        current_app.update_template_context(full)
        module = current_app.jinja_env.get_template(f"mail/{template}.txt").make_module(full)
        subject = " ".join(str(getattr(module, "subject", "Casebook")).split())
        text = str(module).strip() + "\n"
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    return OutboxMail(member_id=member.id, to_address=member.email, kind=kind, language=language,
                      subject=subject[:300], text=text, html=html, created_at=utcnow(), attempts=0)


def queue(uow: UnitOfWork, member: Member, kind: str, template: str, **context: object) -> OutboxMail | None:
    """Write the mail in this unit's transaction; it is sent once the unit has committed."""
    outgoing = compose(member, kind, template, **context)
    if outgoing is None:
        return None
    uow.session.add(outgoing)
    uow.mail_added(outgoing)
    return outgoing


def queue_to_address(uow: UnitOfWork, address: str, language: str, template: str, reply_to: str | None = None,
                     **context: object) -> OutboxMail:
    """Mail to an address that is not (yet) a member's: a new address to confirm, a case's contact.

    `reply_to`: where an answer should go when it is not the sender address (a moderator's).
    """
    stand_in = Member(id=None, email=address, language=language, mail_choices={})
    outgoing = compose(stand_in, "account", template, **context)
    assert outgoing is not None  # account mail is never turned off
    outgoing.member_id = None
    outgoing.reply_to = reply_to
    uow.session.add(outgoing)
    uow.mail_added(outgoing)
    return outgoing


# --- sending -------------------------------------------------------------------------------------

def server() -> mail.SmtpServer | None:
    url = current_app.config.get("SMTP_URL")
    return mail.parse_url(url) if url else None


def _claim(session: Session, mail_id: int, now: datetime) -> OutboxMail | None:
    """Take this mail for sending, unless it was sent or another worker holds it."""
    claimed = cast(CursorResult, session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
               or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now))
        .values(next_attempt_at=now + CLAIM)
    )).rowcount
    session.commit()
    return session.get(OutboxMail, mail_id) if claimed else None


def _as_mail(row: OutboxMail) -> mail.Mail:
    headers: list[tuple[str, str]] = []
    if row.kind in CHOICES and row.member_id is not None:
        url = link("mailprefs.unsubscribe", token=unsubscribe_token_for(row.member_id, row.kind))
        # RFC 8058: mail programs offer their own one-click "unsubscribe" button.
        headers += [("List-Unsubscribe", f"<{url}>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    if row.reply_to:
        headers.append(("Reply-To", row.reply_to))
    return mail.Mail(to=row.to_address, subject=row.subject, text=row.text, html=row.html,
                     sender=current_app.config["MAIL_FROM"], headers=tuple(headers), reference=f"casebook.{row.id}")


def send(mail_ids: Iterable[int] | None = None, limit: int = 500) -> tuple[int, int]:
    """Send these mails (or every one that is due); (sent, failed). Without an SMTP server: (0, 0)."""
    smtp = server()
    if smtp is None:
        return 0, 0
    sent = failed = 0
    with db.fresh_session() as session:
        now = utcnow()
        if mail_ids is None:
            mail_ids = session.scalars(
                select(OutboxMail.id)
                .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS,
                       or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now))
                .order_by(OutboxMail.id).limit(limit)
            ).all()
        with mail.Connection(smtp) as connection:
            for mail_id in mail_ids:
                # Claimed from the moment it is taken, not from the start of a run that may be long.
                row = _claim(session, mail_id, utcnow())
                if row is None:
                    continue
                try:
                    connection.send(_as_mail(row))
                except mail.MailError as error:
                    row.attempts += 1
                    row.last_error = str(error)[:500]
                    row.next_attempt_at = utcnow() + _backoff(row.attempts)
                    failed += 1
                    log.warning("mail %s to member %s not sent (%s, try %s); it stays in the outbox",
                                row.id, row.member_id, smtp.label, row.attempts)
                else:
                    row.attempts += 1
                    row.sent_at = utcnow()
                    row.last_error = None
                    sent += 1
                session.commit()
    return sent, failed


def deliver_after_commit(app: Flask, mail_ids: list[int]) -> None:
    """Called by the unit of work after its commit: send now, without keeping the request waiting."""
    if not mail_ids or not app.config.get("SMTP_URL"):
        return
    # A command sends before it exits (a thread could die halfway and send a mail twice later);
    # only a request hands the sending to a thread.
    if app.config.get("MAIL_DELIVERY") == "inline" or not has_request_context():
        send(mail_ids)
        return

    def _work() -> None:
        with app.app_context():
            try:
                send(mail_ids)
            except Exception:  # the mails stay in the outbox; the commands try again
                log.exception("sending %s mails after a commit failed", len(mail_ids))

    threading.Thread(target=_work, name="casebook-mail", daemon=True).start()


def unsent_count() -> int:
    """Mail still to be tried (mail that failed MAX_ATTEMPTS times is kept, but counted by `given_up_count`)."""
    return db.session().scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)) or 0


def given_up_count() -> int:
    return db.session().scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.sent_at.is_(None), OutboxMail.attempts >= MAX_ATTEMPTS)) or 0
