"""Members share cases; moderators review them before anyone else can find them."""
from __future__ import annotations

import re

import pytest

from conftest import csrf_token, sign_in

FORM = {
    "title": "Buurtwarmte in Zwolle jaguarmarker", "summary": "Bewoners bouwden samen een warmtenet.",
    "body": "## Wat ze deden\n\nEen **coöperatie** van bewoners.", "city": "Zwolle", "country": "nl",
    "themes": ["energy-transition", "social-inclusion"], "language": "nl", "visibility": "public",
    "attribution": "named", "status": "pilot", "year": "2021", "organisations": "Gemeente Zwolle\nBuurtcoöperatie",
    "sdg_targets": "7.2, 11.3", "sources": "https://example.org/zwolle", "copied_from": "", "contact": "Gemeente Zwolle",
    "lessons-0-kind": "went_well", "lessons-0-text": "Bewoners deden mee.", "lessons-0-visibility": "public",
    "lessons-1-kind": "went_badly", "lessons-1-text": "De aannemer ging failliet tapirmarker.", "lessons-1-visibility": "members",
}


def post_case(client, url="/contribute/new", action="submit", **changes):
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="base_version" type="hidden" value="(\d*)"', page)
    data = {**FORM, "base_version": version.group(1) if version else "", **changes, "action": action,
            "csrf_token": csrf_token(client, url)}
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def draft_id(client) -> int:
    return int(re.search(r"/contribute/(\d+)/edit", client.get("/contribute").get_data(as_text=True)).group(1))


@pytest.fixture
def author(client, make_member):
    sign_in(client, make_member("author@example.org"))
    return client


@pytest.fixture
def moderator(app, make_member):
    mod = app.test_client()
    sign_in(mod, make_member("mod@example.org", "moderator"))
    return mod


def test_submitted_case_is_hidden_until_a_moderator_approves_it(app, author, moderator):
    assert post_case(author).status_code == 302
    assert "Waiting for review" in author.get("/contribute").get_data(as_text=True)
    public = app.test_client()
    assert public.get("/api/v1/search?q=jaguarmarker").get_json()["total"] == 0
    assert author.get("/api/v1/search?q=jaguarmarker").get_json()["total"] == 0  # not even for members
    queue = moderator.get("/moderate").get_data(as_text=True)
    case_id = re.search(r"/moderate/(\d+)", queue).group(1)
    page = moderator.get(f"/moderate/{case_id}").get_data(as_text=True)
    assert "tapirmarker" in page and "<strong>coöperatie</strong>" in page
    moderator.post(f"/moderate/{case_id}", data={"action": "approve", "note": "",
                                                 "csrf_token": csrf_token(moderator, f"/moderate/{case_id}")})
    assert public.get("/api/v1/search?q=jaguarmarker").get_json()["total"] == 1
    assert public.get("/api/v1/search?q=tapirmarker").get_json()["total"] == 0  # members-only lesson
    assert author.get("/api/v1/search?q=tapirmarker").get_json()["total"] == 1
    assert "Published" in author.get("/contribute").get_data(as_text=True)


def test_a_moderator_sends_a_case_back_with_a_note_the_author_sees(author, moderator):
    post_case(author)
    case_id = re.search(r"/moderate/(\d+)", moderator.get("/moderate").get_data(as_text=True)).group(1)
    moderator.post(f"/moderate/{case_id}", data={"action": "send_back", "note": "Graag bronnen voor de kosten.",
                                                 "csrf_token": csrf_token(moderator, f"/moderate/{case_id}")})
    mine = author.get("/contribute").get_data(as_text=True)
    assert "Sent back to you" in mine and "Graag bronnen voor de kosten." in mine
    assert "Graag bronnen" in author.get(f"/contribute/{case_id}/edit").get_data(as_text=True)


