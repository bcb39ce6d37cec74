"""Bilingual search: stemming, accents, the thesaurus, all-then-any words, phrases, bad queries."""
from __future__ import annotations

import pytest


def slugs(client, **params) -> list[str]:
    data = client.get("/api/v1/search", query_string=params).get_json()
    return [r["slug"] for r in data["results"]]


@pytest.fixture
def library(add_case):
    add_case(slug="rotterdam-waterplein", title="Het waterplein van Rotterdam", language="nl",
             city="Rotterdam", themes=["climate-adaptation"],
             summary="Een plein dat bij hevige regen water opvangt.",
             body="De gemeente bouwde drie waterpleinen. De coöperatie van bewoners hielp mee.")
    add_case(slug="groningen-heat", title="Groningen's heat network", language="en", city="Groningen",
             themes=["energy-transition"], summary="Waste heat from a data centre warms homes.",
             body="The city company connected neighbourhoods to the heat networks it built.")
    add_case(slug="utrecht-repair", title="Repair cafés in Utrecht", language="en", city="Utrecht",
             themes=["circular-economy", "social-inclusion"], summary="Volunteers repair broken things.",
             body="Neighbours meet, repair toasters and bikes, and keep waste out of the incinerator.")


def test_dutch_words_are_stemmed(client, library):
    assert slugs(client, q="waterpleinen") == ["rotterdam-waterplein"]


def test_english_words_are_stemmed(client, library):
    assert slugs(client, q="repairing toaster") == ["utrecht-repair"]


def test_accents_are_folded_both_ways(client, library):
    assert slugs(client, q="cooperatie") == ["rotterdam-waterplein"]
    assert slugs(client, q="repair cafe") == ["utrecht-repair"]
    assert slugs(client, q="repair café") == ["utrecht-repair"]


def test_the_thesaurus_crosses_languages(client, library):
    assert slugs(client, q="water square") == ["rotterdam-waterplein"]
    assert slugs(client, q="warmtenet") == ["groningen-heat"]
    assert slugs(client, q="warmtenetten groningen") == ["groningen-heat"]


def test_abbreviations_of_the_field_expand_both_ways(client, add_case):
    add_case(slug="nbs-case", title="Parks that cool the city", language="en", city="Utrecht",
             summary="Nature-based solutions against heat.", body="Trees and wadis.")
    add_case(slug="wko-case", title="Een WKO onder het stadhuis", language="nl", city="Oss",
             summary="Opslag van warmte en koude in de bodem.", body="De installatie draait sinds 2012.")
    assert slugs(client, q="NBS") == ["nbs-case"]
    assert slugs(client, q="warmte-koudeopslag") == ["wko-case"]
    assert slugs(client, q="wko") == ["wko-case"]
    data = client.get("/api/v1/search", query_string={"q": "nbs"}).get_json()
    assert data["total"] == 1 and data.get("suggestion") in (None, "")


def test_an_abbreviation_never_reaches_into_members_only_text(client, add_case, signed_in):
    add_case(slug="open", title="Open case", language="en", summary="A public story.", body="Nothing more.")
    add_case(slug="closed", title="Closed case", language="en", visibility="members",
             summary="Members only.", body="Our nature-based solutions failed.")
    assert slugs(signed_in("member@example.org"), q="nbs") == ["closed"]
    visitor = client.get("/api/v1/search", query_string={"q": "nbs"}).get_json()
    assert visitor["total"] == 0 and visitor["results"] == [] and not visitor.get("suggestion")


def test_all_words_must_match_first(client, library):
    data = client.get("/api/v1/search?q=repair+utrecht").get_json()
    assert [r["slug"] for r in data["results"]] == ["utrecht-repair"]


def test_when_no_case_has_all_words_any_word_will_do(client, library):
    page = client.get("/search?q=toaster+waterplein").get_data(as_text=True)
    assert "No case contains all your words" in page
    assert set(slugs(client, q="toaster waterplein")) == {"utrecht-repair", "rotterdam-waterplein"}


