"""After approval, edits publish as revisions that are kept, compared and restored; a second save conflicts."""
from __future__ import annotations

import re

import pytest
from test_contribute import FORM

from conftest import case_text, csrf_token, sign_in

STORY_V1 = "## Wat ze deden\n\nEen coöperatie van bewoners legde het warmtenet aan."
STORY_V2 = "## Wat ze deden\n\nEen coöperatie van huurders legde het warmtenet aan."


def base_version(client, case_id: int) -> str:
    page = client.get(f"/contribute/{case_id}/edit").get_data(as_text=True)
    return re.search(r'name="base_version" type="hidden" value="(\d+)"', page).group(1)


def save(client, case_id: int, version: str, **changes):
    url = f"/contribute/{case_id}/edit"
    data = {**FORM, "body": STORY_V1, **changes, "action": "save", "base_version": version,
            "csrf_token": csrf_token(client, url)}
    return client.post(url, data=data)


@pytest.fixture
def people(signed_in):
    return {"member": signed_in("author@example.org"), "moderator": signed_in("mod@example.org", "moderator"),
            "other": signed_in("other@example.org")}


@pytest.fixture
def published(people) -> int:
    """The author's case, submitted and approved: revision 1."""
    author, mod = people["member"], people["moderator"]
    url = "/contribute/new"
    author.post(url, data={**FORM, "body": STORY_V1, "action": "submit", "csrf_token": csrf_token(author, url)})
    case_id = int(re.search(r"/moderate/(\d+)", mod.get("/moderate").get_data(as_text=True)).group(1))
    mod.post(f"/moderate/{case_id}", data={"action": "approve", "note": "",
                                           "csrf_token": csrf_token(mod, f"/moderate/{case_id}")})
    return case_id


SLUG = "buurtwarmte-in-zwolle-jaguarmarker"


def test_an_authors_edit_after_approval_publishes_at_once_as_a_new_revision(app, people, published):
    author = people["member"]
    response = save(author, published, base_version(author, published), body=STORY_V2,
                    title="Buurtwarmte in Zwolle, nu met huurders")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{SLUG}")
    page = app.test_client().get(f"/cases/{SLUG}").get_data(as_text=True)  # same address after a new title
    assert "huurders" in page and "nu met huurders" in page
    assert app.test_client().get("/api/v1/search?q=huurders").get_json()["total"] == 1
    history = author.get(f"/contribute/{published}/history").get_data(as_text=True)
    assert "#2" in history and "#1" in history and "Edited" in history and "Published after review" in history
    diff = author.get(f"/contribute/{published}/history/2").get_data(as_text=True)
    assert "<del>bewoners</del>" in diff and "<ins>huurders</ins>" in diff
    assert "Restore" not in diff  # only moderators restore


def test_a_moderator_restores_an_earlier_revision_as_a_new_one(app, people, published):
    author, mod = people["member"], people["moderator"]
    save(author, published, base_version(author, published), body=STORY_V2)
    url = f"/contribute/{published}/history/1/restore"
    # The author may not restore: the answer is as if the page did not exist, and nothing changes.
    assert author.post(url, data={"csrf_token": csrf_token(author, f"/contribute/{published}/history")}).status_code == 404
    assert "huurders" in app.test_client().get(f"/cases/{SLUG}").get_data(as_text=True)
    assert mod.post(url, data={}).status_code == 400  # no CSRF token
    response = mod.post(url, data={"csrf_token": csrf_token(mod, f"/contribute/{published}/history")})
    assert response.status_code == 302
    page = app.test_client().get(f"/cases/{SLUG}").get_data(as_text=True)
    assert "bewoners legde" in page and "huurders" not in page
    assert app.test_client().get("/api/v1/search?q=huurders").get_json()["total"] == 0
    history = mod.get(f"/contribute/{published}/history").get_data(as_text=True)
    assert "#3" in history and "from #1" in history and "#2" in history  # nothing thrown away
    diff = mod.get(f"/contribute/{published}/history/3?against=2").get_data(as_text=True)
    assert "<del>huurders</del>" in diff and "<ins>bewoners</ins>" in diff