def test_a_form_that_fails_validation_keeps_everything_typed(author):
    response = post_case(author, country="Holland", themes=[])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the country from the list." in page and "Choose at least one theme." in page
    for typed in ("Buurtwarmte in Zwolle jaguarmarker", "De aannemer ging failliet tapirmarker.", "Gemeente Zwolle",
                  "https://example.org/zwolle", "Bewoners bouwden samen een warmtenet.", 'value="7.2, 11.3"',
                  "Een **coöperatie** van bewoners.", '<option selected value="pilot">',
                  '<option selected value="members">'):
        assert typed in page


def test_preview_goes_through_the_same_sanitiser(author):
    page = post_case(author, action="preview", body="Hi <script>alert(1)</script> **bold**").get_data(as_text=True)
    assert "<strong>bold</strong>" in page and "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "You have not shared a case yet." in author.get("/contribute").get_data(as_text=True)  # nothing saved


def test_lessons_are_added_and_removed_without_losing_the_rest(author):
    page = post_case(author, action="add_lesson").get_data(as_text=True)
    assert 'name="lessons-2-text"' in page and "Buurtwarmte in Zwolle" in page
    page = post_case(author, action="remove_lesson-0").get_data(as_text=True)
    assert "Bewoners deden mee." not in page and "tapirmarker" in page


def test_another_member_cannot_open_or_change_a_draft(app, author, make_member):
    post_case(author, action="save")
    case_id = draft_id(author)
    other = app.test_client()
    sign_in(other, make_member("other@example.org"))
    assert other.get(f"/contribute/{case_id}/edit").status_code == 404
    response = post_case(other, url=f"/contribute/{case_id}/edit", title="Hijacked title")
    assert response.status_code in (400, 404)
    assert "Hijacked" not in author.get(f"/contribute/{case_id}/edit").get_data(as_text=True)
    assert other.get("/moderate").status_code == 404


def test_saving_without_csrf_token_changes_nothing(author):
    response = author.post("/contribute/new", data={**FORM, "action": "save"})
    assert response.status_code == 400
    assert "You have not shared a case yet." in author.get("/contribute").get_data(as_text=True)


def test_contributing_needs_a_signed_in_member(client):
    assert client.get("/contribute/new").status_code == 302


def test_an_unfinished_draft_can_be_saved_but_not_submitted(author):
    response = post_case(author, action="save", summary="", city="", country="", themes=[], body="",
                         **{"lessons-1-text": ""})
    assert response.status_code == 302
    case_id = draft_id(author)
    page = author.get(f"/contribute/{case_id}/edit").get_data(as_text=True)
    assert "Buurtwarmte in Zwolle jaguarmarker" in page and "Bewoners deden mee." in page
    # What is there must already be right, even in a draft.
    bad = post_case(author, f"/contribute/{case_id}/edit", action="save", summary="", city="", themes=[], body="",
                    country="Holland")
    assert bad.status_code == 400 and "Choose the country from the list." in bad.get_data(as_text=True)
    # Submitting checks everything and keeps what was typed.
    refused = post_case(author, f"/contribute/{case_id}/edit", action="submit", summary="", city="", country="",
                        themes=[], body="")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Give the case a summary." in text and "Choose at least one theme." in text
    assert "Draft" in author.get("/contribute").get_data(as_text=True)


def test_a_moderator_corrects_a_submitted_case_before_approving_it(app, author, moderator):
    post_case(author)
    case_id = re.search(r"/moderate/(\d+)", moderator.get("/moderate").get_data(as_text=True)).group(1)
    assert f"/contribute/{case_id}/edit" in moderator.get(f"/moderate/{case_id}").get_data(as_text=True)
    response = post_case(moderator, f"/contribute/{case_id}/edit", action="save", summary="Gecorrigeerde samenvatting.")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/moderate/{case_id}")
    page = moderator.get(f"/moderate/{case_id}").get_data(as_text=True)
    assert "Gecorrigeerde samenvatting." in page and "Approve and publish" in page  # still waiting for a decision
    # The author cannot change it while it is being reviewed.
    assert author.get(f"/contribute/{case_id}/edit").status_code == 404
