"""Place names: cities and countries are found under their Dutch, English and local names, and a
city is one facet value, shown in the UI language."""
from __future__ import annotations

import pytest

from app import gazetteer


def search(client, lang: str = "en", **params) -> dict:
    return client.get("/api/v1/search", query_string=params, headers={"Accept-Language": lang}).get_json()


def slugs(client, **params) -> list[str]:
    return sorted(r["slug"] for r in search(client, **params)["results"])


@pytest.fixture
def abroad(add_case):
    add_case(slug="wenen-wonen", title="Sociale woningbouw", language="nl", city="Wenen", country="AT",
             summary="Betaalbare huurwoningen voor iedereen.", body="De gemeente bouwt zelf.")
    add_case(slug="vienna-housing", title="Social housing", language="en", city="Vienna", country="AT",
             summary="Affordable rent for everyone.", body="The city builds homes itself.")
    add_case(slug="gent-fiets", title="Het circulatieplan", language="nl", city="Gent", country="BE",
             summary="Minder auto's in het centrum.", body="Het centrum werd in zes delen geknipt.")
    add_case(slug="koln-bike", title="Bike streets", language="en", city="Köln", country="DE",
             summary="Streets where bikes come first.", body="Cars are guests.")
    add_case(slug="bogota-bus", title="TransMilenio", language="en", city="Bogotá", country="CO",
             summary="Bus rapid transit.", body="Buses with their own lanes.")


@pytest.mark.parametrize("name", ["Wenen", "Vienna", "Wien", "wenen", "WIEN"])
def test_a_city_is_found_under_its_dutch_english_and_local_names(client, abroad, name):
    assert slugs(client, q=name) == ["vienna-housing", "wenen-wonen"]


@pytest.mark.parametrize("name", ["Gent", "Ghent", "Gand"])
def test_ghent(client, abroad, name):
    assert slugs(client, q=name) == ["gent-fiets"]


@pytest.mark.parametrize("name", ["Keulen", "Köln", "Koln", "Cologne"])
def test_cologne(client, abroad, name):
    assert slugs(client, q=name) == ["koln-bike"]


@pytest.mark.parametrize("name", ["Bogota", "Bogotá"])
def test_accents_do_not_matter(client, abroad, name):
    assert slugs(client, q=name) == ["bogota-bus"]


@pytest.mark.parametrize("name", ["Oostenrijk", "Austria", "Österreich", "Osterreich"])
def test_a_country_is_found_under_its_dutch_english_and_own_name(client, abroad, name):
    assert slugs(client, q=name) == ["vienna-housing", "wenen-wonen"]


@pytest.mark.parametrize("name", ["Duitsland", "Germany", "Deutschland"])
def test_germany(client, abroad, name):
    assert slugs(client, q=name) == ["koln-bike"]


@pytest.mark.parametrize("word", ["veen", "vine", "wieden"])
def test_ordinary_words_among_the_gazetteers_alternates_find_nothing(client, abroad, word):
    assert search(client, q=word)["total"] == 0


def test_one_city_is_one_facet_value_labelled_in_the_ui_language(client, add_case):
    add_case(slug="kopenhagen-fiets", title="Fietsbruggen", language="nl", city="Kopenhagen", country="DK",
             summary="Bruggen voor fietsers.", body="De haven over.")
    add_case(slug="copenhagen-harbour", title="Harbour baths", language="en", city="Copenhagen", country="DK",
             summary="Swimming in the harbour.", body="Clean water.")
    for lang, shown in [("nl", "Kopenhagen"), ("en", "Copenhagen")]:
        cities = search(client, lang=lang)["facets"]["city"]
        assert [(c["value"], c["label"], c["count"]) for c in cities] == [("Copenhagen", shown, 2)]
    assert slugs(client, city="Kopenhagen") == ["copenhagen-harbour", "kopenhagen-fiets"]
    assert slugs(client, city="København") == ["copenhagen-harbour", "kopenhagen-fiets"]
    assert slugs(client, q="city:kopenhagen") == ["copenhagen-harbour", "kopenhagen-fiets"]
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 city" in home