def test_history_is_not_there_for_other_members_or_visitors(app, people, published):
    for client in (people["other"], app.test_client()):
        for url in (f"/contribute/{published}/history", f"/contribute/{published}/history/1"):
            response = client.get(url)
            assert response.status_code in (302, 404)
            assert "jaguarmarker" not in response.get_data(as_text=True)
    other = people["other"]
    assert other.post(f"/contribute/{published}/history/1/restore",
                      data={"csrf_token": csrf_token(other, "/contribute")}).status_code == 404


def test_another_member_cannot_edit_a_published_case(app, people, published):
    other = people["other"]
    assert other.get(f"/contribute/{published}/edit").status_code == 404
    response = other.post(f"/contribute/{published}/edit", data={
        **FORM, "body": "vandalised", "action": "save", "csrf_token": csrf_token(other, "/contribute")})
    assert response.status_code == 404
    assert "vandalised" not in app.test_client().get(f"/cases/{SLUG}").get_data(as_text=True)


def test_the_second_save_gets_a_conflict_page_with_its_text_kept(app, people, published):
    author, mod = people["member"], people["moderator"]
    opened_by_author = base_version(author, published)
    assert save(mod, published, base_version(mod, published), body=STORY_V1 + "\n\nDe moderator vulde aan.").status_code == 302
    response = save(author, published, opened_by_author, body=STORY_V2 + "\n\nMijn eigen aanvulling okapimarker.")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this case while you were editing" in page
    assert "Mijn eigen aanvulling okapimarker." in page  # their text is still in the form
    assert "De moderator vulde aan." in page  # and they see what the other person saved
    case_page = app.test_client().get(f"/cases/{SLUG}").get_data(as_text=True)
    assert "De moderator vulde aan." in case_page and "okapimarker" not in case_page  # no silent overwrite
    # Saving again from the conflict page is a deliberate replace.
    new_base = re.search(r'name="base_version" type="hidden" value="(\d+)"', page).group(1)
    assert save(author, published, new_base, body=STORY_V2 + "\n\nMijn eigen aanvulling okapimarker.").status_code == 302
    assert "okapimarker" in app.test_client().get(f"/cases/{SLUG}").get_data(as_text=True)


def test_two_tabs_on_one_draft_conflict_too(people):
    author = people["member"]
    author.post("/contribute/new", data={**FORM, "action": "save", "csrf_token": csrf_token(author, "/contribute/new")})
    case_id = int(re.search(r"/contribute/(\d+)/edit", author.get("/contribute").get_data(as_text=True)).group(1))
    first_tab, second_tab = base_version(author, case_id), base_version(author, case_id)
    assert save(author, case_id, first_tab, summary="Eerste tabblad.").status_code == 302
    response = save(author, case_id, second_tab, summary="Tweede tabblad.")
    assert response.status_code == 409 and "Tweede tabblad." in response.get_data(as_text=True)
    assert "Eerste tabblad." in author.get(f"/contribute/{case_id}/edit").get_data(as_text=True)


def test_imports_keep_revisions_too(app, runner, tmp_path, make_member):
    path = tmp_path / "case.md"
    path.write_text(case_text(body="First telling."), encoding="utf-8")
    runner.invoke(args=["import-cases", str(path)])
    path.write_text(case_text(body="Second telling."), encoding="utf-8")
    runner.invoke(args=["import-cases", str(path)])
    runner.invoke(args=["import-cases", str(path)])  # unchanged: no new revision
    mod = app.test_client()
    sign_in(mod, make_member("mod@example.org", "moderator"))
    with app.app_context():
        from app.audience import Audience
        from app.services import cases
        case_id = cases.get_case(Audience.MODERATOR, "sample-case").case.id
    history = mod.get(f"/contribute/{case_id}/history").get_data(as_text=True)
    assert "#2" in history and "#3" not in history and "Imported from a case file" in history
    assert "<ins>Second</ins>" in mod.get(f"/contribute/{case_id}/history/2").get_data(as_text=True)


