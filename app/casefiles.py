"""The `cases/` exchange format: Markdown with YAML front matter, read and written here alone."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from babel import Locale
from babel.numbers import is_currency

from . import sdg, sources, vocabulary

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SDG_TARGET_RE = re.compile(r"^\d{1,2}\.[0-9a-d]{1,2}$")
KNOWN_KEYS = {
    "slug", "title", "summary", "city", "country", "themes", "language", "visibility",
    "attribution", "organisations", "sdg_targets", "status", "year", "copied_from",
    "sources", "contact", "lessons", "transfer",
}
LIMITS = {"title": 300, "summary": 1000, "city": 120, "contact": 300, "slug": 120, "copied_from": 120}  # the columns
# The largest seed case has about 4 kB of front matter; far more is a mistake or an attack.
MAX_FRONT_MATTER_CHARS = 64 * 1024
SHOWN_CHARS = 60  # a value echoed in a message is cut to this: a message never grows with its input
# "Copy this": the transfer guide's keys, in the order a file (and the case page) gives them.
TRANSFER_KEYS = ("needs", "costs", "duration_months", "roles", "pitfalls")
COST_KEYS = ("amount", "currency", "year", "covers")
SOURCE_TITLE_CHARS = 300
TRANSFER_TEXT_CHARS = 1000  # one need, role, pitfall or what a cost covers
MAX_AMOUNT = 10**15  # beyond this a float loses whole units; no city project costs more in any currency
MAX_MONTHS = 600


def shown(value: Any) -> str:
    """A value as a message quotes it, cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


@dataclass
class LessonData:
    kind: str
    text: str
    visibility: str


@dataclass
class CaseData:
    """A validated case, ready to be stored."""

    slug: str
    title: str
    summary: str
    body: str
    city: str
    country: str
    themes: list[str]
    language: str
    visibility: str = "public"
    attribution: str = "named"
    organisations: list[str] = field(default_factory=list)
    sdg_targets: list[str] = field(default_factory=list)
    status: str | None = None
    year: int | None = None
    copied_from: str | None = None
    # A web address, or {"url": ..., "title": ...} for a source with a title (see app/sources.py).
    sources: list[str | dict[str, str]] = field(default_factory=list)
    contact: str | None = None
    lessons: list[LessonData] = field(default_factory=list)
    # {needs, costs, duration_months, roles, pitfalls}: only the keys given, in TRANSFER_KEYS order.
    transfer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


class InvalidCase(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120]


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isupper() and code in Locale("en").territories


class _Refused(Exception):
    """Front matter we will not parse at all."""


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: refused while composing, before anything is built.

    Aliases are how a few hundred bytes expand into gigabytes (the "billion laughs"); case files
    have no use for them.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused("uses a YAML anchor or alias (&name, *name): write each value out")
        return super().compose_node(parent, index)


