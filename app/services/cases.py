"""Reading the library as one audience sees it: cases, lessons, counts and recent cases."""
from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import selectinload

from .. import db, gazetteer
from ..audience import Audience
from ..casefiles import CaseData
from ..errors import NotFound
from ..models import Case, IndexChange, Lesson, Member
from ..policy import Actor, case_visible, contributor_visible, lesson_visible
from ..search import SearchUnavailable
from . import indexing
from .content import apply_data

RELATED_LIMIT = 3


@dataclass
class CaseView:
    """A case with only what this audience may see of it."""

    case: Case
    lessons: list[Lesson]
    copied_from: Case | None
    copied_in: list[Case]
    related: list[Case]
    # Who shared it, when this audience may know: named cases, or moderators for anonymous ones.
    contributor: Member | None = None
    # A case not (or not yet in this form) published: shown without links to its page or actions.
    preview: bool = False

    @property
    def went_well(self) -> list[Lesson]:
        return [l for l in self.lessons if l.kind == "went_well"]

    @property
    def went_badly(self) -> list[Lesson]:
        return [l for l in self.lessons if l.kind == "went_badly"]


def _visible(audience: Audience, cases) -> list[Case]:
    return [c for c in cases if case_visible(audience, c)]


def _published():
    return select(Case).where(Case.published_at.is_not(None))


def _audience_filter(stmt, audience: Audience):
    # The SQL pre-filter mirrors case_visible; the Python check after it is the one that decides.
    return stmt if audience.is_member else stmt.where(Case.visibility == "public")


def case_for(actor: Actor, slug: str) -> CaseView:
    """The case as this actor sees it, for an action on it; unseen and missing are both NotFound."""
    view = get_case(actor.audience, slug, with_related=False)
    if view is None:
        raise NotFound()
    return view


def get_case(audience: Audience, slug: str, with_related: bool = True) -> CaseView | None:
    """The case as this audience sees it, or None: unseen and missing look exactly alike."""
    session = db.session()
    case = session.scalar(select(Case).where(Case.slug == slug).options(selectinload(Case.lessons)))
    if case is None or not case_visible(audience, case):
        return None
    source = session.scalar(select(Case).where(Case.slug == case.copied_from)) if case.copied_from else None
    copies = session.scalars(_audience_filter(_published().where(Case.copied_from == case.slug), audience)
                             .order_by(Case.title)).all()
    return CaseView(
        case=case,
        lessons=[l for l in case.lessons if lesson_visible(audience, l)],
        copied_from=source if case_visible(audience, source) else None,
        copied_in=_visible(audience, copies),
        related=related_cases(audience, case) if with_related else [],
        contributor=contributor_for(audience, case),
    )


def preview_view(audience: Audience, case: Case | CaseData, contributor: Member | None = None) -> CaseView:
    """A case as its page would show it before it is published: a form's unsaved data (CaseData)
    or a stored draft or submission (Case), with every lesson. Nothing is stored or flushed."""
    if isinstance(case, CaseData):
        data, case = case, Case(slug=case.slug)  # transient: never added to the session
        apply_data(case, data)
    else:
        contributor = contributor or case.author
    source = None
    if case.copied_from:
        source = db.session().scalar(select(Case).where(Case.slug == case.copied_from))
    return CaseView(case=case, lessons=list(case.lessons),
                    copied_from=source if source is not None and case_visible(audience, source) else None,
                    copied_in=[], related=[], contributor=contributor, preview=True)


def contributor_for(audience: Audience, case: Case) -> Member | None:
    """The contributor as this audience may see them: an anonymous case names no one but to moderators."""
    return case.author if contributor_visible(audience, case) else None


def cases_by_slug(audience: Audience, slugs: list[str]) -> list[Case]:
    """These cases in this order, leaving out any this audience may not see (fail closed)."""
    if not slugs:
        return []
    found = {c.slug: c for c in db.session().scalars(select(Case).where(Case.slug.in_(slugs)))}
    return [found[s] for s in slugs if s in found and case_visible(audience, found[s])]


def related_cases(audience: Audience, case: Case) -> list[Case]:
    try:
        slugs = indexing.engine().related(audience.index_name, case.slug, case.language, case.themes, RELATED_LIMIT)
    except SearchUnavailable:
        return []  # the case page goes on without them while the index heals
    return cases_by_slug(audience, slugs)


def recent_cases(audience: Audience, limit: int = 6) -> list[Case]:
    stmt = _audience_filter(_published(), audience).order_by(Case.published_at.desc(), Case.id.desc())
    return _visible(audience, db.session().scalars(stmt.limit(limit)))


@dataclass
class LibraryCounts:
    cases: int
    cities: int
    countries: int
    lessons_went_badly: int


# The counts change only when a case does, and every change of a case adds a row to the change
# log: keyed on its newest row, they are counted once per change instead of on every visit.
_counted: WeakKeyDictionary[Engine, dict[str, tuple[int, LibraryCounts]]] = WeakKeyDictionary()


def library_counts(audience: Audience) -> LibraryCounts:
    session = db.session()
    position = session.scalar(select(func.max(IndexChange.id))) or 0
    known = _counted.setdefault(db.engine(), {})
    cached = known.get(audience.index_name)
    if cached is None or cached[0] != position:
        cached = known[audience.index_name] = (position, _count(session, audience))
    return cached[1]


def _count(session, audience: Audience) -> LibraryCounts:
    visible = _audience_filter(_published(), audience).subquery()
    cases, countries = session.execute(
        select(func.count(), func.count(func.distinct(visible.c.country))).select_from(visible)
    ).one()
    # One city however its cases write it (`Kopenhagen`, `Copenhagen`): counted by the gazetteer's key.
    pairs = session.execute(select(visible.c.city, visible.c.country).distinct()).all()
    cities = len({p.key for p in gazetteer.places((city, country) for city, country in pairs).values()})
    lessons = select(func.count()).select_from(Lesson).join(visible, Lesson.case_id == visible.c.id) \
        .where(Lesson.kind == "went_badly")
    if not audience.is_member:
        lessons = lessons.where(Lesson.visibility == "public")
    return LibraryCounts(cases, cities, countries, session.scalar(lessons))


def shared_by(audience: Audience, member: Member) -> list[Case]:
    """The published cases this member shared under their name, as this audience may see them.

    A case shared anonymously is never listed on a profile, not even for moderators: a page about a
    person is not where anyone should learn which stories they told without their name.
    """
    stmt = _audience_filter(_published().where(Case.author_id == member.id, Case.attribution == "named"),
                            audience).order_by(Case.title)
    return list(_visible(audience, db.session().scalars(stmt)))
