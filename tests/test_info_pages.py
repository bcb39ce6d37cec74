"""About, privacy, accessibility statement and contact: what people look for before they trust Casebook."""
from __future__ import annotations

import re

import pytest

from conftest import sign_in

INFO_PAGES = ("/about", "/privacy", "/accessibility", "/contact")
DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                "oktober", "november", "december")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")


def read(client, url: str, lang: str = "en") -> str:
    client.set_cookie("casebook_lang", lang)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True).replace("\u00ad", "")  # soft hyphens only help long words wrap


def h1(page: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)).strip()


def footer_links(page: str) -> list[str]:
    footer = page[page.index('<footer class="site-footer"'):]
    nav = re.search(r'<nav class="footer-nav" aria-label="[^"]+">(.*?)</nav>', footer, re.S)
    assert nav, "the footer has a named navigation landmark"
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("lang, heading, words", [
    ("en", "About Casebook", ["Amsterdam", "Rotterdam", "Utrecht", "Oss", "twice a year", "companies",
                              "knowledge institutes", "NGOs", "citizen movements", "best tackled together"]),
    ("nl", "Over Casebook", ["Amsterdam", "Rotterdam", "Utrecht", "Oss", "twee keer per jaar", "bedrijven",
                             "kennisinstellingen", "ngo’s", "burgerbewegingen", "het best samen aan"]),
])
def test_about_tells_of_the_alliance_and_its_themes(client, lang, heading, words):
    page = read(client, "/about", lang)
    assert h1(page) == heading
    for word in words:
        assert word in page, word
    focus = ["/themes/energy-transition", "/themes/circular-economy", "/themes/social-inclusion"]
    others = ["/themes/climate-adaptation", "/themes/mobility", "/themes/housing", "/themes/nature"]
    for href in focus + others:
        assert f'href="{href}"' in page, href
    assert page.index(focus[-1]) < page.index(others[0])  # the three focus themes first


def test_the_about_page_links_only_to_theme_pages_that_open(client, add_case):
    add_case()
    page = read(client, "/about")
    for href in re.findall(r'href="(/themes/[^"]+)"', page):
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("lang, heading, words", [
    ("en", "Privacy", ["email address", "password is stored only as a hash", "saved searches", "audit log",
                       "30 days", "365 days", "14 days", "no cookie at all", "No third parties"]),
    ("nl", "Privacy", ["e-mailadres", "alleen als hash", "bewaarde zoekopdrachten", "auditlog",
                       "30 dagen", "365 dagen", "14 dagen", "helemaal geen cookie", "Geen derde partijen"]),
])
def test_privacy_says_what_is_stored_and_names_each_cookie(client, lang, heading, words):
    page = read(client, "/privacy", lang)
    assert h1(page) == heading
    for word in words:
        assert word in page, word
    for cookie in ("casebook_session", "remember_token", "casebook_lang"):
        assert f"<code>{cookie}</code>" in page, cookie
    assert 'href="/contact"' in page


def test_the_cookies_the_privacy_page_names_are_the_ones_the_site_sets(app, client, add_case, make_member):
    add_case()
    page = read(client, "/privacy")
    named = set(re.findall(r"<dt><code>([^<]+)</code></dt>", page))
    client.delete_cookie("casebook_lang")
    # Reading sets no cookie at all, as the page promises.
    for url in ("/", "/search?q=budget", "/cases/sample-case", "/themes/energy-transition", *INFO_PAGES):
        assert "Set-Cookie" not in client.get(url).headers, url
    chosen = client.get("/language/nl").headers.getlist("Set-Cookie")
    signed = sign_in(client, make_member(), remember=True).headers.getlist("Set-Cookie")
    set_names = {c.split("=", 1)[0] for c in chosen + signed if "Max-Age=0" not in c}
    assert set_names == named


def test_the_privacy_page_follows_the_remember_me_setting(app, client):
    app.config["REMEMBER_COOKIE_DURATION"] = 14 * 24 * 3600
    assert "for 14 days" in read(client, "/privacy")


