"""Small URL helpers shared by the blueprints."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request, url_for

from .. import gazetteer


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only a path on our own site: no scheme, no host, no `//host` or `\\host` tricks."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or any(c in target for c in "\\\r\n\t"):
        return fallback
    return target


# Pages that are a search: their facet links, chips and suggestions stay on the same page.
SEARCH_PAGES = ("search.results", "pages.theme", "pages.city")


def _query_args() -> dict[str, Any]:
    """The query string as url_for may take it back: never a `_`-option of url_for (`_anchor`,
    `_external`…) or a name the route itself fills in, which a visitor could add to crash the page."""
    taken = set(request.view_args or {})
    return {key: values for key, values in request.args.to_dict(flat=False).items()
            if not key.startswith("_") and key not in taken}


def search_url(_anchor: str | None = None, **changes) -> str:
    """The current search with some parameters changed (None removes one); back to page 1.
    `_anchor`: the fragment, the element the new page puts focus on."""
    args = _query_args()
    args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    if request.endpoint in SEARCH_PAGES:
        return url_for(request.endpoint, **(request.view_args or {}), **args, _anchor=_anchor)
    return url_for("search.results", **args, _anchor=_anchor)


def toggle_filter_url(param: str, value: str, _anchor: str | None = None) -> str:
    """The current search with this facet value added, or removed when it is already on."""
    values = request.args.getlist(param)
    # A city may be asked for in any of its names (`city=Wenen`) and shows as its key (`Vienna`).
    same = (lambda v: gazetteer.city_key(v).lower()) if param == "city" else str.lower
    if same(value) in {same(v) for v in values}:
        values = [v for v in values if same(v) != same(value)]
    else:
        values = [*values, value]
    return search_url(_anchor=_anchor, **{param: values or None})


def page_url(page: int) -> str:
    args = _query_args()
    args["page"] = [str(page)]
    return url_for(request.endpoint or "search.results", **(request.view_args or {}), **args)
