"""Introductions: a member asks to meet the people behind a case; anonymous contributors stay
anonymous until they sign a reply; imported cases reach the moderators; caps, blocks and reports;
`import-cases --author`. Mail goes through a real SMTP server on loopback."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app import db
from app.models import Case, Conversation, Member, Message, OutboxMail
from app.policy import SYSTEM
from app.services import outbox
from app.services.unit_of_work import unit_of_work

from conftest import case_text, csrf_token, sign_in

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PEOPLE = {  # email: (role, name, organisation)
    "asker@example.org": ("member", "Asha Askwell", "Gemeente Deventer"),
    "cora@example.org": ("member", "Cora Quietname", "Quietorg BV"),
    "otto@example.org": ("member", "Otto Outsider", "Elsewhere"),
    "mo@example.org": ("moderator", "Mo Derator", "Alliance office"),
    "ada@example.org": ("admin", "Ada Admin", "Alliance office"),
}


@pytest.fixture
def people(app, make_member):
    for email, (role, _name, _organisation) in PEOPLE.items():
        make_member(email, role)
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        for email, (_role, name, organisation) in PEOPLE.items():
            member = uow.session.scalar(select(Member).where(Member.email == email))
            member.name, member.organisation = name, organisation


@pytest.fixture
def library(app, add_case, people):
    """A named case and an anonymous one by Cora, and two imported cases without a contributor."""
    add_case(slug="named-case", title="Heat network in Deventer")
    add_case(slug="anon-case", title="Quiet water square", attribution="anonymous")
    add_case(slug="second-anon", title="Another quiet case", attribution="anonymous")
    add_case(slug="imported-case", title="Imported repair café", contact="Jan Contact, jan.contact@example.net")
    add_case(slug="phone-case", title="Imported bike lane", contact="Call the city office on 020 123 4567")
    add_case(slug="closed-case", title="Closed members case", visibility="members")
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        cora = uow.session.scalar(select(Member).where(Member.email == "cora@example.org"))
        for slug in ("named-case", "anon-case", "second-anon", "closed-case"):
            uow.session.scalar(select(Case).where(Case.slug == slug)).author_id = cora.id
            uow.search_must_look_at(slug)


def client_for(app, email):
    client = app.test_client()
    sign_in(client, email)
    return client


def ask(client, slug, body="We want to copy this. Could we talk?"):
    url = f"/cases/{slug}/introduce"
    return client.post(url, data={"body": body, "csrf_token": csrf_token(client, url)})


def conversation_id(response) -> int:
    return int(re.search(r"/inbox/(\d+)", response.headers["Location"]).group(1))


def reply(client, cid, body, signed="named"):
    return client.post(f"/inbox/{cid}/reply", data={"body": body, "signed": signed,
                                                    "csrf_token": csrf_token(client, f"/inbox/{cid}")})


def post_button(client, cid, action, **data):
    return client.post(f"/inbox/{cid}/{action}", data={**data, "csrf_token": csrf_token(client, f"/inbox/{cid}")})


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def others_emails(text: str, own: str) -> set[str]:
    """Email addresses in TEXT other than the viewer's own (the header shows them theirs)."""
    return {e for e in EMAIL.findall(text) if e != own}


def senders(html: str) -> list[str]:
    """Who each message on a conversation page is from, in order."""
    return [re.sub(r"<[^>]+>", "", s).strip() for s in re.findall(r'<strong class="message-from">(.*?)</strong>', html)]


# --- asking and answering -----------------------------------------------------------------------