@pytest.mark.parametrize("lang, heading, words", [
    ("en", "Accessibility statement", ["WCAG", "2.1", "level AA", "axe-core", "keyboard", "Known limitations",
                                       "Report a problem"]),
    ("nl", "Toegankelijkheidsverklaring", ["WCAG", "2.1", "niveau AA", "axe-core", "toetsenbord",
                                           "Bekende beperkingen", "Een probleem melden"]),
])
def test_the_accessibility_statement(client, lang, heading, words):
    from app.views.info import STATEMENT_DATE
    page = read(client, "/accessibility", lang)
    assert h1(page) == heading
    for word in words:
        assert word in page, word
    assert 'href="/contact"' in page
    # The date in the reader's language, the ISO date only for machines.
    shown = (f"{STATEMENT_DATE.day} {DUTCH_MONTHS[STATEMENT_DATE.month - 1]} {STATEMENT_DATE.year}" if lang == "nl"
             else f"{ENGLISH_MONTHS[STATEMENT_DATE.month - 1]} {STATEMENT_DATE.day}, {STATEMENT_DATE.year}")
    assert f'<time datetime="{STATEMENT_DATE.isoformat()}">{shown}</time>' in page


def test_the_statement_claims_only_what_the_story_renderer_allows():
    """It names links and tables as limits of contributors' stories; images cannot occur there at all."""
    from app.rendering import render_markdown
    html = str(render_markdown("![a map](https://example.org/map.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<img" not in html and "<table>" in html


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_contact_shows_the_moderators_address_when_there_is_one(app, client, lang):
    app.config["MODERATORS_EMAIL"] = "casebook@sdg11.example.org"
    page = read(client, "/contact", lang)
    assert h1(page) == "Contact"
    assert 'href="mailto:casebook@sdg11.example.org"' in page
    assert 'id="join"' in page and 'href="/about"' in page


@pytest.mark.parametrize("lang, words", [
    ("en", ["no shared address", "ask your contact at the alliance", "by invitation"]),
    ("nl", ["nog geen gezamenlijk adres", "je contactpersoon bij de alliantie", "op uitnodiging"]),
])
def test_contact_without_an_address_says_whom_to_ask_and_invents_none(app, client, lang, words):
    app.config["MODERATORS_EMAIL"] = None
    page = read(client, "/contact", lang)
    assert "mailto:" not in page
    for word in words:
        assert word in page, word


def test_members_are_told_how_to_report_a_message(client, make_member):
    assert "Report this message" not in read(client, "/contact")
    sign_in(client, make_member())
    assert "Report this message" in read(client, "/contact")


@pytest.mark.parametrize("lang, words", [
    ("en", ["Not a member yet?", "by invitation", "How to become a member", "About Casebook"]),
    ("nl", ["Nog geen lid?", "op uitnodiging", "Zo word je lid", "Over Casebook"]),
])
def test_the_sign_in_page_shows_the_way_in(client, lang, words):
    page = read(client, "/login", lang)
    form_end = page.index("</form>")
    for word in words:
        assert page.index(word, form_end), word  # below the form: signing in stays first
    assert 'href="/contact#join"' in page and 'href="/about"' in page


def test_every_info_page_is_in_both_languages(client):
    for url in INFO_PAGES:
        english, dutch = read(client, url, "en"), read(client, url, "nl")
        assert '<html lang="en">' in english and '<html lang="nl">' in dutch
        lead = re.compile(r'<p class="lead">(.*?)</p>', re.S)
        assert lead.search(english).group(1) != lead.search(dutch).group(1), url


def test_info_pages_load_nothing_from_elsewhere(client):
    for url in INFO_PAGES:
        page = read(client, url)
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page), url


def test_the_footer_links_to_the_four_pages_on_every_kind_of_page(client, add_case, signed_in):
    add_case()
    wanted = ["/about", "/privacy", "/accessibility", "/contact", "/search", "/api/v1/search"]
    visitor_pages = ["/", "/search?q=budget", "/cases/sample-case", "/themes/energy-transition", "/cities/Utrecht",
                     "/meetings", "/login", "/no-such-page", *INFO_PAGES]
    for url in visitor_pages:
        page = client.get(url).get_data(as_text=True)
        assert all(href in footer_links(page) for href in wanted), url
    admin = signed_in("admin@example.org", "admin")
    for url in ("/inbox", "/profile", "/members", "/moderate", "/admin/members", "/admin/audit", "/profile/searches", "/contribute"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert all(href in footer_links(response.get_data(as_text=True)) for href in wanted), url


def test_the_footer_names_the_pages_in_dutch(client):
    page = read(client, "/", "nl")
    footer = page[page.index('<footer class="site-footer"'):]
    for name in ("Over Casebook", "Privacy", "Toegankelijkheid", "Contact"):
        assert f">{name}</a>" in footer, name