class _CaseFrontMatter(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        if len(fm) > MAX_FRONT_MATTER_CHARS:
            raise _Refused(f"is longer than {MAX_FRONT_MATTER_CHARS // 1024} kB")
        return yaml.load(fm, Loader=_NoAliasLoader)  # a SafeLoader, stricter still


class _Checker:
    """Collects every problem of one file instead of stopping at the first."""

    def __init__(self, name: str, meta: dict[str, Any]):
        self.name, self.meta = name, meta
        self.problems: list[Problem] = []

    def fail(self, fieldname: str, reason: str) -> None:
        self.problems.append(Problem(self.name, fieldname, reason))

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.meta.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(key, "is required")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(key, "must be text")
            return None
        value = str(value).strip()
        if key in LIMITS and len(value) > LIMITS[key]:
            self.fail(key, f"is longer than {LIMITS[key]} characters")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None) -> str | None:
        value = self.meta.get(key, default)
        if value is None:
            if default is None and key in ("language",):
                self.fail(key, "is required")
            return None
        if value not in allowed:
            self.fail(key, f"must be one of {', '.join(allowed)} (got {shown(value)})")
            return None
        return value

    def text_list(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self.fail(key, "must be a list of texts")
            return []
        return [str(v).strip() for v in value if str(v).strip()]


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def validate(name: str, meta: dict[str, Any], body: str, draft: bool = False) -> CaseData:
    """Check one case's front matter and body; raise InvalidCase naming every problem.

    A draft needs only a title: what is missing may be filled in later, but what is there
    must already be right. Submitting or publishing checks everything.
    """
    # NUL characters mean nothing in a text, and PostgreSQL refuses to store them.
    meta, body = _without_nul(meta), body.replace("\x00", "")
    c = _Checker(name, meta)
    for key in sorted(map(str, set(meta) - KNOWN_KEYS)):
        c.fail(key if len(key) <= SHOWN_CHARS else key[:SHOWN_CHARS] + "…", "is not a known field")

    title = c.text("title")
    summary = c.text("summary", required=not draft)
    city = c.text("city", required=not draft)
    slug = c.text("slug", required=False) or (slugify(title) if title else None)
    if slug and not SLUG_RE.match(slug):
        c.fail("slug", "must be lowercase letters, digits and hyphens")

    country = c.text("country", required=not draft)
    if country and not _is_country(country):
        c.fail("country", f"must be an ISO 3166-1 alpha-2 code like NL (got {shown(country)})")

    themes = c.text_list("themes")
    if not themes and not draft:
        c.fail("themes", "needs at least one theme")
    for theme in themes:
        if theme not in vocabulary.themes():
            c.fail("themes", f"unknown theme {shown(theme)} (known: {', '.join(vocabulary.themes())})")

    language = c.choice("language", vocabulary.LANGUAGES, None)
    visibility = c.choice("visibility", vocabulary.VISIBILITIES, "public") or "public"
    attribution = c.choice("attribution", vocabulary.ATTRIBUTIONS, "named") or "named"
    status = c.choice("status", vocabulary.STATUSES, None)

    year = meta.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1800 <= year <= 2100):
        c.fail("year", "must be a year like 2015")
        year = None

    copied_from, targets, sources = _references(c, slug)
    lessons = _lessons(c, meta.get("lessons"), visibility)
    transfer = _transfer(c, meta.get("transfer"))
    if not body.strip() and not draft:
        c.fail("body", "the story is empty")

    if c.problems or slug is None or title is None or language is None:
        raise InvalidCase(c.problems)
    return CaseData(
        slug=slug, title=title, summary=summary or "", body=body.strip() + "\n", city=city or "",
        country=country or "", themes=themes, language=language, visibility=visibility,
        attribution=attribution, organisations=c.text_list("organisations"),
        sdg_targets=targets, status=status, year=year, copied_from=copied_from,
        sources=sources, contact=c.text("contact", required=False), lessons=lessons, transfer=transfer,
    )


def _references(c: _Checker, slug: str | None) -> tuple[str | None, list[str], list[str | dict[str, str]]]:
    """copied_from, sdg_targets and sources: what the case points at."""
    copied_from = c.text("copied_from", required=False)
    if copied_from and not SLUG_RE.match(copied_from):
        c.fail("copied_from", "must be the slug of another case")
    if copied_from and copied_from == slug:
        c.fail("copied_from", "a case cannot copy itself")
    targets = c.text_list("sdg_targets")
    for target in targets:
        if not SDG_TARGET_RE.match(target):
            c.fail("sdg_targets", f"{shown(target)} is not an SDG target like \"11.5\" (quote it in YAML)")
        elif not sdg.exists(target):
            c.fail("sdg_targets", f"{shown(target)} is not an SDG target: none of the 169 has this number")
    return copied_from, targets, _sources(c, c.meta.get("sources"))


