"""Any member adds a lesson to another member's case, or links their case to the one it copied; both are reviewed."""
from __future__ import annotations

import re

import pytest

from conftest import csrf_token


@pytest.fixture
def people(signed_in):
    return {"visitor": signed_in("visitor@example.org"), "moderator": signed_in("moderator@example.org", "moderator")}


@pytest.fixture
def target(add_case):
    return add_case(slug="oss-repair-cafe", title="Repair café in Oss", city="Oss",
                    lessons=[{"kind": "went_well", "text": "Volunteers came."}])


def propose(client, slug, **fields):
    url = f"/cases/{slug}/tried-this-too"
    data = {"kind": "went_badly", "text": "Our insurer said no **narwhalmarker**.", "visibility": "members",
            "attribution": "named", "action": "submit", **fields}
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def only_proposal_id(moderator) -> int:
    return int(re.search(r"/moderate/proposals/(\d+)", moderator.get("/moderate").get_data(as_text=True)).group(1))


def decide(moderator, proposal_id, action, note=""):
    url = f"/moderate/proposals/{proposal_id}"
    return moderator.post(url, data={"action": action, "note": note, "csrf_token": csrf_token(moderator, url)})


def test_we_tried_this_too_shows_only_after_approval_and_keeps_its_visibility(app, people, target):
    member, moderator = people["visitor"], people["moderator"]
    assert propose(member, target).status_code == 302
    assert "Waiting for review" in member.get("/contribute").get_data(as_text=True)
    assert "narwhalmarker" not in member.get(f"/cases/{target}").get_data(as_text=True)
    assert member.get("/api/v1/search?q=narwhalmarker").get_json()["total"] == 0
    proposal_id = only_proposal_id(moderator)
    review = moderator.get(f"/moderate/proposals/{proposal_id}").get_data(as_text=True)
    assert "<strong>narwhalmarker</strong>" in review  # rendered through the sanitiser
    assert decide(moderator, proposal_id, "approve").status_code == 302
    page = member.get(f"/cases/{target}").get_data(as_text=True)
    assert "narwhalmarker" in page and "We tried this too" in page
    assert member.get("/api/v1/search?q=narwhalmarker").get_json()["total"] == 1
    # A members-only lesson stays away from visitors, on the page and in search.
    anonymous = app.test_client()
    assert "narwhalmarker" not in anonymous.get(f"/cases/{target}").get_data(as_text=True)
    assert anonymous.get("/api/v1/search?q=narwhalmarker").get_json()["total"] == 0
    history = moderator.get(f"/contribute/{case_id(app, target)}/history").get_data(as_text=True)
    assert "Lesson added by another member" in history and "#2" in history


def case_id(app, slug) -> int:
    with app.app_context():
        from app.audience import Audience
        from app.services import cases
        return cases.get_case(Audience.MODERATOR, slug).case.id


def test_a_sent_back_lesson_tells_the_member_why_and_changes_nothing(people, target):
    member, moderator = people["visitor"], people["moderator"]
    propose(member, target)
    decide(moderator, only_proposal_id(moderator), "send_back", "Welke verzekeraar was het?")
    mine = member.get("/contribute").get_data(as_text=True)
    assert "Sent back to you" in mine and "Welke verzekeraar was het?" in mine
    assert "narwhalmarker" not in member.get(f"/cases/{target}").get_data(as_text=True)


def test_an_anonymous_addition_names_no_one_except_to_moderators(app, people, target, make_member):
    member, moderator = people["visitor"], people["moderator"]
    with app.app_context():
        from app import db
        from app.models import Member
        db.session().query(Member).filter_by(email="visitor@example.org").one().name = "Wombat Contributorname"
        db.session().commit()
    propose(member, target, attribution="anonymous", visibility="public")
    proposal_id = only_proposal_id(moderator)
    assert "Wombat Contributorname" in moderator.get(f"/moderate/proposals/{proposal_id}").get_data(as_text=True)
    decide(moderator, proposal_id, "approve")
    for client in (app.test_client(), member, moderator):
        page = client.get(f"/cases/{target}").get_data(as_text=True)
        assert "narwhalmarker" in page and "Wombat" not in page
        assert "Wombat" not in str(client.get(f"/api/v1/cases/{target}").get_json())


def test_a_lesson_form_with_nothing_typed_is_refused_with_a_message(people, target):
    response = propose(people["visitor"], target, text="  ")
    assert response.status_code == 400 and "Write the lesson." in response.get_data(as_text=True)


def test_proposals_need_a_visible_case_a_token_and_a_moderator(app, people, add_case, target):
    member = people["visitor"]
    add_case(slug="closed-one", title="Closed", visibility="members")
    assert app.test_client().get(f"/cases/{target}/tried-this-too").status_code in (302, 401)
    assert member.post(f"/cases/{target}/tried-this-too", data={"kind": "went_well", "text": "x",
                                                                "visibility": "public", "attribution": "named"}).status_code == 400
    assert member.get("/cases/no-such-case/tried-this-too").status_code == 404
    propose(member, target)
    proposal_id = only_proposal_id(people["moderator"])
    # A member cannot review, not even their own proposal: it does not exist for them.
    assert member.get(f"/moderate/proposals/{proposal_id}").status_code == 404
    assert decide(member, proposal_id, "approve").status_code in (400, 404)
    assert "narwhalmarker" not in member.get(f"/cases/{target}").get_data(as_text=True)


def test_a_member_records_that_their_case_copied_another(app, people, target, add_case):
    member, moderator = people["visitor"], people["moderator"]
    # The member's own published case (imported, then given to them as author).
    add_case(slug="utrecht-repair-cafe", title="Repair café in Utrecht", city="Utrecht")
    with app.app_context():
        from app import db
        from app.models import Case, Member
        session = db.session()
        own = session.query(Case).filter_by(slug="utrecht-repair-cafe").one()
        own.author_id = session.query(Member).filter_by(email="visitor@example.org").one().id
        session.commit()
        own_id = own.id
    page = member.get(f"/cases/{target}/copied").get_data(as_text=True)
    assert "Repair café in Utrecht" in page
    url = f"/cases/{target}/copied"
    assert member.post(url, data={"case_id": own_id, "csrf_token": csrf_token(member, url)}).status_code == 302
    assert "Copied from" not in app.test_client().get("/cases/utrecht-repair-cafe").get_data(as_text=True)
    decide(moderator, only_proposal_id(moderator), "approve")
    copy = app.test_client().get("/cases/utrecht-repair-cafe").get_data(as_text=True)
    assert "Copied from" in copy and "Repair café in Oss" in copy
    assert "Repair café in Utrecht" in app.test_client().get(f"/cases/{target}").get_data(as_text=True)
    assert app.test_client().get("/api/v1/cases/utrecht-repair-cafe").get_json()["copied_from"] == target


def test_someone_elses_case_cannot_be_linked_as_a_copy(app, people, target, add_case):
    member = people["visitor"]
    add_case(slug="not-mine", title="Not mine", city="Delft")
    with app.app_context():
        from app import db
        from app.models import Case
        other_id = db.session().query(Case).filter_by(slug="not-mine").one().id
    url = f"/cases/{target}/copied"
    response = member.post(url, data={"case_id": other_id, "csrf_token": csrf_token(member, url)})
    assert response.status_code == 400
    assert "/moderate/proposals/" not in people["moderator"].get("/moderate").get_data(as_text=True)
