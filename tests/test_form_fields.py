"""The account forms say what is wrong next to the field, in the reader's language, and list it at the top."""
from __future__ import annotations

from lxml import html
from test_account_mail import _ask_reset, _link, _member, _path

from conftest import csrf_token


def test_forgot_password_without_an_address_says_so_at_the_field_in_dutch(client):
    client.set_cookie("casebook_lang", "nl")
    response = client.post("/login/forgot", data={"email": "", "csrf_token": csrf_token(client, "/login/forgot")})
    page = html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 400
    email = page.get_element_by_id("email")
    assert email.get("aria-invalid") == "true" and email.get("aria-describedby") == "email-error"
    assert "Vul het e-mailadres in waarmee je inlogt." in page.get_element_by_id("email-error").text_content()
    summary = page.find_class("error-summary")[0]
    assert [a.get("href") for a in summary.iter("a")] == ["#email"] and summary.get("tabindex") == "-1"


def test_a_reset_with_two_different_passwords_marks_the_second_field(mail_app, smtp, client):
    _member(mail_app)
    _ask_reset(client, "ana@example.org")
    path = _path(_link(smtp.wait_for(1)[0].text, "/login/reset/"))
    response = client.post(path, data={"password": "a long new passphrase 2026", "confirm": "another long phrase 2026",
                                       "csrf_token": csrf_token(client, path)})
    page = html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 400
    assert page.get_element_by_id("confirm").get("aria-invalid") == "true"
    assert page.get_element_by_id("password").get("aria-invalid") is None
    assert "The two passwords differ." in page.get_element_by_id("confirm-error").text_content()
    assert [a.get("href") for a in page.find_class("error-summary")[0].iter("a")] == ["#confirm"]


def test_a_password_change_with_two_different_passwords_marks_the_field_on_the_profile(signed_in):
    member = signed_in("ana@example.org")
    response = member.post("/profile/password", data={
        "current": "correct horse battery staple", "new": "a long new passphrase 2026",
        "confirm": "something else entirely 2026", "csrf_token": csrf_token(member, "/profile")})
    page = html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 400
    confirm = page.get_element_by_id("confirm")
    assert confirm.get("aria-invalid") == "true" and confirm.get("aria-describedby") == "confirm-error"
    assert page.get_element_by_id("confirm-error").text_content() == "The two passwords differ."
    assert page.get_element_by_id("new").get("aria-invalid") is None


def test_the_meeting_form_lists_its_errors_at_the_top_with_links(signed_in):
    moderator = signed_in("mod@example.org", "moderator")
    response = moderator.post("/meetings/new", data={
        "title": "", "held_on": "", "place": "", "host": "", "summary": "", "notes": "", "notes_visibility": "members",
        "action": "save", "csrf_token": csrf_token(moderator, "/meetings/new")})
    page = html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 400
    summary = page.find_class("error-summary")[0]
    links = [a.get("href") for a in summary.iter("a")]
    assert "#title" in links and "#place" in links
    for link in links:
        assert page.get_element_by_id(link[1:]).get("aria-invalid") == "true"


def test_a_profile_without_a_name_says_so_by_the_field_in_dutch(signed_in):
    member = signed_in("ana@example.org")
    member.set_cookie("casebook_lang", "nl")
    response = member.post("/profile/details", data={"name": "", "organisation": "Gemeente Oss",
                                                     "csrf_token": csrf_token(member, "/profile")})
    page = html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 400
    assert page.get_element_by_id("name").get("aria-invalid") == "true"
    assert page.get_element_by_id("name-error").text_content() == "Vul je naam in."
