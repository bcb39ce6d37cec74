"""The safe-space matrix: who sees what, on every surface that exists so far."""
from __future__ import annotations

import pytest

from conftest import sign_in

PUBLIC, CLOSED, LESSON = "zebrapublicword", "quokkaclosedword", "axolotllessonword"
# Contributor names: one case is shared under a name, one anonymously.
NAMED, ANONYMOUS = "Okapiloud", "Pangolinquiet"
CASES = ("open-case", "closed-case", "anon-case", "no-such-case")
SURFACES = ["/", "/search?q={w}", "/api/v1/search?q={w}", "/search", "/api/v1/search",
            # A typo of the word: "did you mean" must only ever suggest what this visitor may see.
            "/search?q={typo}", "/api/v1/search?q={typo}",
            "/themes/nature", "/themes/energy-transition", "/cities/Zwolle",
            # Feeds and the sitemap are the public's, whoever asks: never a member's share, never a name.
            "/feed.atom", "/themes/nature/feed.atom", "/cities/Zwolle/feed.atom", "/sitemap.xml",
            *[f"/cases/{slug}" for slug in CASES], *[f"/api/v1/cases/{slug}" for slug in CASES],
            *[f"/cases/{slug}/export" for slug in CASES],
            # Members' pages: visitors are sent to sign in; members see only their own share.
            "/inbox", "/moderate/reports", *[f"/cases/{slug}/introduce" for slug in CASES],
            # Meetings are public; their notes (members only here) and programme items on hidden cases are not.
            "/meetings", "/meetings/spring-gathering", "/profile/searches"]


@pytest.fixture
def library(app, add_case, make_member):
    add_case(slug="open-case", title=f"Open case {PUBLIC}", city="Zwolle", lessons=[
        {"kind": "went_well", "text": "Public lesson"},
        {"kind": "went_badly", "text": f"Hidden failure {LESSON}", "visibility": "members"}])
    add_case(slug="closed-case", title=f"Closed case {CLOSED}", city="Zwolle", themes=["nature"],
             visibility="members", summary=f"Summary {CLOSED}")
    add_case(slug="anon-case", title="A story told without a name", city="Utrecht", attribution="anonymous")
    make_member("named@example.org")
    make_member("quiet@example.org")
    with app.app_context():
        from app.models import Case, Member
        from app.services.unit_of_work import unit_of_work
        with unit_of_work() as uow:
            for slug, email, name in (("open-case", "named@example.org", NAMED),
                                      ("anon-case", "quiet@example.org", ANONYMOUS)):
                author = uow.session.query(Member).filter_by(email=email).one()
                author.name, author.organisation = f"{name} Person", f"{name} Gemeente"
                uow.session.query(Case).filter_by(slug=slug).one().author_id = author.id
                uow.search_must_look_at(slug)
            from datetime import date

            from app.models import Meeting, MeetingItem
            by_slug = {c.slug: c for c in uow.session.query(Case)}
            uow.session.add(Meeting(
                slug="spring-gathering", title="Spring gathering", held_on=date(2026, 4, 16), place="Oss",
                host="Gemeente Oss", summary="Two cases, one afternoon.", notes=f"What was said: {CLOSED}.",
                notes_visibility="members", items=[
                    MeetingItem(position=0, title="An open talk", case=by_slug["open-case"]),
                    MeetingItem(position=1, title=f"A closed talk {CLOSED}", case=by_slug["closed-case"],
                                speaker=f"{ANONYMOUS} Person", speaker_agreed=False)]))


def seen(client, word: str) -> bool:
    """Whether `word` shows anywhere a visitor of this client looks."""
    typo = word[:-2] + word[-1] + word[-2]
    for url in SURFACES:
        text = client.get(url.format(w=word, typo=typo)).get_data(as_text=True)
        # What the visitor typed comes back to them (search box, heading, links): not a leak.
        for echo in (f"q={typo}", f"“{typo}”", f'value="{typo}"', f'"query": "{typo}"', f'"query":"{typo}"', f"Search: {typo}",
                     f"q={word}", f"q%3D{word}", f"“{word}”", f'value="{word}"', f'"query": "{word}"',
                     f'"query":"{word}"', f"Search: {word}"):
            text = text.replace(echo, "")
        if word in text:
            return True
    return False


@pytest.mark.parametrize("role", [None, "member", "moderator"])
def test_each_audience_sees_exactly_its_share(app, library, make_member, role):
    client = app.test_client()
    if role:
        sign_in(client, make_member(f"{role}@example.org", role))
    assert seen(client, PUBLIC)
    assert seen(client, CLOSED) is bool(role)
    assert seen(client, LESSON) is bool(role)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_counts_follow_the_audience(app, library, make_member, role):
    anonymous, signed_in = app.test_client(), app.test_client()
    sign_in(signed_in, make_member(f"{role}@example.org", role))
    assert anonymous.get("/api/v1/search?city=Zwolle").get_json()["total"] == 1
    assert signed_in.get("/api/v1/search?city=Zwolle").get_json()["total"] == 2
    assert anonymous.get("/api/v1/search?city=Zwolle").get_json()["facets"]["lesson"] == [
        {"value": "went_well", "label": "Went well", "count": 1}]