def test_quoted_phrases_must_match_in_order(client, library):
    assert slugs(client, q='"waste heat"') == ["groningen-heat"]
    assert slugs(client, q='"heat waste"') == []


def test_stop_words_are_not_required(client, library):
    assert slugs(client, q="the heat network") == ["groningen-heat"]
    assert slugs(client, q="het waterplein") == ["rotterdam-waterplein"]


def test_field_syntax_only_for_public_facets(client, library):
    assert slugs(client, q="theme:energy-transition") == ["groningen-heat"]
    assert slugs(client, q="city:utrecht") == ["utrecht-repair"]
    # Not a facet: searched as plain words, never as a field.
    for typed, plain in [("body:toasters", "body toasters"), ("title:Groningen", "title Groningen"),
                         ("slug:groningen-heat", "slug groningen-heat")]:
        assert slugs(client, q=typed) == slugs(client, q=plain)
    assert client.get("/api/v1/search?q=body:toasters").get_json()["total"] == 1


@pytest.mark.parametrize("query", [
    '"unbalanced', 'AND OR NOT', '(((', ')', 'title:', ':::', '*', '?~^', 'city:"', "\\", "' OR 1=1 --",
    "%00", "a" * 199, "🙂", "theme:nonexistent",
])
def test_odd_queries_are_answered_never_a_500(client, library, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200 and isinstance(response.get_json()["results"], list)


def test_too_long_query_gets_a_friendly_message(client, library):
    data = client.get("/api/v1/search", query_string={"q": "water " * 60}).get_json()
    assert data["total"] == 0 and "too long" in data["message"]
    page = client.get("/search", query_string={"q": "water " * 60}).get_data(as_text=True)
    assert "too long" in page


def test_bad_paging_and_sort_fall_back_to_defaults(client, library):
    for params in ({"page": "abc"}, {"page": "-3"}, {"page": "99999999999"}, {"sort": "drop table"}):
        assert client.get("/api/v1/search", query_string={"q": "repair", **params}).status_code == 200


def test_did_you_mean_comes_from_the_index(client, library):
    data = client.get("/api/v1/search?q=groningn&as_typed=1").get_json()
    assert data["total"] == 0 and data["suggestion"] == "groningen"
    data = client.get("/api/v1/search?q=groningn").get_json()
    assert data["corrected_query"] == "groningen" and data["total"] == 1
    assert client.get("/api/v1/search?q=groningen").get_json()["suggestion"] is None


def test_snippets_highlight_the_matched_words(client, library):
    result = client.get("/api/v1/search?q=toasters").get_json()["results"][0]
    assert "<mark" in result["snippet"] and "toasters" in result["snippet"]


def test_related_cases_share_distinctive_words_first_then_themes(client, add_case):
    add_case(slug="delft-aquifer", title="Aquifer heat storage in Delft", themes=["energy-transition"],
             summary="Warm water is kept in an aquifer for winter.", body="Boreholes reach the aquifer.")
    add_case(slug="tilburg-aquifer", title="Tilburg stores heat in an aquifer", themes=["housing"],
             summary="An aquifer under the station keeps summer heat.", body="Two boreholes, one warm.")
    add_case(slug="oss-solar", title="Solar roofs in Oss", themes=["energy-transition"],
             summary="Schools put panels on their roofs.", body="The panels feed the grid.")
    add_case(slug="gent-repair", title="Repair cafés in Gent", themes=["circular-economy"],
             summary="Volunteers mend toasters.", body="Neighbours meet and repair.")
    related = client.get("/api/v1/cases/delft-aquifer").get_json()["related"]
    assert related[:2] == ["tilburg-aquifer", "oss-solar"]  # shared words, then a shared theme
    assert "gent-repair" not in related and "delft-aquifer" not in related


def test_related_cases_come_from_the_same_index(client, library):
    data = client.get("/api/v1/cases/utrecht-repair").get_json()
    assert "utrecht-repair" not in data["related"]
