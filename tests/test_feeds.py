"""Atom feeds, the sitemap and robots.txt: what a feed reader or a crawler gets is what the public may
see, whoever asks, and nothing more."""
from __future__ import annotations

from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app import db
from app.models import Case, CaseUpdate, Lesson, Meeting, MeetingItem, Member, utcnow

from conftest import csrf_token, sign_in

BASE = "https://casebook.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HIDDEN_LESSON, HIDDEN_UPDATE_LESSON = "quokkahiddenlesson", "axolotlhiddenupdatelesson"
NAMED, ANONYMOUS = "Okapi Loud", "Pangolin Quiet"


@pytest.fixture
def site(app):
    app.config["BASE_URL"] = BASE
    return app


def change(app, slug: str, **values) -> None:
    """Set columns of a case directly, as time or a moderator would have."""
    with app.app_context():
        session = db.session()
        case = session.scalar(select(Case).where(Case.slug == slug))
        for key, value in values.items():
            setattr(case, key, value)
        session.commit()


def attribute(app, slug: str, email: str, name: str) -> None:
    with app.app_context():
        session = db.session()
        member = session.scalar(select(Member).where(Member.email == email))
        member.name = name
        session.scalar(select(Case).where(Case.slug == slug)).author_id = member.id
        session.commit()


def add_update(app, slug: str, days_ago: float, text: str, state: str = "approved", **values) -> None:
    """An approved follow-up answer, as the follow-up review leaves it."""
    with app.app_context():
        session = db.session()
        case = session.scalar(select(Case).where(Case.slug == slug))
        moment = utcnow() - timedelta(days=days_ago)
        session.add(CaseUpdate(case_id=case.id, text=text, state=state,
                               published_at=moment if state == "approved" else None, **values))
        if values.get("lesson_text"):  # an approved update's lesson joins the case, with its visibility
            session.add(Lesson(case_id=case.id, position=len(case.lessons), kind=values["lesson_kind"],
                               text=values["lesson_text"], visibility=values.get("lesson_visibility", "members")))
        session.commit()


def feed(client, url: str = "/feed.atom") -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def titles(root: ElementTree.Element) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]