def test_asking_reaches_the_contributors_inbox_and_mail_and_no_one_sees_an_email_address(mail_app, smtp, library):
    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    case_page = page(asker, "/cases/named-case")
    assert "Get in touch" in case_page and 'action="/cases/named-case/introduce"' in case_page
    assert "Get in touch" not in page(cora, "/cases/named-case")  # no introducing yourself to yourself
    assert cora.get("/cases/named-case/introduce").status_code == 404

    response = ask(asker, "named-case", "We want to copy your heat network. Could we talk?")
    assert response.status_code == 302
    cid = conversation_id(response)

    # The contributor: in the inbox, marked new, counted in the member bar; and by mail.
    inbox = page(cora, "/inbox")
    assert "Heat network in Deventer" in inbox and "Asha Askwell" in inbox and "New" in inbox
    assert 'class="unread-count">1<' in inbox
    [mail] = smtp.to("cora@example.org")
    assert mail.subject == "Introduction request: Heat network in Deventer"
    for part in (mail.text, mail.html):
        assert "Asha Askwell" in part and "Gemeente Deventer" in part
        assert "We want to copy your heat network" in part and f"/inbox/{cid}" in part
        assert not EMAIL.findall(part)  # neither side's address, nor anyone's
    conversation = page(cora, f"/inbox/{cid}")
    assert "We want to copy your heat network" in conversation and "Asha Askwell" in conversation
    assert not others_emails(conversation, "cora@example.org")
    assert 'class="unread-count"' not in page(cora, "/inbox")  # read now

    # The answer reaches the asker, named (the case is not anonymous), by mail too.
    assert reply(cora, cid, "Happy to. Call me next week.").status_code == 302
    [answer] = smtp.to("asker@example.org")
    assert answer.subject == "New message about “Heat network in Deventer”"
    assert "Cora Quietname (Quietorg BV) wrote" in answer.text and "Happy to. Call me next week." in answer.text
    assert not EMAIL.findall(answer.text) and not EMAIL.findall(answer.html)
    seen = page(asker, f"/inbox/{cid}")
    assert senders(seen) == ["You", "Cora Quietname, Quietorg BV"]
    assert not others_emails(seen, "asker@example.org")
    assert not others_emails(page(asker, "/inbox"), "asker@example.org")


def test_the_mail_comes_in_the_contributors_language(mail_app, smtp, app, library):
    with app.app_context(), unit_of_work(SYSTEM):
        db.session().scalar(select(Member).where(Member.email == "cora@example.org")).language = "nl"
    ask(client_for(mail_app, "asker@example.org"), "named-case")
    [mail] = smtp.to("cora@example.org")
    assert mail.subject == "Verzoek om kennismaking: Heat network in Deventer"
    assert "Asha Askwell (Gemeente Deventer) wil graag met je kennismaken" in mail.text


def test_an_anonymous_contributor_stays_the_contributor_until_they_sign_a_reply(mail_app, smtp, library):
    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    hidden = ("Cora", "Quietname", "Quietorg", "cora@example.org")

    def nothing_of_cora(text):
        return not [h for h in hidden if h in text] and "/members/" not in text

    assert nothing_of_cora(page(asker, "/cases/anon-case"))
    cid = conversation_id(ask(asker, "anon-case", "How did you get the residents on board?"))
    [request] = smtp.to("cora@example.org")
    assert "You shared this case anonymously" in request.text and "Asha Askwell" in request.text

    before = page(asker, f"/inbox/{cid}")
    assert nothing_of_cora(before) and nothing_of_cora(page(asker, "/inbox"))
    assert "The contributor shared this case anonymously" in before

    # The contributor is offered the choice, anonymous by default.
    mine = page(cora, f"/inbox/{cid}")
    assert re.search(r'value="anonymous" checked', mine) and "Reply under my name" in mine
    assert "Asha Askwell" in mine

    reply(cora, cid, "By knocking on every door.", signed="anonymous")
    anonymous_mail = smtp.to("asker@example.org")[-1]
    assert "The contributor wrote" in anonymous_mail.text
    assert nothing_of_cora(anonymous_mail.text) and nothing_of_cora(anonymous_mail.html)
    assert nothing_of_cora(anonymous_mail.subject)
    after_one = page(asker, f"/inbox/{cid}")
    assert nothing_of_cora(after_one) and nothing_of_cora(page(asker, "/inbox"))
    assert senders(after_one) == ["You", "The contributor"]

    reply(cora, cid, "I am Cora; call me.", signed="named")
    signed_mail = smtp.to("asker@example.org")[-1]
    assert "Cora Quietname (Quietorg BV) wrote" in signed_mail.text
    after_two = page(asker, f"/inbox/{cid}")
    assert senders(after_two) == ["You", "The contributor", "Cora Quietname, Quietorg BV"]
    assert "cora@example.org" not in after_two
    # Her own view marks which replies carried her name.
    assert re.findall(r'class="message-tag">([^<]+)<', page(cora, f"/inbox/{cid}")) == ["anonymous", "under your name"]


