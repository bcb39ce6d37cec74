"""A real browser: two tabs edit one case (the second gets the conflict page), revisions are
compared and restored, and a member adds "we tried this too" to someone else's case."""
from __future__ import annotations

import pytest
from test_browser import live_server, page, shot  # noqa: F401  (fixtures)

from conftest import PASSWORD

pytestmark = pytest.mark.browser
CASE = "/cases/rotterdam-benthemplein-water-square"


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click(".auth-box button")
    page.wait_for_url(base + "/")


def test_two_tabs_conflict_then_compare_and_restore(live_server, page, make_member):
    make_member("moderator@example.org", "moderator")
    sign_in(page, live_server, "moderator@example.org")
    page.goto(live_server + CASE)
    page.click(".case-actions >> text=Edit")
    edit_url = page.url
    other_tab = page.context.new_page()
    other_tab.goto(edit_url)

    page.fill("textarea[name=summary]", page.input_value("textarea[name=summary]") + " First tab was here.")
    page.click("button[value=save]")
    page.wait_for_url("**" + CASE)
    assert "First tab was here." in page.inner_text(".lead")

    other_tab.fill("textarea[name=body]", other_tab.input_value("textarea[name=body]") + "\n\nSecond tab okapinote.")
    other_tab.click("button[value=save]")
    assert other_tab.is_visible("text=Someone else saved this case while you were editing")
    assert "Second tab okapinote." in other_tab.input_value("textarea[name=body]")  # nothing typed is lost
    assert other_tab.locator(".diff-removed").count() > 0  # the saved summary shows as differing from theirs
    shot(other_tab, "edit-conflict")
    other_tab.click("button[value=save]")  # saving again is a deliberate replace
    other_tab.wait_for_url("**" + CASE)
    assert "Second tab okapinote." in other_tab.inner_text(".story")
    assert "First tab was here." not in other_tab.inner_text(".lead")

    other_tab.click(".case-actions >> text=Revisions")
    assert other_tab.locator(".revisions li").count() == 3  # imported, first tab, second tab
    shot(other_tab, "revisions")
    other_tab.locator(".revisions li").nth(1).locator("text=Show changes").click()
    assert "First tab was here." in other_tab.inner_text(".field-changes ins")
    shot(other_tab, "revision-diff")
    other_tab.go_back()
    other_tab.locator(".revisions li").nth(1).locator("button").click()  # restore the first tab's version
    assert other_tab.locator(".revisions li").count() == 4
    other_tab.goto(live_server + CASE)
    assert "First tab was here." in other_tab.inner_text(".lead")
    assert "okapinote" not in other_tab.inner_text(".story")


def test_a_member_adds_a_lesson_to_someone_elses_case(live_server, page, make_member):
    make_member("member@example.org")
    sign_in(page, live_server, "member@example.org")
    page.goto(live_server + CASE)
    page.click("text=We tried this too: add a lesson")
    page.select_option("select[name=kind]", "went_badly")
    page.fill("textarea[name=text]", "Our square flooded the cellar next door: **check the overflow**.")
    page.click("button[value=preview]")
    assert page.inner_text(".preview-box strong") == "check the overflow"
    assert "check the overflow" in page.input_value("textarea[name=text]")
    shot(page, "we-tried-this-too")
    page.click("button[value=submit]")
    assert page.is_visible("text=A moderator will review your addition")
    assert page.is_visible("text=Waiting for review")
    assert not [u for u in page.requests if not u.startswith(live_server)]
