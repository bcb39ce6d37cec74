"""Hostile text: a public list of thousands of XSS payloads renders safely, and no text takes a page down."""
from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest

from app import rendering
from app.rendering import ALLOWED_PROTOCOLS, ALLOWED_TAGS, render_markdown

from payloads import xss_payloads

PAYLOADS = list(xss_payloads())


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.tags


def _scheme(url: str) -> str | None:
    """The scheme a browser would read: after dropping controls and spaces around, tabs and newlines inside."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f "
                                                  "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


def dangers(html: str, allowed_tags=ALLOWED_TAGS) -> list[str]:
    """What in this HTML could run: unknown tags, event handlers, non-web links."""
    found = []
    for tag, attrs in elements(html):
        if tag not in allowed_tags:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"{tag}[{name}]")
            scheme = _scheme(value or "") if name in ("href", "src", "action") else None
            if scheme is not None and scheme not in ALLOWED_PROTOCOLS:
                found.append(f"{tag}[{name}={value[:40]}]")
    return found


def test_the_list_is_a_public_one_of_thousands():
    assert len(PAYLOADS) > 4000 and any("<script" in p.lower() for p in PAYLOADS)


def test_every_payload_renders_without_error_and_without_anything_that_runs():
    unsafe = {}
    for payload in PAYLOADS:
        # As a paragraph, as a link target and as link text, the way authors write Markdown.
        html = render_markdown(f"{payload}\n\nSee [the source]({payload}) and [{payload}](https://example.org).")
        if problems := dangers(html):
            unsafe[payload] = problems
    assert unsafe == {}


def test_a_renderer_failure_shows_the_text_escaped_and_is_logged(monkeypatch, caplog, client, add_case):
    def broken(_html):
        raise IndexError("pop from empty list")  # what bleach's vendored html5lib once raised

    monkeypatch.setattr(rendering.Cleaner, "clean", lambda self, html: broken(html))
    render_markdown.cache_clear()
    add_case(body="First <b>paragraph</b> & more.\n\nSecond <script>alert(1)</script> one.")
    with caplog.at_level(logging.ERROR, logger="app.rendering"):
        response = client.get("/cases/sample-case")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<p>First &lt;b&gt;paragraph&lt;/b&gt; &amp; more.</p>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert any("shown as plain text" in r.getMessage() for r in caplog.records)
    render_markdown.cache_clear()


def test_threads_rendering_at_once_never_mix_or_fail():
    """gunicorn's threads render side by side; one shared bleach parser mixed their texts."""
    texts = [f"Story {i}: see https://example.org/{i} and *more* [{i}](https://example.org/x{i})." * 20
             for i in range(64)]
    expected = {t: str(rendering._render(t)) for t in texts}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            got = list(pool.map(lambda t: str(rendering._render(t)), texts))
            assert got == [expected[t] for t in texts]


@pytest.mark.parametrize("text", ["[a" * 2500, "[ " * 3000, "1. " * 2000, "> " * 3000, "![" * 2000])
def test_texts_that_would_take_the_parser_seconds_or_its_stack_are_shown_plainly_at_once(text):
    started = time.perf_counter()
    html = render_markdown(text + " end")
    assert time.perf_counter() - started < 2  # not the seconds (or the recursion error) of the parser
    assert "end" in html and dangers(html) == []


@pytest.fixture
def hostile_library(add_case):
    """Cases whose every text field holds payloads: title, summary, lessons and story."""
    sample = PAYLOADS[::33][:200]
    for i in range(0, len(sample), 5):
        a, b, c, d, e = (sample[i:i + 5] + ["x"] * 5)[:5]
        add_case(slug=f"hostile-{i}", title=f"hostilemark {a}"[:300], summary=f"{b} summary"[:1000],
                 lessons=[{"kind": "went_well", "text": c}, {"kind": "went_badly", "text": d}],
                 body=f"{e}\n\nhostilemark story {a}", city="Utrecht")
    return len(range(0, len(sample), 5))


def test_pages_full_of_payloads_answer_and_run_nothing(client, hostile_library):
    pages = [f"/cases/hostile-{i * 5}" for i in range(hostile_library)]
    pages += ["/", "/search?q=hostilemark", "/search?q=hostilemark&page=2", "/cities/Utrecht"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        # Our own pages hold one script, the site's own file; the payloads must not bring another.
        own = page.count('<script src="/static/casebook.js" defer></script>')
        assert own == 1, url
        page = page.replace('<script src="/static/casebook.js" defer></script>', "")
        assert [d for d in dangers(page, allowed_tags=_page_tags()) if "<script>" in d or "[on" in d] == [], url
    api = client.get("/api/v1/search?q=hostilemark").get_json()
    assert api["total"] == hostile_library


def _page_tags() -> set[str]:
    # The layout's own tags besides what case texts may use.
    return set(ALLOWED_TAGS) | {"html", "head", "meta", "title", "link", "body", "header", "nav", "main", "footer",
                                "div", "span", "form", "input", "button", "label", "select", "option", "section",
                                "article", "aside", "ul", "li", "h1", "time", "img", "svg", "path", "details",
                                "summary", "mark", "fieldset", "legend", "textarea", "small"}
