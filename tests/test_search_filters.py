"""Search that shows what it did: chips that take a filter away, values of one facet that widen,
counts that say what a choice gives, "also searched", sorting without JavaScript, and facets
with no choice left kept out of the way."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest

CLOSED_CITY = "Quokkastad"


@pytest.fixture
def library(add_case):
    add_case(slug="ams-rain", title="Amsterdam Rainproof", city="Amsterdam", themes=["climate-adaptation"],
             year=2014, summary="Roofs and gardens hold rain water.", body="Every roof keeps water.")
    add_case(slug="ams-heat", title="Heat network in Amsterdam", city="Amsterdam", themes=["energy-transition"],
             year=2019, summary="Waste heat warms homes.", body="Pipes carry warm water to the flats.")
    add_case(slug="rdam-square", title="A water square in Rotterdam", city="Rotterdam",
             themes=["climate-adaptation"], year=2013, summary="A square that stores rain water.",
             body="Skaters use the water square when it is dry.")
    add_case(slug="rdam-roofs", title="Groene daken in Rotterdam", city="Rotterdam", language="nl",
             themes=["climate-adaptation", "nature"], year=2021, summary="Daken houden water vast.",
             body="Groene daken vangen water op.")
    add_case(slug="utr-repair", title="Repair cafés in Utrecht", city="Utrecht", themes=["circular-economy"],
             year=2016, summary="Volunteers repair toasters.", body="Neighbours meet and mend things.")


def api(client, **params) -> dict:
    return client.get("/api/v1/search", query_string=params).get_json()


def html(client, url: str, **params) -> str:
    return client.get(url, query_string=params or None).get_data(as_text=True)


def text(fragment: str) -> str:
    """What a screen reader reads of some HTML: tags and aria-hidden parts left out."""
    fragment = re.sub(r'<(\w+)[^>]*aria-hidden="true"[^>]*>.*?</\1>', "", fragment, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def chips(page: str) -> dict[str, str]:
    """Accessible name -> link of each active filter chip."""
    return {text(inner): unescape(href)
            for href, inner in re.findall(r'<a class="filter-chip" href="([^"]+)">(.*?)</a>', page, re.S)}


def heading(page: str) -> str:
    return text(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))


def card_slugs(page: str) -> list[str]:
    return re.findall(r'<article class="card">\s*<h3><a href="/cases/([^"?]+)', page)


def facet_group(page: str, facet: str) -> str | None:
    found = re.search(rf'<div class="facet" id="f-{facet}">(.*?)</div>', page, re.S)
    return found.group(1) if found else None


def facet_counts(page: str, facet: str) -> dict[str, int]:
    group = facet_group(page, facet) or ""
    return {unescape(label.lstrip("✓ ")): int(n) for label, n in
            re.findall(r'<span>([^<]+)</span><span class="count" aria-hidden="true">(\d+)</span>', group)}


def follow(client, link: str) -> str:
    parts = urlsplit(link)
    return client.get(f"{parts.path}?{parts.query}").get_data(as_text=True)


# --- values of one facet widen, facets narrow, counts say so -------------------------------------

def test_two_cities_give_the_cases_of_either(client, library):
    amsterdam, rotterdam = api(client, city="Amsterdam"), api(client, city="Rotterdam")
    both = api(client, city=["Amsterdam", "Rotterdam"])
    assert both["total"] > max(amsterdam["total"], rotterdam["total"])
    assert both["total"] == amsterdam["total"] + rotterdam["total"] == 4  # a case has one city
    assert {r["city"] for r in both["results"]} == {"Amsterdam", "Rotterdam"}
    # Another facet still narrows: climate cases of either city.
    climate = api(client, city=["Amsterdam", "Rotterdam"], theme="climate-adaptation")
    assert sorted(r["slug"] for r in climate["results"]) == ["ams-rain", "rdam-roofs", "rdam-square"]
    page = html(client, "/search", city=["Amsterdam", "Rotterdam"])
    assert sorted(card_slugs(page)) == sorted(r["slug"] for r in both["results"])


def test_a_chosen_facet_counts_what_each_of_its_values_would_add(client, library):
    data = api(client, city="Amsterdam", theme="climate-adaptation")
    assert data["total"] == 1
    cities = {f["value"]: f["count"] for f in data["facets"]["city"]}
    # The city counts ignore the city filter, not the theme: climate cases per city.
    assert cities == {"Amsterdam": 1, "Rotterdam": 2}
    # Themes are counted among Amsterdam's cases: what choosing one more theme adds.
    assert {f["value"]: f["count"] for f in data["facets"]["theme"]} == {
        "climate-adaptation": 1, "energy-transition": 1}
    wider = api(client, city=["Amsterdam", "Rotterdam"], theme="climate-adaptation")
    assert wider["total"] == data["total"] + cities["Rotterdam"]
    more_themes = api(client, city="Amsterdam", theme=["climate-adaptation", "energy-transition"])
    assert more_themes["total"] == 2
    # An unfiltered facet counts among the cases shown.
    assert {f["value"]: f["count"] for f in data["facets"]["language"]} == {"en": 1}


def test_counts_on_the_page_follow_the_same_rule(client, library):
    page = html(client, "/search", city="Amsterdam")
    assert facet_counts(page, "city") == {"Amsterdam": 2, "Rotterdam": 2, "Utrecht": 1}
    assert facet_counts(page, "theme") == {"Climate adaptation": 1, "Energy transition": 1}


def test_counts_under_or_with_words(client, library):
    data = api(client, q="water", city="Rotterdam")
    cities = {f["value"]: f["count"] for f in data["facets"]["city"]}
    assert cities["Amsterdam"] == api(client, q="water", city="Amsterdam")["total"]
    assert api(client, q="water", city=["Rotterdam", "Amsterdam"])["total"] == data["total"] + cities["Amsterdam"]


# --- chips, "clear all" and a heading that says it all ------------------------------------------

def test_chips_take_one_filter_away_and_clear_all_keeps_the_words(client, library):
    page = html(client, "/search", q="water", city=["Amsterdam", "Rotterdam"], theme="climate-adaptation")
    assert set(card_slugs(page)) == {"ams-rain", "rdam-square", "rdam-roofs"}
    found = chips(page)
    assert set(found) == {"Remove filter: City Amsterdam", "Remove filter: City Rotterdam",
                          "Remove filter: Theme Climate adaptation"}

    without_amsterdam = follow(client, found["Remove filter: City Amsterdam"])
    assert set(card_slugs(without_amsterdam)) == {"rdam-square", "rdam-roofs"}
    assert set(chips(without_amsterdam)) == {"Remove filter: City Rotterdam", "Remove filter: Theme Climate adaptation"}

    without_theme = follow(client, found["Remove filter: Theme Climate adaptation"])
    assert set(card_slugs(without_theme)) == {"ams-rain", "ams-heat", "rdam-square", "rdam-roofs"}

    clear = re.search(r'<a class="clear-filters" href="([^"]+)">Clear all filters</a>', page).group(1)
    cleared = follow(client, unescape(clear))
    assert not chips(cleared) and 'class="clear-filters"' not in cleared
    assert sorted(card_slugs(cleared)) == sorted(r["slug"] for r in api(client, q="water")["results"])
    assert heading(cleared).endswith("“water”")


def test_the_heading_says_the_words_and_the_filters(client, library):
    page = html(client, "/search", q="water", city=["Amsterdam", "Rotterdam"], theme="climate-adaptation")
    assert heading(page) == "3 cases for “water” · Climate adaptation · Amsterdam or Rotterdam"
    client.set_cookie("casebook_lang", "nl")
    page = html(client, "/search", city=["Amsterdam", "Rotterdam"])
    assert heading(page) == "4 cases · Amsterdam of Rotterdam"
    assert "Filter weghalen: Stad Amsterdam" in chips(page)


def test_filters_on_a_theme_page_stay_on_it(client, library):
    page = html(client, "/themes/climate-adaptation", city="Rotterdam")
    assert set(card_slugs(page)) == {"rdam-square", "rdam-roofs"}
    assert set(chips(page)) == {"Remove filter: City Rotterdam"}  # the page's own theme is no filter to take away
    links = re.findall(r'class="facet-value[^"]*" id="[^"]+" href="([^"]+)"', page)
    assert links and all(link.startswith("/themes/climate-adaptation") for link in links)
    amsterdam_too = follow(client, next(unescape(link) for link in links if "Amsterdam" in link))
    assert set(card_slugs(amsterdam_too)) == {"rdam-square", "rdam-roofs", "ams-rain"}  # never ams-heat
    back = follow(client, chips(page)["Remove filter: City Rotterdam"])
    assert set(card_slugs(back)) == {"rdam-square", "rdam-roofs", "ams-rain"}


# --- what the search also looked for ------------------------------------------------------------

def test_also_searched_names_the_thesaurus_words_it_found_cases_by(client, library):
    page = html(client, "/search", q="waterplein")
    assert "rdam-square" in card_slugs(page)
    assert "Also searched: <q>water square</q>" in page
    assert api(client, q="waterplein")["also_searched"] == ["water square"]
    client.set_cookie("casebook_lang", "nl")
    assert "Ook gezocht op: <q>water square</q>" in html(client, "/search", q="waterplein")


def test_nothing_is_said_when_the_words_were_searched_as_typed(client, library):
    assert "Also searched" not in html(client, "/search", q="toasters")
    assert api(client, q="toasters")["also_searched"] == []


# --- sorting ---------------------------------------------------------------------------------------

def test_sorting_works_as_a_plain_form_without_javascript(client, library):
    page = html(client, "/search", q="water", city="Rotterdam")
    form = re.search(r'<form class="sort" action="([^"]+)" method="get">(.*?)</form>', page, re.S)
    assert form and urlsplit(unescape(form.group(1))).path == "/search"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    assert sorted(fields) == [("city", "Rotterdam"), ("q", "water")]
    assert re.search(r'<noscript><button type="submit">Apply</button></noscript>', form.group(2))
    assert '<select id="sort" name="sort">' in form.group(2)
    # What the browser sends when the button is pressed: the hidden fields and the choice.
    newest = html(client, "/search", **dict(fields), sort="newest")
    assert card_slugs(newest) == ["rdam-roofs", "rdam-square"]  # 2021, then 2013
    assert '<option value="newest" selected>' in newest


def test_there_is_no_sort_control_when_nothing_was_found(client, library):
    page = html(client, "/search", q="okapizebraquagga")
    assert not card_slugs(page) and 'name="sort"' not in page and "Sort by" not in page
    assert 'name="sort"' in html(client, "/search", q="water")


# --- facets that offer no choice, focus after a filter, phones ----------------------------------

def test_a_facet_that_offers_no_choice_is_left_out(client, library):
    page = html(client, "/search")
    # Every case is Dutch (NL), running, with lessons of both kinds: nothing to choose there.
    assert facet_group(page, "country") is None and facet_group(page, "status") is None
    assert facet_group(page, "lesson") is None
    assert facet_counts(page, "theme") and facet_counts(page, "city")
    # Chosen, it stays, so it can be taken away.
    chosen = html(client, "/search", country="NL")
    assert facet_counts(chosen, "country") == {"Netherlands": 5}
    assert 'aria-current="true"' in facet_group(chosen, "country")
    # Within one city, a theme every case there has is no choice either.
    utrecht = html(client, "/search", city="Utrecht")
    assert facet_group(utrecht, "theme") is None and facet_group(utrecht, "city") is not None


def test_a_facet_link_brings_focus_back_to_the_value_it_used(client, library):
    page = html(client, "/search", q="water")
    link = re.search(r'id="(f-city-rotterdam)" href="([^"]+)"', page)
    assert link and unescape(link.group(2)).endswith("#f-city-rotterdam")
    chosen = follow(client, unescape(link.group(2)))
    # The new page has the same value, selected, under the same id: the fragment lands there.
    again = re.search(r'<a class="facet-value selected" id="f-city-rotterdam" href="([^"]+)"', chosen)
    assert again and unescape(again.group(1)).endswith("#f-city-rotterdam")


def test_the_filter_panel_comes_before_the_results_and_says_how_many_are_on(client, library):
    page = html(client, "/search", city=["Amsterdam", "Rotterdam"], theme="climate-adaptation")
    panel = page.index('<details class="filter-panel" open>')
    assert panel < page.index('<section class="results"') < page.index('<article class="card">')
    assert "<summary>Filters (3 active)</summary>" in page
    assert 'href="#filters"' not in page or 'id="filters"' in page  # no link to a missing anchor
    assert 'href="#results"' in page and 'id="results"' in page


def test_headings_go_down_one_level_at_a_time(client, library):
    page = html(client, "/search", q="water", city="Rotterdam")
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", page.split('<main', 1)[1])]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert re.search(r'<h2 id="results"[^>]*>Results</h2>', page)
    assert re.search(r'<h3 class="facet-title">City</h3>', page)


# --- the safe space ---------------------------------------------------------------------------------

def test_a_members_only_city_never_shows_as_a_chip_or_count_to_a_visitor(client, library, add_case, signed_in):
    add_case(slug="closed-case", title="Closed case", city=CLOSED_CITY, visibility="members",
             themes=["climate-adaptation"], summary="Members only.", body="Water everywhere.")
    for params in ({"city": CLOSED_CITY}, {"city": [CLOSED_CITY, "Rotterdam"]},
                   {"city": [CLOSED_CITY, "Rotterdam"], "q": "water"}, {"city": CLOSED_CITY, "theme": "nature"}):
        page = html(client, "/search", **params)
        assert not any(CLOSED_CITY in name for name in chips(page)), params
        assert CLOSED_CITY not in heading(page), params
        # Links may carry the visitor's own address along; nothing shown names the city.
        assert CLOSED_CITY not in text(facet_group(page, "city") or ""), params
        assert CLOSED_CITY not in text(page.split("</h1>", 1)[1]), params
        data = api(client, **params)
        assert all(f["value"] != CLOSED_CITY for values in data["facets"].values() for f in values), params
        assert all(r["slug"] != "closed-case" for r in data["results"]), params
    # Only the public case counts: the filter of a city the visitor's index does not know lets nothing through.
    assert api(client, city=[CLOSED_CITY, "Rotterdam"])["total"] == 2
    assert 'class="clear-filters"' in html(client, "/search", city=CLOSED_CITY)  # still a way out
    # A member sees the city as a chip and a count: the same page can show it, so the test can fail.
    member_page = html(signed_in("member@example.org"), "/search", city=[CLOSED_CITY, "Rotterdam"])
    assert f"Remove filter: City {CLOSED_CITY}" in chips(member_page)
    assert facet_counts(member_page, "city")[CLOSED_CITY] == 1


# --- filters typed in the words narrow; odd parameters are answered ------------------------------

def test_a_filter_typed_in_the_words_narrows_beside_the_chosen_ones(client, library):
    typed = api(client, q="city:Amsterdam", city="Rotterdam")
    assert typed["total"] == 0
    assert [r["slug"] for r in api(client, q="city:Amsterdam water", theme="climate-adaptation")["results"]] == [
        "ams-rain"]
    # A theme page shows its theme only, a city page its city only, whatever the words ask for.
    assert card_slugs(html(client, "/themes/circular-economy", q="theme:climate-adaptation")) == []
    assert "rdam-square" not in card_slugs(html(client, "/cities/Amsterdam", q="city:Rotterdam"))


@pytest.mark.parametrize("query", ["_anchor=x&city=Amsterdam", "_external=1&_scheme=x&q=water",
                                   "_method=POST&q=water&city=Amsterdam"])
def test_parameters_meant_for_the_site_itself_are_ignored(client, library, query):
    for path in ("/search", "/themes/climate-adaptation", "/cities/Amsterdam"):
        response = client.get(f"{path}?{query}&page=1")
        assert response.status_code == 200, (path, query)
    assert client.get("/themes/climate-adaptation?slug=nature&q=water").status_code == 200
    assert client.get("/cities/Amsterdam?name=Utrecht").status_code == 200


def test_a_themes_name_in_either_language_finds_its_cases(client, library):
    assert sorted(r["slug"] for r in api(client, q="klimaatadaptatie")["results"]) == [
        "ams-rain", "rdam-roofs", "rdam-square"]
    assert [r["slug"] for r in api(client, q="circular economy")["results"]] == ["utr-repair"]
