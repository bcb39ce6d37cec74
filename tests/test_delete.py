"""Deleting cases: moderators delete any case, authors their own unpublished one; nobody else, not even by guessing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import db
from app.models import Case

from conftest import csrf_token

UNIQUE = "quetzalcoatlus"  # one word only the doomed case holds


def contributed_case(client, title: str, action: str = "save") -> None:
    """A member writes a case in the web form: saved as a draft, or submitted for review."""
    form = {
        "title": title, "summary": "Bewoners bouwden samen een warmtenet.", "body": "Een coöperatie van bewoners.",
        "city": "Zwolle", "country": "NL", "themes": ["energy-transition"], "language": "nl",
        "visibility": "public", "attribution": "named", "status": "pilot", "year": "2021",
        "sources": "https://example.org/zwolle", "lessons-0-kind": "went_well", "lessons-0-text": "Bewoners deden mee.",
        "lessons-0-visibility": "public", "lessons-1-kind": "went_badly", "lessons-1-text": "Te duur.",
        "lessons-1-visibility": "public", "action": action, "csrf_token": csrf_token(client, "/contribute/new"),
    }
    assert client.post("/contribute/new", data=form).status_code == 302


def case_id(app, slug: str) -> int | None:
    with app.app_context():
        return db.session().scalar(select(Case.id).where(Case.slug == slug))


def post(client, url: str, token: bool = True):
    return client.post(url, data={"csrf_token": csrf_token(client, "/")} if token else {})


@pytest.fixture
def moderator(signed_in):
    return signed_in("mod@example.org", "moderator")


@pytest.fixture
def author(signed_in):
    return signed_in("author@example.org")


@pytest.fixture
def other(signed_in):
    return signed_in("other@example.org")


def test_a_moderator_deletes_a_case_and_it_disappears_everywhere(moderator, other, client, add_case):
    add_case(slug="doomed-case", title=f"The {UNIQUE} water square", lessons=[
        {"kind": "went_well", "text": "It worked."},
        {"kind": "went_badly", "text": "Members only.", "visibility": "members"}])
    add_case(slug="kept-case", title="A heat network that stays")
    for asker in (client, other):  # both indexes know it before
        assert asker.get(f"/api/v1/search?q={UNIQUE}").get_json()["total"] == 1
        assert asker.get("/api/v1/search?q=quetzalcoatlas").get_json()["corrected_query"] == UNIQUE
    page = moderator.get("/cases/doomed-case").get_data(as_text=True)
    assert 'href="/cases/doomed-case/delete"' in page
    confirm = moderator.get("/cases/doomed-case/delete")
    assert confirm.status_code == 200 and f"The {UNIQUE} water square" in confirm.get_data(as_text=True)

    response = post(moderator, "/cases/doomed-case/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = moderator.get("/").get_data(as_text=True)
    assert f"“The {UNIQUE} water square” was deleted." in home

    for asker in (client, other, moderator):
        assert asker.get("/cases/doomed-case").status_code == 404
        assert asker.get("/api/v1/cases/doomed-case").status_code == 404
        assert asker.get("/cases/doomed-case/export").status_code == 404
        result = asker.get(f"/api/v1/search?q={UNIQUE}").get_json()
        assert result["total"] == 0
        data = asker.get("/api/v1/search?q=quetzalcoatlas").get_json()
        assert data["suggestion"] is None and data["corrected_query"] is None
        assert UNIQUE not in asker.get("/").get_data(as_text=True)
        assert UNIQUE not in asker.get("/search?q=water").get_data(as_text=True)
    assert client.get("/cases/kept-case").status_code == 200


def test_members_see_no_delete_link_and_get_404_on_a_published_case(other, client, add_case):
    add_case()
    assert 'href="/cases/sample-case/delete"' not in other.get("/cases/sample-case").get_data(as_text=True)
    assert other.get("/cases/sample-case/delete").status_code == 404
    assert post(other, "/cases/sample-case/delete").status_code == 404
    assert client.get("/cases/sample-case").status_code == 200


def test_visitors_cannot_delete(client, add_case):
    add_case()
    response = client.post("/cases/sample-case/delete", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/cases/sample-case").status_code == 200


def test_a_delete_without_csrf_token_is_refused(moderator, client, add_case):
    add_case()
    assert post(moderator, "/cases/sample-case/delete", token=False).status_code == 400
    assert client.get("/cases/sample-case").status_code == 200


@pytest.mark.parametrize("action", ["save", "submit"])
def test_an_author_deletes_their_own_unpublished_case(app, author, moderator, action):
    contributed_case(author, "Buurtwarmte in Zwolle", action)
    number = case_id(app, "buurtwarmte-in-zwolle")
    assert author.get(f"/contribute/{number}/delete").status_code == 200
    response = post(author, f"/contribute/{number}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/contribute"
    mine = author.get("/contribute").get_data(as_text=True)
    assert "“Buurtwarmte in Zwolle” was deleted." in mine
    assert "Buurtwarmte in Zwolle" not in mine.replace("“Buurtwarmte in Zwolle” was deleted.", "")
    assert "Buurtwarmte" not in moderator.get("/moderate").get_data(as_text=True)
    assert author.get(f"/contribute/{number}/edit").status_code == 404
    assert case_id(app, "buurtwarmte-in-zwolle") is None


def test_another_member_cannot_delete_someones_draft(app, author, other):
    contributed_case(author, "Buurtwarmte in Zwolle")
    number = case_id(app, "buurtwarmte-in-zwolle")
    assert other.get(f"/contribute/{number}/delete").status_code == 404
    assert post(other, f"/contribute/{number}/delete").status_code == 404
    assert post(other, "/cases/buurtwarmte-in-zwolle/delete").status_code == 404
    missing = post(other, "/contribute/99999/delete")
    assert missing.status_code == 404
    assert "Buurtwarmte in Zwolle" in author.get("/contribute").get_data(as_text=True)
    assert author.get(f"/contribute/{number}/edit").status_code == 200


def test_an_author_cannot_delete_their_case_once_it_is_published(app, author, moderator, client):
    contributed_case(author, "Buurtwarmte in Zwolle", "submit")
    number = case_id(app, "buurtwarmte-in-zwolle")
    moderator.post(f"/moderate/{number}", data={"action": "approve", "note": "",
                                                "csrf_token": csrf_token(moderator, f"/moderate/{number}")})
    assert client.get("/cases/buurtwarmte-in-zwolle").status_code == 200
    assert post(author, f"/contribute/{number}/delete").status_code == 404
    assert post(author, "/cases/buurtwarmte-in-zwolle/delete").status_code == 404
    assert client.get("/cases/buurtwarmte-in-zwolle").status_code == 200


def test_a_moderator_deletes_a_submitted_case_from_the_queue(app, author, moderator):
    contributed_case(author, "Buurtwarmte in Zwolle", "submit")
    number = case_id(app, "buurtwarmte-in-zwolle")
    response = post(moderator, f"/contribute/{number}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/moderate"
    queue = moderator.get("/moderate").get_data(as_text=True)
    assert "“Buurtwarmte in Zwolle” was deleted." in queue
    assert f'href="/moderate/{number}"' not in queue
    assert "Buurtwarmte in Zwolle" not in author.get("/contribute").get_data(as_text=True)
