"""A real browser: a member asks an anonymous contributor for an introduction; the contributor
replies anonymously, then under her name, and the asker sees exactly that."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from test_browser import live_server, page, shot  # noqa: F401  (fixtures)
from test_browser_editing import sign_in

from app.models import Case, Member
from app.policy import SYSTEM
from app.services.unit_of_work import unit_of_work

pytestmark = pytest.mark.browser
CASE = "rotterdam-benthemplein-water-square"


@pytest.fixture
def anonymous_case(app, live_server, make_member):
    make_member("asker@example.org")
    make_member("cora@example.org")
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        people = {m.email: m for m in uow.session.scalars(select(Member))}
        people["asker@example.org"].name, people["asker@example.org"].organisation = "Asha Askwell", "Gemeente Zwolle"
        people["cora@example.org"].name, people["cora@example.org"].organisation = "Cora Quietname", "Quietorg"
        case = uow.session.scalar(select(Case).where(Case.slug == CASE))
        case.author_id, case.attribution = people["cora@example.org"].id, "anonymous"
        uow.search_must_look_at(CASE)
    return f"{live_server}/cases/{CASE}"


def test_an_anonymous_contributor_replies_anonymously_then_by_name(live_server, page, anonymous_case):
    contributor = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    sign_in(page, live_server, "asker@example.org")
    sign_in(contributor, live_server, "cora@example.org")

    page.goto(anonymous_case)
    assert "Quietname" not in page.content()
    page.fill("#introduce-body", "We are building a water square in Zwolle. How did you involve the residents?")
    page.click(".introduce-form button")
    page.wait_for_url("**/inbox/*")
    conversation = page.url
    assert page.locator(".message-from").all_inner_texts() == ["You"]

    contributor.goto(live_server + "/inbox")
    assert contributor.locator(".unread-count").inner_text().startswith("1")
    contributor.click(".conversation-link")
    assert contributor.is_visible("text=Asha Askwell")
    assert contributor.is_checked("input[name=signed][value=anonymous]")  # anonymous unless she chooses
    contributor.fill("#reply-body", "With a street party first, then three design evenings.")
    contributor.click(".reply-box button")
    contributor.fill("#reply-body", "I am happy to show you around: call me.")
    contributor.check("input[name=signed][value=named]")
    contributor.click(".reply-box button")
    contributor.wait_for_load_state()  # the tags read as shown once the stylesheet is in
    assert contributor.locator(".message-tag").all_inner_texts() == ["ANONYMOUS", "UNDER YOUR NAME"]

    page.goto(conversation)
    messages = page.locator(".message")
    assert page.locator(".message-from").all_inner_texts() == ["You", "The contributor",
                                                               "Cora Quietname, Quietorg"]
    assert "Quietname" not in messages.nth(1).inner_text()
    assert "street party" in messages.nth(1).inner_text() and "show you around" in messages.nth(2).inner_text()
    assert "cora@example.org" not in page.content()
    shot(page, "introduction-asker")
    shot(contributor, "introduction-contributor")
    assert not [u for u in page.requests if not u.startswith(live_server)]
