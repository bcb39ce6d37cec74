"""Member names, and admins managing members: roles, disabling, invitations; on the web and the CLI."""
from __future__ import annotations

import re

import pytest

from conftest import PASSWORD, csrf_token, sign_in

GENERIC_FAILURE = "That email and password do not match a member."


def member_id(app, email: str) -> int:
    from app.services import members
    with app.app_context():
        return members.member_by_email(email).id


def role_of(app, email: str) -> str:
    from app.services import members
    with app.app_context():
        return members.member_by_email(email).role


def invitation_link(runner, email: str, role: str = "member") -> str:
    """The path of a fresh invitation made on the command line."""
    output = runner.invoke(args=["user", "invite", email, "--role", role]).output.strip()
    return output.split("127.0.0.1:5000", 1)[1]


def post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/profile")})


def new_token(client) -> str:
    page = post(client, "/profile/tokens", name="dashboard").get_data(as_text=True)
    return re.search(r"(cb_[A-Za-z0-9_-]{20,})", page).group(1)


@pytest.fixture
def admin(app, make_member):
    """A client signed in as an admin (admin@example.org)."""
    client = app.test_client()
    sign_in(client, make_member("admin@example.org", "admin"))
    return client


# --- names ---------------------------------------------------------------------------------

def test_the_invitation_asks_for_a_name_and_keeps_what_was_typed(runner, client):
    link = invitation_link(runner, "newcomer@example.org")
    assert 'name="name"' in client.get(link).get_data(as_text=True)
    data = {"name": "", "organisation": "Gemeente Zwolle", "password": PASSWORD, "confirm": PASSWORD,
            "csrf_token": csrf_token(client, link)}
    refused = client.post(link, data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Your name" in page and 'value="Gemeente Zwolle"' in page
    accepted = client.post(link, data={**data, "name": "Marieke de Vries"})
    assert accepted.status_code == 302  # the invitation still worked after the refusal
    profile = client.get("/profile").get_data(as_text=True)
    assert 'value="Marieke de Vries"' in profile and 'value="Gemeente Zwolle"' in profile


def test_a_member_changes_their_name_and_organisation(client, make_member):
    sign_in(client, make_member())
    saved = post(client, "/profile/details", name="Joost Bakker", organisation="Gemeente Tilburg")
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Your name and organisation are saved." in page
    assert re.search(r'<input id="token-name"[^>]* value=""', page)  # the token form is not filled with it
    assert "Joost Bakker · Gemeente Tilburg" in client.get("/profile").get_data(as_text=True)


def test_a_profile_without_a_name_is_refused_and_keeps_the_input(client, make_member):
    sign_in(client, make_member())
    post(client, "/profile/details", name="Joost Bakker", organisation="")
    refused = post(client, "/profile/details", name="  ", organisation="Provincie Utrecht")
    assert refused.status_code == 400 and 'value="Provincie Utrecht"' in refused.get_data(as_text=True)
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="Joost Bakker"' in page and "Provincie Utrecht" not in page


def test_user_create_takes_a_name_and_organisation(runner, app, admin):
    result = runner.invoke(args=["user", "create", "wethouder@example.org", "--name", "Anna Smit",
                                 "--organisation", "Gemeente Almere"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "Created member wethouder@example.org." in result.output
    page = admin.get("/admin/members").get_data(as_text=True)
    assert "Anna Smit" in page and "Gemeente Almere" in page


# --- the members page ----------------------------------------------------------------------

def test_an_admin_sees_members_and_open_invitations(app, runner, admin, make_member, client):
    runner.invoke(args=["user", "create", "lid@example.org", "--name", "Sanne Visser", "--organisation",
                        "Gemeente Deventer"], input=f"{PASSWORD}\n{PASSWORD}\n")
    invitation_link(runner, "waiting@example.org", "moderator")
    used = invitation_link(runner, "joined@example.org")
    client.post(used, data={"name": "Joined", "password": PASSWORD, "confirm": PASSWORD,
                            "csrf_token": csrf_token(client, used)})
    home = admin.get("/").get_data(as_text=True)
    assert 'href="/admin/members"' in home
    response = admin.get("/admin/members")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for shown in ("Sanne Visser", "lid@example.org", "Gemeente Deventer", "admin@example.org", "Active",
                  "waiting@example.org", "the command line"):
        assert shown in page
    invitations = page.split("Open invitations", 1)[1]
    assert "joined@example.org" not in invitations  # accepted: no longer open


def test_revoking_an_invitation_makes_its_link_stop_working(app, runner, admin):
    link = invitation_link(runner, "later@example.org")
    page = admin.get("/admin/members").get_data(as_text=True)
    revoke_url = re.search(r'action="(/admin/invitations/\d+/revoke)"', page).group(1)
    response = post(admin, revoke_url)
    assert "The invitation for later@example.org is revoked" in response.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404
    assert "later@example.org" not in admin.get("/admin/members").get_data(as_text=True)


def test_an_admin_changes_a_role(app, admin, make_member):
    email = make_member("lid@example.org")
    member = app.test_client()
    sign_in(member, email)
    assert member.get("/moderate").status_code == 404
    response = post(admin, f"/admin/members/{member_id(app, email)}/role", role="moderator")
    assert response.status_code == 200 and "lid is now Moderator." in response.get_data(as_text=True)
    assert member.get("/moderate").status_code == 200  # takes effect on the member's next request


def test_disabling_signs_the_member_out_and_stops_their_token_and_sign_in(app, admin, make_member):
    email = make_member("leaving@example.org")
    member = app.test_client()
    sign_in(member, email, remember=True)
    token = new_token(member)
    api = app.test_client()
    assert api.get("/api/v1/search", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    response = post(admin, f"/admin/members/{member_id(app, email)}/disable")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "leaving is disabled" in page and "Disabled" in page

    assert member.get("/profile").headers["Location"].startswith("/login")  # signed out, remember-me too
    assert api.get("/api/v1/search", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = sign_in(app.test_client(), email)
    assert refused.status_code == 401 and GENERIC_FAILURE in refused.get_data(as_text=True)


def test_a_re_enabled_member_signs_in_again_but_needs_a_new_token(app, admin, make_member):
    email = make_member("back@example.org")
    member = app.test_client()
    sign_in(member, email)
    token = new_token(member)
    post(admin, f"/admin/members/{member_id(app, email)}/disable")
    response = post(admin, f"/admin/members/{member_id(app, email)}/enable")
    assert "back can sign in again." in response.get_data(as_text=True)
    assert sign_in(app.test_client(), email).status_code == 302
    assert app.test_client().get("/api/v1/search", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_admin_cannot_disable_or_demote_themselves(app, admin, make_member):
    make_member("other-admin@example.org", "admin")  # so the last-admin rule is not what refuses
    me = member_id(app, "admin@example.org")
    disabled = post(admin, f"/admin/members/{me}/disable")
    assert disabled.status_code == 400 and "You cannot disable yourself." in disabled.get_data(as_text=True)
    demoted = post(admin, f"/admin/members/{me}/role", role="member")
    assert demoted.status_code == 400 and "You cannot take away your own admin role." in demoted.get_data(as_text=True)
    assert admin.get("/admin/members").status_code == 200  # still signed in, still admin


def test_the_last_active_admin_can_be_neither_demoted_nor_disabled(app, runner, make_member):
    make_member("only-admin@example.org", "admin")
    make_member("old-admin@example.org", "admin")
    assert runner.invoke(args=["user", "disable", "old-admin@example.org"]).exit_code == 0
    for args in (["user", "role", "only-admin@example.org", "moderator"], ["user", "disable", "only-admin@example.org"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "last active admin" in result.output
    assert role_of(app, "only-admin@example.org") == "admin"
    assert sign_in(app.test_client(), "only-admin@example.org").status_code == 302
    # With a second active admin, the first may step down.
    assert runner.invoke(args=["user", "role", "old-admin@example.org", "admin"]).exit_code == 0
    assert runner.invoke(args=["user", "enable", "old-admin@example.org"]).exit_code == 0
    assert runner.invoke(args=["user", "role", "only-admin@example.org", "member"]).exit_code == 0


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_the_members_page_does_not_exist_for_members_and_moderators(app, runner, make_member, role):
    target = make_member("target@example.org")
    link = invitation_link(runner, "pending@example.org")
    client = app.test_client()
    sign_in(client, make_member("someone@example.org", role))
    assert client.get("/admin/members").status_code == 404
    assert 'href="/admin/members"' not in client.get("/").get_data(as_text=True)
    target_id = member_id(app, target)
    from app import db
    from app.models import Invitation
    with app.app_context():
        invitation_id = db.session().query(Invitation).one().id
    for url, data in ((f"/admin/members/{target_id}/role", {"role": "admin"}),
                      (f"/admin/members/{target_id}/disable", {}),
                      (f"/admin/invitations/{invitation_id}/revoke", {})):
        assert post(client, url, **data).status_code == 404, url
    assert role_of(app, target) == "member"
    assert sign_in(app.test_client(), target).status_code == 302
    assert app.test_client().get(link).status_code == 200


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/members")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(app, admin, make_member):
    target = make_member("target@example.org")
    target_id = member_id(app, target)
    assert admin.post(f"/admin/members/{target_id}/disable").status_code == 400
    assert admin.post(f"/admin/members/{target_id}/role", data={"role": "admin"}).status_code == 400
    assert role_of(app, target) == "member"
    assert sign_in(app.test_client(), target).status_code == 302


# --- the command line ----------------------------------------------------------------------

def test_user_role_disable_and_enable_on_the_command_line(app, runner, make_member):
    make_member("admin@example.org", "admin")
    email = make_member("lid@example.org")
    result = runner.invoke(args=["user", "role", email, "moderator"])
    assert result.exit_code == 0 and "lid@example.org is now moderator." in result.output
    assert role_of(app, email) == "moderator"

    result = runner.invoke(args=["user", "disable", email])
    assert result.exit_code == 0 and "Disabled lid@example.org" in result.output
    assert sign_in(app.test_client(), email).status_code == 401
    again = runner.invoke(args=["user", "disable", email])
    assert again.exit_code == 1 and "already disabled" in again.output

    result = runner.invoke(args=["user", "enable", email])
    assert result.exit_code == 0 and "Enabled lid@example.org" in result.output
    assert sign_in(app.test_client(), email).status_code == 302


@pytest.mark.parametrize("args", [["user", "role", "nobody@example.org", "admin"], ["user", "disable", "nobody@example.org"],
                                  ["user", "enable", "nobody@example.org"]])
def test_the_command_line_says_when_there_is_no_such_member(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "No member with email 'nobody@example.org'." in result.output


def test_user_role_refuses_an_unknown_role(runner, make_member):
    result = runner.invoke(args=["user", "role", make_member(), "owner"])
    assert result.exit_code != 0 and "owner" in result.output