@pytest.mark.parametrize("role", [None, "member", "moderator"])
def test_an_anonymous_contributor_is_named_to_moderators_only(app, library, make_member, role):
    client = app.test_client()
    if role:
        sign_in(client, make_member(f"{role}@example.org", role))
    assert seen(client, NAMED)  # a named contributor is shown, and found by name
    assert client.get(f"/api/v1/search?q={NAMED}").get_json()["total"] == 1
    assert seen(client, ANONYMOUS) is (role == "moderator")
    # Search never finds an anonymous case by its contributor's name, whoever asks.
    assert client.get(f"/api/v1/search?q={ANONYMOUS}").get_json()["total"] == 0
    api = client.get("/api/v1/cases/anon-case").get_json()
    assert (api["contributor"] is not None) is (role == "moderator")


@pytest.mark.parametrize("kind", ["/cases/{}", "/api/v1/cases/{}", "/cases/{}/export"])
def test_a_members_only_case_answers_a_visitor_exactly_like_a_missing_one(client, library, kind):
    hidden, missing = client.get(kind.format("closed-case")), client.get(kind.format("no-such-case"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data(as_text=True).replace("closed-case", "X") == \
        missing.get_data(as_text=True).replace("no-such-case", "X")
    # Every response carries its own random request id: the only header allowed to differ.
    varying = ("Content-Length", "X-Request-ID")
    assert {k: v for k, v in hidden.headers if k not in varying} == \
        {k: v for k, v in missing.headers if k not in varying}


@pytest.mark.parametrize("url", ["/cases/closed-case", "/api/v1/cases/closed-case", "/api/v1/search", "/"])
def test_what_a_member_sees_is_never_cached(app, library, make_member, url):
    client = app.test_client()
    sign_in(client, make_member())
    assert client.get(url).headers["Cache-Control"] == "private, no-store"


def test_title_description_and_open_graph_tags_carry_only_what_the_visitor_may_see(app, library, make_member):
    import re
    anonymous, member = app.test_client(), app.test_client()
    sign_in(member, make_member())
    for client, expected in ((anonymous, False), (member, True)):
        page = client.get("/cases/open-case").get_data(as_text=True)
        head = page.split("</head>")[0]
        assert re.search(r'<meta property="og:title" content="Open case zebrapublicword', head)
        assert LESSON not in head  # lessons never go into the head, members-only or not
        assert (CLOSED in client.get("/cases/closed-case").get_data(as_text=True).split("</head>")[0]) is expected


@pytest.mark.parametrize("role", [None, "member", "moderator"])
def test_a_member_page_never_lists_anonymous_cases_and_shows_no_address(app, library, make_member, role):
    from app import db
    from app.models import Member
    with app.app_context():
        named = db.session().query(Member).filter_by(email="named@example.org").one().id
        quiet = db.session().query(Member).filter_by(email="quiet@example.org").one().id
    client = app.test_client()
    if role:
        sign_in(client, make_member(f"{role}@example.org", role))
    named_page, quiet_page = client.get(f"/members/{named}"), client.get(f"/members/{quiet}")
    if role is None:  # visitors are sent to sign in, whether the member exists or not
        assert named_page.status_code == quiet_page.status_code == client.get("/members/999").status_code == 302
        return
    assert "Open case zebrapublicword" in named_page.get_data(as_text=True)
    # A page about a person never ties them to a story they told without their name, for anyone.
    assert "A story told without a name" not in quiet_page.get_data(as_text=True)
    assert "@example.org" not in named_page.get_data(as_text=True).replace(f"{role}@example.org", "")
    case_page = client.get("/cases/open-case").get_data(as_text=True)
    assert f'href="/members/{named}"' in case_page
    assert (f'href="/members/{quiet}"' in client.get("/cases/anon-case").get_data(as_text=True)) is (role == "moderator")


def test_a_renamed_contributor_is_found_by_the_new_name_only(app, library):
    from app import db
    from app.models import Member
    from app.services import members
    with app.app_context():
        named = db.session().query(Member).filter_by(email="named@example.org").one()
        members.update_profile(named, "Capybara Renamed", "")
    visitor = app.test_client()
    assert visitor.get("/api/v1/search?q=Capybara").get_json()["total"] == 1
    assert visitor.get(f"/api/v1/search?q={NAMED}").get_json()["total"] == 0


@pytest.mark.parametrize("role", [None, "member", "moderator"])
def test_home_page_counts_follow_the_audience(app, library, make_member, role):
    import re
    client = app.test_client()
    if role:
        sign_in(client, make_member(f"{role}@example.org", role))
    counts = re.search(r'<p class="counts">(.*?)</p>', client.get("/").get_data(as_text=True), re.S).group(1)
    numbers = [int(n) for n in re.findall(r"\d+", counts)]
    # cases, cities, countries, went-badly lessons (open-case: one, members-only; closed and anon: one each)
    assert numbers == ([3, 2, 1, 3] if role else [2, 2, 1, 1])