def test_an_anonymous_contributor_is_known_to_moderators_only_in_reports(mail_app, smtp, library):
    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    moderator, member = client_for(mail_app, "mo@example.org"), client_for(mail_app, "otto@example.org")
    cid = conversation_id(ask(asker, "anon-case"))
    reply(cora, cid, "Leave me alone, you pest.", signed="anonymous")
    message_id = int(re.search(r"/inbox/messages/(\d+)/report", page(asker, f"/inbox/{cid}")).group(1))

    url = f"/inbox/messages/{message_id}/report"
    empty = asker.post(url, data={"reason": " ", "csrf_token": csrf_token(asker, f"/inbox/{cid}")})
    assert empty.status_code == 400 and "Say briefly what is wrong" in empty.get_data(as_text=True)
    done = asker.post(url, data={"reason": "Rude.", "csrf_token": csrf_token(asker, f"/inbox/{cid}")})
    assert done.status_code == 302
    assert "Leave me alone" not in page(asker, "/inbox").split("Notices")[1]

    assert member.get("/moderate/reports").status_code == 404
    assert asker.get("/moderate/reports").status_code == 404
    reports = page(moderator, "/moderate/reports")
    assert "Leave me alone, you pest." in reports and "Quiet water square" in reports and "Rude." in reports
    assert "Reported by" in reports and "Asha Askwell" in reports
    assert "Cora Quietname" in reports and "Anonymous to the asker" in reports  # moderators may know
    assert not EMAIL.findall(reports.split("</header>")[1])
    handled = moderator.post("/moderate/reports/1/handled", data={"csrf_token": csrf_token(moderator, "/moderate/reports")})
    assert handled.status_code == 302
    assert "Leave me alone" not in page(moderator, "/moderate/reports")
    # One cannot report one's own message.
    assert asker.post(f"/inbox/messages/{message_id - 1}/report",
                      data={"reason": "x", "csrf_token": csrf_token(asker, f"/inbox/{cid}")}).status_code == 404


# --- cases without a contributor: the moderators ---------------------------------------------

def test_an_imported_case_reaches_every_moderator_who_pass_it_on_to_an_email_contact(mail_app, smtp, library):
    asker, moderator = client_for(mail_app, "asker@example.org"), client_for(mail_app, "mo@example.org")
    admin, member = client_for(mail_app, "ada@example.org"), client_for(mail_app, "otto@example.org")
    assert "the alliance’s moderators read your message" in page(asker, "/cases/imported-case")
    cid = conversation_id(ask(asker, "imported-case", "Who ran the repair café?"))

    assert {r for m in smtp.messages for r in m.recipients} == {"mo@example.org", "ada@example.org"}
    for client in (moderator, admin):
        assert "Imported repair café" in page(client, "/inbox")
        assert "Who ran the repair café?" in page(client, f"/inbox/{cid}")
    assert member.get(f"/inbox/{cid}").status_code == 404
    assert "Imported repair café" not in page(member, "/inbox")

    reply(moderator, cid, "We will ask the city for you.")
    answer = smtp.to("asker@example.org")[-1]
    assert "Mo Derator, for the moderators wrote" in answer.text
    assert senders(page(asker, f"/inbox/{cid}")) == ["You", "Mo Derator, for the moderators"]

    conversation = page(moderator, f"/inbox/{cid}")
    assert "Jan Contact, jan.contact@example.net" in conversation  # the case's public contact, to pass it on
    assert post_button(moderator, cid, "pass-on").status_code == 302
    [to_contact] = smtp.to("jan.contact@example.net")
    assert " ".join(to_contact.subject.split()) == \
        "A member of the SDG 11 Alliance would like to reach you about “Imported repair café”"
    assert "Asha Askwell (Gemeente Deventer)" in to_contact.text and "Who ran the repair café?" in to_contact.text
    assert "replying to this mail" in to_contact.text
    assert to_contact.message["Reply-To"] == "mo@example.org"  # the answer reaches the moderator who passed it on
    assert "asker@example.org" not in to_contact.text + to_contact.html
    assert "as a member of Casebook" not in to_contact.html  # they are not one
    assert "They passed it on to the case’s contact on" in page(asker, f"/inbox/{cid}")
    # A second moderator clicking too sends nothing more.
    post_button(admin, cid, "pass-on")
    assert len(smtp.to("jan.contact@example.net")) == 1
    assert "already passed this on" in page(admin, f"/inbox/{cid}")


