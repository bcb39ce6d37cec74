"""Fail closed: members-only cases and lessons are stored, but no anonymous surface shows them."""
from __future__ import annotations

import pytest

PUBLIC_MARK = "zebrapublicmarker"
MEMBERS_CASE_MARK = "quokkamembersmarker"
MEMBERS_LESSON_MARK = "axolotllessonmarker"


@pytest.fixture
def mixed(add_case):
    add_case(slug="open-case", title=f"Open case {PUBLIC_MARK}", city="Zwolle",
             body=f"Everyone may read this {PUBLIC_MARK}.",
             lessons=[{"kind": "went_well", "text": f"Public lesson {PUBLIC_MARK}"},
                      {"kind": "went_badly", "text": f"Hidden failure {MEMBERS_LESSON_MARK}", "visibility": "members"}])
    add_case(slug="closed-case", title=f"Closed case {MEMBERS_CASE_MARK}", city="Quokkastad",
             country="PH", visibility="members", themes=["nature"], status="stopped", language="nl",
             summary=f"Summary {MEMBERS_CASE_MARK}", body=f"Only members {MEMBERS_CASE_MARK}.",
             lessons=[{"kind": "went_badly", "text": f"Secret {MEMBERS_CASE_MARK}"}])


SURFACES = [
    "/", "/search", "/search?q=case", "/search?sort=newest", "/themes/energy-transition", "/themes/nature",
    "/cities/Zwolle", "/api/v1/search", "/api/v1/search?q=case", "/api/v1/cases/open-case",
    "/cases/open-case", "/cases/closed-case", "/api/v1/cases/closed-case", "/cities/Quokkastad",
    f"/search?q={MEMBERS_CASE_MARK}", f"/search?q={MEMBERS_LESSON_MARK}", f"/api/v1/search?q={MEMBERS_CASE_MARK}",
    f"/api/v1/search?q={MEMBERS_LESSON_MARK}", "/api/v1/search?q=quokkamembersmarkr", "/api/v1/search?q=axolotllessonmarkr",
    "/search?q=Closed", "/api/v1/search?city=Quokkastad", "/api/v1/search?country=PH", "/api/v1/search?status=stopped",
]


@pytest.mark.parametrize("url", SURFACES)
def test_no_anonymous_surface_shows_members_only_content(client, mixed, url):
    text = client.get(url).get_data(as_text=True).lower()
    # What the visitor typed may come back to them (search box, links); nothing else may.
    typed = url.lower().split("?", 1)[-1].split("=", 1)[-1] if "?" in url else url.lower().rsplit("/", 1)[-1]
    text = text.replace(typed, "")
    for word in (MEMBERS_CASE_MARK, MEMBERS_LESSON_MARK, "quokkastad", "closed-case", "philippines", "filipijnen"):
        assert word not in text


def test_counts_and_facets_leave_members_only_cases_out(client, mixed):
    data = client.get("/api/v1/search").get_json()
    assert data["total"] == 1
    assert {f["value"] for f in data["facets"]["country"]} == {"NL"}
    assert {f["value"] for f in data["facets"]["theme"]} == {"energy-transition"}
    assert {f["value"] for f in data["facets"]["lesson"]} == {"went_well"}  # its went_badly lesson is members-only
    assert {f["value"] for f in data["facets"]["status"]} == {"running"}
    assert {f["value"] for f in data["facets"]["language"]} == {"en"}
    assert "1 case" in client.get("/").get_data(as_text=True)


def test_a_members_only_case_answers_exactly_like_a_missing_one(client, mixed):
    hidden, missing = client.get("/cases/closed-case"), client.get("/cases/no-such-case")
    assert hidden.status_code == missing.status_code == 404
    # The only difference is the address itself, echoed in the language links.
    assert hidden.get_data(as_text=True).replace("closed-case", "X") == missing.get_data(as_text=True).replace("no-such-case", "X")
    assert hidden.headers.get("Content-Type") == missing.headers.get("Content-Type")
    hidden, missing = client.get("/api/v1/cases/closed-case"), client.get("/api/v1/cases/no-such-case")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()


def test_members_only_content_is_stored_and_in_the_members_index_only(app, mixed):
    from app.audience import Audience
    from app.services import cases
    from app.services.search import SearchRequest, search_cases
    with app.test_request_context():
        assert cases.get_case(Audience.ANONYMOUS, "closed-case") is None
        assert cases.get_case(Audience.MEMBER, "closed-case") is not None
        member_view = cases.get_case(Audience.MEMBER, "open-case")
        assert len(member_view.lessons) == 2
        assert search_cases(Audience.MEMBER, SearchRequest(q=MEMBERS_LESSON_MARK)).total == 1
        assert search_cases(Audience.ANONYMOUS, SearchRequest(q=MEMBERS_LESSON_MARK)).total == 0


def test_turning_a_case_members_only_removes_it_from_anonymous_search_at_once(client, add_case):
    add_case(slug="turning", title="Turning case walrusmarker")
    assert client.get("/api/v1/search?q=walrusmarker").get_json()["total"] == 1
    add_case(slug="turning", title="Turning case walrusmarker", visibility="members")
    assert client.get("/api/v1/search?q=walrusmarker").get_json()["total"] == 0
    data = client.get("/api/v1/search?q=walrusmarkr").get_json()
    assert data["suggestion"] is None and data["corrected_query"] is None and data["total"] == 0
    assert client.get("/cases/turning").status_code == 404
    # Not merely hidden by the database check: the public index itself no longer finds it.
    from app.search import Query
    from app.services import indexing
    with client.application.app_context():
        hits = indexing.engine().query("public", Query(text="walrusmarker"))
    assert hits.total == 0 and hits.hits == []


def test_a_deleted_case_leaves_no_trace_in_suggestions(app, client, add_case):
    from app.policy import SYSTEM
    from app.services import library
    add_case(slug="gone", title="Gone pelicanmarker")
    with app.app_context():
        library.delete_case(SYSTEM, library.deletable_case(SYSTEM, slug="gone"))
    assert client.get("/api/v1/search?q=pelicanmarker").get_json()["total"] == 0
    data = client.get("/api/v1/search?q=pelicanmarkr").get_json()
    assert data["suggestion"] is None and data["corrected_query"] is None and data["total"] == 0
