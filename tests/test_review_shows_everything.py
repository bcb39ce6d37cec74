"""Moderators see everything they approve: every field, the visibility of each lesson, who sent it and
when, and for an addition or update of a published case what it changes against the published version."""
from __future__ import annotations

import html
import re

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app import db, i18n
from app.casefiles import read_text
from app.models import Case, Member, Proposal
from app.policy import acting_as
from app.services import contributions, follow_ups, members, proposals

from conftest import PASSWORD, case_text, csrf_token, sign_in

AUTHOR = "anna@example.org"
FULL_CASE = dict(
    slug="zwolle-buurtwarmte", title="Buurtwarmte in Zwolle", summary="Bewoners bouwden samen een warmtenet.",
    city="Zwolle", country="NL", themes=["energy-transition", "social-inclusion"], language="nl",
    visibility="members", attribution="anonymous", status="pilot", year=2021,
    organisations=["Gemeente Zwolle", "Buurtcoöperatie Assendorp"], sdg_targets=["7.2", "11.3"],
    sources=["https://example.org/zwolle-warmte"], contact="Wijkteam Assendorp",
    copied_from="rotterdam-warmtenet",
    lessons=[{"kind": "went_well", "text": "Bewoners deden vanaf het begin mee.", "visibility": "public"},
             {"kind": "went_badly", "text": "De aannemer ging failliet.", "visibility": "members"}],
    transfer={"needs": ["Een actieve bewonersgroep"], "duration_months": 18,
              "pitfalls": ["Te laat met de netbeheerder praten"]},
)


