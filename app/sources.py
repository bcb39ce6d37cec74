"""A case's sources: web addresses with an optional title, as stored, typed in a form and shown.

A case file gives each source as a plain address or as a mapping of `url` and `title`; the case
stores them as the file gave them (so an export reads as it was written). The JSON API gives every
source as `{"url": ..., "title": ...}`, `title` left out when there is none. The form takes one
source a line, `Title | https://…` or just the address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

SHORT_ADDRESS_CHARS = 60  # an address shown without a title is cut to about this, at a boundary


def is_web_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def parse_lines(text: str | None) -> list[str | dict[str, str]]:
    """The form's sources field as case-file entries: `Title | address` (or `address | Title`)
    gives a mapping, a bare address stays a string, even one holding a `|`. What is not an address
    is left for the validator to name."""
    entries: list[str | dict[str, str]] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            entries.append(_entry(line))
    return entries


def _entry(line: str) -> str | dict[str, str]:
    if is_web_url(line) and not any(c.isspace() for c in line):
        return line
    # The address is one word: try the bar nearest to it, spaced as the form writes it, then bare.
    for left, bar, right in (line.rpartition(" | "), line.partition(" | "), line.rpartition("|"), line.partition("|")):
        left, right = left.strip(), right.strip()
        if bar and is_web_url(right) and left:
            return {"url": right, "title": left}
        if bar and is_web_url(left) and right:
            return {"url": left, "title": right}
    return line


def as_lines(sources: list[Any]) -> str:
    """Stored sources as the form shows them, one a line (parse_lines reads them back)."""
    return "\n".join(f"{s['title']} | {s['url']}" if s.get("title") else s["url"] for s in map(as_entry, sources))


def as_entry(source: Any) -> dict[str, str]:
    """One source as a mapping: a plain address becomes `{"url": ...}`."""
    if isinstance(source, dict):
        return {k: str(source[k]) for k in ("url", "title") if source.get(k)}
    return {"url": str(source)}


_BOUNDARY = re.compile(r"[/\-_.?=&+]")


def short_address(url: str, limit: int = SHORT_ADDRESS_CHARS) -> str:
    """An address to read, not to copy: host and path without `https://` and `www.`, cut before
    `limit` at a path segment or word boundary, never inside a word (the link keeps the full address)."""
    parsed = urlparse(url)
    host = parsed.netloc.lower().removeprefix("www.")
    path = unquote(parsed.path).rstrip("/")
    text = host + path
    if len(text) <= limit:
        return text
    cut = max((m.start() for m in _BOUNDARY.finditer(text, len(host), limit)), default=len(host))
    # Prefer a whole segment: go back to the last "/" when it is not much further back.
    slash = text.rfind("/", len(host), cut + 1)
    if slash > len(host) and cut - slash < 20:
        cut = slash
    return text[:cut].rstrip("/-_.?=&+") + "/…" if text[cut] == "/" else text[:cut].rstrip("/-_.?=&+") + "…"


@dataclass(frozen=True)
class ShownSource:
    url: str
    title: str | None
    label: str  # the title, else the short address


def shown(sources: list[Any] | None) -> list[ShownSource]:
    """Sources as a case page lists them: by title, else by a short address."""
    entries = [as_entry(s) for s in sources or []]
    return [ShownSource(e["url"], e.get("title"), e.get("title") or short_address(e["url"])) for e in entries]
