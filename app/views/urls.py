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


def search_url(**changes) -> str:
    """The current search with some parameters changed (None removes one); back to page 1."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for("search.results", **args)


def toggle_filter_url(param: str, value: str) -> str:
    """The current search with this facet value added, or removed when it is already on."""
    values = request.args.getlist(param)
    # A city may be asked for in any of its names (`city=Wenen`) and shows as its key (`Vienna`).
    same = (lambda v: gazetteer.city_key(v).lower()) if param == "city" else str.lower
    if same(value) in {same(v) for v in values}:
        values = [v for v in values if same(v) != same(value)]
    else:
        values = [*values, value]
    return search_url(**{param: values or None})


def page_url(page: int) -> str:
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint or "search.results", **(request.view_args or {}), **args)
