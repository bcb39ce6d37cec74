"""Outgoing mail over SMTP: the only module that knows smtplib and the shape of a message.

`CASEBOOK_SMTP_URL` says where mail goes: `smtp://host:port`, `smtp+starttls://user:pass@host:port`
or `smtps://user:pass@host:port`. Unset, nothing is sent: mail stays in the outbox (and members
read it in their inbox).
"""
from __future__ import annotations

import email.policy
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": (25, "plain"), "smtp+starttls": (587, "starttls"), "smtps": (465, "tls")}
TIMEOUT_SECONDS = 10.0  # a mail server that does not answer must not hold a command for minutes


class MailError(Exception):
    """The mail could not be handed to the SMTP server; it stays in the outbox."""


class BadSmtpUrl(ValueError):
    pass


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain | starttls | tls
    username: str | None = None
    password: str | None = None

    @property
    def label(self) -> str:
        """Where mail goes, for logs and messages: never the password."""
        return f"{self.security} {self.host}:{self.port}"


def parse_url(url: str) -> SmtpServer:
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise BadSmtpUrl(f"CASEBOOK_SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)} "
                         f"(got {parts.scheme or 'no scheme'})")
    if not parts.hostname:
        raise BadSmtpUrl("CASEBOOK_SMTP_URL names no host")
    default_port, security = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise BadSmtpUrl("CASEBOOK_SMTP_URL has a port that is not a number") from None
    return SmtpServer(parts.hostname, port, security,
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    sender: str
    sender_name: str = "Casebook"
    headers: tuple[tuple[str, str], ...] = ()
    reference: str = ""  # ours, for the Message-ID: a retried mail keeps its id


# Header lines may be long (RFC 5322 allows 998): a List-Unsubscribe address folded into an
# encoded word is no longer an address any mail program recognises.
_POLICY = email.policy.SMTP.clone(max_line_length=998)


def message(mail: Mail) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = formataddr((mail.sender_name, mail.sender))
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = mail.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(idstring=mail.reference or None, domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # out-of-office replies stay away
    for name, value in mail.headers:
        msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


class Connection:
    """One SMTP session for several mails; opened on first use, closed with `with`."""

    def __init__(self, server: SmtpServer):
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _open(self) -> smtplib.SMTP:
        s = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
            if s.security == "starttls":
                smtp.starttls(context=context)
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, mail: Mail) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._open()
            self._smtp.send_message(message(mail))
        except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
            self._smtp = None  # a broken session is not reused
            raise MailError(f"{type(error).__name__}: {error}"[:400]) from error
