"""Small URL helpers shared by the blueprints."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request, url_for


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
    lowered = [v.lower() for v in values]
    if value.lower() in lowered:
        values = [v for v in values if v.lower() != value.lower()]
    else:
        values = [*values, value]
    return search_url(**{param: values or None})


def page_url(page: int) -> str:
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint or "search.results", **(request.view_args or {}), **args)