def test_making_a_published_case_members_only_hides_it_from_visitors_at_once(app, people, published):
    author, visitor = people["member"], app.test_client()
    assert visitor.get("/api/v1/search?q=jaguarmarker").get_json()["total"] == 1
    assert visitor.get("/api/v1/search?q=jaguarmarkre").get_json()["corrected_query"] == "jaguarmarker"
    assert save(author, published, base_version(author, published), visibility="members").status_code == 302
    assert visitor.get("/api/v1/search?q=jaguarmarker").get_json()["total"] == 0
    data = visitor.get("/api/v1/search?q=jaguarmarkre").get_json()
    assert data["suggestion"] is None and data["corrected_query"] is None and data["total"] == 0
    assert visitor.get(f"/cases/{SLUG}").status_code == 404
    assert "jaguarmarker" not in visitor.get("/").get_data(as_text=True)
    assert author.get("/api/v1/search?q=jaguarmarker").get_json()["total"] == 1


def test_a_save_that_races_another_in_the_database_is_a_conflict_not_an_overwrite(app, published):
    from app import db
    from app.casefiles import read_text, write_text
    from app.errors import Conflict
    from app.models import Case, Member
    from app.policy import acting_as
    from app.services import contributions
    from app.services.content import case_data
    with app.app_context():
        editor = db.session().query(Member).filter_by(email="mod@example.org").one()
        case = db.session().get(Case, published)
        started_from = case.version
        data = read_text("form", write_text(case_data(case)))
        data.summary = "Mine, saved second."
        # Another worker saves between our check and our UPDATE.
        with db.fresh_session() as other:
            theirs = other.get(Case, published)
            theirs.summary, theirs.updated_at = "Theirs, saved first.", theirs.updated_at
            other.commit()
        with pytest.raises(Conflict):
            contributions.save(acting_as(editor), data, case, started_from)
    with app.app_context():
        assert db.session().get(Case, published).summary == "Theirs, saved first."


def test_a_second_moderator_deciding_the_same_case_is_told_it_was_decided(people, signed_in):
    author, first = people["member"], people["moderator"]
    second = signed_in("mod2@example.org", "moderator")
    url = "/contribute/new"
    author.post(url, data={**FORM, "title": "Tweede beslissing", "action": "submit", "csrf_token": csrf_token(author, url)})
    case_id = int(re.search(r"/moderate/(\d+)", first.get("/moderate").get_data(as_text=True)).group(1))
    token = csrf_token(second, f"/moderate/{case_id}")  # the second moderator has the page open too
    first.post(f"/moderate/{case_id}", data={"action": "approve", "note": "",
                                             "csrf_token": csrf_token(first, f"/moderate/{case_id}")})
    late = second.post(f"/moderate/{case_id}", data={"action": "send_back", "note": "Te laat", "csrf_token": token})
    assert late.status_code == 409 and "Someone else got there first" in late.get_data(as_text=True)
    assert "Te laat" not in author.get("/contribute").get_data(as_text=True)


def test_changes_are_shown_field_by_field_in_words_a_reader_knows(app):
    from app.services import revisions
    old = case_text(themes=["energy-transition"], lessons=[{"kind": "went_badly", "text": "Too slow."}])
    new = case_text(themes=["energy-transition", "housing"], summary="A longer summary.",
                    lessons=[{"kind": "went_badly", "text": "Too slow.", "visibility": "members"}])
    with app.test_request_context():
        changes = revisions.compare(old, new)
    assert [c.field for c in changes] == ["summary", "themes", "lessons"]
    themes = changes[1].lines
    assert [(l.kind, "".join(p.text for p in l.pieces)) for l in themes] == [("same", "Energy transition"),
                                                                             ("added", "Housing")]
    lesson = "".join(p.text for p in changes[2].lines[-1].pieces)
    assert lesson == "Went badly · Members only: Too slow."
