"""What moderators and admins did is kept in the audit log, shown to admins at /admin/audit."""
from __future__ import annotations

import re

import pytest

from conftest import case_text, csrf_token

FORM = {"title": "Audited case", "summary": "A summary.", "body": "The story.", "city": "Oss", "country": "NL",
        "themes": ["nature"], "language": "en", "visibility": "public", "attribution": "named", "status": "",
        "lessons-0-kind": "went_well", "lessons-0-text": "It worked.", "lessons-0-visibility": "public"}


def post(client, url: str, page: str | None = None, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def table(response) -> str:
    """The entries, without the filter's list of every kind of action."""
    text = response.get_data(as_text=True)
    return text[text.index("<tbody>"):text.index("</tbody>")]


@pytest.fixture
def staff(signed_in):
    return {"admin": signed_in("admin@example.org", "admin"), "moderator": signed_in("mod@example.org", "moderator"),
            "member": signed_in("author@example.org")}


def test_moderator_and_admin_actions_are_listed_for_admins(app, staff, runner, tmp_path):
    admin, mod, author = staff["admin"], staff["moderator"], staff["member"]
    post(author, "/contribute/new", **FORM, action="submit")
    case_id = int(re.search(r"/moderate/(\d+)", mod.get("/moderate").get_data(as_text=True)).group(1))
    post(mod, f"/moderate/{case_id}", action="send_back", note="Please add a source.")
    post(author, f"/contribute/{case_id}/edit", **FORM, action="submit",
         base_version=re.search(r'name="base_version" type="hidden" value="(\d+)"',
                                author.get(f"/contribute/{case_id}/edit").get_data(as_text=True)).group(1))
    post(mod, f"/moderate/{case_id}", action="approve", note="")
    (tmp_path / "imported.md").write_text(case_text(slug="imported-case", title="Imported case"), encoding="utf-8")
    assert runner.invoke(args=["import-cases", str(tmp_path / "imported.md")]).exit_code == 0
    post(mod, "/cases/imported-case/delete")
    other = re.findall(r"/admin/members/(\d+)/disable", admin.get("/admin/members").get_data(as_text=True))[0]
    post(admin, f"/admin/members/{other}/disable", page="/admin/members")
    post(admin, f"/admin/members/{other}/enable", page="/admin/members")
    post(admin, f"/admin/members/{other}/role", page="/admin/members", role="moderator")
    post(admin, "/members/invite", email="new@example.org", role="member")
    page = table(admin.get("/admin/audit"))
    for label in ("Sent a case back", "Approved a case", "Imported a case file", "Deleted a case", "Disabled a member",
                  "Enabled a member", "Changed a role", "Invited someone"):
        assert label in page, label
    assert "Please add a source." in page and "the command line" in page and "mod@example.org" in page
    only = table(admin.get("/admin/audit?action=case.delete"))
    assert "Deleted a case" in only and "Approved a case" not in only


@pytest.mark.parametrize("who", ["moderator", "member"])
def test_the_audit_log_does_not_exist_for_anyone_but_admins(staff, who):
    assert staff[who].get("/admin/audit").status_code == 404


def test_dutch_labels_on_the_audit_log(staff, runner, tmp_path):
    (tmp_path / "c.md").write_text(case_text(), encoding="utf-8")
    runner.invoke(args=["import-cases", str(tmp_path / "c.md")])
    staff["admin"].set_cookie("casebook_lang", "nl")
    page = staff["admin"].get("/admin/audit").get_data(as_text=True)
    assert "Auditlog" in page and "Casebestand geïmporteerd" in page


def test_a_visitor_is_sent_to_sign_in_and_sees_nothing_of_the_log(client):
    answer = client.get("/admin/audit")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert "Audit log" not in client.get("/admin/audit", follow_redirects=True).get_data(as_text=True)


def test_the_filter_offers_every_kind_of_action_the_log_names(staff):
    """Meetings, follow-up updates, introductions passed on and reports handled included."""
    from app.i18n import AUDIT_LABELS

    page = staff["admin"].get("/admin/audit").get_data(as_text=True)
    offered = set(re.findall(r'<option value="([a-z_.]+)"', page))
    assert set(AUDIT_LABELS) <= offered
