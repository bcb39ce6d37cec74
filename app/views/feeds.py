"""Atom feeds, the sitemap and robots.txt: always what the public sees, whoever asks (services/feeds.py)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import gazetteer, vocabulary
from ..services import feeds

bp = Blueprint("feeds", __name__)


def _xml(body: bytes, content_type: str, last_modified=None) -> BaseResponse:
    """An XML answer a reader may ask again with If-None-Match / If-Modified-Since (304)."""
    response = Response(body, content_type=content_type)
    response.add_etag()
    if last_modified is not None:
        response.last_modified = last_modified
    # Shared caches ask again each time: a case made members-only leaves every copy at once.
    response.cache_control.no_cache = True
    # Feed and page titles follow the reader's language.
    response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)


def _feed(feed: feeds.Feed) -> BaseResponse:
    return _xml(feed.atom(), feeds.ATOM_TYPE, feed.updated)


@bp.get("/feed.atom")
def site_feed():
    return _feed(feeds.site_feed())


@bp.get("/themes/<slug>/feed.atom")
def theme_feed(slug: str):
    return _feed(feeds.theme_feed(slug))


@bp.get("/cities/<name>/feed.atom")
def city_feed(name: str):
    """A city under any of its names; `/cities/Wenen/feed.atom` moves to `/cities/Vienna/feed.atom`."""
    key = feeds.city_key(name)
    if gazetteer.fold(key) != gazetteer.fold(name):
        return redirect(url_for("feeds.city_feed", name=key), 302)
    return _feed(feeds.city_feed(key))


@bp.get("/sitemap.xml")
def sitemap():
    return _xml(feeds.sitemap(), feeds.SITEMAP_TYPE)


@bp.get("/robots.txt")
def robots():
    return Response(feeds.robots(current_app.config.get("SAFE_SPACE", False)), content_type="text/plain; charset=utf-8")


@bp.app_template_global()
def public_feed(kind: str = "site", value: str = "") -> str | None:
    """For a page's head and its "Feed" link: the address of its feed, or None when it has none
    (safe-space mode has no public feeds; a city without public cases has none)."""
    if current_app.config.get("SAFE_SPACE"):
        return None
    if kind == "theme":
        return url_for("feeds.theme_feed", slug=value) if value in vocabulary.themes() else None
    if kind == "city":
        return url_for("feeds.city_feed", name=value) if feeds.has_public_cases(value) else None
    return url_for("feeds.site_feed")
