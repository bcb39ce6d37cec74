"""Meetings: moderators keep the alliance's gatherings on the web; everyone reads the date, place,
host and programme; members-only cases, notes and unwilling speakers stay inside the safe space."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app import db
from app.models import AuditEntry, Case, Meeting
from app.policy import acting_as
from app.services import meetings

from conftest import csrf_token

MODERATOR = "moderator@example.org"
PAST = date(2025, 5, 14)


@pytest.fixture
def people(signed_in):
    return {"moderator": signed_in(MODERATOR, "moderator"), "member": signed_in("member@example.org")}


@pytest.fixture
def cases(add_case):
    add_case(slug="open-square", title="Water square in Rotterdam", city="Rotterdam")
    add_case(slug="closed-pilot", title="Closed pumamarker pilot", city="Zwolle", visibility="members")
    return ("open-square", "closed-pilot")


def meeting_form(**fields) -> dict:
    """The meeting form as a browser posts it; `items` a list of row dicts."""
    items = fields.pop("items", [])
    data = {"title": "Spring meeting 2025", "held_on": PAST.isoformat(), "place": "Rotterdam",
            "host": "Gemeente Rotterdam", "summary": "Cities met on water.", "notes": "",
            "notes_visibility": "members", **fields}
    for i, row in enumerate(items):
        for key, value in row.items():
            if key == "speaker_agreed":
                if value:
                    data[f"items-{i}-speaker_agreed"] = "y"
            else:
                data[f"items-{i}-{key}"] = value
    return data


def post(client, url: str, data: dict, page: str | None = None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def add_meeting(moderator, **fields) -> str:
    """A meeting added on the web by a moderator; its address."""
    response = post(moderator, "/meetings/new", meeting_form(**fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry.action).where(AuditEntry.target_type == "meeting")
                                         .order_by(AuditEntry.id)))


def test_a_moderator_adds_a_meeting_whose_programme_links_a_case(app, client, people, cases):
    moderator = people["moderator"]
    assert moderator.get("/meetings/new").status_code == 200
    url = add_meeting(moderator, items=[{"title": "", "case": "open-square", "speaker": "Ada Water",
                                         "speaker_agreed": True},
                                        {"title": "Coffee and a walk", "case": "", "speaker": ""}])
    assert url == "/meetings/spring-meeting-2025"
    page = text(client, url)  # a visitor reads it
    assert "Spring meeting 2025" in page and "May 14, 2025" in page and "Gemeente Rotterdam" in page
    assert 'href="/cases/open-square">Water square in Rotterdam</a>' in page  # an empty title takes the case's
    assert "Presented by Ada Water" in page and "Coffee and a walk" in page
    assert page.index("Water square in Rotterdam") < page.index("Coffee and a walk")  # in the order given
    listing = text(client, "/meetings")
    assert 'href="/meetings/spring-meeting-2025"' in listing and "Water square in Rotterdam" in listing
    assert audit_actions(app) == ["meeting.create"]


def test_a_moderator_edits_a_meeting_and_the_form_shows_it_as_saved(app, client, people, cases):
    moderator = people["moderator"]
    url = add_meeting(moderator, items=[{"title": "Water", "case": "open-square", "speaker": ""}])
    form = text(moderator, f"{url}/edit")
    assert 'value="Spring meeting 2025"' in form and 'value="open-square"' in form and 'value="2025-05-14"' in form
    response = post(moderator, f"{url}/edit", meeting_form(
        title="Spring meeting 2025 in Rotterdam", place="Rotterdam, Het Nieuwe Instituut",
        items=[{"title": "Heat in Groningen", "case": "", "speaker": ""},
               {"title": "Water", "case": "http://localhost/cases/open-square", "speaker": ""}]))
    assert response.headers["Location"] == url  # the address stays, whatever the new title
    page = text(client, url)
    assert "Spring meeting 2025 in Rotterdam" in page and "Het Nieuwe Instituut" in page
    assert page.index("Heat in Groningen") < page.index('href="/cases/open-square"')
    assert audit_actions(app) == ["meeting.create", "meeting.edit"]


def test_only_moderators_manage_meetings_and_others_find_no_such_pages(app, client, people, cases):
    url = add_meeting(people["moderator"])
    member = people["member"]
    for who in (client, member):
        for page in ("/meetings/new", f"{url}/edit", f"{url}/delete"):
            assert who.get(page).status_code == 404, page  # not 403, and not a sign-in redirect
        assert "Add a meeting" not in text(who, "/meetings")
        assert f"{url}/edit" not in text(who, url)
    token = csrf_token(member, "/")
    assert member.post("/meetings/new", data={**meeting_form(title="Sneaky"), "csrf_token": token}).status_code == 404
    assert member.post(f"{url}/delete", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert [m.title for m in db.session().scalars(select(Meeting))] == ["Spring meeting 2025"]


def test_a_moderator_deletes_a_meeting_after_confirming(app, client, people, cases):
    moderator = people["moderator"]
    url = add_meeting(moderator, items=[{"title": "", "case": "open-square", "speaker": ""}])
    confirm = text(moderator, f"{url}/delete")
    assert "Delete this meeting?" in confirm and "Delete for good" in confirm
    assert client.get(url).status_code == 200  # asking is not deleting
    response = post(moderator, f"{url}/delete", {}, page=f"{url}/delete")
    assert response.headers["Location"] == "/meetings"
    assert client.get(url).status_code == 404
    assert client.get("/cases/open-square").status_code == 200  # the case presented stays
    assert "Presented at" not in text(client, "/cases/open-square")
    assert audit_actions(app) == ["meeting.create", "meeting.delete"]


def test_a_members_only_case_in_a_programme_is_nothing_at_all_to_visitors(app, client, people, cases):
    moderator, member = people["moderator"], people["member"]
    url = add_meeting(moderator, items=[
        {"title": "", "case": "open-square", "speaker": ""},
        {"title": "Our quiet wombatmarker talk", "case": "closed-pilot", "speaker": "Ada", "speaker_agreed": True}])
    for page in (url, "/meetings"):
        seen = text(client, page)
        for secret in ("pumamarker", "wombatmarker", "closed-pilot", "Zwolle", "Members only"):
            assert secret not in seen, (page, secret)
        assert "Water square in Rotterdam" in seen
        assert "Closed pumamarker pilot" in text(member, page)
    inside = text(member, url)
    assert 'href="/cases/closed-pilot"' in inside and "Closed pumamarker pilot" in inside and "Members only" in inside
    # A member viewing the site as the public sees what visitors see.
    member.post("/view-as-public", data={"on": "1", "next": url, "csrf_token": csrf_token(member, "/")})
    assert "wombatmarker" not in text(member, url)


def test_notes_are_for_members_by_default_and_visitors_get_no_hint_of_them(app, client, people, cases):
    moderator, member = people["moderator"], people["member"]
    url = add_meeting(moderator, notes="The budget talk was frank about **notemarker** costs.")
    seen = text(client, url)
    assert "notemarker" not in seen and "budget" not in seen
    assert "The notes of this meeting are for members." in seen
    inside = text(member, url)
    assert "<strong>notemarker</strong>" in inside and "for members." not in inside
    # Made public, the notes are everyone's.
    post(moderator, f"{url}/edit", meeting_form(notes="Open notes otter.", notes_visibility="public"))
    assert "Open notes otter." in text(client, url)


def test_a_meeting_without_notes_says_nothing_about_notes(client, people, cases):
    url = add_meeting(people["moderator"])
    assert "notes of this meeting" not in text(client, url)


def test_a_speaker_who_did_not_agree_is_never_named_to_anyone(app, client, people, cases):
    moderator, member = people["moderator"], people["member"]
    url = add_meeting(moderator, items=[
        {"title": "", "case": "open-square", "speaker": "Wilhelmina Zwijger", "speaker_agreed": False},
        {"title": "Open talk", "case": "", "speaker": "Ada Spreker", "speaker_agreed": True}])
    for who in (client, member, moderator):
        for page in (url, "/meetings", "/cases/open-square", "/search?q=water", "/"):
            html = text(who, page)
            assert "Zwijger" not in html and "Wilhelmina" not in html, page
    assert "Presented by Ada Spreker" in text(client, url)
    # Only the moderators' form holds the name, to edit it.
    assert 'value="Wilhelmina Zwijger"' in text(moderator, f"{url}/edit")


def test_the_case_page_says_at_which_meetings_it_was_presented(app, client, people, cases):
    moderator = people["moderator"]
    add_meeting(moderator, items=[{"title": "", "case": "open-square", "speaker": ""}])
    soon = date.today() + timedelta(days=60)
    add_meeting(moderator, title="Autumn meeting", held_on=soon.isoformat(),
                items=[{"title": "Water again", "case": "open-square", "speaker": ""}])
    page = text(client, "/cases/open-square")
    assert 'Presented at <a href="/meetings/spring-meeting-2025">Spring meeting 2025</a>, May 14, 2025' in page
    assert 'To be presented at <a href="/meetings/autumn-meeting">Autumn meeting</a>' in page
    assert "Presented at" not in text(people["member"], "/cases/closed-pilot")


def test_the_case_page_asks_the_database_once_for_its_meetings(app, people, cases):
    add_meeting(people["moderator"], items=[{"title": "", "case": "open-square", "speaker": ""}])
    engine = app.extensions["casebook.db"].kw["bind"]
    with app.test_request_context("/cases/open-square"):
        case = db.session().scalar(select(Case).where(Case.slug == "open-square"))
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            found = meetings.presented_at(acting_as(None), case)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert [m.title for m in found] == ["Spring meeting 2025"]
    assert len(statements) == 1


def test_upcoming_meetings_come_first_then_past_ones_newest_first(client, people):
    moderator = people["moderator"]
    for title, day in (("Old meeting", date(2024, 11, 6)), ("Newer meeting", PAST),
                       ("Next meeting", date.today() + timedelta(days=30))):
        add_meeting(moderator, title=title, held_on=day.isoformat())
    page = text(client, "/meetings")
    assert page.index("Coming up") < page.index("Next meeting") < page.index("Past meetings") \
        < page.index("Newer meeting") < page.index("Old meeting")


def test_a_new_site_has_no_meetings_and_says_so(client, people):
    seen = text(client, "/meetings")
    assert "No meetings yet." in seen and "Add a meeting" not in seen
    assert "Add a meeting" in text(people["moderator"], "/meetings")
    assert "No meetings yet." in text(people["member"], "/meetings")
    assert 'href="/meetings"' in text(client, "/")  # in the site's navigation


def test_a_form_that_fails_keeps_what_was_typed_and_says_what_is_wrong_by_each_field(app, people, cases):
    moderator = people["moderator"]
    response = post(moderator, "/meetings/new", meeting_form(
        title="Autumn meeting", place="", host="Gemeente Oss", summary="Typed summary stays.",
        items=[{"title": "", "case": "no-such-case", "speaker": "Jan Smit", "speaker_agreed": True},
               {"title": "", "case": "", "speaker": "Speaker without a talk"}]))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for kept in ('value="Autumn meeting"', 'value="Gemeente Oss"', "Typed summary stays.", 'value="no-such-case"',
                 'value="Jan Smit"', 'value="Speaker without a talk"'):
        assert kept in page, kept
    assert re.search(r'id="items-0-speaker_agreed"[^>]*checked|checked[^>]*id="items-0-speaker_agreed"', page)
    assert 'id="place-error">Say where the meeting is held.' in page
    assert 'id="items-0-case-error">No published case has the address name “no-such-case”.' in page
    assert 'id="items-1-title-error">Give this item a title, or the case it presents.' in page
    assert 'aria-describedby="place-hint place-error"' in page or 'aria-describedby="place-error place-hint"' in page
    bad_date = post(moderator, "/meetings/new", meeting_form(held_on="2025-13-45", place=""))
    assert bad_date.status_code == 400
    html = bad_date.get_data(as_text=True)
    assert "Give the date as year-month-day" in html and "Say where the meeting is held." in html
    with app.app_context():
        assert db.session().scalar(select(Meeting)) is None


def test_more_rows_and_removing_a_row_keep_everything_typed_and_save_nothing(app, people, cases):
    moderator = people["moderator"]
    typed = meeting_form(title="Draft meeting", items=[{"title": "First talk", "case": "", "speaker": ""},
                                                       {"title": "Second talk", "case": "open-square", "speaker": ""}])
    more = post(moderator, "/meetings/new", {**typed, "action": "more_rows"}).get_data(as_text=True)
    assert 'value="Draft meeting"' in more and 'value="Second talk"' in more and 'name="items-4-title"' in more
    fewer = post(moderator, "/meetings/new", {**typed, "action": "remove-0"}).get_data(as_text=True)
    assert "First talk" not in fewer and 'name="items-0-title" type="text" value="Second talk"' in fewer
    with app.app_context():
        assert db.session().scalar(select(Meeting)) is None


def test_meetings_speak_dutch(app, client, people, cases):
    moderator = people["moderator"]
    url = add_meeting(moderator, notes="Besloten notities.", items=[{"title": "", "case": "open-square", "speaker": ""}])
    for who in (client, moderator):
        who.set_cookie("casebook_lang", "nl")
    listing = text(client, "/meetings")
    assert "Bijeenkomsten" in listing and "14 mei 2025" in listing and "Gepresenteerde cases:" in listing
    page = text(client, url)
    assert "Programma" in page and "De notities van deze bijeenkomst zijn voor leden." in page
    assert "Gepresenteerd op" in text(client, "/cases/open-square")
    form = text(moderator, "/meetings/new")
    for label in ("Bijeenkomst toevoegen", "Titel", "Datum", "Plaats", "Gastheer", "Spreker",
                  "De spreker stemde in met het noemen van de naam", "Meer rijen", "Wie mag de notities lezen"):
        assert label in form, label
    failed = post(moderator, "/meetings/new", meeting_form(title="", place=""), page="/meetings/new")
    assert "Geef de bijeenkomst een titel." in failed.get_data(as_text=True)
    assert "Zeg waar de bijeenkomst is." in failed.get_data(as_text=True)


def test_the_audit_log_shows_admins_what_moderators_did_to_meetings(people, signed_in):
    admin = signed_in("admin@example.org", "admin")
    add_meeting(people["moderator"])
    log = text(admin, "/admin/audit")
    assert "Added a meeting" in log and "Spring meeting 2025" in log and MODERATOR in log


def test_a_deleted_case_leaves_the_meeting_page_working(app, client, people, cases):
    moderator = people["moderator"]
    url = add_meeting(moderator, items=[{"title": "", "case": "open-square", "speaker": ""},
                                        {"title": "Open talk", "case": "", "speaker": ""}])
    assert "Water square in Rotterdam" in text(client, url)  # the first item, titled after its case
    post(moderator, "/cases/open-square/delete", {})
    assert client.get("/cases/open-square").status_code == 404
    page = text(client, url)
    assert "Open talk" in page and 'href="/cases/open-square"' not in page
    # The item about the deleted case went with it: its title (the case's own) is nowhere.
    assert "open-square" not in page and "Water square in Rotterdam" not in page
    assert 'value="open-square"' not in text(moderator, f"{url}/edit")


def test_the_speaker_of_an_anonymous_case_is_named_to_moderators_only(app, client, people, add_case):
    add_case(slug="open-square", title="Water square in Rotterdam", city="Rotterdam")
    add_case(slug="quiet-square", title="Quiet square", city="Delft", attribution="anonymous")
    moderator, member = people["moderator"], people["member"]
    url = add_meeting(moderator, items=[
        {"title": "", "case": "quiet-square", "speaker": "Bram Jansen", "speaker_agreed": True},
        {"title": "", "case": "open-square", "speaker": "Ada Water", "speaker_agreed": True}])
    for who in (client, member):  # agreeing to be named as a speaker does not undo the case's anonymity
        for page in (url, "/meetings", "/cases/quiet-square"):
            assert "Jansen" not in text(who, page), page
        assert "Quiet square" in text(who, url) and "Presented by Ada Water" in text(who, url)
    inside = text(moderator, url)
    assert "Presented by Bram Jansen" in inside and "Only moderators see this name: the case is anonymous." in inside
    assert "Presented by Ada Water" in inside
    # The form says so by the anonymous case's row, and only there.
    form = text(moderator, f"{url}/edit")
    hint = 'id="items-0-anonymous">This case was shared anonymously: its speaker is not named'
    assert hint in form and 'aria-describedby="items-0-anonymous"' in form and "items-1-anonymous" not in form


def test_an_upcoming_meeting_lists_the_cases_it_will_present(client, people, cases):
    moderator = people["moderator"]
    add_meeting(moderator, items=[{"title": "", "case": "open-square", "speaker": ""}])
    add_meeting(moderator, title="Autumn meeting", held_on=(date.today() + timedelta(days=60)).isoformat(),
                items=[{"title": "", "case": "open-square", "speaker": ""}])
    listing = text(client, "/meetings")
    assert listing.count("To be presented:") == 1 and listing.count("Cases presented:") == 1
    assert listing.index("To be presented:") < listing.index("Past meetings") < listing.index("Cases presented:")
    client.set_cookie("casebook_lang", "nl")
    assert "Op het programma:" in text(client, "/meetings")


def test_public_notes_beside_a_members_only_case_are_saved_with_a_warning_in_the_form(app, client, people, cases):
    moderator = people["moderator"]
    url = add_meeting(moderator, notes="What we learned.", items=[{"title": "", "case": "closed-pilot", "speaker": ""}])
    assert "notes-warning" not in text(moderator, f"{url}/edit")  # members-only notes: nothing to warn about
    response = post(moderator, f"{url}/edit", meeting_form(notes="What we learned.", notes_visibility="public",
                                                           items=[{"title": "", "case": "closed-pilot",
                                                                   "speaker": ""}]))
    assert response.headers["Location"] == f"{url}/edit#notes-warning"  # saved, and back to the form
    form = text(moderator, f"{url}/edit")
    assert "The meeting is saved." in form
    assert ('id="notes-warning" role="status">These notes are for everyone, and the programme presents a case for '
            "members only: “Closed pumamarker pilot”.") in form
    assert "What we learned." in text(client, url)  # the moderator's choice stands
    # Public notes beside public cases only: saved without a word.
    response = post(moderator, f"{url}/edit", meeting_form(notes="What we learned.", notes_visibility="public",
                                                           items=[{"title": "", "case": "open-square",
                                                                   "speaker": ""}]))
    assert response.headers["Location"] == url and "notes-warning" not in text(moderator, f"{url}/edit")
