"""Search understands what members type: typos, compounds, questions, the other language."""
from __future__ import annotations

import pytest


def search(client, q: str, **params) -> dict:
    return client.get("/api/v1/search", query_string={"q": q, **params}).get_json()


def slugs(client, q: str, **params) -> list[str]:
    return [r["slug"] for r in search(client, q, **params)["results"]]


def nothing_for(client, q: str) -> dict:
    """A visitor's answer that holds no case, no correction and no suggestion."""
    answer = search(client, q)
    assert answer["total"] == 0 and answer["results"] == [], q
    assert not answer["suggestion"] and not answer["corrected_query"], q
    return answer


@pytest.fixture
def library(add_case):
    add_case(slug="rotterdam-klimaat", title="Klimaatadaptatie in Rotterdam", language="nl", city="Rotterdam",
             summary="Hoe de stad zich voorbereidt op hevige regen en hitte.",
             body="Waterpleinen en groene daken vangen regenwater op.")
    add_case(slug="amsterdam-rainproof", title="Amsterdam Rainproof", language="en", city="Amsterdam",
             summary="A network that makes the city rainproof, one garden at a time.",
             body="Residents disconnect their downpipes and build green roofs.")
    add_case(slug="barcelona-superblocks", title="Superblocks in Barcelona", language="en", city="Barcelona",
             summary="Nine city blocks closed to through traffic.",
             body="Streets became squares where children play.")
    add_case(slug="groningen-warmte", title="District heating in Groningen", language="en", city="Groningen",
             summary="A city company heats homes with waste heat.",
             body="What went badly: the first heat source was geothermal and had to be stopped after "
                  "earthquakes. Residents were not involved early enough.")
    add_case(slug="purmerend-aardgasvrij", title="Purmerend wordt aardgasvrij", language="nl", city="Purmerend",
             summary="Bewoners kiezen samen hoe hun wijk van het aardgas af gaat.",
             body="De gemeente betrok bewoners vanaf het begin bij de plannen voor aardgasvrij wonen.")
    add_case(slug="utrecht-zon", title="Zonnepanelen op elk dak", language="nl", city="Utrecht",
             summary="Een coöperatie legt zonnepanelen op daken van scholen.",
             body="Leden krijgen een deel van de opbrengst.")


# --- typos -----------------------------------------------------------------------------------

def test_a_misspelt_word_shows_the_corrected_results_at_once(client, library):
    data = search(client, "klimaatadaptatei")
    assert [r["slug"] for r in data["results"]] == ["rotterdam-klimaat"]
    assert data["corrected_query"] == "klimaatadaptatie"
    assert data["query"] == "klimaatadaptatei"


def test_swapped_letters_are_one_slip(client, library):
    assert slugs(client, "superblcoks") == ["barcelona-superblocks"]
    assert slugs(client, "rainproff") == ["amsterdam-rainproof"]


def test_the_page_says_what_it_searched_and_offers_the_words_as_typed(client, library):
    page = client.get("/search?q=rainproff").get_data(as_text=True)
    assert "Showing results for" in page and "rainproof" in page
    assert "as_typed=1" in page
    as_typed = search(client, "rainproff", as_typed="1")
    assert as_typed["total"] == 0 and as_typed["corrected_query"] is None
    assert as_typed["suggestion"] == "rainproof"


