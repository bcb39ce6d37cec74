"""Atom feeds, the sitemap and robots.txt: the library as the public sees it, for readers and crawlers.

Built for the public audience only, whoever asks: a feed reader and a crawler carry no session,
and a feed a member subscribes to is an address they may pass on. No function here takes an
audience, so none can be handed a member's. Cases are pre-filtered in SQL and then decided by
the policy (`case_visible`, `lesson_visible`, `contributor_for`), which fails closed; updates are
those the case page shows a visitor (`follow_ups.shown_updates`), lessons included.

Every address in them is absolute and starts with CASEBOOK_BASE_URL, never the request's host
(as in mail): a cached feed or sitemap cannot be pointed at another site by a forged Host header.

The only module that knows feedgen. XML is written by libraries (feedgen's lxml, xml.etree), never
by joining strings, and text that XML cannot hold (control characters) is left out.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary
from xml.etree import ElementTree

from feedgen.feed import FeedEntry, FeedGenerator
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import selectinload

from .. import db, gazetteer, vocabulary
from ..audience import Audience
from ..errors import NotFound
from ..i18n import label, ui_locale
from ..models import Case, CaseUpdate, IndexChange, aware
from ..policy import ANONYMOUS, case_visible, lesson_visible
from ..rendering import plain_text
from . import cases, follow_ups, meetings

PUBLIC = Audience.ANONYMOUS  # the only audience of this module
FEED_LIMIT = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"
SITEMAP_TYPE = "application/xml; charset=utf-8"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SUMMARY_CHARS = 500
# An empty feed still needs a date; a fixed one keeps its ETag the same between requests.
NEVER = datetime(2000, 1, 1, tzinfo=UTC)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])(?=\s|$)")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _words(markdown: str) -> str:
    """Markdown as plain words for a summary: `**finished**.` reads `finished.`, not `finished .`."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", plain_text(markdown))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def absolute(endpoint: str, **values: Any) -> str:
    """The site's public address of a page (CASEBOOK_BASE_URL), never the request's host."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


# --- which cases: the public ones, of a theme or a city -------------------------------------------

def _public_published():
    # The SQL pre-filter; `case_visible` decides on each case it lets through.
    return select(Case).where(Case.published_at.is_not(None), Case.visibility == "public")


@dataclass(frozen=True)
class Scope:
    """What one feed holds: the whole library, one theme, or one city (by its gazetteer key)."""

    theme: str | None = None
    city: str | None = None
    pairs: tuple[tuple[str, str], ...] = ()  # the city as the cases write it: (city, country)

    def where(self, stmt):
        if self.city is None:
            return stmt
        return stmt.where(or_(*[and_(Case.city == c, Case.country == k) for c, k in self.pairs]))

    def holds(self, case: Case) -> bool:
        if not case_visible(PUBLIC, case):
            return False
        return self.theme is None or self.theme in (case.themes or [])


# Every city page asks whether its city has a public feed. The answer changes only when a case
# does, and every change adds a row to the change log: keyed on its newest row, the public
# places are looked up once per change instead of on every visit.
_places_at: WeakKeyDictionary[Engine, tuple[int, dict[tuple[str, str], gazetteer.Place]]] = WeakKeyDictionary()


def _public_places() -> dict[tuple[str, str], gazetteer.Place]:
    """Each (city, country) public cases name, with its place (the city files read once for all)."""
    session = db.session()
    position = session.scalar(select(func.max(IndexChange.id))) or 0
    cached = _places_at.get(db.engine())
    if cached is not None and cached[0] == position:
        return cached[1]
    pairs = [(c, k) for c, k in session.execute(
        select(Case.city, Case.country).where(Case.published_at.is_not(None), Case.visibility == "public")
        .distinct()).all()]
    gazetteer.places(pairs)
    places = {pair: gazetteer.place(*pair) for pair in pairs}
    _places_at[db.engine()] = (position, places)
    return places


def city_key(name: str) -> str:
    """The key of the city `/cities/<name>/feed.atom` names, under any of its names (`Wenen` -> `Vienna`)."""
    _public_places()  # the library's cities are known to this process before a name is looked up
    return gazetteer.city_key(name)


def _city_scope(key: str) -> Scope | None:
    pairs = tuple(pair for pair, place in _public_places().items() if place.key == key)
    return Scope(city=key, pairs=pairs) if pairs else None


def has_public_cases(city: str) -> bool:
    """Whether a city has a feed: a city with no public case has none (its page may be members-only)."""
    # The public places are those of published public cases, which `case_visible` shows to anyone.
    return _city_scope(city) is not None


def _cases(scope: Scope, limit: int = FEED_LIMIT) -> Iterator[Case]:
    """Public cases of this scope, newest first, at most `limit`."""
    stmt = scope.where(_public_published()).options(selectinload(Case.lessons)) \
        .order_by(Case.published_at.desc(), Case.id.desc()).execution_options(yield_per=100)
    with closing(db.session().scalars(stmt)) as rows:
        found = 0
        for case in rows:
            if found >= limit:
                return
            if scope.holds(case):
                found += 1
                yield case


def _cases_with_updates(scope: Scope) -> list[Case]:
    """The public cases of this scope that have the newest approved updates, enough to fill a feed."""
    stmt = scope.where(select(CaseUpdate).join(Case, Case.id == CaseUpdate.case_id)
                       .where(CaseUpdate.state == "approved", CaseUpdate.published_at.is_not(None),
                              Case.published_at.is_not(None), Case.visibility == "public")) \
        .order_by(CaseUpdate.published_at.desc(), CaseUpdate.id.desc()).execution_options(yield_per=100)
    found: dict[int, Case] = {}
    counted = 0
    with closing(db.session().scalars(stmt)) as rows:
        for update in rows:
            if counted >= FEED_LIMIT:
                break
            if scope.holds(update.case):
                counted += 1
                found.setdefault(update.case_id, update.case)
    return list(found.values())


# --- feeds -------------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One entry of a feed: a case, or an update of one."""

    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    summary: str
    content: str  # HTML, rendered and cleaned like the case page
    language: str
    themes: list[str] = field(default_factory=list)
    author: str | None = None  # only for a case shared under a name