def _sources(c: _Checker, raw: Any) -> list[str | dict[str, str]]:
    """Each source a web address, or a mapping of `url` and `title`, kept as given (a mapping
    without a title is kept as its address): exported, the file reads as it was written."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        c.fail("sources", "must be a list of web addresses or of {url, title}")
        return []
    found: list[str | dict[str, str]] = []
    for i, item in enumerate(raw, start=1):
        where = f"sources[{i}]"
        if isinstance(item, dict):
            entry = _source_mapping(c, where, item)
        elif isinstance(item, str):
            entry = item.strip() if sources.is_web_url(item.strip()) else None
            if entry is None:
                c.fail(where, f"{shown(item)} is not an http(s) address")
        else:
            entry = None
            c.fail(where, f"must be a web address or {{url, title}} (got {shown(item)})")
        if entry:
            found.append(entry)
    return found


def _source_mapping(c: _Checker, where: str, item: dict) -> str | dict[str, str] | None:
    for key in sorted(map(str, set(item) - {"url", "title"})):
        c.fail(f"{where}.{key if len(key) <= SHOWN_CHARS else key[:SHOWN_CHARS] + '…'}", "is not a known field")
    url, title = item.get("url"), item.get("title")
    if not isinstance(url, str) or not url.strip():
        c.fail(f"{where}.url", "is required")
        url = None
    elif not sources.is_web_url(url.strip()):
        c.fail(f"{where}.url", f"{shown(url)} is not an http(s) address")
        url = None
    if "title" in item and (not isinstance(title, str) or not title.strip()):
        c.fail(f"{where}.title", "must be a text that is not empty (or leave title out)")
        title = None
    elif isinstance(title, str) and any(c in title.strip() for c in "\r\n\t"):
        c.fail(f"{where}.title", "must be one line")
        title = None
    elif isinstance(title, str) and len(title.strip()) > SOURCE_TITLE_CHARS:
        c.fail(f"{where}.title", f"is longer than {SOURCE_TITLE_CHARS} characters")
    if not url:
        return None
    return {"url": url.strip(), "title": title.strip()} if title else url.strip()


def _lessons(c: _Checker, raw: Any, case_visibility: str) -> list[LessonData]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        c.fail("lessons", "must be a list of {kind, text, visibility}")
        return []
    lessons = []
    for i, item in enumerate(raw, start=1):
        where = f"lessons[{i}]"
        if not isinstance(item, dict):
            c.fail(where, "must have kind and text")
            continue
        for key in sorted(set(item) - {"kind", "text", "visibility"}):
            c.fail(f"{where}.{key}", "is not a known field")
        kind, text = item.get("kind"), item.get("text")
        vis = item.get("visibility", case_visibility)
        if kind not in vocabulary.LESSON_KINDS:
            c.fail(f"{where}.kind", f"must be went_well or went_badly (got {shown(kind)})")
        if not isinstance(text, str) or not text.strip():
            c.fail(f"{where}.text", "is required")
        if vis not in vocabulary.VISIBILITIES:
            c.fail(f"{where}.visibility", f"must be public or members (got {shown(vis)})")
        if isinstance(text, str) and kind in vocabulary.LESSON_KINDS and vis in vocabulary.VISIBILITIES:
            lessons.append(LessonData(kind=kind, text=text.strip(), visibility=vis))
    return lessons


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _transfer(c: _Checker, raw: Any) -> dict[str, Any] | None:
    """The "Copy this" guide: what you need, what it cost, how long it took, who did what, pitfalls."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        c.fail("transfer", f"must be a mapping of {', '.join(TRANSFER_KEYS)}")
        return None
    for key in sorted(map(str, set(raw) - set(TRANSFER_KEYS))):
        c.fail(f"transfer.{key if len(key) <= SHOWN_CHARS else key[:SHOWN_CHARS] + '…'}", "is not a known field")
    guide: dict[str, Any] = {}
    for key in TRANSFER_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if key == "costs":
            value = _costs(c, value)
        elif key == "duration_months":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_MONTHS:
                c.fail("transfer.duration_months", f"must be a whole number of months from 1 to {MAX_MONTHS} "
                                                   f"(got {shown(value)})")
                value = None
        else:
            value = _guide_texts(c, f"transfer.{key}", value)
        if value:
            guide[key] = value
    if not guide and not any(p.field.startswith("transfer") for p in c.problems):
        c.fail("transfer", f"is empty: give at least one of {', '.join(TRANSFER_KEYS)}, or leave it out")
    return guide or None


def _guide_text(c: _Checker, where: str, value: Any) -> str | None:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        c.fail(where, f"must be text (got {shown(value)})")
        return None
    text = str(value).strip()
    if not text:
        c.fail(where, "is empty")
        return None
    if len(text) > TRANSFER_TEXT_CHARS:
        c.fail(where, f"is longer than {TRANSFER_TEXT_CHARS} characters")
    return text


def _guide_texts(c: _Checker, where: str, raw: Any) -> list[str]:
    if not isinstance(raw, list):
        c.fail(where, f"must be a list of texts (got {shown(raw)})")
        return []
    texts = [_guide_text(c, f"{where}[{i}]", item) for i, item in enumerate(raw, start=1)]
    return [t for t in texts if t is not None]