def test_a_contact_without_an_address_is_shown_to_the_moderator_to_pass_on_by_hand(mail_app, smtp, library):
    asker, moderator = client_for(mail_app, "asker@example.org"), client_for(mail_app, "mo@example.org")
    cid = conversation_id(ask(asker, "phone-case"))
    sent = len(smtp.messages)
    response = post_button(moderator, cid, "pass-on")
    assert response.status_code == 302
    shown = page(moderator, f"/inbox/{cid}")
    # They confirmed it: no "please" as if something went wrong, and no "passed on on".
    assert "Marked as passed on. Reach the contact by hand: Call the city office on 020 123 4567" in shown
    assert "Passed on to the contact on" in shown and " on on " not in shown
    assert "has no email address" not in shown
    assert len(smtp.messages) == sent

    # In Dutch too.
    other = conversation_id(ask(client_for(mail_app, "otto@example.org"), "phone-case"))
    moderator.set_cookie("casebook_lang", "nl")
    post_button(moderator, other, "pass-on")
    dutch = page(moderator, f"/inbox/{other}")
    assert "Gemarkeerd als doorgegeven. Bereik de contactpersoon zelf: Call the city office" in dutch
    assert re.search(r"Op \d+ \w+ \d{4} doorgegeven aan de contactpersoon\.", dutch)


# --- limits against misuse -----------------------------------------------------------------------

def test_a_member_asks_for_at_most_the_daily_number_of_introductions(app, library):
    app.config["INTRODUCTIONS_PER_DAY"] = 2
    asker = client_for(app, "asker@example.org")
    assert ask(asker, "named-case").status_code == 302
    assert ask(asker, "anon-case").status_code == 302
    refused = ask(asker, "imported-case", "Third one today, kept text walrusword.")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "You can ask for at most 2 introductions a day" in text
    assert "Third one today, kept text walrusword.</textarea>" in text
    with app.app_context():
        assert db.session().scalar(select(Conversation).where(Conversation.case_title == "Imported repair café")) is None


def test_an_asker_without_a_name_is_asked_to_add_one(app, library, make_member):
    client = client_for(app, make_member("nameless@example.org"))
    refused = ask(client, "named-case")
    assert refused.status_code == 400 and "Add your name on your account page first" in refused.get_data(as_text=True)


def test_a_blocked_member_can_no_longer_reach_the_one_who_blocked_them(mail_app, smtp, library):
    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    cid = conversation_id(ask(asker, "named-case", "First message."))
    assert post_button(cora, cid, "block").status_code == 302
    assert "You blocked" in page(cora, f"/inbox/{cid}")
    mails_to_cora = len(smtp.to("cora@example.org"))

    # To the blocked member everything looks sent...
    assert reply(asker, cid, "Are you there, okapireply?").status_code == 302
    assert "okapireply" in page(asker, f"/inbox/{cid}")
    second = ask(asker, "anon-case", "A new request, lemurask.")
    assert second.status_code == 302
    second_id = conversation_id(second)
    assert "lemurask" in page(asker, f"/inbox/{second_id}")
    # ...but nothing reaches the member who blocked: no message, no conversation, no mail, no count.
    assert "okapireply" not in page(cora, f"/inbox/{cid}")
    assert cora.get(f"/inbox/{second_id}").status_code == 404
    inbox = page(cora, "/inbox")
    assert "Quiet water square" not in inbox and 'class="unread-count"' not in inbox
    assert len(smtp.to("cora@example.org")) == mails_to_cora

    # The block is listed (named as in that conversation) and can be undone.
    assert "Asha Askwell" in inbox.split("Blocked")[1]
    block_id = re.search(r"/inbox/blocks/(\d+)/unblock", inbox).group(1)
    cora.post(f"/inbox/blocks/{block_id}/unblock", data={"csrf_token": csrf_token(cora, "/inbox")})
    reply(asker, cid, "Now with capybaraword.")
    assert "capybaraword" in page(cora, f"/inbox/{cid}")
    assert "capybaraword" in smtp.to("cora@example.org")[-1].text
    # What was withheld stays withheld.
    assert "okapireply" not in page(cora, f"/inbox/{cid}")


