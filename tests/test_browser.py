"""A real browser (Debian's Chromium through Playwright) searches, filters by a facet and opens a case."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
SCREENSHOTS = Path(os.environ.get("CASEBOOK_SCREENSHOTS", "")) if os.environ.get("CASEBOOK_SCREENSHOTS") else None

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app, seeded):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(database_url):
    if database_url.startswith("postgresql"):
        pytest.skip("the browser test runs once, on SQLite")
    if CHROMIUM is None:
        if os.environ.get("CASEBOOK_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here but not installed (make browser installs it)")
        pytest.skip("Chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        requests: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        pg = context.new_page()
        pg.requests = requests
        yield pg
        browser.close()


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_search_filter_and_open_a_case(live_server, page):
    page.goto(live_server + "/")
    shot(page, "home")
    page.fill("#home-q", "water")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/search?q=water**")
    assert page.locator(".card").count() >= 1
    shot(page, "search")

    # Filter by the first city facet and check every result is from that city.
    city_link = page.locator("#f-city").locator("a.facet-value").first
    city = city_link.locator("span").first.inner_text().strip()
    expected = int(city_link.locator(".count").inner_text())
    city_link.click()
    page.wait_for_url("**city=**")
    assert page.locator(".card").count() == expected
    assert page.locator("a.facet-value.selected").count() == 1

    page.locator(".card h3 a").first.click()
    page.wait_for_url("**/cases/**")
    assert page.locator("h1").inner_text()
    assert page.locator(".went-well .lesson").count() >= 1
    assert page.locator(".went-badly .lesson").count() >= 1
    assert city.lower() in page.locator(".case-head .eyebrow").inner_text().lower()
    shot(page, "case")

    # Every request went to our own server: no fonts, scripts or styles from elsewhere.
    assert all(url.startswith(live_server) for url in page.requests), page.requests


def test_phone_layout_and_dutch_interface(live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/language/nl?next=/search%3Fq%3Dwarmtenet")
    page.wait_for_url("**/search?q=warmtenet")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator(".card").count() >= 1
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "search-phone-nl")


def test_member_flow_invitation_contribution_review_and_the_safe_space(app, live_server, page, make_member):
    """Accept an invitation, sign in, submit a case with a members-only lesson and preview it,
    approve it as a moderator, find it as a member, and not find it when signed out."""
    make_member("moderator@example.org", "moderator")
    runner = app.test_cli_runner()
    link = runner.invoke(args=["user", "invite", "newcomer@example.org"]).output.strip()
    page.goto(live_server + link.split("127.0.0.1:5000", 1)[1])
    page.fill("#name", "Nieuwkomer")
    page.fill("#password", "a long new passphrase 2026")
    page.fill("#confirm", "a long new passphrase 2026")
    page.click(".auth-box button")
    page.wait_for_url(live_server + "/")
    assert "newcomer@example.org" in page.locator(".account").inner_text()

    page.goto(live_server + "/contribute/new")
    page.fill("input[name=title]", "Samen warmte delen in Kampen")
    page.fill("input[name=city]", "Kampen")
    page.select_option("select[name=country]", "NL")
    page.fill("textarea[name=summary]", "Bewoners deelden restwarmte van een bakkerij.")
    page.fill("textarea[name=body]", "## Wat ze deden\n\nEen **bakkerij** levert warmte.")
    page.check("input[value=energy-transition]")
    page.fill("textarea[name='lessons-0-text']", "De buurt deed mee.")
    page.click("button[value=add_lesson]")
    page.select_option("select[name='lessons-1-kind']", "went_badly")
    page.select_option("select[name='lessons-1-visibility']", "members")
    page.fill("textarea[name='lessons-1-text']", "De vergunning duurde twee jaar okapimarker.")
    page.click(".form-actions button[value=preview]")
    assert page.locator(".preview-box strong", has_text="bakkerij").count() == 1
    assert page.locator(".preview-box .members-only").count() == 1
    shot(page, "contribute-preview")
    page.click("button[value=submit]")
    page.wait_for_url(live_server + "/contribute")
    assert "Waiting for review" in page.locator("main").inner_text()
    page.click("button.link-button:has-text('Sign out')")

    page.goto(live_server + "/login")
    page.fill("#email", "moderator@example.org")
    page.fill("#password", "correct horse battery staple")
    page.click(".auth-box button")
    page.goto(live_server + "/moderate")
    page.click("text=Samen warmte delen in Kampen")
    page.click("button[value=approve]")
    page.wait_for_url(live_server + "/moderate")
    page.goto(live_server + "/search?q=okapimarker")
    assert page.locator(".card").count() == 1  # a member finds the members-only lesson
    shot(page, "member-search")
    page.click("button.link-button:has-text('Sign out')")

    page.goto(live_server + "/search?q=okapimarker")
    assert page.locator(".card").count() == 0  # signed out: not found
    page.goto(live_server + "/search?q=Kampen")
    assert page.locator(".card").count() == 1  # the public part of the case is public
    page.locator(".card h3 a").first.click()
    assert "okapimarker" not in page.content()
