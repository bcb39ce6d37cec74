"""A real browser: a case form with mistakes puts the focus on the list of them, and each item
leads to its field."""
from __future__ import annotations

import pytest
from test_browser import live_server, page  # noqa: F401  (fixtures)
from test_browser_editing import sign_in

pytestmark = pytest.mark.browser


def test_the_error_summary_takes_the_focus_and_its_links_lead_to_the_fields(live_server, page, make_member):
    make_member("member@example.org")
    sign_in(page, live_server, "member@example.org")
    page.goto(live_server + "/contribute/new")
    page.fill("#title", "Zonnedaken in Zwolle")
    page.click(".form-actions button[value=submit]")
    page.wait_for_load_state()
    # The browser moves focus to an autofocus element when it next renders, a moment after loading.
    page.wait_for_function("document.activeElement.className === 'error-summary'", timeout=5000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#summary"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "summary"
    assert page.input_value("#title") == "Zonnedaken in Zwolle"
