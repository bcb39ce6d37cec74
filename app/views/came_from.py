"""Where a reader came to a case from, for the case page's way back.

A link to a case from a list of cases (search results, a theme or a city page) carries that
list's address in `?from=`. Only a path on this site that is one of those lists is believed; the
Referer header, when it names such a page on this site, stands in for a link without it.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

from .. import gazetteer, vocabulary
from .urls import safe_next

# The pages that list cases, by endpoint, and what the breadcrumb calls them.
LISTS = {"search.results": "search", "pages.theme": "theme", "pages.city": "city"}
MAX_FROM_CHARS = 1000


@dataclass(frozen=True)
class Trail:
    kind: str  # search | theme | city
    url: str  # a path on this site, with its query
    value: str | None = None  # the theme's slug or the city's name
    query: str | None = None  # the words searched for


def _trail(target: str | None) -> Trail | None:
    if not target or len(target) > MAX_FROM_CHARS or safe_next(target, "") != target:
        return None
    parts = urlsplit(target)
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, "GET")
    except HTTPException:
        return None
    kind = LISTS.get(str(endpoint))
    if kind is None:
        return None
    url = parts.path + (f"?{parts.query}" if parts.query else "")
    if kind == "search":
        query = dict(parse_qsl(parts.query)).get("q", "").strip()
        return Trail(kind, url, query=query[:200] or None)
    value = str(args.get("slug") or args.get("name"))
    # Only a real theme or library city: a made-up link must not put its own words on the page.
    if (kind == "theme" and value not in vocabulary.themes()) or (kind == "city" and not gazetteer.is_library_city(value)):
        return None
    return Trail(kind, url, value=value)


def came_from() -> Trail | None:
    """The list this case was opened from: `?from=`, else a same-site Referer; None for neither."""
    trail = _trail(request.args.get("from"))
    if trail is None and request.referrer:
        referrer = urlsplit(request.referrer)
        if referrer.netloc == request.host and referrer.scheme in ("http", "https"):
            trail = _trail(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return trail


def case_url(slug: str) -> str:
    """A link to a case; from a list of cases it says which list, for the way back."""
    if request.endpoint in LISTS:
        here = request.full_path.rstrip("?")
        if len(here) <= MAX_FROM_CHARS:
            return url_for("pages.case", slug=slug, **{"from": here})  # type: ignore[arg-type]
    return url_for("pages.case", slug=slug)