def text_of(fragment: str) -> str:
    """What a fragment reads as: blocks apart, inline elements within their text."""
    spaced = re.sub(r"</?(?:li|td|th|dt|dd|div|p|tr|br|ol|ul|h\d|section)\b[^>]*>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def moment(when) -> str:
    """A date and time as the pages show it (in the request's language), as text_of reads it."""
    return " ".join(i18n.format_moment(when).split())


def review_fields(page: str) -> dict[str, str]:
    """The review page's list of fields: each label and what its value reads."""
    fields = re.search(r'<dl class="review-fields">(.*?)</dl>', page, re.S).group(1)
    return {text_of(label): text_of(value) for label, value in re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", fields, re.S)}


def field_changes(page: str) -> dict[str, str]:
    """The fields a comparison shows as changed, each with its lines as a screen reader reads them."""
    return {text_of(name): text_of(lines) for name, lines in
            re.findall(r'<section class="field-change">\s*<h3 class="field-name">(.*?)</h3>(.*?)</section>', page, re.S)}


@pytest.fixture
def author(app):
    with app.app_context():
        members.create_member(AUTHOR, PASSWORD, name="Anna Auteur", organisation="Gemeente Zwolle")
    client = app.test_client()
    sign_in(client, AUTHOR)
    return client


@pytest.fixture
def moderator(signed_in):
    return signed_in("mod@example.org", "moderator")


@pytest.fixture
def submitted(app, author, add_case) -> int:
    """A case with every field filled in, submitted by Anna: its id."""
    add_case(slug="rotterdam-warmtenet", title="Warmtenet in Rotterdam", city="Rotterdam")
    with app.test_request_context():
        anna = db.session().scalar(select(Member).where(Member.email == AUTHOR))
        case = contributions.save(acting_as(anna), read_text("form", case_text("## Wat ze deden\n\nEen **coöperatie**.",
                                                                               **FULL_CASE)))
        contributions.submit(acting_as(anna), case)
        return case.id


def test_the_review_of_a_new_case_shows_every_field_as_it_would_be_published(moderator, submitted):
    page = moderator.get(f"/moderate/{submitted}").get_data(as_text=True)
    fields = review_fields(page)
    assert fields["Title"] == "Buurtwarmte in Zwolle"
    assert fields["Summary"] == "Bewoners bouwden samen een warmtenet."
    assert fields["City"] == "Zwolle"
    assert fields["Country"] == "Netherlands (NL)"
    assert fields["Year it started"] == "2021"
    assert fields["Status"] == "Pilot"
    assert fields["Themes"] == "Energy transition Social inclusion"
    assert fields["Written in"] == "Dutch"
    assert fields["Who may read the case"] == "Members only"
    # Anonymous to readers, but the moderator learns who it is.
    assert fields["Contributor"].startswith("Anonymous") and "Anna Auteur" in fields["Contributor"]
    assert fields["Organisations"] == "Gemeente Zwolle Buurtcoöperatie Assendorp"
    assert fields["SDG targets"].startswith("7.2") and "11.3" in fields["SDG targets"]
    assert "https://example.org/zwolle-warmte" in fields["Sources"]
    assert fields["Contact"] == "Wijkteam Assendorp"
    assert fields["Copied from"].startswith("Warmtenet in Rotterdam")
    # Each lesson with its own visibility.
    lessons = [text_of(li) for li in re.findall(r"<li>(.*?)</li>",
                                                re.search(r'<ol class="review-lessons">(.*?)</ol>', page, re.S).group(1),
                                                re.S)]
    assert lessons == ["Went well · Everyone Bewoners deden vanaf het begin mee.",
                       "Went badly · Members only De aannemer ging failliet."]
    # The story rendered as readers see it, and the "Copy this" guide in full.
    assert "<strong>coöperatie</strong>" in page
    assert "Een actieve bewonersgroep" in page and "Te laat met de netbeheerder praten" in page
    assert "18 months" in text_of(page)


def test_the_review_says_who_submitted_it_and_when(app, moderator, submitted):
    page = moderator.get(f"/moderate/{submitted}").get_data(as_text=True)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        case = db.session().get(Case, submitted)
        when = moment(case.updated_at)
    sender = text_of(re.search(r'<dl class="review-sender">(.*?)</dl>', page, re.S).group(1))
    assert "Anna Auteur (anna@example.org), Gemeente Zwolle" in sender and when in sender and "New case" in sender


def test_a_resubmitted_case_shows_the_note_it_was_sent_back_with(app, moderator, submitted):
    with app.test_request_context():
        session = db.session()
        case = session.get(Case, submitted)
        mod = session.scalar(select(Member).where(Member.email == "mod@example.org"))
        contributions.send_back(acting_as(mod), case, "Please add the costs.")
        contributions.submit(acting_as(case.author), case)
    page = moderator.get(f"/moderate/{submitted}").get_data(as_text=True)
    assert "Sent back earlier with this note: Please add the costs." in text_of(page)


def test_the_queue_shows_who_submitted_each_case_and_when_in_the_ui_language(app, moderator, submitted):
    with app.test_request_context():
        updated_at = db.session().get(Case, submitted).updated_at
    for language in ("en", "nl"):
        moderator.get(f"/language/{language}")
        queue = moderator.get("/moderate").get_data(as_text=True)
        row = next(r for r in re.findall(r"<tr>(.*?)</tr>", queue, re.S) if f"/moderate/{submitted}" in r)
        with app.test_request_context(headers={"Accept-Language": language}):
            when = moment(updated_at)
            new_case = gettext("New case")
        assert "Buurtwarmte in Zwolle" in row and "Anna Auteur" in row and when in text_of(row) and new_case in row
    assert new_case != "New case"  # the last look was in Dutch


def test_an_updates_review_shows_only_what_changes_old_and_new(app, add_case, moderator, author):
    add_case(slug="zwolle-zon", title="Zon op Zwolle", status="running",
             lessons=[{"kind": "went_well", "text": "Daken vol panelen."}])
    with app.test_request_context():
        session = db.session()
        case = session.scalar(select(Case).where(Case.slug == "zwolle-zon"))
        anna = session.scalar(select(Member).where(Member.email == AUTHOR))
        case.author_id = anna.id
        session.commit()
        update_id = follow_ups.submit_update(acting_as(anna), case, follow_ups.Answer(
            status="completed", text="Alle daken zijn klaar.", lesson_kind="went_badly",
            lesson_text="Het net was te vol.", lesson_visibility="members",
            story_addition="De wijk wekt nu zelf stroom op.")).id
    queue = moderator.get("/moderate").get_data(as_text=True)
    assert f"/moderate/updates/{update_id}" in queue and "Edit: an update" in queue
    page = moderator.get(f"/moderate/updates/{update_id}").get_data(as_text=True)
    changes = field_changes(page)
    assert set(changes) == {"Status", "Lessons", "The story"}  # title, summary, themes... unchanged: not shown
    assert "removed: Running" in changes["Status"] and "added: Completed" in changes["Status"]
    assert "added: Went badly · Members only: Het net was te vol." in changes["Lessons"]
    assert "added: Went well" not in changes["Lessons"]  # the lesson already there is context, not new
    assert "added: De wijk wekt nu zelf stroom op." in changes["The story"]
    assert "removed:" not in changes["The story"]  # the story only grows
    assert "Anna Auteur" in page and "Gemeente Zwolle" in page


def test_a_proposed_lesson_shows_its_visibility_sender_and_what_it_adds(app, add_case, moderator, author):
    add_case(slug="oss-repair-cafe", title="Repair café in Oss", city="Oss")
    url = "/cases/oss-repair-cafe/tried-this-too"
    author.post(url, data={"kind": "went_badly", "text": "Our insurer said no.", "visibility": "members",
                           "attribution": "anonymous", "action": "submit", "csrf_token": csrf_token(author, url)})
    with app.test_request_context():
        proposal = db.session().scalar(select(Proposal))
        proposal_id, when = proposal.id, moment(proposal.created_at)
    page = moderator.get(f"/moderate/proposals/{proposal_id}").get_data(as_text=True)
    fields = review_fields(page)
    assert fields["Who may read it"] == "Members only"
    assert fields["Contributor"].startswith("Anonymous") and "Anna Auteur" in fields["Contributor"]
    assert when in text_of(page) and "Anna Auteur" in text_of(page)
    changes = field_changes(page)
    assert list(changes) == ["Lessons"]
    assert "added: Went badly · Members only: Our insurer said no." in changes["Lessons"]


def test_review_pages_stay_closed_to_members_who_are_not_moderators(app, client, signed_in, submitted):
    with app.test_request_context():
        session = db.session()
        anna = session.scalar(select(Member).where(Member.email == AUTHOR))
        copied = session.scalar(select(Case).where(Case.slug == "rotterdam-warmtenet"))
        proposal = proposals.propose_lesson(acting_as(anna), copied, "went_badly", "Te duur.", "members", "named")
        proposal_id = proposal.id
    member = signed_in("member@example.org")
    for url in ("/moderate", f"/moderate/{submitted}", f"/moderate/proposals/{proposal_id}"):
        assert member.get(url).status_code == 404
        assert client.get(url).status_code == 302  # a visitor is asked to sign in
    assert member.post(f"/moderate/{submitted}", data={"action": "approve"}).status_code in (400, 404)
    with app.app_context():
        assert db.session().get(Case, submitted).review_state == "submitted"


def test_a_field_left_empty_reads_not_given(app, moderator, author):
    with app.test_request_context():
        anna = db.session().scalar(select(Member).where(Member.email == AUTHOR))
        bare = {key: value for key, value in FULL_CASE.items()
                if key not in ("organisations", "contact", "copied_from", "transfer", "sources")}
        case = contributions.save(acting_as(anna), read_text("form", case_text("A story.", **{**bare, "slug": "bare"})))
        contributions.submit(acting_as(anna), case)
        case_id = case.id
    page = moderator.get(f"/moderate/{case_id}").get_data(as_text=True)
    fields = review_fields(page)
    assert fields["Organisations"] == fields["Contact"] == fields["Copy this"] == "Not given"
    assert "&lt;span" not in page


def test_a_case_goes_back_only_with_a_note_and_either_decision_is_confirmed(app, moderator, submitted):
    token = csrf_token(moderator, f"/moderate/{submitted}")
    silent = moderator.post(f"/moderate/{submitted}", data={"action": "send_back", "note": "  ", "csrf_token": token})
    assert silent.status_code == 400
    assert "Write what the author should change" in silent.get_data(as_text=True)
    assert 'aria-invalid="true"' in silent.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Case, submitted).review_state == "submitted"
    sent = moderator.post(f"/moderate/{submitted}", data={"action": "send_back", "note": "Graag een bron.",
                                                          "csrf_token": token}, follow_redirects=True)
    assert "Sent back to the author with your note: Buurtwarmte in Zwolle." in sent.get_data(as_text=True)
