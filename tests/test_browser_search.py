"""A real browser: sorting applies on change, focus comes back to the facet value just used, and on
a phone the filters sit in a panel above the results."""
from __future__ import annotations

import pytest
from test_browser import live_server, page  # noqa: F401  (the fixtures: a served app, a Chromium page)

pytestmark = pytest.mark.browser


def api_slugs(page, base: str, query: str) -> list[str]:  # noqa: F811
    data = page.request.get(f"{base}/api/v1/search?{query}").json()
    return [r["slug"] for r in data["results"]]


def card_slugs(page) -> list[str]:  # noqa: F811
    hrefs = page.locator(".results .card h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [h.split("?")[0].rsplit("/", 1)[1] for h in hrefs]


def test_choosing_a_sort_order_shows_the_results_in_that_order(live_server, page):  # noqa: F811
    page.goto(live_server + "/search?q=water")
    assert card_slugs(page) == api_slugs(page, live_server, "q=water")
    assert page.locator("form.sort button").count() == 0  # the button is only there without JavaScript
    page.select_option("#sort", "newest")
    page.wait_for_url("**sort=newest**")
    assert card_slugs(page) == api_slugs(page, live_server, "q=water&sort=newest")
    assert card_slugs(page) != api_slugs(page, live_server, "q=water")
    assert page.evaluate("document.activeElement.id") == "sort"  # the control just used keeps focus


def test_after_a_filter_is_applied_focus_is_on_the_value_just_used(live_server, page):  # noqa: F811
    page.goto(live_server + "/search?q=water")
    value = page.locator("#f-city a.facet-value").nth(1)
    value_id, label = value.get_attribute("id"), value.locator("span").first.inner_text().strip()
    value.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**city=**")
    focused = page.evaluate("[document.activeElement.id, document.activeElement.className]")
    assert focused == [value_id, "facet-value selected"]
    assert page.get_by_role("link", name=f"Remove filter: City {label}", exact=True).count() == 1
    # Taking it away again: focus stays on the same value, now not chosen.
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "city=" not in url)
    assert page.evaluate("document.activeElement.id") == value_id
    assert page.locator(".filter-chip").count() == 0


def test_on_a_phone_the_filters_are_a_panel_above_the_results(live_server, page):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/search?q=water")
    panel = page.locator("details.filter-panel")
    assert panel.get_attribute("open") is None  # closed: the results come first to the eye
    assert panel.bounding_box()["y"] < page.locator(".results .card").first.bounding_box()["y"]
    panel.locator("> summary").click()
    page.locator("#f-city a.facet-value").first.click()
    page.wait_for_url("**city=**")
    assert page.locator("details.filter-panel > summary").inner_text() == "Filters (1 active)"
    assert panel.get_attribute("open") is not None  # the filter just used is in view, and has focus
    assert page.evaluate("document.activeElement.classList.contains('facet-value')")
    assert page.locator(".filter-chip").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
