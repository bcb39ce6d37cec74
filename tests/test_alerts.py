"""Saved searches and alerts: a member saves a search on the results page and is mailed, through a
real SMTP server, one digest of what is new for it: only what they may see, never twice."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import db
from app.models import Case, CaseUpdate, OutboxMail, SavedSearch, aware, utcnow
from app.policy import SYSTEM
from app.services import alerts, members
from app.services.unit_of_work import unit_of_work

from conftest import PASSWORD, csrf_token

ANA = "ana@example.org"


# --- helpers ---------------------------------------------------------------------------------------

def _member(app, email: str = ANA, **values) -> int:
    with app.app_context():
        member = members.create_member(email, PASSWORD, name="Ana de Vries")
        if values:
            with unit_of_work(SYSTEM):
                for key, value in values.items():
                    setattr(member, key, value)
        return member.id


def _publish(app, add_case, slug: str, ago: timedelta = timedelta(minutes=10), **meta) -> str:
    """A case published `ago` (imported cases are published at once; here, a little while ago)."""
    add_case(slug=slug, **meta)
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        uow.session.scalar(select(Case).where(Case.slug == slug)).published_at = utcnow() - ago
        uow.search_must_look_at(slug)
    return slug


def _save(app, member_id: int, query: str = "", frequency: str = "daily", ago: timedelta = timedelta(days=1, hours=1),
          **filters) -> int:
    """A saved search that last looked `ago`."""
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        saved = SavedSearch(member_id=member_id, query=query, filters={k: list(v) for k, v in filters.items()},
                            frequency=frequency, created_at=utcnow() - ago, checked_at=utcnow() - ago)
        uow.session.add(saved)
    return saved.id


def _checked_at(app, search_id: int):
    with app.app_context():
        return aware(db.session().get(SavedSearch, search_id).checked_at)


def _send(app) -> str:
    result = app.test_cli_runner().invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    return result.output


def _outbox(app) -> list[OutboxMail]:
    with app.app_context():
        return list(db.session().scalars(select(OutboxMail).order_by(OutboxMail.id)))


@pytest.fixture
def water(app, add_case):
    """Rotterdam's water cases: an old one, a new one, and a new one about something else."""
    _publish(app, add_case, "old-water-square", ago=timedelta(days=3), title="Old water square Tiel",
             summary="Rain water stored under a playground.", city="Tiel", themes=["climate-adaptation"])
    _publish(app, add_case, "new-water-square", title="Water square Benthemplein", city="Rotterdam",
             summary="A square that holds the rain of a heavy storm.", themes=["climate-adaptation"])
    _publish(app, add_case, "new-heat-network", title="Heat network Zwolle", city="Zwolle",
             summary="Homes warmed by the waste heat of a factory.", themes=["energy-transition"])


# --- saving a search -------------------------------------------------------------------------------

def _save_form(page: str) -> dict[str, list[str]]:
    form = re.search(r'<form method="post" action="/profile/searches" class="save-search-form">(.*?)</form>', page, re.S)
    assert form, "no save control"
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1)):
        fields.setdefault(name, []).append(value)
    return fields


