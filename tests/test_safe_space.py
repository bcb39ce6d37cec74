"""CASEBOOK_SAFE_SPACE=1 and "view as public"."""
from __future__ import annotations

import pytest

from app import create_app

from conftest import csrf_token, sign_in


@pytest.fixture
def closed_app(app):
    app.config["SAFE_SPACE"] = True
    return app


@pytest.mark.parametrize("url", ["/", "/search?q=water", "/cases/sample-case", "/themes/housing",
                                 "/cities/Utrecht", "/no-such-page", "/members/invite", "/inbox", "/inbox/1",
                                 "/cases/sample-case/introduce", "/moderate/reports",
                                 "/feed.atom", "/themes/housing/feed.atom", "/cities/Utrecht/feed.atom",
                                 "/sitemap.xml"])
def test_in_safe_space_mode_visitors_see_only_the_sign_in_page(closed_app, add_case, url):
    add_case()
    client = closed_app.test_client()
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/login").status_code == 200


def test_in_safe_space_mode_every_route_sends_visitors_to_sign_in(closed_app, add_case):
    """Every GET route there is, including ones added later (feeds, sitemap, exports...)."""
    from app.auth import SAFE_SPACE_OPEN
    add_case()
    sample = {"slug": "sample-case", "name": "Utrecht", "code": "nl", "token": "x", "filename": "casebook.css"}
    client = closed_app.test_client()
    checked = 0
    for rule in closed_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SAFE_SPACE_OPEN:
            continue
        url = rule.build({arg: sample.get(arg, 1) for arg in rule.arguments})[1]
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302 and response.headers["Location"] == "/login", url
        assert "sample" not in response.get_data(as_text=True).lower(), url
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("url", ["/about", "/privacy", "/accessibility", "/contact"])
def test_in_safe_space_mode_the_pages_about_casebook_stay_open(closed_app, add_case, url):
    """Someone who wants to join must learn what Casebook is and whom to ask; these pages hold no case."""
    add_case(title="Sample pumamarker", themes=["energy-transition"])
    page = closed_app.test_client().get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "pumamarker" not in text and "sample-case" not in text
    article = text[text.index("<article"):text.index("</article>")]
    assert 'href="/themes/' not in article and 'href="/meetings"' not in article  # links that only bounce to sign-in


def test_in_safe_space_mode_members_get_the_theme_links_on_about(closed_app, add_case, make_member):
    add_case()
    client = closed_app.test_client()
    sign_in(client, make_member())
    assert 'href="/themes/energy-transition"' in client.get("/about").get_data(as_text=True)


def test_in_safe_space_mode_the_api_asks_for_sign_in(closed_app, add_case):
    add_case()
    for url in ("/api/v1/search", "/api/v1/cases/sample-case", "/api/v1/cases/nope"):
        response = closed_app.test_client().get(url)
        assert response.status_code == 401 and response.get_json()["error"] == "sign_in_required"


def test_in_safe_space_mode_members_use_the_site(closed_app, add_case, make_member):
    add_case()
    client = closed_app.test_client()
    sign_in(client, make_member())
    assert client.get("/cases/sample-case").status_code == 200


def test_safe_space_is_set_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEBOOK_SAFE_SPACE", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
                      "INDEX_DIR": str(tmp_path / "ix")})
    assert app.config["SAFE_SPACE"] is True


def test_a_member_can_view_the_site_as_the_public_sees_it(client, add_case, make_member):
    add_case(slug="closed", title="Closed pumamarker", visibility="members")
    sign_in(client, make_member())
    assert client.get("/cases/closed").status_code == 200
    token = csrf_token(client, "/")
    response = client.post("/view-as-public", data={"on": "1", "next": "/cases/closed", "csrf_token": token})
    assert response.headers["Location"] == "/cases/closed"
    assert client.get("/cases/closed").status_code == 404
    assert client.get("/api/v1/search?q=pumamarker").get_json()["total"] == 0
    assert "as visitors who are not signed in see it" in client.get("/").get_data(as_text=True)
    client.post("/view-as-public", data={"on": "0", "csrf_token": csrf_token(client, "/")})
    assert client.get("/cases/closed").status_code == 200
