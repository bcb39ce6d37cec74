"""The member directory: the alliance's people and organisations, with the themes and cities of
the cases they shared under their name, so members find whom to ask. Members only.

A case shared anonymously is never tied to anyone here: it is not shown, not counted, and adds
no theme or city to its contributor's entry, for any reader (moderators included).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import load_only

from .. import db, gazetteer
from ..i18n import label
from ..models import Case, Member
from ..policy import Actor, case_visible, require

PER_PAGE = 50
MAX_PAGE = 1000


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())[:200]


@dataclass
class DirectoryRequest:
    theme: str = ""
    city: str = ""  # a city key, or any of the city's names
    organisation: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> DirectoryRequest:
        """From request.args; a bad value falls back to its default, never an error."""
        try:
            page = min(max(int(args.get("page", 1)), 1), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        return cls(theme=_clean(args.get("theme")), city=_clean(args.get("city")),
                   organisation=_clean(args.get("organisation")), page=page)

    @property
    def filtered(self) -> bool:
        return bool(self.theme or self.city or self.organisation)


@dataclass
class Entry:
    """One member: their named published cases' themes (most shared first) and cities."""

    member: Member
    cases: int = 0
    themes: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)  # city keys


@dataclass
class Option:
    value: str
    label: str  # in the reader's language
    count: int  # members
    selected: bool = False


@dataclass
class Directory:
    request: DirectoryRequest
    entries: list[Entry]  # this page
    total: int  # members matching the filters
    themes: list[Option]
    cities: list[Option]
    organisations: list[Option]
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _named_cases(actor: Actor) -> list[Case]:
    """Published cases shared under a name that this reader may see (anonymous ones never)."""
    stmt = (select(Case).where(Case.published_at.is_not(None), Case.attribution == "named",
                               Case.author_id.is_not(None))
            .options(load_only(Case.id, Case.author_id, Case.themes, Case.city, Case.country, Case.visibility,
                               Case.attribution, Case.published_at)))
    return [c for c in db.session().scalars(stmt) if c.attribution == "named" and case_visible(actor.audience, c)]


def _entries(actor: Actor) -> list[Entry]:
    members = db.session().scalars(select(Member).where(Member.disabled_at.is_(None))).all()
    entries = {m.id: Entry(member=m) for m in members}
    cases = _named_cases(actor)
    places = gazetteer.places((c.city, c.country) for c in cases)
    themes: dict[int, Counter[str]] = {}
    cities: dict[int, Counter[str]] = {}
    for case in cases:
        entry = entries.get(case.author_id or 0)
        if entry is None:
            continue  # shared by a member who was disabled since
        entry.cases += 1
        themes.setdefault(entry.member.id, Counter()).update(case.themes)
        cities.setdefault(entry.member.id, Counter())[places[(case.city, case.country)].key] += 1
    for member_id, entry in entries.items():
        entry.themes = [t for t, _n in sorted(themes.get(member_id, Counter()).items(), key=lambda p: (-p[1], p[0]))]
        entry.cities = [c for c, _n in sorted(cities.get(member_id, Counter()).items(), key=lambda p: (-p[1], p[0]))]
    # By name; members who gave none come last (they show as "an alliance member").
    return sorted(entries.values(), key=lambda e: (not e.member.name.strip(), e.member.name.casefold(), e.member.id))


def _options(entries: list[Entry], values_of: Callable[[Entry], Iterable[str]], selected: str,
             same: Callable[[str], str], label_of: Callable[[str], str]) -> list[Option]:
    counts: Counter[str] = Counter(v for e in entries for v in set(values_of(e)) if v)
    options = [Option(value=v, label=label_of(v), count=n, selected=bool(selected) and same(v) == same(selected))
               for v, n in counts.items()]
    return sorted(options, key=lambda o: gazetteer.fold(o.label))


def directory(actor: Actor, request: DirectoryRequest) -> Directory:
    """The members matching the filters, by name, one page of them; with the filters' choices."""
    require(actor, "members.directory")
    entries = _entries(actor)
    city = gazetteer.city_key(request.city) if request.city else ""
    organisation = request.organisation.casefold()
    chosen = [e for e in entries
              if (not request.theme or request.theme in e.themes)
              and (not city or city in e.cities)
              and (not organisation or " ".join(e.member.organisation.split()).casefold() == organisation)]
    first = (request.page - 1) * PER_PAGE
    return Directory(
        request=request, entries=chosen[first:first + PER_PAGE], total=len(chosen),
        themes=_options(entries, lambda e: e.themes, request.theme, str, lambda v: label("theme", v)),
        cities=_options(entries, lambda e: e.cities, city, str, lambda v: label("city", v)),
        organisations=_options(entries, lambda e: [" ".join(e.member.organisation.split())], request.organisation,
                               str.casefold, str),
    )