def test_a_member_saves_a_search_with_its_filters_from_the_results_page(app, water, signed_in):
    client = signed_in(ANA)
    page = client.get("/search?q=water&theme=climate-adaptation&city=Rotterdam").get_data(as_text=True)
    fields = _save_form(page)
    assert fields["q"] == ["water"] and fields["theme"] == ["climate-adaptation"] and fields["city"] == ["Rotterdam"]
    saved = client.post("/profile/searches", data={**fields, "frequency": "daily"}, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "Search saved." in text
    assert "You saved this search: we mail you once a day when new cases match it." in text
    assert "save-search-form" not in text  # the page now says so
    mine = client.get("/profile/searches").get_data(as_text=True)
    assert "“water” · Theme: Climate adaptation · City: Rotterdam" in mine
    [run] = re.findall(r'<h2><a href="([^"]+)"', mine)
    assert run.startswith("/search?") and "q=water" in run and "theme=climate-adaptation" in run and "city=Rotterdam" in run
    assert 'selected' in re.search(r'<option[^>]*value="daily"[^>]*>', mine).group(0)
    # Saving it again changes how often, never a second copy.
    client.post("/profile/searches", data={**fields, "frequency": "weekly"})
    with app.app_context():
        [one] = db.session().scalars(select(SavedSearch)).all()
        assert (one.query, one.filters, one.frequency) == ("water", {"theme": ["climate-adaptation"], "city": ["Rotterdam"]},
                                                          "weekly")


def test_visitors_and_members_viewing_as_public_get_no_save_button(app, water, client, signed_in):
    assert "Save this search" not in client.get("/search?q=water").get_data(as_text=True)
    assert client.get("/profile/searches").status_code == 302  # sign in first
    member = signed_in(ANA)
    assert "Save this search" in member.get("/search?q=water").get_data(as_text=True)
    member.post("/view-as-public", data={"on": "1", "next": "/search",
                                         "csrf_token": csrf_token(member, "/search")})
    assert "Save this search" not in member.get("/search?q=water").get_data(as_text=True)


def test_a_member_keeps_at_most_fifty_saved_searches_and_is_told_why(app, signed_in):
    client = signed_in(ANA)
    with app.app_context():
        member_id = members.member_by_email(ANA).id
    for n in range(50):
        _save(app, member_id, f"search {n}")
    token = csrf_token(client, "/search?q=one+more")
    page = client.post("/profile/searches", data={"q": "one more", "frequency": "weekly", "csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "You have 50 saved searches, the most you can keep." in page
    with app.app_context():
        assert db.session().query(SavedSearch).count() == 50


def test_a_member_changes_how_often_and_deletes_only_their_own(app, signed_in):
    client = signed_in(ANA)
    with app.app_context():
        mine = _save(app, members.member_by_email(ANA).id, "water")
    other = _save(app, _member(app, "bo@example.org"), "secret words of bo")
    assert "secret words of bo" not in client.get("/profile/searches").get_data(as_text=True)
    token = csrf_token(client, "/profile/searches")
    client.post(f"/profile/searches/{mine}/frequency", data={f"s{mine}-frequency": "weekly", f"s{mine}-csrf_token": token})
    with app.app_context():
        assert db.session().get(SavedSearch, mine).frequency == "weekly"
    assert client.post(f"/profile/searches/{other}/delete", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/profile/searches/{other}/frequency",
                       data={f"s{other}-frequency": "daily", f"s{other}-csrf_token": token}).status_code == 404
    assert client.post(f"/profile/searches/{mine}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert [s.id for s in db.session().scalars(select(SavedSearch))] == [other]


def test_the_profile_links_to_the_saved_searches_in_dutch_too(app, signed_in):
    client = signed_in(ANA)
    client.set_cookie("casebook_lang", "nl")
    assert 'href="/profile/searches"' in client.get("/profile").get_data(as_text=True)
    page = client.get("/profile/searches").get_data(as_text=True)
    assert "Je bewaarde zoekopdrachten" in page and "Je hebt nog geen bewaarde zoekopdrachten." in page


# --- the digest ------------------------------------------------------------------------------------

def test_the_digest_holds_the_new_matching_case_and_nothing_else(mail_app, smtp, water):
    ana = _member(mail_app)
    _save(mail_app, ana, "water")
    out = _send(mail_app)
    assert "1 digest(s) written" in out and "1 sent, 0 failed" in out
    [mail] = smtp.wait_for(1)
    assert mail.recipients == [ANA]
    assert mail.subject == "New on Casebook: Water square Benthemplein"
    assert mail.text.startswith("New on Casebook for the searches you saved:")  # as the subject says it
    for part in (mail.text, mail.html):
        assert "Water square Benthemplein" in part and "Rotterdam" in part
        assert "A square that holds the rain of a heavy storm." in part
        assert "/cases/new-water-square" in part
        assert "Old water square" not in part and "Heat network" not in part
        assert "/unsubscribe/" in part  # one click stops these mails
        assert "/profile/searches" in part
    assert mail.message["List-Unsubscribe"].startswith("<http")
    assert "“water”" in mail.text


def test_filters_count_as_much_as_words(mail_app, smtp, water):
    ana = _member(mail_app)
    _save(mail_app, ana, theme=["energy-transition"])
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert "Heat network Zwolle" in mail.text and "Water square" not in mail.text
    assert "Theme: Energy transition" in mail.text


def test_nothing_is_sent_when_nothing_matched_and_the_search_still_moves_on(mail_app, smtp, water):
    ana = _member(mail_app)
    search_id = _save(mail_app, ana, "tramline")
    before = _checked_at(mail_app, search_id)
    assert "0 digest(s) written" in _send(mail_app)
    assert smtp.messages == [] and _outbox(mail_app) == []
    assert _checked_at(mail_app, search_id) > before + timedelta(days=1)


def test_a_weekly_search_waits_for_its_week(mail_app, smtp, water):
    ana = _member(mail_app)
    search_id = _save(mail_app, ana, "water", frequency="weekly", ago=timedelta(days=1, hours=2))
    _send(mail_app)
    assert smtp.messages == []
    with mail_app.app_context(), unit_of_work(SYSTEM):
        db.session().get(SavedSearch, search_id).checked_at = utcnow() - timedelta(days=7)
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert "Water square Benthemplein" in mail.text


def test_running_twice_mails_a_case_once(mail_app, smtp, water, add_case):
    ana = _member(mail_app)
    _save(mail_app, ana, "water")
    _send(mail_app)
    _send(mail_app)  # cron again a minute later: not due, nothing new
    assert len(smtp.wait_for(1)) == 1
    # The next day only what is new since the first digest comes; the case mailed before does not.
    _publish(mail_app, add_case, "water-street", ago=timedelta(0), title="Water street Dordrecht", city="Dordrecht")
    with mail_app.app_context():
        run = alerts.send_alerts(now=utcnow() + timedelta(days=1))
    assert (run.digests, run.sent) == (1, 1)
    second = smtp.wait_for(2)[1]
    assert "Water street Dordrecht" in second.text and "Benthemplein" not in second.text


def test_one_digest_per_member_for_all_their_searches(mail_app, smtp, water):
    ana = _member(mail_app)
    _save(mail_app, ana, "water")
    _save(mail_app, ana, "heat")
    _save(mail_app, ana, "tramline")
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert mail.subject == "New on Casebook: 2 cases for your saved searches"
    assert "“water”" in mail.text and "“heat”" in mail.text and "tramline" not in mail.text


def test_members_only_cases_and_lessons_reach_members_as_they_may_see_them(mail_app, smtp, add_case):
    _publish(mail_app, add_case, "closed-garden", title="Closed garden Delft", visibility="members", city="Delft")
    _publish(mail_app, add_case, "open-garden", title="Open garden Gouda", city="Gouda", lessons=[
        {"kind": "went_badly", "text": "The quokkasecret budget failed.", "visibility": "members"}])
    ana = _member(mail_app)
    _save(mail_app, ana, "garden")
    _save(mail_app, ana, "quokkasecret")  # words only a members-only lesson holds: members find it
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert "Closed garden Delft" in mail.text and "(members only)" in mail.text
    assert "Members only" in mail.html
    assert "“quokkasecret”" in mail.text
    assert "The quokkasecret budget failed." not in mail.text + mail.html  # lessons are not quoted in a mail


def test_a_disabled_member_gets_nothing(mail_app, smtp, water):
    ana = _member(mail_app, disabled_at=utcnow())
    search_id = _save(mail_app, ana, "water")
    _send(mail_app)
    assert smtp.messages == [] and _outbox(mail_app) == []
    assert _checked_at(mail_app, search_id) > utcnow() - timedelta(hours=1)  # no backlog when enabled again


def test_a_member_who_turned_alerts_off_gets_nothing(mail_app, smtp, water):
    ana = _member(mail_app, mail_choices={"alerts": False})
    _save(mail_app, ana, "water")
    _send(mail_app)
    assert smtp.messages == [] and _outbox(mail_app) == []


def test_a_case_withdrawn_or_made_members_only_after_publishing_is_left_out(mail_app, smtp, add_case):
    _publish(mail_app, add_case, "gone-water", title="Gone water plan", city="Ede")
    _publish(mail_app, add_case, "kept-water", title="Kept water plan", city="Ede")
    ana = _member(mail_app)
    _save(mail_app, ana, "water")
    with mail_app.app_context(), unit_of_work(SYSTEM) as uow:
        uow.deleted(uow.session.scalar(select(Case).where(Case.slug == "gone-water")))
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert "Kept water plan" in mail.text and "Gone water plan" not in mail.text


def test_an_approved_update_of_an_older_case_is_in_the_digest(mail_app, smtp, water):
    ana = _member(mail_app)
    _save(mail_app, ana, "playground")
    with mail_app.app_context(), unit_of_work(SYSTEM) as uow:
        case = uow.session.scalar(select(Case).where(Case.slug == "old-water-square"))
        uow.session.add(CaseUpdate(case_id=case.id, text="The basin now also cools the **school** yard.",
                                   status="completed", state="approved", published_at=utcnow() - timedelta(minutes=5)))
        uow.session.add(CaseUpdate(case_id=case.id, text="Not reviewed yet.", state="submitted"))
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert "Old water square Tiel" in mail.text
    assert "The basin now also cools the school yard." in mail.text and "(now: completed):" in mail.text
    assert "(now: completed):</strong>" in mail.html  # the status in the sentence, not as a label
    assert "Not reviewed yet." not in mail.text


def test_the_digest_is_written_in_the_members_language(mail_app, smtp, water):
    ana = _member(mail_app, language="nl")
    _save(mail_app, ana, "water", theme=["climate-adaptation"])
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert mail.subject == "Nieuw op Casebook: Water square Benthemplein"
    assert mail.text.startswith("Nieuw op Casebook voor de zoekopdrachten die je hebt bewaard:")
    assert "Thema: Klimaatadaptatie" in mail.text and "Alle resultaten van deze zoekopdracht" in mail.html


def test_a_refused_digest_stays_in_the_outbox_and_the_next_run_sends_it(mail_app, smtp, water):
    smtp.refuse = True
    ana = _member(mail_app)
    _save(mail_app, ana, "water")
    assert "0 sent, 1 failed" in _send(mail_app)
    [waiting] = _outbox(mail_app)
    assert waiting.sent_at is None and waiting.kind == "alerts"
    smtp.refuse = False
    with mail_app.app_context(), unit_of_work(SYSTEM):
        db.session().get(OutboxMail, waiting.id).next_attempt_at = utcnow() - timedelta(seconds=1)  # its retry is due
    out = _send(mail_app)
    assert "0 digest(s) written" in out and "1 sent, 0 failed" in out
    [mail] = smtp.wait_for(1)
    assert "Water square Benthemplein" in mail.text
    assert len(_outbox(mail_app)) == 1  # the same digest, not a second one


def test_without_a_mail_server_the_digest_waits_in_the_outbox(app, water):
    ana = _member(app)
    _save(app, ana, "water")
    assert "no mail server set" in _send(app)
    [kept] = _outbox(app)
    assert kept.sent_at is None and "Water square Benthemplein" in kept.text


def test_a_case_published_a_moment_ago_waits_for_the_next_digest(mail_app, smtp, add_case):
    """Still settling (its transaction may be committing): the next run has it, once."""
    _publish(mail_app, add_case, "fresh-water", ago=timedelta(seconds=10), title="Fresh water plan", city="Ede")
    ana = _member(mail_app)
    _save(mail_app, ana, "water")
    _send(mail_app)
    assert smtp.messages == []
    with mail_app.app_context():
        alerts.send_alerts(now=utcnow() + timedelta(days=1))
    [mail] = smtp.wait_for(1)
    assert "Fresh water plan" in mail.text


def test_each_member_has_their_own_digest(mail_app, smtp, water):
    _save(mail_app, _member(mail_app), "water")
    bo = _member(mail_app, "bo@example.org")
    _save(mail_app, bo, "heat")
    _send(mail_app)
    assert "Water square" in smtp.to(ANA)[0].text and "Heat network" not in smtp.to(ANA)[0].text
    assert "Heat network" in smtp.to("bo@example.org")[0].text



def test_two_runs_at_once_mail_a_search_once(mail_app, smtp, water, monkeypatch):
    """Another run takes the saved search while this one is searching: this one leaves it alone."""
    ana = _member(mail_app)
    search_id = _save(mail_app, ana, "water")
    searched = alerts._section

    def meanwhile_another_run_took_it(*args):
        found = searched(*args)
        with db.fresh_session() as other:
            other.get(SavedSearch, search_id).checked_at = utcnow()
            other.commit()
        return found

    monkeypatch.setattr(alerts, "_section", meanwhile_another_run_took_it)
    assert "0 digest(s) written" in _send(mail_app)
    assert smtp.messages == [] and _outbox(mail_app) == []


def test_a_dutch_digest_says_the_new_status_in_lower_case(mail_app, smtp, water):
    ana = _member(mail_app, language="nl")
    _save(mail_app, ana, "playground")
    with mail_app.app_context(), unit_of_work(SYSTEM) as uow:
        case = uow.session.scalar(select(Case).where(Case.slug == "old-water-square"))
        uow.session.add(CaseUpdate(case_id=case.id, text="Het bassin koelt nu ook het schoolplein.", status="running",
                                   state="approved", published_at=utcnow() - timedelta(minutes=5)))
    _send(mail_app)
    [mail] = smtp.wait_for(1)
    assert "(nu: lopend):" in mail.text and "(nu: lopend):</strong>" in mail.html
    assert "Lopend" not in mail.text


def test_with_alert_mails_off_the_results_page_says_a_saved_search_sends_nothing(app, water, signed_in):
    client = signed_in(ANA)
    with app.app_context(), unit_of_work(SYSTEM):
        member = members.member_by_email(ANA)
        member.mail_choices = {**(member.mail_choices or {}), "alerts": False}
        member_id = member.id
    page = client.get("/search?q=water").get_data(as_text=True)
    assert "Alert mails are off: a saved search sends you nothing until you turn them on." in page
    assert 'href="/profile#mail"' in page
    _save(app, member_id, "water")
    page = client.get("/search?q=water").get_data(as_text=True)
    assert "You saved this search, but alert mails are off: it sends you nothing now." in page
    assert "we mail you" not in page and 'href="/profile#mail"' in page
    client.set_cookie("casebook_lang", "nl")
    page = client.get("/search?q=water").get_data(as_text=True)
    assert "maar meldingen per mail staan uit" in page and "we mailen je" not in page
    # Mails on again: the page promises them again.
    with app.app_context(), unit_of_work(SYSTEM):
        members.member_by_email(ANA).mail_choices = {"alerts": True}
    client.set_cookie("casebook_lang", "en")
    page = client.get("/search?q=water").get_data(as_text=True)
    assert "You saved this search: we mail you once a day" in page and "/profile#mail" not in page
