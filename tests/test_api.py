"""The JSON API keeps the shapes users' scripts rely on."""
from __future__ import annotations

RESULT_KEYS = {"slug", "title", "summary", "city", "country", "themes", "language", "url", "snippet",
               "copied_in_cities"}
FACET_KEYS = {"theme", "city", "country", "lesson", "language", "status", "guide"}


def test_search_shape(client, add_case):
    add_case(slug="a-case", title="Heat network in Utrecht", themes=["energy-transition", "social-inclusion"])
    data = client.get("/api/v1/search?q=heat&theme=energy-transition&page=1").get_json()
    assert {"query", "total", "page", "per_page", "results", "facets", "suggestion"} <= set(data)
    assert data["query"] == "heat" and data["total"] == 1 and data["page"] == 1 and data["per_page"] == 10
    assert set(data["results"][0]) == RESULT_KEYS
    assert data["results"][0]["url"].endswith("/cases/a-case")
    assert set(data["facets"]) == FACET_KEYS
    theme = {f["value"]: f for f in data["facets"]["theme"]}
    assert theme["social-inclusion"] == {"value": "social-inclusion", "label": "Social inclusion", "count": 1}
    assert data["suggestion"] is None


def test_labels_follow_the_ui_language(client, add_case):
    add_case()
    client.set_cookie("casebook_lang", "nl")
    data = client.get("/api/v1/search").get_json()
    assert data["facets"]["theme"][0]["label"] == "Energietransitie"
    assert data["facets"]["country"][0]["label"] == "Nederland"


def test_case_shape_and_missing_case(client, add_case):
    add_case(copied_from="origin")
    data = client.get("/api/v1/cases/sample-case").get_json()
    assert data["slug"] == "sample-case" and data["country"] == "NL"
    assert [l["kind"] for l in data["lessons"]] == ["went_well", "went_badly"]
    assert data["copied_from"] is None  # the origin case does not exist (yet)
    missing = client.get("/api/v1/cases/nope")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def test_copied_from_and_copied_in_link_both_ways(client, add_case):
    add_case(slug="origin", title="Origin case")
    add_case(slug="copy", title="Copy case", copied_from="origin")
    assert client.get("/api/v1/cases/copy").get_json()["copied_from"] == "origin"
    assert client.get("/api/v1/cases/origin").get_json()["copied_in"] == ["copy"]
    page = client.get("/cases/origin").get_data(as_text=True)
    assert "Copied in" in page and "/cases/copy" in page


def test_filters_combine_and_facets_count(client, add_case):
    add_case(slug="u1", city="Utrecht", themes=["energy-transition"], status="pilot")
    add_case(slug="u2", city="Utrecht", themes=["energy-transition", "housing"], status="running")
    add_case(slug="r1", city="Rotterdam", themes=["housing"], status="running", language="nl")
    data = client.get("/api/v1/search?theme=housing").get_json()
    assert data["total"] == 2
    assert {f["value"]: f["count"] for f in data["facets"]["city"]} == {"Utrecht": 1, "Rotterdam": 1}
    # Two values of one facet: cases with either; two facets: cases with both.
    either = client.get("/api/v1/search?theme=housing&theme=energy-transition").get_json()
    assert sorted(r["slug"] for r in either["results"]) == ["r1", "u1", "u2"]
    both = client.get("/api/v1/search?theme=housing&city=Utrecht").get_json()
    assert [r["slug"] for r in both["results"]] == ["u2"]
    assert client.get("/api/v1/search?city=utrecht&status=running").get_json()["total"] == 1
    assert client.get("/api/v1/search?lang=nl").get_json()["total"] == 1
    assert client.get("/api/v1/search?lesson=went_badly&country=NL").get_json()["total"] == 3


def test_sorting_and_pagination(app, client, add_case):
    app.config["SEARCH_PER_PAGE"] = 2
    for i in range(5):
        add_case(slug=f"case-{i}", title=f"Case number {i} solar")
    newest = client.get("/api/v1/search?q=solar&sort=newest").get_json()
    assert [r["slug"] for r in newest["results"]] == ["case-4", "case-3"]
    page3 = client.get("/api/v1/search?q=solar&sort=newest&page=3").get_json()
    assert [r["slug"] for r in page3["results"]] == ["case-0"] and page3["total"] == 5
    assert client.get("/api/v1/search?q=solar&page=9").get_json()["results"] == []
