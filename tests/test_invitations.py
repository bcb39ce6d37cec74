"""Invitations: links that work once for 14 days; who may invite whom."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import PASSWORD, csrf_token, sign_in


def accept(client, link: str, password: str = PASSWORD, confirm: str | None = None):
    path = link.split("127.0.0.1:5000", 1)[-1].split("localhost", 1)[-1]
    return client.post(path, data={"name": "Nieuw Lid", "password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_token(client, path)})


def test_cli_invitation_link_signs_up_once(runner, client, app):
    result = runner.invoke(args=["user", "invite", "Newcomer@Example.org", "--role", "moderator"])
    assert result.exit_code == 0
    link = result.output.strip()
    assert link.startswith("http://127.0.0.1:5000/invite/")
    page = client.get(link.split("5000", 1)[1]).get_data(as_text=True)
    assert "newcomer@example.org" in page
    response = accept(client, link)
    assert response.status_code == 302
    assert client.get("/members/invite").status_code == 200  # signed in, as a moderator
    other = app.test_client()
    assert other.get(link.split("5000", 1)[1]).status_code == 404  # used: works once
    assert "expired or was already used" in other.get(link.split("5000", 1)[1]).get_data(as_text=True)


def test_an_expired_invitation_does_not_work(runner, client, app):
    link = runner.invoke(args=["user", "invite", "late@example.org"]).output.strip()
    from app import db
    from app.models import Invitation
    with app.app_context():
        invitation = db.session().query(Invitation).one()
        invitation.expires_at = invitation.created_at - timedelta(seconds=1)
        db.session().commit()
    assert client.get(link.split("5000", 1)[1]).status_code == 404


def test_invitation_keeps_its_promise_of_fourteen_days(runner, app):
    runner.invoke(args=["user", "invite", "soon@example.org"])
    from app import db
    from app.models import Invitation
    with app.app_context():
        invitation = db.session().query(Invitation).one()
        assert invitation.expires_at - invitation.created_at == timedelta(days=14)
        assert len(invitation.token_hash) == 64  # stored hashed, never the token itself


def test_a_weak_password_is_refused_and_the_invitation_stays_usable(runner, client):
    link = runner.invoke(args=["user", "invite", "weak@example.org"]).output.strip()
    response = accept(client, link, "password1234")
    assert response.status_code == 200 and "too common" in response.get_data(as_text=True)
    mismatch = accept(client, link, PASSWORD, PASSWORD + "x")
    assert "The two passwords differ." in mismatch.get_data(as_text=True)
    assert accept(client, link).status_code == 302


@pytest.mark.parametrize("role, can_invite", [("member", []), ("moderator", ["member", "moderator"]),
                                              ("admin", ["member", "moderator", "admin"])])
def test_who_may_invite_whom(client, make_member, role, can_invite):
    sign_in(client, make_member("inviter@example.org", role))
    page = client.get("/members/invite")
    if not can_invite:
        assert page.status_code == 404
        return
    offered = [r for r in ("member", "moderator", "admin") if f'value="{r}"' in page.get_data(as_text=True)]
    assert offered == can_invite
    response = client.post("/members/invite", data={"email": "x@example.org", "role": can_invite[-1],
                                                    "csrf_token": csrf_token(client, "/members/invite")})
    assert "/invite/" in response.get_data(as_text=True)


def test_a_moderator_cannot_forge_an_admin_invitation(client, make_member, app):
    sign_in(client, make_member("mod@example.org", "moderator"))
    response = client.post("/members/invite", data={"email": "x@example.org", "role": "admin",
                                                    "csrf_token": csrf_token(client, "/members/invite")})
    assert "/invite/" not in response.get_data(as_text=True)
    from app import db
    from app.models import Invitation
    with app.app_context():
        assert db.session().query(Invitation).count() == 0


def test_anonymous_visitors_do_not_learn_the_invite_page_exists(client):
    real, missing = client.get("/members/invite"), client.get("/members/no-such-page")
    assert real.status_code == missing.status_code == 404
    # The address itself comes back in the language and sign-in links; nothing else differs.
    assert real.get_data(as_text=True).replace("invite", "X") == missing.get_data(as_text=True).replace("no-such-page", "X")
