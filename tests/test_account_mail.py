"""Mail through a real SMTP server on loopback: the outbox, a forgotten password, a new address,
which mails a member gets and the link in each mail that stops them."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import db, mail
from app.models import Member, OutboxMail, utcnow
from app.policy import SYSTEM
from app.services import members, outbox
from app.services.unit_of_work import unit_of_work

from conftest import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "a completely different passphrase"


def _member(app, email="ana@example.org", **values) -> int:
    with app.app_context():
        member = members.create_member(email, PASSWORD, name="Ana de Vries")
        with unit_of_work(SYSTEM):
            for key, value in values.items():
                setattr(member, key, value)
        return member.id


def _queue(app, member_id: int, kind: str = "alerts") -> None:
    # No request here, as in a command: links in the mail still come out whole.
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        outbox.queue(uow, db.session().get(Member, member_id), kind, "address_changed", new_email="x@example.org")


def _outbox(app) -> list[OutboxMail]:
    with app.app_context():
        return list(db.session().scalars(select(OutboxMail).order_by(OutboxMail.id)))


def _link(text: str, path: str) -> str:
    return re.search(rf"https?://[^\s\"<]+{re.escape(path)}[^\s\"<]*", text).group(0)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# --- the outbox ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, "plain", None, None)),
    ("smtp+starttls://user%40org:p%3Ass@mail.example.org:587", ("mail.example.org", 587, "starttls", "user@org", "p:ss")),
    ("smtps://u:s3cret@mail.example.org", ("mail.example.org", 465, "tls", "u", "s3cret")),
])
def test_smtp_urls_name_host_port_security_and_login(url, expected):
    s = mail.parse_url(url)
    assert (s.host, s.port, s.security, s.username, s.password) == expected
    assert (s.password or "@@") not in s.label


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://host:port"])
def test_a_bad_smtp_url_is_refused_with_a_reason(url):
    with pytest.raises(mail.BadSmtpUrl, match="CASEBOOK_SMTP_URL"):
        mail.parse_url(url)


def test_without_an_smtp_server_mail_is_kept_in_the_outbox(app):
    member_id = _member(app)
    _queue(app, member_id)
    [kept] = _outbox(app)
    assert kept.sent_at is None and kept.to_address == "ana@example.org"
    with app.app_context():
        assert outbox.send() == (0, 0)


def test_mail_is_sent_after_the_commit_with_text_and_html(mail_app, smtp):
    member_id = _member(mail_app)
    _queue(mail_app, member_id)
    [received] = smtp.wait_for(1)
    assert received.recipients == ["ana@example.org"]
    assert received.message["From"] == "Casebook <casebook@example.org>"
    assert "x@example.org" in received.text and "x@example.org" in received.html
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.message["Date"]  # spam filters frown on mail without one
    [sent] = _outbox(mail_app)
    assert sent.sent_at is not None and sent.attempts == 1


def test_a_mail_the_server_refuses_stays_and_is_sent_by_a_later_run(mail_app, smtp):
    smtp.refuse = True
    member_id = _member(mail_app)
    _queue(mail_app, member_id)
    [waiting] = _outbox(mail_app)
    assert waiting.sent_at is None and waiting.attempts == 1 and "451" in waiting.last_error
    assert smtp.messages == []
    with mail_app.app_context():
        assert outbox.send() == (0, 0)  # not due yet: it waits a minute before trying again
        with unit_of_work(SYSTEM):
            db.session().get(OutboxMail, waiting.id).next_attempt_at = utcnow() - timedelta(seconds=1)
    smtp.refuse = False
    with mail_app.app_context():
        assert outbox.send() == (1, 0)
        assert outbox.send() == (0, 0)  # never twice
    assert len(smtp.messages) == 1


def test_a_slow_run_keeps_its_claim_on_each_mail_so_a_second_run_never_sends_it_too(mail_app, smtp, monkeypatch):
    member_id = _member(mail_app)
    mail_app.config["SMTP_URL"] = None  # written now, sent below by two runs at once
    _queue(mail_app, member_id)
    _queue(mail_app, member_id)
    mail_app.config["SMTP_URL"] = smtp.url
    clock = [utcnow()]
    monkeypatch.setattr(outbox, "utcnow", lambda: clock[0])
    real_send, calls = mail.Connection.send, []

    def slow_send(connection, message):
        calls.append(message.reference)
        if len(calls) == 1:
            clock[0] += timedelta(minutes=10)  # the first mail takes ten minutes
        elif len(calls) == 2:
            outbox.send()  # another run starts while the second mail is on its way
        real_send(connection, message)

    monkeypatch.setattr(mail.Connection, "send", slow_send)
    with mail_app.app_context():
        outbox.send()
    assert len(smtp.messages) == 2


def test_a_server_that_is_down_loses_nothing(mail_app, smtp):
    mail_app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens on the discard port
    member_id = _member(mail_app)
    _queue(mail_app, member_id)
    [waiting] = _outbox(mail_app)
    assert waiting.sent_at is None and waiting.last_error


# --- a forgotten password --------------------------------------------------------------------------

def _ask_reset(client, email: str):
    return client.post("/login/forgot", data={"email": email, "csrf_token": csrf_token(client, "/login/forgot")})


def test_forgot_password_answers_the_same_for_a_member_and_a_stranger(mail_app, smtp, client):
    _member(mail_app)
    known = _ask_reset(client, "ana@example.org").get_data(as_text=True)
    unknown = _ask_reset(client, "nobody@example.org").get_data(as_text=True)
    strip = lambda page: re.sub(r'value="[^"]*"|ana@example.org|nobody@example.org', "", page)  # noqa: E731
    assert strip(known) == strip(unknown)
    [received] = smtp.wait_for(1)
    assert received.recipients == ["ana@example.org"]
    assert "List-Unsubscribe" not in received.message  # account mail cannot be turned off


def test_a_reset_link_works_once_and_signs_out_every_session(mail_app, smtp, client):
    _member(mail_app)
    elsewhere = mail_app.test_client()
    sign_in(elsewhere, "ana@example.org")
    assert elsewhere.get("/profile").status_code == 200
    _ask_reset(client, "ana@example.org")
    path = _path(_link(smtp.wait_for(1)[0].text, "/login/reset/"))
    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                   "csrf_token": csrf_token(client, path)})
    assert done.status_code == 302
    assert "new password is saved" in client.get(done.location).get_data(as_text=True)
    assert elsewhere.get("/profile").status_code == 302  # the other session has ended
    assert client.get(path).status_code == 404  # used once: gone
    sign_in(fresh := mail_app.test_client(), "ana@example.org", NEW_PASSWORD)
    assert fresh.get("/profile").status_code == 200


def test_a_reset_link_expires_after_an_hour(mail_app, smtp, client, monkeypatch):
    _member(mail_app)
    _ask_reset(client, "ana@example.org")
    path = _path(_link(smtp.wait_for(1)[0].text, "/login/reset/"))
    import itsdangerous.timed
    later = itsdangerous.timed.time.time() + 3601
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    page = client.get(path)
    assert page.status_code == 404 and "Ask for a new link" in page.get_data(as_text=True)


def test_a_reset_form_that_fails_keeps_the_link_and_says_why(mail_app, smtp, client):
    _member(mail_app)
    _ask_reset(client, "ana@example.org")
    path = _path(_link(smtp.wait_for(1)[0].text, "/login/reset/"))
    short = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": csrf_token(client, path)})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    assert client.get(path).status_code == 200


# --- a new address -------------------------------------------------------------------------------

def test_a_new_address_counts_only_once_confirmed_and_the_old_one_hears_of_it(mail_app, smtp):
    _member(mail_app)
    client = mail_app.test_client()
    sign_in(client, "ana@example.org")
    wrong = client.post("/profile/email", data={"email": "ana@new.example.org", "password": "wrong password!!",
                                                "csrf_token": csrf_token(client, "/profile")})
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(as_text=True)
    asked = client.post("/profile/email", data={"email": "ana@new.example.org", "password": PASSWORD,
                                                "csrf_token": csrf_token(client, "/profile")})
    assert "ana@new.example.org" in asked.get_data(as_text=True)
    [confirm] = smtp.wait_for(1)
    assert confirm.recipients == ["ana@new.example.org"]
    with mail_app.app_context():
        assert members.member_by_email("ana@example.org") is not None  # not yet changed
    path = _path(_link(confirm.text, "/profile/email/"))
    visitor = mail_app.test_client()
    assert visitor.get(path).status_code == 200  # a GET only asks
    done = visitor.post(path, data={"csrf_token": csrf_token(visitor, path)})
    assert "new address is saved" in done.get_data(as_text=True)
    with mail_app.app_context():
        assert members.member_by_email("ana@new.example.org") is not None
    notice = smtp.wait_for(2)[1]
    assert notice.recipients == ["ana@example.org"] and "ana@new.example.org" in notice.text
    again = visitor.post(path, data={"csrf_token": csrf_token(visitor, path)})
    assert again.status_code == 400 and "used or has expired" in again.get_data(as_text=True)


# --- which mails, in which language, and stopping them -----------------------------------------------

def test_mail_choices_and_language_on_the_profile(mail_app, smtp):
    member_id = _member(mail_app)
    client = mail_app.test_client()
    sign_in(client, "ana@example.org")
    saved = client.post("/profile/mail", data={"language": "nl", "introductions": "y", "follow_ups": "y",
                                               "csrf_token": csrf_token(client, "/profile")})
    assert "mail choices are saved" in saved.get_data(as_text=True)
    _queue(mail_app, member_id, "alerts")  # turned off: not even written
    assert _outbox(mail_app) == []
    _queue(mail_app, member_id, "introductions")
    [received] = smtp.wait_for(1)
    assert "Stop deze mails" in received.html  # in Dutch, as chosen


def test_the_link_in_a_mail_stops_that_kind_without_signing_in(mail_app, smtp, client):
    # A real site's address makes the header longer than a folded line: it must stay one plain <address>.
    base = mail_app.config["BASE_URL"] = "https://casebook.sdg11-alliance.example.org"
    member_id = _member(mail_app)
    _queue(mail_app, member_id, "alerts")
    [received] = smtp.wait_for(1)
    url = _link(received.text, "/unsubscribe/")
    raw = received.raw.decode()
    assert url.startswith(base) and len(f"List-Unsubscribe: <{url}>") > 78  # longer than a folded line
    assert f"List-Unsubscribe: <{url}>" in raw and "=?utf-8?" not in raw
    assert received.message["List-Unsubscribe"] == f"<{url}>"
    page = client.get(_path(url))
    assert page.status_code == 200
    with mail_app.app_context():
        assert db.session().get(Member, member_id).wants_mail("alerts")  # a link checker's GET changes nothing
    # What a mail program does for RFC 8058: a POST without any form of ours.
    done = client.post(_path(url), data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    with mail_app.app_context():
        member = db.session().get(Member, member_id)
        assert not member.wants_mail("alerts") and member.wants_mail("introductions")
    assert client.get("/unsubscribe/forged-token").status_code == 404


def test_mail_comes_in_the_language_a_member_signs_in_with_until_they_choose(mail_app, smtp):
    member_id = _member(mail_app)
    client = mail_app.test_client()
    client.set_cookie("casebook_lang", "nl")
    sign_in(client, "ana@example.org")
    _queue(mail_app, member_id, "introductions")
    assert "Stop deze mails" in smtp.wait_for(1)[0].text


def test_switching_the_sites_language_switches_the_mails_too(mail_app, smtp):
    member_id = _member(mail_app)
    client = mail_app.test_client()
    sign_in(client, "ana@example.org")  # signed in in English
    client.get("/language/nl")
    _queue(mail_app, member_id, "introductions")
    assert "Stop deze mails" in smtp.wait_for(1)[0].text
