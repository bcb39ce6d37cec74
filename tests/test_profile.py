"""A member's own page: changing the password, personal API tokens."""
from __future__ import annotations

import re

import pytest

from conftest import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "a much longer passphrase 2026"


@pytest.fixture
def closed_case(add_case):
    add_case(slug="closed", title="Closed case", visibility="members")


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/profile/password", data={"current": current, "new": new, "confirm": confirm or new,
                                                   "csrf_token": csrf_token(client, "/profile")})


def new_token(client, name="script") -> str:
    page = client.post("/profile/tokens", data={"name": name, "csrf_token": csrf_token(client, "/profile")})
    return re.search(r"(cb_[A-Za-z0-9_-]{20,})", page.get_data(as_text=True)).group(1)


def test_the_profile_needs_a_signed_in_member(client):
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, make_member, closed_case):
    email = make_member()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, email)
    sign_in(elsewhere, email, remember=True)
    response = change_password(here)
    assert response.status_code == 200 and "Your password is changed" in response.get_data(as_text=True)
    assert here.get("/cases/closed").status_code == 200
    assert elsewhere.get("/cases/closed").status_code == 404
    assert sign_in(app.test_client(), email).status_code == 401
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(app, client, make_member):
    email = make_member()
    sign_in(client, email)
    response = change_password(client, current="not my password at all")
    assert response.status_code == 400 and "current password is not right" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), email).status_code == 302


def test_a_personal_token_reads_the_api_as_its_member(app, client, make_member, closed_case):
    sign_in(client, make_member())
    token = new_token(client)
    assert token not in client.get("/profile").get_data(as_text=True)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/cases/closed", headers=headers).status_code == 200
    assert api.get("/api/v1/cases/closed").status_code == 404
    assert api.get("/cases/closed", headers=headers).status_code == 404  # tokens are for the API only


def test_a_wrong_or_revoked_token_is_refused_with_a_clear_answer(app, client, make_member, closed_case):
    sign_in(client, make_member())
    token = new_token(client)
    api = app.test_client()
    wrong = api.get("/api/v1/search", headers={"Authorization": "Bearer cb_not-a-token"})
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_token"
    token_id = re.search(r"/profile/tokens/(\d+)/revoke", client.get("/profile").get_data(as_text=True)).group(1)
    client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/profile")})
    assert api.get("/api/v1/cases/closed", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_nobody_revokes_another_members_token(app, make_member, closed_case):
    owner, other = app.test_client(), app.test_client()
    sign_in(owner, make_member("owner@example.org"))
    sign_in(other, make_member("other@example.org"))
    token = new_token(owner)
    token_id = re.search(r"/profile/tokens/(\d+)/revoke", owner.get("/profile").get_data(as_text=True)).group(1)
    response = other.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(other, "/profile")})
    assert response.status_code == 404
    assert app.test_client().get("/api/v1/cases/closed", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_revoking_without_a_csrf_token_does_nothing(app, client, make_member, closed_case):
    sign_in(client, make_member())
    token = new_token(client)
    token_id = re.search(r"/profile/tokens/(\d+)/revoke", client.get("/profile").get_data(as_text=True)).group(1)
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 400
    assert app.test_client().get("/api/v1/cases/closed", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cli_prints_a_token_that_works(runner, app, make_member, closed_case):
    email = make_member()
    result = runner.invoke(args=["user", "token", email])
    assert result.exit_code == 0
    token = result.output.strip()
    assert app.test_client().get("/api/v1/cases/closed", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert runner.invoke(args=["user", "token", "nobody@example.org"]).exit_code == 1