def test_a_city_the_gazetteer_does_not_know_keeps_its_name(client, add_case):
    add_case(slug="kleindorp", title="Een dorpsplein", language="nl", city="Kleindorp aan Zee", country="NL",
             summary="Het plein werd groen.", body="Bewoners plantten bomen.")
    assert slugs(client, q="Kleindorp") == ["kleindorp"]
    cities = search(client, lang="nl")["facets"]["city"]
    assert [(c["value"], c["label"]) for c in cities] == [("Kleindorp aan Zee", "Kleindorp aan Zee")]
    assert slugs(client, city="Kleindorp aan Zee") == ["kleindorp"]
    assert client.get("/cities/Kleindorp aan Zee").status_code == 200


def test_a_small_town_is_found_in_the_gazetteer(client, add_case):
    add_case(slug="houten-fiets", title="Fietsstad", language="nl", city="Houten", country="NL",
             summary="Een stad om de auto heen.", body="Fietsers gaan voor.")
    assert gazetteer.place("Houten", "NL").geonameid is not None
    assert slugs(client, q="Houten") == ["houten-fiets"]


def test_city_pages_answer_to_any_name_and_show_the_ui_languages_one(client, abroad):
    for name in ["Wenen", "Wien", "Wenen?sort=relevance"]:
        response = client.get(f"/cities/{name}")
        assert response.status_code == 302 and response.headers["Location"].startswith("/cities/Vienna")
    assert client.get("/cities/Wenen?sort=relevance").headers["Location"] == "/cities/Vienna?sort=relevance"
    assert client.get("/cities/vienna").status_code == 200  # the same name: no detour
    page = client.get("/cities/Vienna", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert ">Wenen</h1>" in page and "wenen-wonen" in page and "vienna-housing" in page
    page = client.get("/cities/Vienna", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">Vienna</h1>" in page
    assert client.get("/cities/Cologne").status_code == 200
    assert client.get("/cities/Atlantis").status_code == 404


def test_a_case_page_links_its_city_by_its_one_name(client, abroad):
    page = client.get("/cases/wenen-wonen", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/cities/Vienna">Vienna</a>' in page


@pytest.mark.parametrize("name", ["Wenen", "Wien", "Oostenrijk", "Österreich"])
def test_a_members_only_case_is_never_found_through_its_place_names(client, add_case, signed_in, name):
    add_case(slug="closed-vienna", title="Closed case", language="en", city="Vienna", country="AT",
             visibility="members", summary="Members only.", body="Nothing public.")
    for lang in ("nl", "en"):
        visitor = search(client, lang=lang, q=name)
        assert visitor["total"] == 0 and visitor["results"] == [] and visitor["facets"]["city"] == []
        assert search(client, lang=lang, city=name)["total"] == 0
    assert client.get(f"/cities/{name}", follow_redirects=True).status_code == 404
    assert slugs(signed_in("member@example.org"), q=name) == ["closed-vienna"]


def test_the_gazetteer_names_seed_cities(app):
    vienna = gazetteer.place("Vienna", "AT")
    assert (vienna.key, vienna.names, vienna.local) == ("Vienna", {"nl": "Wenen", "en": "Vienna"}, "Wien")
    assert gazetteer.place("Kopenhagen", "DK").key == gazetteer.place("Copenhagen", "DK").key == "Copenhagen"
    assert gazetteer.place("Köln", "DE").names == {"nl": "Köln", "en": "Cologne"}
    assert "Keulen" in gazetteer.place("Köln", "DE").aliases
    assert gazetteer.place("Groningen", "NL").names["en"] == "Groningen"
    assert gazetteer.place("Vienna", "US").key == "Vienna (US)"
    assert gazetteer.by_key("Vienna (US)").country == "US"
    assert not {"Veen", "Vine", "Bin", "VIE"} & set(vienna.aliases)
    assert gazetteer.country_aliases("PH") == ("Filipijnen", "Philippines", "Pilipinas")


def test_a_city_filter_typed_under_another_name_can_be_switched_off(client, add_case):
    add_case(slug="wien-case", title="Gemeindebau", language="en", city="Vienna", country="AT",
             summary="Social housing.", body="Flats for all.")
    add_case(slug="other-case", title="Elsewhere", language="en", city="Utrecht", country="NL",
             summary="Something else.", body="Nothing more.")
    page = client.get("/search?city=Wenen").get_data(as_text=True)
    assert "Gemeindebau" in page and "Elsewhere" not in page
    # The selected facet value's link takes the filter away, whichever name it was typed in.
    import re
    links = re.findall(r'href="(/search[^"]*)"[^>]*>\s*<span>✓ Vienna', page)
    assert links and all("city=" not in link for link in links), links