def sitemap_urls(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    return [u.findtext(f"{SITEMAP}loc") for u in root.iter(f"{SITEMAP}url")]


@pytest.fixture
def library(site, add_case, make_member):
    """Public cases published 3, 2 and 1 days ago; a members-only one (newest); a draft; an
    anonymous one; an update each way."""
    add_case(slug="oldest", title="Oldest public case", city="Utrecht", themes=["housing"], lessons=[
        {"kind": "went_well", "text": "Tenants kept their rent."},
        {"kind": "went_badly", "text": f"Failure {HIDDEN_LESSON}", "visibility": "members"}])
    add_case(slug="middle", title="Middle public case", city="Vienna", country="AT", themes=["nature"])
    add_case(slug="newest", title="Newest public case", city="Utrecht", themes=["nature", "housing"],
             attribution="anonymous", language="nl")
    add_case(slug="closed", title="Closed members case", city="Zwolle", themes=["housing"], visibility="members")
    add_case(slug="unfinished", title="Unfinished draft case", city="Utrecht", themes=["housing"])
    for slug, days in (("oldest", 3), ("middle", 2), ("newest", 1), ("closed", 0.5), ("unfinished", 0.2)):
        change(site, slug, published_at=utcnow() - timedelta(days=days))
    change(site, "unfinished", published_at=None, review_state="draft")
    make_member("named@example.org")
    make_member("quiet@example.org")
    attribute(site, "oldest", "named@example.org", NAMED)
    attribute(site, "newest", "quiet@example.org", ANONYMOUS)
    return site


def test_the_feed_is_atom_with_the_public_cases_newest_first(client, library):
    root = feed(client)
    assert titles(root) == ["Newest public case", "Middle public case", "Oldest public case"]
    entries = list(root.iter(f"{ATOM}entry"))
    newest = entries[0]
    assert newest.find(f"{ATOM}link").get("href") == f"{BASE}/cases/newest"
    assert newest.get(XML_LANG) == "nl"
    assert {c.get("term") for c in newest.iter(f"{ATOM}category")} == {"nature", "housing"}
    assert newest.findtext(f"{ATOM}published") and newest.findtext(f"{ATOM}summary") == "A short summary."
    # The feed changed when its newest entry did.
    assert root.findtext(f"{ATOM}updated") == max(e.findtext(f"{ATOM}updated") for e in entries)
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{BASE}/feed.atom"


def test_the_feed_holds_nothing_for_members_and_names_no_anonymous_contributor(client, library):
    text = client.get("/feed.atom").get_data(as_text=True)
    assert "Closed members case" not in text and "/cases/closed" not in text
    assert "Unfinished draft case" not in text
    assert "Tenants kept their rent." in text and HIDDEN_LESSON not in text
    assert NAMED in text and ANONYMOUS not in text and "quiet" not in text
    authors = {e.findtext(f"{ATOM}title"): [a.findtext(f"{ATOM}name") for a in e.iter(f"{ATOM}author")]
               for e in feed(client).iter(f"{ATOM}entry")}
    assert authors["Oldest public case"] == [NAMED] and authors["Newest public case"] == []


def test_approved_updates_of_public_cases_are_entries_without_their_members_only_lesson(client, library):
    add_update(library, "oldest", 0.1, "The second block is **finished**.", status="completed",
               lesson_kind="went_badly", lesson_text=f"Costs rose {HIDDEN_UPDATE_LESSON}", lesson_visibility="members")
    add_update(library, "middle", 0.3, "Birds came back.", lesson_kind="went_well",
               lesson_text="Mowing less worked.", lesson_visibility="public")
    add_update(library, "oldest", 0.05, "Not reviewed yet.", state="submitted")
    add_update(library, "closed", 0.05, "An update of a members-only case.")
    root = feed(client)
    assert titles(root)[:3] == ["Update: Oldest public case", "Update: Middle public case", "Newest public case"]
    update = next(root.iter(f"{ATOM}entry"))
    assert update.find(f"{ATOM}link").get("href") == f"{BASE}/cases/oldest"
    assert "The second block is finished." in update.findtext(f"{ATOM}summary")
    assert "Completed" in update.findtext(f"{ATOM}content")
    text = client.get("/feed.atom").get_data(as_text=True)
    assert HIDDEN_UPDATE_LESSON not in text
    assert "Mowing less worked." in text  # a public lesson of an update is part of it
    assert "Not reviewed yet." not in text and "An update of a members-only case." not in text
    assert len({e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")}) == len(titles(root))


def test_a_feed_holds_at_most_fifty_entries(client, site, add_case):
    for n in range(52):
        add_case(slug=f"case-{n}", title=f"Case number {n}")
    names = titles(feed(client))
    assert len(names) == 50 and names[0] == "Case number 51" and "Case number 1" not in names


def test_theme_and_city_feeds_hold_only_their_cases_and_updates(client, library):
    add_update(library, "middle", 0.1, "Birds came back.")
    assert titles(feed(client, "/themes/housing/feed.atom")) == ["Newest public case", "Oldest public case"]
    assert titles(feed(client, "/themes/nature/feed.atom")) == ["Update: Middle public case", "Newest public case",
                                                                "Middle public case"]
    assert titles(feed(client, "/themes/health/feed.atom")) == []  # a theme without cases yet: an empty feed
    assert titles(feed(client, "/cities/Utrecht/feed.atom")) == ["Newest public case", "Oldest public case"]
    root = feed(client, "/cities/Vienna/feed.atom")
    assert titles(root) == ["Update: Middle public case", "Middle public case"]
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == f"{BASE}/cities/Vienna"


def test_a_city_feed_answers_under_any_name_of_the_city(client, library):
    response = client.get("/cities/Wenen/feed.atom")
    assert response.status_code == 302 and response.headers["Location"] == "/cities/Vienna/feed.atom"


@pytest.mark.parametrize("url", ["/themes/no-such-theme/feed.atom", "/cities/Atlantis/feed.atom",
                                 "/cities/Zwolle/feed.atom"])
def test_unknown_themes_and_cities_and_cities_with_only_members_cases_have_no_feed(client, library, url):
    assert client.get(url).status_code == 404


def test_a_signed_in_member_gets_the_same_public_feed(app, library, make_member):
    visitor = app.test_client()
    for role in ("member", "moderator"):
        member = app.test_client()
        sign_in(member, make_member(f"{role}@example.org", role))
        for url in ("/feed.atom", "/themes/housing/feed.atom", "/sitemap.xml"):
            assert member.get(url).data == visitor.get(url).data, (role, url)
        assert "Closed members case" in member.get("/themes/housing").get_data(as_text=True)  # they could see it


def test_a_feed_reader_may_ask_whether_the_feed_changed(client, library):
    first = client.get("/feed.atom")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    add_update(library, "middle", 0, "Something new.")
    assert client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_text_xml_cannot_hold_is_left_out_instead_of_breaking_the_feed(client, library):
    change(library, "middle", title="Middle\x0b public\x1f case <b>&", summary="<script>alert(1)</script> Plain words.")
    root = feed(client)
    assert "Middle public case <b>&" in titles(root)
    entry = [e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title").startswith("Middle")][0]
    assert "<script" not in entry.findtext(f"{ATOM}content")


def test_the_sitemap_lists_every_public_page_and_nothing_else(client, library):
    with library.app_context():
        session = db.session()
        closed = session.scalar(select(Case).where(Case.slug == "closed"))
        session.add(Meeting(slug="spring-2025", title="Spring meeting", held_on=date(2025, 4, 1), place="Utrecht",
                            host="Gemeente Utrecht", notes="Members-only notes", items=[
                                MeetingItem(title="Closed members case", case_id=closed.id)]))
        session.commit()
    urls = sitemap_urls(client)
    for path in ("/", "/cases/oldest", "/cases/middle", "/cases/newest", "/themes/housing", "/themes/health",
                 "/cities/Utrecht", "/cities/Vienna", "/meetings", "/meetings/spring-2025"):
        assert f"{BASE}{path}" in urls, path
    assert not [u for u in urls if "closed" in u or "unfinished" in u or "Zwolle" in u]
    assert len(urls) == len(set(urls))
    text = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<lastmod>" in text and "Members-only notes" not in text


def test_robots_txt_names_the_sitemap(client, site):
    response = client.get("/robots.txt")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert f"Sitemap: {BASE}/sitemap.xml" in response.get_data(as_text=True).splitlines()
    assert "Disallow: /\n" not in response.get_data(as_text=True)


def test_in_safe_space_mode_feeds_and_sitemap_answer_like_every_page_and_robots_disallow_all(client, library):
    library.config["SAFE_SPACE"] = True
    for url in ("/", "/feed.atom", "/themes/housing/feed.atom", "/cities/Utrecht/feed.atom", "/sitemap.xml"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/login", url
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots.get_data(as_text=True).splitlines() == ["User-agent: *", "Disallow: /"]


def test_pages_point_feed_readers_to_their_feed(client, library):
    home = client.get("/").get_data(as_text=True).split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom"' in home
    for page, url in (("/themes/housing", "/themes/housing/feed.atom"), ("/cities/Utrecht", "/cities/Utrecht/feed.atom")):
        text = client.get(page).get_data(as_text=True)
        head, body = text.split("</head>")
        assert f'<link rel="alternate" type="application/atom+xml" href="{url}"' in head
        assert f'<a class="feed-link" href="{url}"' in body and ">Feed</a>" in body
    client.set_cookie("casebook_lang", "nl")
    assert "Volg nieuwe cases en updates in een feedlezer" in client.get("/themes/housing").get_data(as_text=True)


def test_a_city_with_only_members_cases_offers_its_members_no_feed(app, library, make_member):
    member = app.test_client()
    sign_in(member, make_member())
    page = member.get("/cities/Zwolle").get_data(as_text=True)
    assert "Closed members case" in page and "feed.atom" not in page.replace('href="/feed.atom"', "")


def test_view_as_public_changes_nothing_in_a_feed(app, library, make_member):
    member = app.test_client()
    sign_in(member, make_member())
    before = member.get("/feed.atom").data
    member.post("/view-as-public", data={"on": "1", "next": "/", "csrf_token": csrf_token(member, "/")})
    assert member.get("/feed.atom").data == before