@dataclass
class Feed:
    url: str
    page_url: str
    title: str
    subtitle: str
    entries: list[Entry]

    @property
    def updated(self) -> datetime:
        """When the feed last changed: its newest entry's date."""
        return max((e.updated for e in self.entries), default=NEVER)

    def atom(self) -> bytes:
        return _atom(self)


def _case_entry(case: Case) -> Entry:
    url = absolute("pages.case", slug=case.slug)
    published = aware(case.published_at or case.created_at)
    contributor = cases.contributor_for(PUBLIC, case)
    author = None
    if contributor is not None:
        author = contributor.name or _("an alliance member")
        if contributor.organisation:
            author = f"{author}, {contributor.organisation}"
    lessons = [l for l in case.lessons if lesson_visible(PUBLIC, l)]
    content = render_template("feeds/_case_entry.html", case=case, lessons=lessons).strip()
    return Entry(id=url, title=case.title, url=url, published=published,
                 updated=max(published, aware(case.updated_at or published)),
                 summary=_shorten(_words(case.summary), SUMMARY_CHARS), content=content,
                 language=case.language, themes=list(case.themes or []), author=author)


def _update_entries(case: Case) -> list[Entry]:
    """The case's updates as its page shows them to a visitor; they name no one."""
    url = absolute("pages.case", slug=case.slug)
    entries = []
    for update in follow_ups.shown_updates(PUBLIC, case):
        moment = aware(update.published_at)
        summary = _words(update.text) or (_("Status now: %(status)s", status=label("status", update.status))
                                              if update.status else "")
        entries.append(Entry(
            id=f"{url}#update-{moment.strftime('%Y%m%dT%H%M%S%f')}", title=_("Update: %(title)s", title=case.title),
            url=url, published=moment, updated=moment, summary=_shorten(summary, SUMMARY_CHARS),
            content=render_template("feeds/_update_entry.html", case=case, update=update).strip(),
            language=case.language, themes=list(case.themes or [])))
    return entries


def _entries(scope: Scope) -> list[Entry]:
    entries = [_case_entry(c) for c in _cases(scope)]
    for case in _cases_with_updates(scope):
        entries.extend(_update_entries(case))
    entries.sort(key=lambda e: (e.published, e.id), reverse=True)
    return entries[:FEED_LIMIT]


def site_feed() -> Feed:
    return Feed(url=absolute("feeds.site_feed"), page_url=absolute("pages.home"), title="Casebook",
                subtitle=_("New cases and updates in the library of the SDG 11 Alliance"), entries=_entries(Scope()))


def theme_feed(theme: str) -> Feed:
    if theme not in vocabulary.themes():
        raise NotFound()
    name = label("theme", theme)
    return Feed(url=absolute("feeds.theme_feed", slug=theme), page_url=absolute("pages.theme", slug=theme),
                title=_("Casebook: %(name)s", name=name),
                subtitle=_("New cases and updates about %(name)s", name=name), entries=_entries(Scope(theme=theme)))


def city_feed(city: str) -> Feed:
    """A city's feed, by its key; NotFound when the city has no public case (hidden and missing alike)."""
    scope = _city_scope(city)
    if scope is None:
        raise NotFound()
    entries = _entries(scope)
    if not entries:
        raise NotFound()
    name = label("city", city)
    return Feed(url=absolute("feeds.city_feed", name=city), page_url=absolute("pages.city", name=city),
                title=_("Casebook: %(name)s", name=name),
                subtitle=_("New cases and updates from %(name)s", name=name), entries=entries)


def _atom(feed: Feed) -> bytes:
    fg = FeedGenerator()
    fg.id(feed.url)
    fg.title(_xml_text(feed.title))
    fg.subtitle(_xml_text(feed.subtitle))
    fg.link(href=feed.url, rel="self", type="application/atom+xml")
    fg.link(href=feed.page_url, rel="alternate", type="text/html")
    fg.author(name="Casebook")  # every entry has an author: the site's, unless a case names its contributor
    fg.generator("Casebook", uri=current_app.config["BASE_URL"])
    fg.icon(current_app.config["BASE_URL"] + url_for("static", filename="favicon.svg"))
    fg.language(ui_locale())
    fg.updated(feed.updated)
    scheme = absolute("pages.home") + "themes/"
    for entry in feed.entries:
        fg.add_entry(_atom_entry(entry, scheme), order="append")
    return fg.atom_str(pretty=True)


