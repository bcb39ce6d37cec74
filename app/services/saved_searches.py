"""Saved searches: a member keeps a search (words and filters) and is mailed what is new for it.

The mailing itself is `alerts.py`; here a member saves, lists, changes and deletes their own.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import db
from ..errors import Invalid, NotFound
from ..models import Member, SavedSearch, utcnow
from ..policy import Actor, can, require
from .search import FILTER_PARAMS, SearchRequest
from .unit_of_work import unit_of_work

FREQUENCIES = ("daily", "weekly")
MAX_PER_MEMBER = 50
PARAM_OF_FACET = {facet: param for param, facet in FILTER_PARAMS.items()}


class SavedSearchError(Invalid):
    """A reason shown to the member who tried to save."""


def _clean_words(text: str) -> str:
    return " ".join((text or "").split())


def _clean_filters(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """Only filters the search knows, each value once, in the order of the results page's filters."""
    cleaned: dict[str, list[str]] = {}
    for facet in PARAM_OF_FACET:
        if facet not in filters:
            continue
        values = sorted({v.strip() for v in filters[facet] if isinstance(v, str) and v.strip()}, key=str.lower)
        if values:
            cleaned[facet] = values
    return cleaned


def _key(words: str, filters: dict[str, list[str]]) -> tuple:
    """Two searches are the same when they hold the same words and filters, whatever the case or order."""
    return (_clean_words(words).lower(),
            tuple((facet, tuple(v.lower() for v in values)) for facet, values in _clean_filters(filters).items()))


def request_of(saved: SavedSearch) -> SearchRequest:
    """The saved search as a search request (first page, newest first)."""
    return SearchRequest(q=saved.query, filters=_clean_filters(saved.filters or {}), sort="newest")


def url_args(saved: SavedSearch | SearchRequest) -> dict[str, Any]:
    """The URL parameters of the results page for this search."""
    words = saved.query if isinstance(saved, SavedSearch) else saved.q
    args: dict[str, Any] = {"q": _clean_words(words)} if _clean_words(words) else {}
    for facet, values in _clean_filters(saved.filters or {}).items():
        args[PARAM_OF_FACET[facet]] = values
    return args


def searches_of(member: Member) -> list[SavedSearch]:
    return list(db.session().scalars(select(SavedSearch).where(SavedSearch.member_id == member.id)
                                     .order_by(SavedSearch.created_at, SavedSearch.id)))


def find_saved(member: Member | None, request: SearchRequest) -> SavedSearch | None:
    """The member's saved search that is this search, if they saved it."""
    if member is None:
        return None
    wanted = _key(request.q, request.filters)
    return next((s for s in searches_of(member) if _key(s.query, s.filters or {}) == wanted), None)


def _check_frequency(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise SavedSearchError(_("Choose daily or weekly."))


def save_search(actor: Actor, request: SearchRequest, frequency: str) -> tuple[SavedSearch, bool]:
    """Keep this search for the acting member; (the saved search, whether it is new).

    Saving a search they already saved changes only how often it is mailed.
    """
    require(actor, "search.save")
    member = actor.acting
    assert member is not None  # the rule above
    _check_frequency(frequency)
    words = _clean_words(request.q)
    limit = current_app.config["SEARCH_MAX_QUERY_LENGTH"]
    if len(words) > limit:
        raise SavedSearchError(_("Your search is too long. Please use at most %(n)s characters.", n=limit))
    existing = find_saved(member, request)
    with unit_of_work(actor) as uow:
        if existing is not None:
            existing.frequency = frequency
            return existing, False
        count = uow.session.scalar(select(func.count()).select_from(SavedSearch)
                                   .where(SavedSearch.member_id == member.id)) or 0
        if count >= MAX_PER_MEMBER:
            raise SavedSearchError(_("You have %(n)s saved searches, the most you can keep. "
                                     "Delete one you no longer need, then save this one.", n=MAX_PER_MEMBER))
        now = utcnow()
        saved = SavedSearch(member_id=member.id, query=words, filters=_clean_filters(request.filters),
                            frequency=frequency, created_at=now, checked_at=now)
        uow.session.add(saved)
    return saved, True


def _own(actor: Actor, search_id: int) -> SavedSearch:
    """The acting member's saved search; someone else's looks exactly like none."""
    saved = db.session().get(SavedSearch, search_id)
    if saved is None or not can(actor, "saved_search.manage", saved):
        raise NotFound()
    return saved


def change_frequency(actor: Actor, search_id: int, frequency: str) -> SavedSearch:
    saved = _own(actor, search_id)
    _check_frequency(frequency)
    with unit_of_work(actor):
        saved.frequency = frequency
    return saved


def delete_search(actor: Actor, search_id: int) -> None:
    saved = _own(actor, search_id)
    with unit_of_work(actor) as uow:
        uow.session.delete(saved)
