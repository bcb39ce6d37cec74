"""Signing in and out: members see the safe space, sessions end when they should."""
from __future__ import annotations

import pytest

from conftest import PASSWORD, csrf_token, sign_in


@pytest.fixture
def hidden_case(add_case):
    add_case(slug="closed", title="Closed case lynxmarker", visibility="members",
             lessons=[{"kind": "went_badly", "text": "What really happened lynxmarker"}])
    add_case(slug="open", title="Open case", lessons=[
        {"kind": "went_well", "text": "public part"},
        {"kind": "went_badly", "text": "secret part ocelotmarker", "visibility": "members"}])


def test_a_member_signs_in_and_sees_members_only_content_marked(client, make_member, hidden_case):
    email = make_member()
    response = sign_in(client, email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/cases/closed").get_data(as_text=True)
    assert "lynxmarker" in page and "Members only" in page
    assert "ocelotmarker" in client.get("/cases/open").get_data(as_text=True)
    assert client.get("/api/v1/search?q=lynxmarker").get_json()["total"] == 1
    assert client.get("/api/v1/search?q=ocelotmarker").get_json()["total"] == 1


def test_member_pages_are_never_cached(client, make_member, hidden_case):
    sign_in(client, make_member())
    for url in ("/", "/cases/closed", "/api/v1/search?q=case"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_member):
    email = make_member()
    wrong_password = sign_in(client, email, "not the right password")
    unknown_email = sign_in(client, "nobody@example.org")
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = "That email and password do not match a member."
    assert message in wrong_password.get_data(as_text=True) and message in unknown_email.get_data(as_text=True)
    assert 'value="' + email + '"' in wrong_password.get_data(as_text=True)  # what was typed is kept


def test_login_without_csrf_token_is_refused_and_signs_no_one_in(client, make_member, hidden_case):
    email = make_member()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/cases/closed").status_code == 404


def test_logout_needs_a_csrf_token(client, make_member, hidden_case):
    sign_in(client, make_member())
    assert client.post("/logout").status_code == 400
    assert client.get("/cases/closed").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:evil.example"])
def test_next_never_leaves_the_site(client, make_member, target):
    response = sign_in(client, make_member(), next_url=target)
    assert response.headers["Location"] == "/"


def test_next_brings_the_member_back(client, make_member, hidden_case):
    response = sign_in(client, make_member(), next_url="/cases/closed")
    assert response.headers["Location"] == "/cases/closed"


def test_a_session_cookie_replayed_after_logout_is_worthless(client, app, make_member, hidden_case):
    sign_in(client, make_member())
    stolen = client.get_cookie("casebook_session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/cases/closed").status_code == 404
    attacker = app.test_client()
    attacker.set_cookie("casebook_session", stolen)
    assert attacker.get("/cases/closed").status_code == 404


def test_logout_ends_every_other_session_and_remember_cookie(app, make_member, hidden_case):
    email = make_member()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, email)
    sign_in(phone, email, remember=True)
    remember = phone.get_cookie("remember_token").value
    returning = app.test_client()
    returning.set_cookie("remember_token", remember)
    assert returning.get("/cases/closed").status_code == 200  # remember-me works ...
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")})
    assert phone.get("/cases/closed").status_code == 404       # ... until the member signs out anywhere
    later = app.test_client()
    later.set_cookie("remember_token", remember)
    assert later.get("/cases/closed").status_code == 404


def test_login_attempts_are_rate_limited(client, make_member):
    email = make_member()
    answers = [sign_in(client, email, "wrong password attempt").status_code for _ in range(12)]
    assert answers[:10] == [401] * 10 and answers[-1] == 429
    page = sign_in(client, email)  # even the right password waits
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)


def test_cookies_are_http_only_and_same_site(client, make_member):
    response = sign_in(client, make_member(), remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies), cookies


REDIS_URL = __import__("os").environ.get("CASEBOOK_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="needs CASEBOOK_TEST_REDIS_URL (set by .ci/run when Redis answers)")
def test_with_redis_the_login_limit_is_shared_by_all_workers(database_url, tmp_path, make_member):
    import uuid

    from app import create_app
    config = {"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url, "INDEX_DIR": str(tmp_path / "ix"),
              "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"casebook-test-{uuid.uuid4().hex}"}
    email = make_member()
    worker_a, worker_b = create_app(dict(config)).test_client(), create_app(dict(config)).test_client()
    for _ in range(5):
        assert sign_in(worker_a, email, "wrong password attempt").status_code == 401
    for _ in range(5):
        assert sign_in(worker_b, email, "wrong password attempt").status_code == 401
    assert sign_in(worker_a, email).status_code == 429


def test_a_member_page_sends_a_visitor_to_sign_in_in_their_language(client):
    page = client.get("/profile", follow_redirects=True).get_data(as_text=True)
    assert "Sign in to see this page." in page
    client.get("/language/nl")
    page = client.get("/profile", follow_redirects=True).get_data(as_text=True)
    assert "Log in om deze pagina te zien." in page and "Sign in to see" not in page
