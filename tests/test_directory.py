"""The member directory at /members: members find each other by theme, city and organisation;
a case shared anonymously never shows on, or counts towards, anyone's entry."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Case, Member, utcnow
from app.policy import SYSTEM
from app.services import members
from app.services.unit_of_work import unit_of_work

from conftest import PASSWORD, csrf_token

PEOPLE = {  # email: (name, organisation)
    "ana@example.org": ("Ana de Vries", "Gemeente Rotterdam"),
    "bo@example.org": ("Bo Jansen", "Waternet"),
    "cy@example.org": ("Cy Bakker", "Gemeente Delft"),
    "dee@example.org": ("Dee Gone", "Gemeente Tiel"),
}


@pytest.fixture
def alliance(app, add_case):
    add_case(slug="ana-water", title="Water square", city="Rotterdam", themes=["climate-adaptation"])
    add_case(slug="ana-heat", title="Heat network", city="Utrecht", themes=["energy-transition", "climate-adaptation"])
    # Ana's third case is anonymous: nothing of it may be tied to her.
    add_case(slug="ana-secret", title="Shelter without a name", city="Zwolle", themes=["housing"],
             attribution="anonymous")
    add_case(slug="bo-garden", title="Closed garden", city="Gouda", themes=["nature"], visibility="members")
    add_case(slug="cy-quiet", title="Quiet bike plan", city="Delft", themes=["mobility"], attribution="anonymous")
    add_case(slug="dee-old", title="Old plan", city="Tiel", themes=["social-inclusion"])
    with app.app_context():
        for email, (name, organisation) in PEOPLE.items():
            members.create_member(email, PASSWORD, name=name, organisation=organisation)
        with unit_of_work(SYSTEM) as uow:
            by_email = {m.email: m for m in uow.session.scalars(select(Member))}
            for slug, email in (("ana-water", "ana"), ("ana-heat", "ana"), ("ana-secret", "ana"),
                                ("bo-garden", "bo"), ("cy-quiet", "cy"), ("dee-old", "dee")):
                uow.session.scalar(select(Case).where(Case.slug == slug)).author_id = by_email[f"{email}@example.org"].id
            by_email["dee@example.org"].disabled_at = utcnow()


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {m.email.split("@")[0]: m.id for m in members.all_members(SYSTEM)}


def _people(page: str) -> dict[str, str]:
    found = {}
    for block in page.split('<li class="person">')[1:]:
        block = block.split("\n  </li>")[0]
        name = re.search(r"<h2><a [^>]*>([^<]+)</a>", block).group(1)
        found[name] = " ".join(re.sub(r"<[^>]+>", " ", block).split())
    return found


def test_visitors_are_sent_to_sign_in_and_view_as_public_finds_no_page(app, alliance, client, signed_in):
    response = client.get("/members")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    member = signed_in("eve@example.org")
    page = member.get("/members").get_data(as_text=True)
    assert 'href="/members"' in page  # the member bar links to it
    member.post("/view-as-public", data={"on": "1", "next": "/", "csrf_token": csrf_token(member, "/")})
    assert member.get("/members").status_code == 404
    assert 'href="/members"' not in member.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_an_anonymous_case_never_shows_on_or_counts_towards_an_entry(app, alliance, signed_in, role):
    client = signed_in("eve@example.org", role)
    page = client.get("/members").get_data(as_text=True)
    people = _people(page)
    assert "2 cases shared" in people["Ana de Vries"]
    assert "Rotterdam" in people["Ana de Vries"] and "Utrecht" in people["Ana de Vries"]
    assert "Climate adaptation" in people["Ana de Vries"] and "Energy transition" in people["Ana de Vries"]
    # Nothing of the anonymous cases anywhere: not in an entry, not among the filters' choices.
    for secret in ("Zwolle", "Housing", "Shelter", "Delft ", "Mobility"):
        assert secret not in page.replace("Gemeente Delft", "")
    assert "No cases shared under their name yet." in people["Cy Bakker"]  # still listed, so she can be found
    # A members-only case counts for members (they may all see it).
    assert "1 case shared" in people["Bo Jansen"] and "Gouda" in people["Bo Jansen"]
    assert "Dee Gone" not in page  # disabled members are not listed
    for anonymous_filter in ("theme=housing", "city=Zwolle", "theme=mobility", "city=Delft"):
        assert "0 members" in client.get(f"/members?{anonymous_filter}").get_data(as_text=True)


def test_filters_by_theme_city_and_organisation(app, alliance, signed_in):
    client = signed_in("eve@example.org")
    ids = _ids(app)
    everyone = _people(client.get("/members").get_data(as_text=True))
    # Sorted by name; a member who gave no name (eve) comes last.
    assert list(everyone) == ["Ana de Vries", "Bo Jansen", "Cy Bakker", "An alliance member"]
    page = client.get("/members").get_data(as_text=True)
    assert f'href="/members/{ids["ana"]}"' in page and f'href="/members/{ids["cy"]}"' in page
    assert list(_people(client.get("/members?theme=climate-adaptation").get_data(as_text=True))) == ["Ana de Vries"]
    assert list(_people(client.get("/members?city=Utrecht").get_data(as_text=True))) == ["Ana de Vries"]
    assert list(_people(client.get("/members?theme=nature").get_data(as_text=True))) == ["Bo Jansen"]
    assert list(_people(client.get("/members?organisation=waternet").get_data(as_text=True))) == ["Bo Jansen"]
    assert list(_people(client.get("/members?organisation=Gemeente+Delft").get_data(as_text=True))) == ["Cy Bakker"]
    both = client.get("/members?theme=nature&city=Rotterdam").get_data(as_text=True)
    assert _people(both) == {} and "No members match these filters." in both
    # The form keeps the choice, and works without JavaScript (a GET form).
    chosen = client.get("/members?city=Rotterdam").get_data(as_text=True)
    assert re.search(r'<option value="Rotterdam" selected>Rotterdam \(1\)</option>', chosen)
    assert '<form class="directory-filters" method="get" action="/members"' in chosen


def test_the_directory_in_dutch(app, alliance, signed_in):
    client = signed_in("eve@example.org")
    client.set_cookie("casebook_lang", "nl")
    page = client.get("/members").get_data(as_text=True)
    assert "<h1>Leden</h1>" in page and "Ledenlijst" in page
    assert "Alle thema's" in page and "Alle steden" in page and "Alle organisaties" in page
    people = _people(page)
    assert "2 cases gedeeld" in people["Ana de Vries"] and "Klimaatadaptatie" in people["Ana de Vries"]
    assert "Nog geen cases onder eigen naam gedeeld." in people["Cy Bakker"]
    assert "4 leden" in page


def test_a_few_hundred_members_come_in_pages_of_fifty(app, signed_in):
    with app.app_context():
        for n in range(60):
            members.create_member(f"person{n:02d}@example.org", PASSWORD, name=f"Person {n:02d}")
    client = signed_in("zz@example.org")
    first = client.get("/members").get_data(as_text=True)
    assert "61 members" in first and len(_people(first)) == 50 and "Page 1 of 2" in first
    second = _people(client.get("/members?page=2").get_data(as_text=True))
    assert list(second)[:10] == [f"Person {n}" for n in range(50, 60)] and len(second) == 11