def _costs(c: _Checker, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        c.fail("transfer.costs", f"must be a list of {{{', '.join(COST_KEYS)}}} (got {shown(raw)})")
        return []
    costs = []
    for i, item in enumerate(raw, start=1):
        where = f"transfer.costs[{i}]"
        if not isinstance(item, dict):
            c.fail(where, f"must have amount, currency and covers (got {shown(item)})")
            continue
        for key in sorted(map(str, set(item) - set(COST_KEYS))):
            c.fail(f"{where}.{key if len(key) <= SHOWN_CHARS else key[:SHOWN_CHARS] + '…'}", "is not a known field")
        cost = _cost(c, where, item)
        if cost is not None:
            costs.append(cost)
    return costs


def _cost(c: _Checker, where: str, item: dict) -> dict[str, Any] | None:
    """One cost: amount, currency and what it covers are required; the year it was paid in is not."""
    amount, currency, year = item.get("amount"), item.get("currency"), item.get("year")
    problems = len(c.problems)
    if amount is None:
        c.fail(f"{where}.amount", "is required")
    elif not _is_number(amount) or amount <= 0:
        c.fail(f"{where}.amount", f"must be a number above 0, without currency or separators (got {shown(amount)})")
    elif amount >= MAX_AMOUNT:
        c.fail(f"{where}.amount", f"is too large (got {shown(amount)})")
    if currency is None:
        c.fail(f"{where}.currency", "is required")
    elif not (isinstance(currency, str) and len(currency) == 3 and currency.isupper() and is_currency(currency)):
        c.fail(f"{where}.currency", f"must be an ISO 4217 code like EUR (got {shown(currency)})")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1800 <= year <= 2100):
        c.fail(f"{where}.year", f"must be a year like 2015 (got {shown(year)})")
    if item.get("covers") is None:
        c.fail(f"{where}.covers", "is required: say what the amount paid for")
        covers = None
    else:
        covers = _guide_text(c, f"{where}.covers", item["covers"])
    if len(c.problems) > problems or covers is None or not isinstance(amount, (int, float)):
        return None
    # A whole amount is kept whole (1500000.0 reads and writes as 1500000).
    cost: dict[str, Any] = {"amount": int(amount) if float(amount).is_integer() else amount, "currency": currency}
    if year is not None:
        cost["year"] = year
    cost["covers"] = covers
    return cost


def read_text(name: str, text: str) -> CaseData:
    """Parse and validate the text of one case file."""
    handler = _CaseFrontMatter()
    try:
        meta, content = frontmatter.parse(text, handler=handler) if handler.detect(text.strip()) else ({}, text)
    except _Refused as exc:
        raise InvalidCase([Problem(name, "front matter", str(exc))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "front matter"  # the file's own line: after the first ---
        problem = str(getattr(exc, "problem", exc))[:SHOWN_CHARS * 2]
        raise InvalidCase([Problem(name, "front matter", f"invalid YAML at {where}: {problem}")]) from None
    except Exception as exc:  # frontmatter raises various errors on broken delimiters
        raise InvalidCase([Problem(name, "front matter", f"cannot be read: {str(exc)[:SHOWN_CHARS * 2]}")]) from None
    if not meta or not isinstance(meta, dict):
        raise InvalidCase([Problem(name, "front matter", "missing: the file must start with --- and YAML keys")])
    return validate(name, dict(meta), content)


def read_file(path: Path) -> CaseData:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidCase([Problem(str(path), "file", "is not UTF-8 text")]) from None
    return read_text(str(path), text)


def case_files(path: Path) -> list[Path]:
    """The case files at PATH: the file itself, or every *.md in the folder (not README)."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*.md") if p.name.lower() != "readme.md")


def write_text(case: CaseData) -> str:
    """The case as a `cases/` file; reading it back gives the same CaseData."""
    meta: dict[str, Any] = {"slug": case.slug, "title": case.title, "summary": case.summary,
                            "city": case.city, "country": case.country, "themes": case.themes,
                            "language": case.language, "visibility": case.visibility,
                            "attribution": case.attribution}
    optional = {"organisations": case.organisations, "sdg_targets": case.sdg_targets,
                "status": case.status, "year": case.year, "copied_from": case.copied_from,
                "sources": case.sources, "contact": case.contact}
    meta.update({k: v for k, v in optional.items() if v})
    meta["lessons"] = [{"kind": l.kind, "text": l.text, "visibility": l.visibility} for l in case.lessons]
    if case.transfer:
        meta["transfer"] = {k: case.transfer[k] for k in TRANSFER_KEYS if case.transfer.get(k)}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n\n{case.body.strip()}\n"