def test_the_correction_speaks_dutch_to_a_dutch_reader(client, library):
    page = client.get("/search?q=klimaatadaptatei", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Resultaten voor" in page and "zoek in plaats daarvan naar" in page


def test_correct_words_of_either_language_are_never_corrected(client, library):
    data = search(client, "what went wrong with district heating in Groningen")
    assert data["results"][0]["slug"] == "groningen-warmte"
    assert data["corrected_query"] is None
    assert not data["suggestion"]
    data = search(client, "hoe betrek je bewoners bij aardgasvrij")
    assert data["results"][0]["slug"] == "purmerend-aardgasvrij"
    assert data["corrected_query"] is None and not data["suggestion"]


def test_a_correction_keeps_filters_and_other_words(client, library):
    data = search(client, "rainproff amsterdam")
    assert [r["slug"] for r in data["results"]] == ["amsterdam-rainproof"]
    assert data["corrected_query"] == "rainproof amsterdam"


def test_no_correction_when_the_words_already_find_cases(client, library):
    data = search(client, "zonnepanelen")
    assert data["total"] == 1 and data["corrected_query"] is None and not data["suggestion"]


def test_a_visitor_is_never_corrected_towards_members_only_words(client, add_case, signed_in):
    add_case(slug="open", title="Open streets", language="en", summary="A public story.", body="Nothing more.")
    add_case(slug="closed", title="Closed case", language="en", visibility="members",
             summary="Members only.", body="The geothermal wells caused tremors.")
    member = search(signed_in("member@example.org"), "geothermla")
    assert [r["slug"] for r in member["results"]] == ["closed"] and member["corrected_query"] == "geothermal"
    nothing_for(client, "geothermla")
    page = client.get("/search?q=geothermla").get_data(as_text=True)
    assert "geothermal" not in page


# --- questions and long queries -----------------------------------------------------------------

def test_question_words_need_not_match(client, library):
    assert slugs(client, "which cities have superblocks")[0] == "barcelona-superblocks"
    assert slugs(client, "waar zijn zonnepanelen op scholen gelegd")[0] == "utrecht-zon"


def test_when_no_case_holds_every_word_the_case_holding_most_important_words_comes_first(client, library):
    data = search(client, "how did residents in Groningen get district heating from geothermal wells")
    assert data["results"][0]["slug"] == "groningen-warmte"


# --- compounds --------------------------------------------------------------------------------------

def test_dutch_compounds_match_their_parts_both_ways(client, add_case):
    add_case(slug="together", title="Regenwateropvang in de wijk", language="nl", city="Tiel",
             summary="Tonnen vangen het water van daken.", body="Buren delen hun tonnen.")
    add_case(slug="apart", title="Zonne panelen op de sporthal", language="nl", city="Oss",
             summary="Een club legt zonne panelen.", body="De leden betalen mee.")
    assert slugs(client, "regenwater opvang") == ["together"]
    assert slugs(client, "regenwateropvang") == ["together"]
    assert slugs(client, "zonnepanelen") == ["apart"]


def test_english_run_together_words_find_the_words_apart(client, add_case):
    add_case(slug="square", title="A water square for the neighbourhood", language="en", city="Rotterdam",
             summary="Sunken squares hold rain.", body="Children play there when it is dry.")
    assert slugs(client, "watersquare") == ["square"]


# --- the other language ---------------------------------------------------------------------------------

def test_words_a_general_dictionary_knows_cross_languages(client, add_case):
    add_case(slug="cable", title="A cable car to the hillside", language="en", city="Medellín", country="CO",
             summary="Gondolas connect informal neighbourhoods to the metro.", body="Travel time fell.")
    assert slugs(client, "kabelbaan") == ["cable"]


def test_cross_language_matches_rank_below_same_language_matches(client, add_case):
    add_case(slug="en-case", title="Heat networks explained", language="en", city="Leeds", country="GB",
             summary="How a heat network works.", body="Pipes carry hot water.")
    add_case(slug="nl-case", title="Warmtenetten uitgelegd", language="nl", city="Delft",
             summary="Hoe een warmtenet werkt.", body="Leidingen vervoeren heet water.")
    assert slugs(client, "warmtenet") == ["nl-case", "en-case"]
    assert slugs(client, "heat network") == ["en-case", "nl-case"]


def test_a_part_finds_the_compound_and_the_parts_in_any_order(client, add_case):
    add_case(slug="mushrooms", title="Oesterzwammen op koffiedik", language="nl", city="Rotterdam",
             summary="Een bedrijf kweekt oesterzwammen.", body="Regenwateropvang op het dak van de hal.")
    assert slugs(client, "zwammen") == ["mushrooms"]
    assert slugs(client, "opvang regenwater") == ["mushrooms"]


def test_other_forms_of_a_word_find_the_forms_cases_use(client, add_case):
    add_case(slug="houten", title="Een stad waar iedereen kan fietsen", language="nl", city="Houten",
             summary="Auto's rijden om de wijken heen.", body="Kinderen fietsen zelf naar school.")
    assert slugs(client, "waar fietst iedereen") == ["houten"]


def test_compounds_forms_and_translations_never_reach_members_only_text(client, add_case, signed_in):
    add_case(slug="open", title="Open streets", language="en", summary="A public story.", body="Nothing more.")
    add_case(slug="closed", title="Oesterzwammen op koffiedik", language="nl", visibility="members",
             summary="Regenwateropvang op het dak.", body="De kwekers fietsen naar de hal.")
    member = signed_in("member@example.org")
    for q in ("oester zwammen", "zwammen", "regenwater opvang", "coffee grounds", "fietst", "oesterzwamen"):
        assert slugs(member, q) == ["closed"], q
        visitor = nothing_for(client, q)
        assert all(not values for values in visitor["facets"].values()), q


# --- odd input: answered, never a 500, nothing lost ------------------------------------------------

def test_joining_two_words_still_finds_them_apart(client, add_case):
    add_case(slug="apart", title="De kwaliteit van het water", language="nl", city="Delft",
             summary="Metingen in de grachten.", body="Het water werd elke week gemeten.")
    add_case(slug="together", title="Waterkwaliteit meten", language="nl", city="Leiden",
             summary="Sensoren in de singels.", body="Bewoners lezen de sensoren uit.")
    assert set(slugs(client, "water kwaliteit")) == {"apart", "together"}


def test_common_misspellings_are_corrected_though_the_web_writes_them(client, add_case):
    add_case(slug="gov", title="How local government works with residents", language="en", city="Leeds",
             country="GB", summary="A council listens.", body="The government of the city opened its budget.")
    data = search(client, "goverment")
    assert data["corrected_query"] == "government" and [r["slug"] for r in data["results"]] == ["gov"]


def test_a_correction_keeps_filters_and_quotes_as_typed(client, library):
    data = search(client, 'rainproff "green roofs" city:Amsterdam')
    assert data["corrected_query"] == 'rainproof "green roofs" city:Amsterdam'


def test_a_correction_near_the_length_limit_is_still_answered(client, library):
    q = ("groene daken " * 20)[:180] + " klimatadaptatie"
    data = search(client, q)
    assert data["message"] is None or "too long" not in data["message"]


@pytest.mark.parametrize("q", ["city:2761369", "city:3039163 water", "city:\"\"", "city:Biel/Bienne", "街道", "1234567"])
def test_odd_city_filters_and_scripts_are_answered(client, library, q):
    assert client.get("/api/v1/search", query_string={"q": q}).status_code == 200
    assert client.get("/search", query_string={"q": q}).status_code == 200
    assert client.get("/cities/2761369").status_code == 404


def test_the_other_language_ranks_below_the_words_as_typed(client, add_case):
    for i in range(6):
        add_case(slug=f"nl-{i}", title=f"Bewoners van wijk {i}", language="nl", city="Tilburg",
                 summary="De bewoners praten mee.", body="Bewoners en buren.")
    add_case(slug="en-case", title="Residents decide", language="en", city="Leeds", country="GB",
             summary="Residents choose the budget.", body="Residents vote.")
    assert slugs(client, "bewoners")[-1] == "en-case"
