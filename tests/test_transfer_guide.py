""""Copy this": a case's transfer guide is checked, kept, found, filtered and shown; copies are counted by city."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from test_contribute import FORM

from app import casefiles, db
from app.casefiles import InvalidCase
from app.models import Case
from app.services import library, members, revisions

from conftest import PASSWORD, case_text, csrf_token, sign_in

GUIDE = {
    "needs": ["A square that floods anyway", "Council support for two budgets"],
    "costs": [{"amount": 1500000, "currency": "EUR", "year": 2013, "covers": "design and building of the square"},
              {"amount": 2500.5, "currency": "PHP", "covers": "signs for the neighbourhood"}],
    "duration_months": 18,
    "roles": ["The water board paid for the storage"],
    "pitfalls": ["Leaves blocked the gutters: a kwartelkoning of a maintenance contract came too late"],
}


def problems_of(guide) -> list[str]:
    with pytest.raises(InvalidCase) as info:
        casefiles.read_text("cases/bad.md", case_text(transfer=guide))
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("guide, expected", [
    ("cheap", "cases/bad.md: transfer: must be a mapping of needs, costs, duration_months, roles, pitfalls"),
    ({}, "cases/bad.md: transfer: is empty: give at least one of needs"),
    ({"needs": []}, "cases/bad.md: transfer: is empty"),
    ({"budget": 5}, "cases/bad.md: transfer.budget: is not a known field"),
    ({"needs": "a square"}, "cases/bad.md: transfer.needs: must be a list of texts (got 'a square')"),
    ({"roles": ["ok", {"who": "city"}]}, "cases/bad.md: transfer.roles[2]: must be text (got {'who': 'city'})"),
    ({"pitfalls": ["  "]}, "cases/bad.md: transfer.pitfalls[1]: is empty"),
    ({"pitfalls": ["x" * 1001]}, "cases/bad.md: transfer.pitfalls[1]: is longer than 1000 characters"),
    ({"duration_months": 0}, "cases/bad.md: transfer.duration_months: must be a whole number of months from 1"),
    ({"duration_months": "18 months"}, "cases/bad.md: transfer.duration_months: must be a whole number of months"),
    ({"duration_months": 1.5}, "cases/bad.md: transfer.duration_months: must be a whole number of months"),
    ({"costs": "1.5 million"}, "cases/bad.md: transfer.costs: must be a list of {amount, currency, year, covers}"),
    ({"costs": [1500000]}, "cases/bad.md: transfer.costs[1]: must have amount, currency and covers (got 1500000)"),
    ({"costs": [{"amount": 5, "currency": "EUR", "covers": "x"}, {"amount": 5, "currency": "euro", "covers": "x"}]},
     "cases/bad.md: transfer.costs[2].currency: must be an ISO 4217 code like EUR (got 'euro')"),
    ({"costs": [{"amount": 5, "currency": "eur", "covers": "x"}]},
     "cases/bad.md: transfer.costs[1].currency: must be an ISO 4217 code like EUR (got 'eur')"),
    ({"costs": [{"amount": 5, "currency": "ABC", "covers": "x"}]},
     "cases/bad.md: transfer.costs[1].currency: must be an ISO 4217 code like EUR (got 'ABC')"),
    ({"costs": [{"amount": "1,5 mln", "currency": "EUR", "covers": "x"}]},
     "cases/bad.md: transfer.costs[1].amount: must be a number above 0, without currency or separators (got '1,5 mln')"),
    ({"costs": [{"amount": 0, "currency": "EUR", "covers": "x"}]}, "cases/bad.md: transfer.costs[1].amount: must be a number above 0"),
    ({"costs": [{"amount": True, "currency": "EUR", "covers": "x"}]}, "cases/bad.md: transfer.costs[1].amount: must be a number above 0"),
    ({"costs": [{"amount": float("nan"), "currency": "EUR", "covers": "x"}]},
     "cases/bad.md: transfer.costs[1].amount: must be a number above 0"),
    ({"costs": [{"amount": 1e16, "currency": "EUR", "covers": "x"}]}, "cases/bad.md: transfer.costs[1].amount: is too large"),
    ({"costs": [{"currency": "EUR", "covers": "x"}]}, "cases/bad.md: transfer.costs[1].amount: is required"),
    ({"costs": [{"amount": 5, "covers": "x"}]}, "cases/bad.md: transfer.costs[1].currency: is required"),
    ({"costs": [{"amount": 5, "currency": "EUR"}]}, "cases/bad.md: transfer.costs[1].covers: is required"),
    ({"costs": [{"amount": 5, "currency": "EUR", "covers": "x", "year": 13}]},
     "cases/bad.md: transfer.costs[1].year: must be a year like 2015 (got 13)"),
    ({"costs": [{"amount": 5, "currency": "EUR", "covers": "x", "year": "2013"}]},
     "cases/bad.md: transfer.costs[1].year: must be a year like 2015 (got '2013')"),
    ({"costs": [{"amount": 5, "currency": "EUR", "covers": "x", "vat": True}]},
     "cases/bad.md: transfer.costs[1].vat: is not a known field"),
])
def test_each_bad_shape_is_named_with_its_nested_field(guide, expected):
    found = problems_of(guide)
    assert any(p.startswith(expected) for p in found), found


def test_a_long_bad_value_is_cut_short_in_the_message():
    [problem] = problems_of({"costs": [{"amount": 5, "currency": "E" * 5000, "covers": "x"}]})
    assert problem.startswith("cases/bad.md: transfer.costs[1].currency: must be an ISO 4217 code") and len(problem) < 200


def test_a_good_guide_reads_in_its_own_order_and_whole_amounts_stay_whole():
    data = casefiles.read_text("x.md", case_text(transfer={"pitfalls": ["Late"], "costs": [
        {"covers": " building ", "year": 2013, "currency": "EUR", "amount": 1500000.0}]}))
    assert data.transfer == {"costs": [{"amount": 1500000, "currency": "EUR", "year": 2013, "covers": "building"}],
                             "pitfalls": ["Late"]}
    assert isinstance(data.transfer["costs"][0]["amount"], int)


def stored(slug: str = "sample-case") -> Case:
    return db.session().scalar(select(Case).where(Case.slug == slug))


def test_export_gives_back_a_file_that_imports_to_the_same_case(app, add_case, runner, tmp_path):
    add_case(transfer=GUIDE)
    with app.app_context():
        assert stored().transfer == GUIDE
        exported = library.export_case("sample-case")
        assert "transfer:" in exported and "duration_months: 18" in exported
        assert casefiles.read_text("exported.md", exported) == library.case_data(stored())
        _case, outcome = library.import_text("exported.md", exported)
        assert outcome == "unchanged"
    out = tmp_path / "out"
    assert runner.invoke(args=["export-cases", str(out)]).exit_code == 0
    again = runner.invoke(args=["import-cases", str(out)])
    assert again.exit_code == 0 and "Imported 0 new, 0 updated, 1 unchanged" in again.output, again.output
    with app.app_context():
        assert stored().transfer == GUIDE


def test_a_changed_guide_updates_the_case_and_its_revision_says_what_changed(app, add_case):
    add_case(transfer=GUIDE)
    changed = {**GUIDE, "duration_months": 24, "pitfalls": ["Nobody owned the maintenance"]}
    with app.app_context():
        _case, outcome = library.import_text("sample-case.md", case_text(transfer=changed))
        assert outcome == "updated" and stored().transfer["duration_months"] == 24
        first, second = sorted(revisions.history(stored()), key=lambda r: r.number)[-2:]
    with app.test_request_context():
        changes = revisions.compare(first.content, second.content)
    assert [c.field for c in changes] == ["transfer"]
    lines = {(l.kind, "".join(p.text for p in l.pieces)) for l in changes[0].lines}
    assert ("removed", "How long it took: 18 months") in lines and ("added", "How long it took: 24 months") in lines
    assert ("added", "Pitfalls: Nobody owned the maintenance") in lines
    assert ("same", "What it cost: €1,500,000 (2013): design and building of the square") in lines


def test_an_edit_through_the_form_keeps_the_guide(app, client):
    with app.app_context():
        author = members.create_member("author@example.org", PASSWORD, "member")
        case, _outcome = library.import_text("buurtwarmte.md", case_text(slug="buurtwarmte", transfer=GUIDE),
                                             author=author)
        case_id, version = case.id, case.version
    sign_in(client, "author@example.org")
    url = f"/contribute/{case_id}/edit"
    assert "This case has a “Copy this” guide; saving keeps it as it is." in client.get(url).get_data(as_text=True)
    response = client.post(url, data={**FORM, "title": "Buurtwarmte, edited", "action": "save",
                                      "base_version": str(version), "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        case = stored("buurtwarmte")
        assert case.title == "Buurtwarmte, edited" and case.transfer == GUIDE


def test_search_finds_a_word_that_only_the_guide_holds(client, add_case):
    add_case(slug="with-guide", title="Water square", transfer=GUIDE)
    add_case(slug="without-guide", title="Another square")
    found = client.get("/api/v1/search?q=kwartelkoning").get_json()
    assert [r["slug"] for r in found["results"]] == ["with-guide"]
    assert "<mark>kwartelkoning</mark>" in found["results"][0]["snippet"]
    covers = client.get("/api/v1/search", query_string={"q": "neighbourhood signs"}).get_json()
    assert [r["slug"] for r in covers["results"]] == ["with-guide"]


def test_the_guide_filter_narrows_results_and_counts_only_what_the_visitor_may_see(client, add_case, signed_in):
    add_case(slug="with-guide", title="Water square", transfer=GUIDE)
    add_case(slug="without-guide", title="Another square")
    add_case(slug="hidden-guide", title="Members square", visibility="members", transfer=GUIDE)
    everything = client.get("/api/v1/search").get_json()
    assert everything["total"] == 2 and everything["facets"]["guide"] == [
        {"value": "yes", "label": "Has a guide to copy it", "count": 1}]
    narrowed = client.get("/api/v1/search?guide=yes").get_json()
    assert [r["slug"] for r in narrowed["results"]] == ["with-guide"]
    typed = client.get("/api/v1/search", query_string={"q": "square guide:yes"}).get_json()
    assert [r["slug"] for r in typed["results"]] == ["with-guide"]
    member = signed_in("member@example.org")
    assert member.get("/api/v1/search?guide=yes").get_json()["total"] == 2
    page = client.get("/search?q=square").get_data(as_text=True)
    assert "Copy this" in page and 'href="/search?q=square&amp;guide=yes#f-guide-yes"' in page
    assert "Met een gids om het over te nemen" in client.get("/search?q=square", headers={
        "Accept-Language": "nl"}).get_data(as_text=True)


def panel(page: str) -> str:
    found = re.search(r'<section class="transfer".*?</section>', page, re.S)
    assert found, "no Copy this panel"
    return found.group(0)


def test_the_case_page_shows_the_panel_before_the_story_in_english_and_dutch(client, add_case):
    add_case(transfer=GUIDE, body="The story begins here.")
    page = client.get("/cases/sample-case").get_data(as_text=True)
    english = panel(page)
    assert page.index('class="transfer"') < page.index("The story begins here.")
    for shown in ("Copy this", "What you need", "A square that floods anyway", "What it cost", "€1,500,000", "in 2013",
                  "design and building of the square", "₱2,500.50", "How long it took", "18 months", "Who did what",
                  "The water board paid for the storage", "Pitfalls", "kwartelkoning"):
        assert shown in english, shown
    client.get("/language/nl")
    dutch = panel(client.get("/cases/sample-case").get_data(as_text=True))
    for shown in ("Neem dit over", "Wat je nodig hebt", "€\xa01.500.000", "PHP\xa02.500,50", "in 2013",
                  "18 maanden", "Wie deed wat", "Valkuilen", "A square that floods anyway"):
        assert shown in dutch, shown


def test_a_case_without_a_guide_shows_no_panel(client, add_case):
    add_case()
    assert 'class="transfer"' not in client.get("/cases/sample-case").get_data(as_text=True)


def test_the_api_gives_the_guide_or_null(client, add_case):
    add_case(slug="with-guide", transfer=GUIDE)
    add_case(slug="without-guide")
    assert client.get("/api/v1/cases/with-guide").get_json()["transfer"] == GUIDE
    assert client.get("/api/v1/cases/without-guide").get_json()["transfer"] is None


@pytest.fixture
def copies(add_case):
    """A case copied in Rotterdam (twice), Kopenhagen and, members-only, Quezon City."""
    add_case(slug="water-square", title="Water square", city="Rotterdam")
    add_case(slug="copy-rotterdam", title="Second square", city="Rotterdam", copied_from="water-square")
    add_case(slug="copy-rotterdam-2", title="Third square", city="Rotterdam", copied_from="water-square")
    add_case(slug="copy-copenhagen", title="Copenhagen square", city="Kopenhagen", country="DK",
             copied_from="water-square")
    add_case(slug="copy-quezon", title="Quezon square", city="Quezon City", country="PH", visibility="members",
             copied_from="water-square")


def card(page: str, slug: str) -> str:
    found = re.search(rf'<article class="card">\s*<h3><a href="/cases/{slug}(?:\?from=[^"]*)?">.*?</article>', page, re.S)
    assert found, f"no card for {slug}"
    return found.group(0)


def test_copied_in_counts_cities_and_leaves_members_only_copies_out_for_visitors(client, copies, signed_in):
    for url in ("/search?q=square", "/", "/cities/Rotterdam", "/themes/energy-transition"):
        assert "Copied in 2 cities" in card(client.get(url).get_data(as_text=True), "water-square"), url
    member = signed_in("member@example.org")
    assert "Copied in 3 cities" in card(member.get("/search?q=square").get_data(as_text=True), "water-square")
    api = {r["slug"]: r["copied_in_cities"] for r in client.get("/api/v1/search?q=square").get_json()["results"]}
    assert api["water-square"] == 2 and api["copy-rotterdam"] == 0
    assert "Copied in" not in card(client.get("/search?q=square").get_data(as_text=True), "copy-rotterdam")
    client.get("/language/nl")
    assert "Overgenomen in 2 steden" in card(client.get("/search?q=square").get_data(as_text=True), "water-square")


def test_copied_in_one_city_reads_in_the_singular(client, add_case):
    add_case(slug="water-square", title="Water square", city="Rotterdam")
    add_case(slug="copy", title="Copy square", city="Zwolle", copied_from="water-square")
    assert "Copied in 1 city<" in card(client.get("/search?q=square").get_data(as_text=True), "water-square")
    client.get("/language/nl")
    assert "Overgenomen in 1 stad<" in card(client.get("/search?q=square").get_data(as_text=True), "water-square")


def test_the_copy_counts_of_a_page_take_one_query(app, copies):
    from sqlalchemy import event

    from app.audience import Audience
    from app.services import transfer
    with app.app_context():
        cases = list(db.session().scalars(select(Case)))
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine(), "before_cursor_execute", listen)
        try:
            counts = transfer.copied_in_cities(Audience.ANONYMOUS, cases)
        finally:
            event.remove(db.engine(), "before_cursor_execute", listen)
    assert counts == {"water-square": 2} and len(statements) == 1