class _EntryDetails:
    """A feedgen entry extension: the entry's language (`xml:lang`), and its link's type and language
    (feedgen 1.0 drops the attributes of an entry's links)."""

    language = ""

    def extend_ns(self) -> dict:
        return {}

    def extend_atom(self, element):
        if self.language:
            element.set(XML_LANG, self.language)
        for link in element.iter("link"):
            link.set("rel", "alternate")
            link.set("type", "text/html")
            if self.language:
                link.set("hreflang", self.language)
        return element


def _atom_entry(entry: Entry, scheme: str) -> FeedEntry:
    fe = FeedEntry()
    fe.id(entry.id)
    fe.title(_xml_text(entry.title))
    fe.link(href=entry.url, rel="alternate", type="text/html", hreflang=entry.language)
    fe.published(entry.published)
    fe.updated(entry.updated)
    if entry.summary:
        fe.summary(_xml_text(entry.summary), type="text")
    fe.content(_xml_text(entry.content), type="html")
    for theme in entry.themes:
        if theme in vocabulary.themes():
            fe.category(term=theme, scheme=scheme, label=_xml_text(label("theme", theme)))
    if entry.author:
        fe.author(name=_xml_text(entry.author))
    fe.register_extension("casebook", _EntryDetails, atom=True, rss=False)
    fe.casebook.language = entry.language
    return fe


# --- the sitemap and robots.txt ------------------------------------------------------------------------

@dataclass
class _Newest:
    """The newest change of the pages a case appears on."""

    overall: datetime | None = None
    themes: dict[str, datetime] = field(default_factory=dict)
    cities: dict[str, datetime] = field(default_factory=dict)

    def saw(self, moment: datetime, themes: Iterable[str], city: str) -> None:
        self.overall = max(self.overall or moment, moment)
        for key, table in [(t, self.themes) for t in themes] + [(city, self.cities)]:
            table[key] = max(table.get(key, moment), moment)


def _url(urlset: ElementTree.Element, loc: str, lastmod: datetime | None) -> None:
    url = ElementTree.SubElement(urlset, "url")
    ElementTree.SubElement(url, "loc").text = loc
    if lastmod is not None:
        ElementTree.SubElement(url, "lastmod").text = aware(lastmod).astimezone(UTC).isoformat(timespec="seconds")


def sitemap() -> bytes:
    """Every public page: home, all cases, each public case, theme, city with public cases, meetings."""
    session = db.session()
    updated = dict(session.execute(select(CaseUpdate.case_id, func.max(CaseUpdate.published_at))
                                   .where(CaseUpdate.state == "approved", CaseUpdate.published_at.is_not(None))
                                   .group_by(CaseUpdate.case_id)).all())
    places = _public_places()
    urlset = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
    newest = _Newest()
    case_urls = []
    for case in session.scalars(_public_published().order_by(Case.published_at.desc(), Case.id.desc())):
        if not case_visible(PUBLIC, case):
            continue
        moments = [aware(m) for m in (case.published_at, case.updated_at, updated.get(case.id)) if m is not None]
        moment = max(moments)
        place = places.get((case.city, case.country)) or gazetteer.place(case.city, case.country)
        newest.saw(moment, case.themes or [], place.key)
        case_urls.append((absolute("pages.case", slug=case.slug), moment))
    _url(urlset, absolute("pages.home"), newest.overall)
    _url(urlset, absolute("search.results"), newest.overall)
    for loc, moment in case_urls:
        _url(urlset, loc, moment)
    for theme in vocabulary.themes():
        _url(urlset, absolute("pages.theme", slug=theme), newest.themes.get(theme))
    for city, moment in sorted(newest.cities.items()):
        _url(urlset, absolute("pages.city", name=city), moment)
    _meeting_urls(urlset)
    return ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True)


def _meeting_urls(urlset: ElementTree.Element) -> None:
    listing = meetings.list_meetings(ANONYMOUS)
    shown = [*listing.upcoming, *listing.past]
    if not shown:
        return
    _url(urlset, absolute("meetings.index"), max(m.meeting.updated_at for m in shown))
    for view in shown:
        _url(urlset, absolute("meetings.show", slug=view.meeting.slug), view.meeting.updated_at)


def robots(safe_space: bool) -> str:
    """robots.txt: in safe-space mode nothing is for crawlers; otherwise everything public, and where it is."""
    if safe_space:
        return "User-agent: *\nDisallow: /\n"
    lines = ["User-agent: *",
             # Endless variations of one page (filters, pages, "next" addresses) and machine answers.
             "Disallow: /search?", "Disallow: /api/", "Disallow: /language/", "Disallow: /login",
             "Allow: /", "", f"Sitemap: {absolute('feeds.sitemap')}"]
    return "\n".join(lines) + "\n"
