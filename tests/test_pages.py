"""The pages a visitor sees: home, search, case, theme and city, in Dutch and English."""
from __future__ import annotations

import re

import pytest


def test_home_shows_search_focus_themes_recent_cases_and_counts(client, add_case):
    add_case(slug="recent-one", title="Recent one")
    page = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in page
    for theme in ("Energy transition", "Circular economy", "Social inclusion"):
        assert theme in page
    assert "Recent one" in page and "1 case" in page


def test_home_counts_follow_every_change(client, add_case, signed_in):
    add_case(slug="first", title="First", city="Oss")
    assert "1 case" in client.get("/").get_data(as_text=True)
    add_case(slug="second", title="Second", city="Gent", country="BE")
    page = client.get("/").get_data(as_text=True)
    assert "2 cases" in page and "2 cities" in page and "2 countries" in page
    add_case(slug="second", title="Second", city="Gent", country="BE", visibility="members")
    assert "1 case" in client.get("/").get_data(as_text=True)  # hidden from visitors at once
    member = signed_in("m@example.org")
    assert "2 cases" in member.get("/").get_data(as_text=True)  # members still count it


def test_case_page_shows_lessons_apart_and_facts(client, add_case):
    add_case(organisations=["Gemeente Utrecht"], sdg_targets=["11.6"], body="## What they did\n\nThey **built** it.")
    page = client.get("/cases/sample-case").get_data(as_text=True)
    went_well = page.index("What went well")
    went_badly = page.index("What went badly")
    assert went_well < page.index("Residents joined early.") < went_badly < page.index("The budget ran out.")
    assert "<strong>built</strong>" in page and "Gemeente Utrecht" in page and "11.6" in page
    assert "Running" in page and "https://example.org/source" in page and "Netherlands" in page


def test_theme_and_city_pages(client, add_case):
    add_case(slug="t1", themes=["mobility"], city="Houten")
    assert "Houten" in client.get("/themes/mobility").get_data(as_text=True)
    assert client.get("/themes/not-a-theme").status_code == 404
    assert "t1" in client.get("/cities/houten").get_data(as_text=True)
    assert client.get("/cities/Atlantis").status_code == 404


def test_dutch_interface_through_the_language_switch(client, add_case):
    add_case()
    response = client.get("/language/nl?next=/cases/sample-case")
    assert response.status_code == 302 and response.headers["Location"] == "/cases/sample-case"
    page = client.get("/cases/sample-case").get_data(as_text=True)
    assert 'lang="nl"' in page and "Wat ging goed" in page and "Nederland" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example",
                                    "javascript:alert(1)", "\\\\evil.example", "http:/evil.example"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_security_headers_on_pages_and_errors(client):
    for url in ("/", "/no-such-page", "/api/v1/cases/nope"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_another_host(client, add_case):
    add_case()
    for url in ("/", "/search?q=sample", "/cases/sample-case", "/themes/energy-transition"):
        page = client.get(url).get_data(as_text=True)
        assets = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', page)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets


def test_stylesheet_is_served_locally(client):
    assert client.get("/static/casebook.css").status_code == 200
