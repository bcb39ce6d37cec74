"""The case page as a reader uses it: sources by title, SDG targets by name, when it last changed,
the way back to the list it was opened from, a contents list, and a page that prints on its own."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from flask import render_template
from sqlalchemy import select

from app import casefiles, db, sdg, sources
from app.audience import Audience
from app.casefiles import InvalidCase
from app.models import Case
from app.services import cases, library
from app.services.content import case_data

from conftest import ROOT, case_text

TITLED = [
    {"url": "https://www.utrecht.nl/wonen/zonnepanelen-op-daken/", "title": "Gemeente Utrecht: zonnepanelen op daken"},
    "https://example.org/plain-source",
]
LONG_URL = ("https://www.example.org/nieuws/2010/03/30/"
            "msd-schrapt-banen-in-oss-onderzoekslaboratorium-blijft-open-a1234567")
STORY = """
Intro paragraph.

## What they did

They did it.

## What went wrong & why

Something <script>alert(1)</script> went wrong.
"""


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def source_links(page: str) -> list[tuple[str, str]]:
    block = re.search(r'<ol class="sources"[^>]*>(.*?)</ol>', page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', block)


# --- sources: the case file format ------------------------------------------------------------

def test_sources_with_titles_and_plain_addresses_read_and_write_back_unchanged():
    data = casefiles.read_text("cases/x.md", case_text(sources=TITLED))
    assert data.sources == TITLED
    written = casefiles.write_text(data)
    assert "- url: https://www.utrecht.nl/wonen/zonnepanelen-op-daken/\n  title: 'Gemeente Utrecht" in written
    assert "- https://example.org/plain-source" in written
    assert casefiles.read_text("cases/x.md", written) == data


def test_a_source_mapping_without_a_title_is_kept_as_its_address():
    data = casefiles.read_text("x.md", case_text(sources=[{"url": "https://example.org/a"}]))
    assert data.sources == ["https://example.org/a"]


def test_an_exported_case_imports_back_unchanged(app, add_case, runner):
    slug = add_case(sources=TITLED)
    exported = runner.invoke(args=["export-case", slug]).output
    with app.app_context():
        _case, outcome = library.import_text(f"{slug}.md", exported)
    assert outcome == "unchanged"
    assert "title: 'Gemeente Utrecht: zonnepanelen op daken'" in exported


@pytest.mark.parametrize("given, expected", [
    ([{"url": "ftp://example.org/f", "title": "A file"}], "cases/bad.md: sources[1].url: 'ftp://example.org/f' is not an"),
    (["https://example.org/a", {"url": "https://example.org/b", "title": "  "}],
     "cases/bad.md: sources[2].title: must be a text that is not empty"),
    ([{"url": "https://example.org/b", "title": ["a", "list"]}], "cases/bad.md: sources[1].title: must be a text"),
    ([{"title": "No address"}], "cases/bad.md: sources[1].url: is required"),
    ([{"url": "https://example.org/b", "name": "x"}], "cases/bad.md: sources[1].name: is not a known field"),
    (["https://example.org/a", "javascript:alert(1)"], "cases/bad.md: sources[2]: 'javascript:alert(1)' is not an http(s)"),
    ("https://example.org/a", "cases/bad.md: sources: must be a list"),
    ([42], "cases/bad.md: sources[1]: must be a web address or {url, title}"),
])
def test_each_bad_source_is_named_with_its_place(given, expected):
    with pytest.raises(InvalidCase) as info:
        casefiles.read_text("cases/bad.md", case_text(sources=given))
    assert any(str(p).startswith(expected) for p in info.value.problems), info.value.problems


def test_the_forms_lines_become_sources_and_back():
    typed = "Gemeente Utrecht: zonnepanelen | https://www.utrecht.nl/zon\nhttps://example.org/plain\n\n" \
            "https://example.org/reversed | Written the other way round"
    entries = sources.parse_lines(typed)
    assert entries == [{"url": "https://www.utrecht.nl/zon", "title": "Gemeente Utrecht: zonnepanelen"},
                       "https://example.org/plain",
                       {"url": "https://example.org/reversed", "title": "Written the other way round"}]
    assert sources.parse_lines(sources.as_lines(entries)) == entries


def test_a_bar_inside_an_address_or_a_title_survives_the_form():
    entries = ["https://example.org/a|b", {"url": "https://example.org/park", "title": "Park 20|20"},
               {"url": "https://example.org/x?a=1|2", "title": "A | B"}]
    assert sources.parse_lines(sources.as_lines(entries)) == entries
    assert sources.parse_lines("https://example.org/park | Park 20|20") == [entries[1]]


def test_a_source_title_is_one_line():
    with pytest.raises(InvalidCase) as info:
        casefiles.read_text("cases/bad.md", case_text(sources=[{"url": "https://example.org", "title": "Two\nlines"}]))
    assert any(str(p) == "cases/bad.md: sources[1].title: must be one line" for p in info.value.problems)


# --- sources: on the page ----------------------------------------------------------------------

def test_sources_show_by_title_linking_to_the_full_address(client, add_case):
    page = page_text(client, f"/cases/{add_case(sources=[*TITLED, LONG_URL])}")
    links = source_links(page)
    assert links[0] == (TITLED[0]["url"], "Gemeente Utrecht: zonnepanelen op daken")
    assert links[1] == ("https://example.org/plain-source", "example.org/plain-source")
    assert links[2][0] == LONG_URL  # the link keeps the whole address


@pytest.mark.parametrize("url", [
    LONG_URL,
    "https://example.org/a/very-long-segment-name-that-goes-on-and-on-and-on-without-a-slash-in-it",
    "https://example.org/" + "x" * 90,
])
def test_an_address_without_a_title_is_never_cut_inside_a_word(url):
    label = sources.short_address(url)
    full = url.removeprefix("https://").removeprefix("www.")
    assert len(label) <= sources.SHORT_ADDRESS_CHARS + 2 and label.endswith("…")
    kept = label.removesuffix("…").removesuffix("/")
    assert full.startswith(kept)
    assert not full[len(kept)].isalnum(), (label, full[len(kept):])  # the cut falls on a boundary


# --- SDG targets --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, name", [
    ("en", "Inclusive and sustainable urbanization"),
    ("nl", "Inclusieve en duurzame verstedelijking"),
])
def test_sdg_targets_show_their_names_in_the_readers_language(client, add_case, lang, name):
    client.set_cookie("casebook_lang", lang)
    page = page_text(client, f"/cases/{add_case(sdg_targets=['11.3', '17.19'])}")
    targets = re.findall(r'<li class="sdg-target">(.*?)</li>', page, re.S)
    assert '<span class="sdg-number">11.3</span>' in targets[0] and name in targets[0]
    assert targets[1] == '<span class="sdg-number">17.19</span>'  # unknown: the number alone


def test_the_data_file_names_every_target_the_seed_cases_use_and_all_of_sdg_11():
    used = {t for path in (ROOT / "cases").glob("*.md") for t in casefiles.read_file(path).sdg_targets}
    for number in used | {f"11.{n}" for n in [*"1234567", *"abc"]}:
        assert sdg.target(number, "en").name and sdg.target(number, "nl").name, number
        assert sdg.target(number, "en").name != sdg.target(number, "nl").name, number


# --- last updated -------------------------------------------------------------------------------

def _updated_at(app, slug: str) -> datetime:
    with app.app_context():
        return db.session().scalar(select(Case.updated_at).where(Case.slug == slug))


def test_last_updated_moves_with_the_content_only(app, add_case):
    slug = add_case(sources=TITLED)
    first = _updated_at(app, slug)
    with app.app_context():
        _case, outcome = library.import_text(f"{slug}.md", case_text(sources=TITLED))
    assert outcome == "unchanged" and _updated_at(app, slug) == first
    with app.app_context():
        _case, outcome = library.import_text(f"{slug}.md", case_text(sources=TITLED, summary="A corrected summary."))
    assert outcome == "updated" and _updated_at(app, slug) > first


def test_a_new_author_alone_does_not_count_as_a_change(app, add_case, make_member):
    from app.models import Member
    slug = add_case()
    first = _updated_at(app, slug)
    email = make_member("author@example.org")
    with app.app_context():
        author = db.session().scalar(select(Member).where(Member.email == email))
        _case, outcome = library.import_text(f"{slug}.md", case_text(), author=author)
    assert outcome == "updated" and _updated_at(app, slug) == first


@pytest.mark.parametrize("lang, shown", [("en", "March 3, 2021"), ("nl", "3 maart 2021")])
def test_last_updated_is_shown_as_a_date_in_the_readers_language(app, client, add_case, lang, shown):
    slug = add_case()
    with app.app_context():
        case = db.session().scalar(select(Case).where(Case.slug == slug))
        case.published_at = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
        case.updated_at = datetime(2021, 3, 3, 12, 0, tzinfo=UTC)
        db.session().commit()
    client.set_cookie("casebook_lang", lang)
    page = page_text(client, f"/cases/{slug}")
    assert f'<time datetime="2021-03-03">{shown}</time>' in page
    assert ("Last updated" if lang == "en" else "Laatst bijgewerkt") in page


def test_a_case_whose_content_never_changed_says_since_when_it_is_here(app, client, add_case):
    slug = add_case()
    page = page_text(client, f"/cases/{slug}")
    assert "On Casebook since" in page and "Last updated" not in page


# --- the way back -------------------------------------------------------------------------------

def breadcrumb(page: str) -> str:
    return re.search(r'<nav class="breadcrumb" aria-label="[^"]+">(.*?)</nav>', page, re.S).group(1)


def test_a_case_opened_from_search_results_leads_back_to_them(client, add_case):
    add_case(title="Water square", slug="water-square", body="A square that stores water.")
    results = page_text(client, "/search?q=water")
    link = re.search(r'href="(/cases/water-square\?from=[^"]+)"', results).group(1).replace("&amp;", "&")
    trail = breadcrumb(page_text(client, link))
    assert 'href="/search?q=water"' in trail and "Back to results for “water”" in trail


def test_a_case_opened_from_a_theme_says_so(client, add_case):
    slug = add_case()
    theme_page = page_text(client, "/themes/energy-transition")
    assert f'href="/cases/{slug}?from=/themes/energy-transition"' in theme_page
    trail = breadcrumb(page_text(client, f"/cases/{slug}?from=/themes/energy-transition"))
    assert 'href="/themes/energy-transition"' in trail and "Energy transition" in trail


def test_a_same_site_referrer_stands_in_for_a_link_without_from(client, add_case):
    slug = add_case()
    trail = breadcrumb(client.get(f"/cases/{slug}", headers={"Referer": "http://localhost/search?q=zon"})
                       .get_data(as_text=True))
    assert "Back to results for “zon”" in trail


@pytest.mark.parametrize("came_from", [
    "https://evil.example/search?q=x", "//evil.example/search?q=x", "/\\evil.example/search", "/login?next=/search",
    "/search\r\nX: y", "javascript:alert(1)", "/cases/other", "/" + "a" * 2000,
    "/themes/Call evil now", "/cities/Call evil now",
])
def test_an_unsafe_or_unknown_from_is_ignored(client, add_case, came_from):
    slug = add_case()
    trail = breadcrumb(page_text(client, f"/cases/{slug}?from={quote(came_from, safe='')}"))
    assert 'href="/search">All cases</a>' in trail and 'href="/cities/Utrecht">Utrecht</a>' in trail
    assert "evil" not in trail and "Back to" not in trail


def test_another_sites_referrer_is_ignored(client, add_case):
    slug = add_case()
    trail = breadcrumb(client.get(f"/cases/{slug}", headers={"Referer": "https://evil.example/search?q=x"})
                       .get_data(as_text=True))
    assert "Back to" not in trail and "All cases" in trail


# --- contents and layout --------------------------------------------------------------------------

def test_the_contents_list_links_to_lessons_each_story_section_and_sources(client, add_case):
    page = page_text(client, f"/cases/{add_case(STORY)}")
    contents = re.search(r'<nav class="case-contents".*?</nav>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', contents)
    assert targets == ["lessons-title", "story-what-they-did", "story-what-went-wrong-why", "sources"]
    for target in targets:
        assert f'id="{target}"' in page
    assert "<script>" not in page.split('class="story"')[1]
    # The facts and the contents come before the lessons and the story: first on a phone.
    assert page.index('class="case-facts"') < page.index('class="case-contents"') < page.index('id="lessons-title"')


def test_a_story_heading_that_repeats_gets_an_id_of_its_own(client, add_case):
    slug = add_case("## Results\n\nOne.\n\n## Results\n\nTwo.")
    page = page_text(client, f"/cases/{slug}")
    assert 'id="story-results"' in page and 'id="story-results-2"' in page


# --- printing ----------------------------------------------------------------------------------

def test_every_page_links_the_print_stylesheet_for_print_only(client, add_case):
    page = page_text(client, f"/cases/{add_case()}")
    assert re.search(r'<link rel="stylesheet" href="/static/print.css" media="print">', page)
    assert client.get("/static/print.css").status_code == 200


# --- the preview: the same article for a case without a page yet -------------------------------

def test_a_preview_shows_the_case_as_its_page_would_without_links_to_a_page_it_lacks(app):
    data = casefiles.validate("the form", {
        "title": "Zon op elk dak", "summary": "Een samenvatting.", "city": "Utrecht", "country": "NL",
        "themes": ["energy-transition"], "language": "nl", "sdg_targets": ["7.2"], "sources": TITLED,
        "organisations": ["Gemeente Utrecht"], "status": "pilot", "year": 2022,
        "lessons": [{"kind": "went_well", "text": "Bewoners deden mee."}],
    }, STORY)
    with app.test_request_context("/contribute/new"):
        view = cases.preview_view(Audience.ANONYMOUS, data)
        html = render_template("pages/_case_article.html", view=view)
        assert db.session().scalar(select(Case)) is None  # nothing was stored
    assert '<h2 class="case-title">Zon op elk dak</h2>' in html
    assert "Utrecht" in html and "More renewable energy" in html and "Gemeente Utrecht: zonnepanelen op daken" in html
    assert "Bewoners deden mee." in html and 'id="story-what-they-did"' in html
    assert "/cases/" not in html and "Download" not in html


def test_a_preview_of_a_stored_draft_uses_the_same_article(app, add_case):
    slug = add_case(sources=TITLED)
    with app.test_request_context("/moderate/1"):
        case = db.session().scalar(select(Case).where(Case.slug == slug))
        view = cases.preview_view(Audience.MODERATOR, case)
        html = render_template("pages/_case_article.html", view=view)
        assert case_data(case).sources == TITLED
    assert "Gemeente Utrecht: zonnepanelen op daken" in html and "Residents joined early." in html


def test_the_api_gives_every_source_as_url_and_title(client, add_case):
    data = client.get(f"/api/v1/cases/{add_case(sources=TITLED)}").get_json()
    assert data["source_details"] == [TITLED[0], {"url": "https://example.org/plain-source"}]
    assert data["sources"] == [TITLED[0]["url"], "https://example.org/plain-source"]  # as v1 clients read it


@pytest.mark.parametrize("target, ok", [("11.3", True), ("8.10", True), ("3.d", True), ("11.c", True),
                                        ("99.9", False), ("11.8", False), ("17.a", False), ("11.03", False)])
def test_only_the_169_sdg_targets_are_taken(target, ok):
    text = case_text(sdg_targets=[target])
    if ok:
        assert casefiles.read_text("cases/t.md", text).sdg_targets == [target]
    else:
        with pytest.raises(InvalidCase) as info:
            casefiles.read_text("cases/t.md", text)
        assert any(str(p).startswith("cases/t.md: sdg_targets:") and "not an SDG target" in str(p)
                   for p in info.value.problems)
