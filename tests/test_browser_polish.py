"""A real browser at phone width, in Dutch: the profile's cards and mail choices, and the follow-up
answer form, look like the rest of the site (no stray borders, no empty bands, no legend across a border)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from test_browser import page  # noqa: F401  (fixture)
from test_browser_editing import sign_in
from werkzeug.serving import make_server

from app.models import Case, Member, utcnow
from app.policy import SYSTEM
from app.services.unit_of_work import unit_of_work

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 900}


@pytest.fixture
def site(app, add_case, make_member):
    """A live server with one case, shared a year ago by the member who signs in."""
    make_member("author@example.org")
    add_case(slug="water-square", title="Water square", city="Rotterdam")
    with app.app_context(), unit_of_work(SYSTEM) as uow:
        case = uow.session.scalar(select(Case).where(Case.slug == "water-square"))
        case.author_id = uow.session.scalar(select(Member.id).where(Member.email == "author@example.org"))
        case.published_at = utcnow() - timedelta(days=400)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _in_dutch_on_a_phone(page, site) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    page.context.add_cookies([{"name": "casebook_lang", "value": "nl", "url": site}])
    sign_in(page, site, "author@example.org")


def test_the_profile_cards_have_no_empty_band_and_the_mail_choices_no_grey_border(site, page):  # noqa: F811
    _in_dutch_on_a_phone(page, site)
    page.goto(site + "/profile")
    assert page.locator("fieldset.checks legend").inner_text() == "Stuur me mail over"
    border = page.eval_on_selector("fieldset.checks", "f => getComputedStyle(f).borderTopWidth")
    assert border == "0px"  # like the rest of the form: a label above its choices, not a box in a box
    gaps = page.eval_on_selector_all(".profile .auth-box", """boxes => boxes.map(b => {
        const h = b.querySelector(':scope > h2');
        return h.getBoundingClientRect().top - b.getBoundingClientRect().top - parseFloat(getComputedStyle(b).paddingTop);
    })""")
    assert len(gaps) >= 4 and all(abs(gap) < 2 for gap in gaps), gaps  # each heading at the top of its card


def test_the_legends_of_the_follow_up_form_stay_inside_their_boxes(site, page):  # noqa: F811
    _in_dutch_on_a_phone(page, site)
    page.goto(site + "/cases/water-square/follow-up")
    legends = page.eval_on_selector_all(".follow-up-form fieldset", """sets => sets.map(f => {
        const l = f.querySelector('legend'), fr = f.getBoundingClientRect(), lr = l.getBoundingClientRect();
        return [l.innerText, lr.top - fr.top - parseFloat(getComputedStyle(f).borderTopWidth),
                fr.right - lr.right];
    })""")
    assert [text for text, _top, _right in legends] == ["Een les (optioneel)", "Aanvulling op het verhaal (optioneel)"]
    for text, top, right in legends:
        assert top >= 0 and right >= 0, (text, top, right)  # below the box's top border, not across it
