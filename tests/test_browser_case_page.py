"""A real browser: the case page on a phone puts facts and contents before the story, and on
paper it prints the case alone, each source with its full address."""
from __future__ import annotations

import threading

import pytest
from test_browser import page, shot  # noqa: F401  (fixtures)
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
SOURCE = {"url": "https://example.org/reports/zon-op-elk-dak-2022.pdf", "title": "Evaluation report 2022"}
STORY = "Intro.\n\n## What they did\n\n" + "They did it. " * 200 + "\n\n## How to copy it\n\nLike this."


@pytest.fixture
def case_server(app, add_case):
    slug = add_case(STORY, sources=[SOURCE, "https://example.org/plain"], sdg_targets=["11.3"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cases/{slug}"
    server.shutdown()


def test_on_a_phone_facts_and_contents_come_before_the_story(case_server, page):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(case_server)
    facts, contents, story = (page.locator(s).bounding_box() for s in (".case-facts", ".case-contents", ".story"))
    assert facts["y"] < contents["y"] < story["y"]
    assert contents["y"] + contents["height"] < 2000  # near the top, not after a long story
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(".case-contents >> text=How to copy it")
    assert page.evaluate("location.hash") == "#story-how-to-copy-it"
    shot(page, "case-phone")


def test_on_a_wide_screen_the_facts_stay_in_the_sidebar(case_server, page):
    page.goto(case_server)
    facts, story = page.locator(".case-facts").bounding_box(), page.locator(".story").bounding_box()
    assert facts["x"] > story["x"] + story["width"]


def test_printed_it_is_the_case_alone_with_its_sources_full_addresses(case_server, page):
    page.goto(case_server)
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".breadcrumb", ".case-contents", ".introduce-sign-in",
                   ".case-download"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("h1").is_visible() and page.locator(".story").is_visible()
    after = page.evaluate("""getComputedStyle(document.querySelector('.sources a'), '::after').content""")
    assert SOURCE["url"] in after
    colour = page.evaluate("getComputedStyle(document.querySelector('.story p')).color")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colour == "rgb(0, 0, 0)" and background == "rgb(255, 255, 255)"
    shot(page, "case-print")
