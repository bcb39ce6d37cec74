"""Searching the library as one audience: only that audience's index is ever asked."""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from .. import gazetteer
from ..audience import Audience
from ..i18n import label
from ..models import Case
from ..search import FACETS, Query, QueryProblem, SearchUnavailable
from . import cases as case_service
from . import indexing, transfer

# URL parameter -> index facet. `lang` is the case's language (the UI language is a cookie).
FILTER_PARAMS = {"theme": "theme", "city": "city", "country": "country", "lesson": "lesson",
                 "lang": "language", "status": "status", "guide": "guide"}
PARAM_OF = {facet: param for param, facet in FILTER_PARAMS.items()}
SORTS = ("relevance", "newest")
MAX_PAGE = 1000


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # keyed by facet name
    sort: str = "relevance"
    page: int = 1
    as_typed: bool = False  # no automatic correction of misspelt words ("search instead for …")

    @classmethod
    def from_args(cls, args) -> SearchRequest:
        """From request.args (a MultiDict); bad values fall back to defaults, never an error."""
        filters = {}
        for param, facet in FILTER_PARAMS.items():
            values = [v.strip() for v in args.getlist(param) if v and v.strip()]
            if values:
                filters[facet] = values[:10]
        try:
            page = min(max(int(args.get("page", 1)), 1), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        sort = args.get("sort", "relevance")
        return cls(q=args.get("q", "") or "", filters=filters,
                   sort=sort if sort in SORTS else "relevance", page=page,
                   as_typed=args.get("as_typed") in ("1", "true", "yes"))


@dataclass
class Result:
    case: Case
    snippet: str


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    facet: str = ""

    @property
    def param(self) -> str:
        return PARAM_OF.get(self.facet, self.facet)

    @property
    def anchor(self) -> str:
        """The id of this value's link, named in the link's own fragment: the page it opens puts
        focus (or scrolls) back on the value just used."""
        return anchor(self.facet, self.value)


def anchor(facet: str, value: str = "") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return f"f-{facet}-{slug}" if value else f"f-{facet}"


@dataclass
class ActiveFilter:
    """A filter from the address that the audience's index knows: a chip that takes it away."""

    facet: str
    value: str
    label: str

    @property
    def param(self) -> str:
        return PARAM_OF.get(self.facet, self.facet)


@dataclass
class SearchPage:
    request: SearchRequest
    total: int = 0
    per_page: int = 10
    results: list[Result] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=lambda: {f: [] for f in FACETS})
    suggestion: str | None = None
    corrected_query: str | None = None  # misspelt words corrected: these are its results
    message: str | None = None
    any_word: bool = False
    copied_in: dict[str, int] = field(default_factory=dict)  # slug -> in how many cities it was copied
    active: list[ActiveFilter] = field(default_factory=list)
    also_searched: list[str] = field(default_factory=list)  # other words the search found cases by

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def choices(self, fixed: str | None = None) -> dict[str, list[FacetValue]]:
        """The facets worth showing: a facet none of whose values would change the results
        (every value held by every case found, none chosen) is left out, as is the one the page fixes."""
        return {facet: values for facet, values in self.facets.items()
                if values and facet != fixed
                and (any(v.selected for v in values) or any(v.count != self.total for v in values))}

    def active_except(self, fixed: str | None = None) -> list[ActiveFilter]:
        return [f for f in self.active if f.facet != fixed]

    def summary(self, fixed: str | None = None) -> list[list[str]]:
        """The chosen values' labels, one list per facet: "Amsterdam or Rotterdam · Housing"."""
        groups: dict[str, list[str]] = {}
        for f in self.active_except(fixed):
            groups.setdefault(f.facet, []).append(f.label)
        return list(groups.values())


def _problem_message(problem: QueryProblem) -> str:
    kind, _sep, limit = str(problem).partition(":")
    if kind == "too_long":
        return _("Your search is too long. Please use at most %(n)s characters.", n=limit)
    return _("Your search has too many words. Please use at most %(n)s.", n=limit)


def search_cases(audience: Audience, request: SearchRequest) -> SearchPage:
    per_page = current_app.config["SEARCH_PER_PAGE"]
    page = SearchPage(request=request, per_page=per_page)
    query = Query(text=request.q, filters=request.filters, page=request.page, per_page=per_page,
                  newest=request.sort == "newest", max_length=current_app.config["SEARCH_MAX_QUERY_LENGTH"],
                  correct=not request.as_typed)
    try:
        hits = indexing.engine().query(audience.index_name, query)
    except QueryProblem as problem:
        page.message = _problem_message(problem)
        return page
    except SearchUnavailable:
        page.message = _("Search is being prepared. Please try again in a minute.")
        return page
    snippets = {h.slug: h.snippet for h in hits.hits}
    # Second layer: every hit is checked against the database before it is shown.
    visible = case_service.cases_by_slug(audience, [h.slug for h in hits.hits])
    page.results = [Result(case=c, snippet=snippets[c.slug]) for c in visible]
    page.copied_in = transfer.copied_in_cities(audience, visible)
    page.total = hits.total - (len(hits.hits) - len(visible))
    page.suggestion, page.any_word, page.corrected_query = hits.suggestion, hits.any_word, hits.corrected_query
    page.also_searched = hits.also_searched
    selected = {facet: set(values) for facet, values in hits.applied.items()}
    page.facets = {
        facet: [FacetValue(value=v, label=label(facet, v), count=n, selected=v in selected.get(facet, ()), facet=facet)
                for v, n in counts]
        for facet, counts in hits.facets.items()
    }
    page.active = _active_filters(request, hits.applied)
    if request.q.strip() and not hits.total and not page.suggestion:
        page.message = _("No cases match your search. Try fewer or other words.")
    return page


def _active_filters(request: SearchRequest, applied: dict[str, list[str]]) -> list[ActiveFilter]:
    """The filters of the address, as the index holds their values. A value the index does not hold
    (one only members' cases have, for a visitor) is never named back; `city:` typed among the
    words stays in the words."""
    active = []
    for facet, values in applied.items():
        asked = {_as_indexed(facet, v) for v in request.filters.get(facet, ())}
        active += [ActiveFilter(facet=facet, value=v, label=label(facet, v)) for v in values if v.lower() in asked]
    return active


def _as_indexed(facet: str, value: str) -> str:
    """How the engine compares a filter value with the index's (a city by any of its names)."""
    return (gazetteer.city_key(value) if facet == "city" else value).strip().lower()


def matching_among(audience: Audience, request: SearchRequest, slugs: Collection[str]) -> list[Case]:
    """Which of these cases the search finds, holding all its words, as this audience may see them now
    (newest first). For saved searches: `slugs` are the cases new since one last looked.

    Raises QueryProblem and SearchUnavailable: the caller decides whether to try again later.
    """
    if not slugs:
        return []
    query = Query(text=request.q, filters=request.filters, per_page=len(slugs), newest=True,
                  max_length=current_app.config["SEARCH_MAX_QUERY_LENGTH"], correct=False, only=frozenset(slugs))
    hits = indexing.engine().query(audience.index_name, query)
    if hits.any_word:
        return []  # "some of your words" is fine on a results page, not for a mail about new cases
    return case_service.cases_by_slug(audience, [h.slug for h in hits.hits])