def test_blocking_an_anonymous_contributor_names_them_nowhere(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    cid = conversation_id(ask(asker, "anon-case"))
    reply(cora, cid, "Hello.", signed="anonymous")
    post_button(asker, cid, "block")
    blocked = page(asker, "/inbox").split("Blocked")[1]
    assert "The contributor" in blocked and "Quiet water square" in blocked
    assert "Cora" not in blocked and "/members/" not in blocked
    # Her replies no longer reach the asker.
    reply(cora, cid, "Still there, tapirword?", signed="anonymous")
    assert "tapirword" not in page(asker, f"/inbox/{cid}")


def test_a_block_of_the_anonymous_contributor_does_not_show_where_they_are_named(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    anonymous = conversation_id(ask(asker, "anon-case"))
    reply(cora, anonymous, "Hello.", signed="anonymous")
    post_button(asker, anonymous, "block")
    named = conversation_id(ask(asker, "named-case"))
    # "You blocked Cora" here would tell the asker who shared the anonymous case.
    assert "You blocked" not in page(asker, f"/inbox/{named}")
    # Blocking her here too is a block of its own: the button did not hint she was blocked already.
    assert post_button(asker, named, "block").status_code == 302
    assert "You blocked the contributor" in page(asker, f"/inbox/{anonymous}")
    assert "You blocked" in page(asker, f"/inbox/{named}")
    assert post_button(asker, named, "block").status_code == 302  # blocked already: nothing breaks


def test_a_moderator_who_asks_sees_the_contributor_like_any_asker(app, library):
    moderator, cora = client_for(app, "mo@example.org"), client_for(app, "cora@example.org")
    cid = conversation_id(ask(moderator, "anon-case"))
    reply(cora, cid, "Hello from nobody in particular.", signed="anonymous")
    shown = page(moderator, f"/inbox/{cid}")
    assert "Hello from nobody in particular." in shown and "The contributor" in shown
    assert "Cora" not in shown  # the contributor was told the asker would not see her name


def test_a_member_who_was_disabled_gets_no_more_mail_from_a_conversation(mail_app, smtp, library):
    from app.services import members

    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    cid = conversation_id(ask(asker, "named-case"))
    with mail_app.app_context():
        members.disable_member(SYSTEM, db.session().scalar(select(Member).where(Member.email == "asker@example.org")))
    assert reply(cora, cid, "Members-only details, quaggaword.").status_code == 302
    assert not any("quaggaword" in m.text for m in smtp.to("asker@example.org"))


# --- who may open what ---------------------------------------------------------------------------

def test_only_participants_open_a_conversation(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    moderator, member = client_for(app, "mo@example.org"), client_for(app, "otto@example.org")
    cid = conversation_id(ask(asker, "named-case", "Private words gnuword."))
    assert cora.get(f"/inbox/{cid}").status_code == 200
    for outsider in (member, moderator):  # a moderator is no participant of a member's conversation
        for url in (f"/inbox/{cid}", f"/inbox/{cid + 100}"):
            response = outsider.get(url)
            assert response.status_code == 404 and "gnuword" not in response.get_data(as_text=True)
        assert reply(outsider, cid, "Butting in.").status_code == 404
        assert post_button(outsider, cid, "block").status_code == 404
    assert post_button(moderator, cid, "pass-on").status_code == 404

    visitor = app.test_client()
    for url in ("/inbox", f"/inbox/{cid}", "/cases/named-case/introduce", "/cases/closed-case/introduce",
                "/cases/no-such-case/introduce", "/inbox/mail/1", "/moderate/reports"):
        response = visitor.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert visitor.post(f"/inbox/{cid}/reply", data={"body": "x"}).status_code in (302, 400)
    with app.app_context():
        assert len(db.session().scalars(select(Message)).all()) == 1


def test_in_safe_space_mode_the_inbox_sends_visitors_to_sign_in(app, library):
    asker = client_for(app, "asker@example.org")
    cid = conversation_id(ask(asker, "named-case"))
    app.config["SAFE_SPACE"] = True
    for url in ("/inbox", f"/inbox/{cid}", "/cases/named-case/introduce", "/moderate/reports"):
        response = app.test_client().get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert asker.get(f"/inbox/{cid}").status_code == 200


def test_visitors_see_only_a_sign_in_link_and_only_on_cases_they_may_see(app, library, make_member):
    visitor = app.test_client()
    public = page(visitor, "/cases/named-case")
    assert "Sign in to ask for an introduction" in public and "Get in touch" not in public
    assert visitor.get("/cases/closed-case").status_code == 404
    member = client_for(app, "otto@example.org")
    assert "Get in touch" in page(member, "/cases/closed-case")  # members may ask about members-only cases
    member.post("/view-as-public", data={"on": "1", "next": "/", "csrf_token": csrf_token(member, "/")})
    assert "Get in touch" not in page(member, "/cases/named-case")


def test_the_case_page_links_an_earlier_introduction(app, library):
    asker = client_for(app, "asker@example.org")
    cid = conversation_id(ask(asker, "named-case"))
    assert f'href="/inbox/{cid}"' in page(asker, "/cases/named-case")


def test_the_inbox_asks_the_database_as_often_for_many_conversations_as_for_one(app, library):
    import sqlalchemy as sa

    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    engine = app.extensions["casebook.db"].kw["bind"]

    def queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            page(cora, "/inbox")
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    reply(cora, conversation_id(ask(asker, "named-case")), "Hello.")
    one = queries()
    for slug in ("anon-case", "second-anon", "closed-case"):
        reply(cora, conversation_id(ask(asker, slug)), "Hello.", signed="anonymous")
    assert queries() == one


# --- mail kept in the inbox ----------------------------------------------------------------------

def test_without_a_mail_server_the_mail_is_kept_in_the_inbox(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    ask(asker, "named-case", "Kept for you, ibisword.")
    with app.app_context():
        cora_id = db.session().scalar(select(Member.id).where(Member.email == "cora@example.org"))
        with unit_of_work(SYSTEM) as uow:  # account mail (a reset link, say) never shows in the inbox
            outbox.queue(uow, db.session().get(Member, cora_id), "account", "address_changed",
                         new_email="new@example.org")
        kept = db.session().scalars(select(OutboxMail).where(OutboxMail.member_id == cora_id)
                                    .order_by(OutboxMail.id)).all()
        assert [m.sent_at for m in kept] == [None, None]
        intro_id, account_id = kept[0].id, kept[1].id
    inbox = page(cora, "/inbox")
    assert "Introduction request: Heat network in Deventer" in inbox and f"/inbox/mail/{intro_id}" in inbox
    assert f"/inbox/mail/{account_id}" not in inbox
    assert "ibisword" in page(cora, f"/inbox/mail/{intro_id}")
    assert cora.get(f"/inbox/mail/{account_id}").status_code == 404
    assert asker.get(f"/inbox/mail/{intro_id}").status_code == 404


# --- import-cases --author -----------------------------------------------------------------------

def test_import_cases_attributes_cases_to_a_member_and_keeps_them_on_reimport(app, runner, client, people, tmp_path):
    path = tmp_path / "case.md"
    path.write_text(case_text(slug="on-behalf", title="Imported on her behalf"))
    result = runner.invoke(args=["import-cases", str(path), "--author", "cora@example.org"])
    assert result.exit_code == 0, result.output
    assert "Shared by" in page(client, "/cases/on-behalf") and "Cora Quietname" in page(client, "/cases/on-behalf")

    path.write_text(case_text(slug="on-behalf", title="Imported on her behalf, edited"))
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    assert "Cora Quietname" in page(client, "/cases/on-behalf")  # no --author keeps the author

    other = tmp_path / "other.md"
    other.write_text(case_text(slug="nobodys-case"))
    wrong = runner.invoke(args=["import-cases", str(other), "--author", "nobody@example.org"])
    assert wrong.exit_code != 0
    assert wrong.output.strip() == "No member with email 'nobody@example.org'."
    assert client.get("/cases/nobodys-case").status_code == 404

    # An introduction about it now reaches her, not the moderators.
    asker = client_for(app, "asker@example.org")
    ask(asker, "on-behalf")
    assert "Imported on her behalf" in page(client_for(app, "cora@example.org"), "/inbox")
    assert "Imported on her behalf" not in page(client_for(app, "mo@example.org"), "/inbox")


# --- the rules, on objects alone --------------------------------------------------------------

def _policy_cases():
    from datetime import UTC, datetime

    from app.policy import ANONYMOUS, Actor

    def person(role, id):
        return Member(id=id, email=f"{role}{id}@example.org", role=role, password_hash="x", session_version=1)

    author, asker, outsider, mod, admin = (person("member", 1), person("member", 2), person("member", 5),
                                           person("moderator", 3), person("admin", 4))
    who = {"visitor": ANONYMOUS, "author": Actor(author), "asker": Actor(asker), "outsider": Actor(outsider),
           "moderator": Actor(mod), "admin": Actor(admin), "command line": SYSTEM,
           "asker as public": Actor(asker, as_public=True)}

    def case(attribution="named", author_id=1):
        return Case(id=9, slug="c", title="C", visibility="public", attribution=attribution, author_id=author_id,
                    published_at=datetime(2026, 1, 1, tzinfo=UTC), review_state="published")

    def conversation(contributor=author, anonymous=False, withheld=False, case_=None):
        found = Conversation(id=1, asker_id=asker.id, asker=asker, contributor=contributor,
                             contributor_id=contributor.id if contributor else None, anonymous=anonymous,
                             case=case_ or case("anonymous" if anonymous else "named"))
        found.messages = [Message(id=1, side="asker", sender_id=asker.id, sender=asker, signed=True, body="hi",
                                  withheld=withheld)]
        return found

    named, anonymous, moderated = conversation(), conversation(anonymous=True), conversation(contributor=None)
    unsigned = Message(id=2, side="contributor", sender_id=1, sender=author, signed=False, body="x", withheld=False)
    anonymous.messages.append(unsigned)
    members_, everyone_staff = {"author", "asker", "outsider", "moderator", "admin"}, {"moderator", "admin"}
    rules = [
        ("case.introduce", case(), members_ - {"author"}),
        ("case.introduce", case(author_id=None), members_),
        ("conversation.read", named, {"author", "asker"}),
        ("conversation.read", moderated, {"asker"} | everyone_staff),
        ("conversation.read", conversation(withheld=True), {"asker"}),  # the one who blocked never sees it
        ("conversation.reply", named, {"author", "asker"}),
        ("conversation.see_contributor", anonymous, {"author", "command line"} | everyone_staff),
        ("conversation.see_contributor", named, set(who)),
        ("message.see_sender", unsigned, {"author", "command line"} | everyone_staff),
        ("message.report", unsigned, {"asker"}),
        ("message.report", moderated.messages[0], set()),  # moderators act on their own conversations
        ("conversation.block", named, {"author", "asker"}),
        ("conversation.block", moderated, set()),
        ("conversation.pass_on", moderated, everyone_staff),
        ("conversation.pass_on", named, set()),
        ("reports.read", None, everyone_staff | {"command line"}),
        ("inbox.open", None, members_),
        ("inbox.mail", OutboxMail(member_id=2, kind="introductions"), {"asker"}),
        ("inbox.mail", OutboxMail(member_id=2, kind="account"), set()),
    ]
    return who, rules


def test_who_may_do_what_with_introductions():
    from app.policy import can
    who, rules = _policy_cases()
    for action, obj, allowed in rules:
        assert {name for name, actor in who.items() if can(actor, action, obj)} == allowed, action


def test_when_a_contributor_is_disabled_the_moderators_take_their_conversations_over(mail_app, smtp, library):
    from app.services import members

    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    moderator = client_for(mail_app, "mo@example.org")
    cid = conversation_id(ask(asker, "anon-case", "Are you still there?"))
    reply(cora, cid, "Yes, for now.", signed="anonymous")
    with mail_app.app_context():
        members.disable_member(SYSTEM, db.session().scalar(select(Member).where(Member.email == "cora@example.org")))
    assert "Are you still there?" in page(moderator, f"/inbox/{cid}")
    before = len(smtp.messages)
    assert reply(asker, cid, "Hello again, beaverword.").status_code == 302
    assert any("beaverword" in m.text and "mo@example.org" in m.recipients for m in smtp.messages[before:])
    assert not any("beaverword" in m.text for m in smtp.to("cora@example.org"))
    assert "Cora" not in page(asker, f"/inbox/{cid}")  # still "the contributor" to the asker


# --- after the first round of use ----------------------------------------------------------------

def times(html: str) -> list[str]:
    """The times shown on a page, as text."""
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<time[^>]*>(.*?)</time>", html)]


def test_once_the_contributor_signed_a_reply_the_page_says_the_asker_knows_their_name(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    cid = conversation_id(ask(asker, "anon-case"))
    reply(cora, cid, "Anonymous first.", signed="anonymous")
    still = page(cora, f"/inbox/{cid}")
    assert "never your name" in still and 'value="anonymous" checked' in still

    reply(cora, cid, "I am Cora.", signed="named")
    known = page(cora, f"/inbox/{cid}")
    assert "never your name" not in known
    assert "You replied under your name, so they now know your name and organisation." in known
    assert 'value="named" checked' in known and 'value="anonymous" checked' not in known  # signed from now on
    cora.set_cookie("casebook_lang", "nl")
    assert "Je antwoordde onder je naam, dus de vrager kent nu je naam en organisatie." in page(cora, f"/inbox/{cid}")


def test_a_report_is_counted_for_the_moderators_shown_with_context_and_marked_for_the_reporter(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    moderator, member = client_for(app, "mo@example.org"), client_for(app, "otto@example.org")
    cid = conversation_id(ask(asker, "anon-case", "The opening question, zebraword."))
    reply(cora, cid, "An answer, yakword.", signed="anonymous")
    reply(asker, cid, "A follow-up, gnatword.")
    reply(cora, cid, "Go away, you pest.", signed="anonymous")
    assert "Reports</a>" in page(moderator, "/inbox")  # nothing to count yet

    conversation = page(asker, f"/inbox/{cid}")
    assert conversation.count("Report this message") == 2  # both of the contributor's messages
    rude = int(re.findall(r"/inbox/messages/(\d+)/report", conversation)[-1])
    url = f"/inbox/messages/{rude}/report"
    asker.post(url, data={"reason": "Rude.", "csrf_token": csrf_token(asker, f"/inbox/{cid}")})
    reported = page(asker, f"/inbox/{cid}")
    assert reported.count("Report this message") == 1 and f"/inbox/messages/{rude}/report" not in reported
    assert re.findall(r'class="message-reported">([^<]+)<', reported) == ["Reported"]

    # The moderators see that a report is waiting, wherever they are; members see no such link.
    assert re.search(r'Reports<span class="unread-count">1<', page(moderator, "/"))
    assert "/moderate/reports" not in page(member, "/")
    reports = page(moderator, "/moderate/reports")
    assert "Quiet water square" in reports
    context = reports.split("Before it in the conversation")[1].split("Go away, you pest.")[0]
    assert "yakword" in context and "gnatword" in context and "zebraword" not in reports  # the two before it
    assert "Cora Quietname" in context and "Asha Askwell" in context  # moderators may know the contributor
    moderator.post("/moderate/reports/1/handled", data={"csrf_token": csrf_token(moderator, "/moderate/reports")})
    assert "Reports</a>" in page(moderator, "/")


def test_the_reports_count_is_one_query(app, library):
    import sqlalchemy as sa

    asker, cora, moderator = (client_for(app, e) for e in ("asker@example.org", "cora@example.org", "mo@example.org"))
    engine = app.extensions["casebook.db"].kw["bind"]
    cid = conversation_id(ask(asker, "named-case"))
    for n in range(3):
        reply(cora, cid, f"Rude {n}.")
    ids = [int(i) for i in re.findall(r"/inbox/messages/(\d+)/report", page(asker, f"/inbox/{cid}"))]
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        for message_id in ids:
            asker.post(f"/inbox/messages/{message_id}/report", data={"reason": "Rude.", "csrf_token": csrf_token(asker, f"/inbox/{cid}")})
            statements.clear()
            page(moderator, "/")
            assert len([s for s in statements if "FROM reports" in s]) == 1
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert re.search(r'Reports<span class="unread-count">3<', page(moderator, "/"))


def test_asking_again_about_a_case_adds_to_the_conversation_already_there(mail_app, smtp, library):
    mail_app.config["INTRODUCTIONS_PER_DAY"] = 2
    asker, cora = client_for(mail_app, "asker@example.org"), client_for(mail_app, "cora@example.org")
    cid = conversation_id(ask(asker, "named-case", "First question."))
    again = ask(asker, "named-case", "Asking again, wombatword.")
    assert again.status_code == 302 and conversation_id(again) == cid
    shown = page(asker, f"/inbox/{cid}")
    assert "Added to your conversation about this case." in shown
    assert senders(shown) == ["You", "You"] and "wombatword" in shown
    with mail_app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Conversation)) == 1
    assert "wombatword" in page(cora, f"/inbox/{cid}")
    assert smtp.to("cora@example.org")[-1].subject == "New message about “Heat network in Deventer”"
    # It used none of the day's introductions: a second case can still be asked about.
    assert ask(asker, "anon-case").status_code == 302

    # A block holds: what she blocked never reaches her, and the asker is not told.
    post_button(cora, cid, "block")
    mails = len(smtp.to("cora@example.org"))
    blocked = ask(asker, "named-case", "Once more, badgerword.")
    assert conversation_id(blocked) == cid and "badgerword" in page(asker, f"/inbox/{cid}")
    assert "badgerword" not in page(cora, f"/inbox/{cid}") and len(smtp.to("cora@example.org")) == mails


def test_message_times_show_no_seconds_in_either_language(app, library):
    asker, cora = client_for(app, "asker@example.org"), client_for(app, "cora@example.org")
    cid = conversation_id(ask(asker, "named-case"))
    reply(cora, cid, "Hello.")
    for url in (f"/inbox/{cid}", "/inbox"):
        shown = times(page(asker, url))
        assert shown and all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\W?[AP]M", t) for t in shown), shown
    asker.set_cookie("casebook_lang", "nl")
    for url in (f"/inbox/{cid}", "/inbox"):
        shown = times(page(asker, url))
        assert shown and all(re.fullmatch(r"\d{1,2} [a-z]{3,4}\.? \d{4}, \d{2}:\d{2}", t) for t in shown), shown
