"""Keeping the search indexes in step with the database, through the change log."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import db, gazetteer, vocabulary
from ..audience import Audience
from ..models import Case, IndexChange
from ..policy import case_visible, lesson_visible
from ..rendering import plain_text
from ..search import INDEX_NAMES, IndexDocument, SearchEngine, SegmentJob
from . import transfer

log = logging.getLogger(__name__)
EXCERPT_CHARS = 1500
AUDIENCE_OF_INDEX = {"public": Audience.ANONYMOUS, "members": Audience.MEMBER}


def engine() -> SearchEngine:
    """This process's search engine (DESIGN.md: one per worker, kept between requests)."""
    return current_app.extensions["casebook.search"]


def document_for(case: Case | None, index_name: str) -> IndexDocument | None:
    """What the index for this audience holds of the case; None when the audience may not see it."""
    audience = AUDIENCE_OF_INDEX[index_name]
    if case is None or not case_visible(audience, case):
        return None
    lessons = [l for l in case.lessons if lesson_visible(audience, l)]
    lessons_text = "\n".join(plain_text(l.text) for l in lessons)
    summary = plain_text(case.summary)
    body = plain_text(case.body)
    # Every name of the city and the country (`Wenen`, `Wien`, `Oostenrijk`…), so any of them finds it.
    places = " ".join([*gazetteer.aliases(case.city, case.country), *case.organisations, *_named_contributor(case),
                       *_theme_names(case)])
    guide = transfer.searchable_text(case.transfer)
    excerpt = " ".join([summary, lessons_text, guide, body])[:EXCERPT_CHARS]
    facets = {
        "theme": list(case.themes), "city": [gazetteer.place(case.city, case.country).key], "country": [case.country],
        "lesson": sorted({l.kind for l in lessons}), "language": [case.language],
        "status": [case.status] if case.status else [],
        transfer.FACET: [transfer.HAS_GUIDE] if case.transfer else [],
    }
    published = int(case.published_at.timestamp() * 1000) if case.published_at else 0
    fields = [case.title, summary, lessons_text, body, places, guide, repr(sorted(facets.items())), str(published)]
    fingerprint = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:16]
    return IndexDocument(
        slug=case.slug, language=case.language, title=case.title, summary=summary,
        lessons=lessons_text, body=body, places=places, excerpt=excerpt,
        published=published, fingerprint=fingerprint, facets=facets, guide=guide,
    )


def _theme_names(case: Case) -> list[str]:
    """Its themes in both languages: members type "sociale inclusie" as often as they filter by it."""
    return [vocabulary.theme_label(theme, language) for theme in case.themes for language in ("en", "nl")
            if theme in vocabulary.themes()]


def _named_contributor(case: Case) -> list[str]:
    """Who shared it, so members can find a colleague's cases; never for an anonymous case, in any index."""
    if case.attribution != "named" or case.author is None:
        return []
    return [case.author.name, case.author.organisation]


def _load(session, slugs: set[str]) -> dict[str, Case]:
    cases = session.scalars(select(Case).where(Case.slug.in_(slugs)).options(selectinload(Case.lessons)))
    return {c.slug: c for c in cases}


def _write(slugs: set[str], last_change: int, wait: float | None = None) -> bool:
    """Rewrite these cases in both indexes; False when another process holds the writer lock."""
    with db.fresh_session() as session:
        cases = _load(session, slugs)
        gazetteer.places((c.city, c.country) for c in cases.values())  # the city files read once for all
        documents = {slug: {name: document_for(cases.get(slug), name) for name in INDEX_NAMES} for slug in slugs}
    return engine().apply(documents, last_change, wait)


def name_places() -> None:
    """Name every city of the library in this process (the gazetteer keeps them): a visitor's
    `city=` filter or `/cities/<name>` is then understood in any of the city's names."""
    with db.fresh_session() as session:
        pairs = session.execute(select(Case.city, Case.country).distinct()).all()
    gazetteer.places((city, country) for city, country in pairs)


def _pending(since: int) -> list[tuple[int, str]]:
    with db.fresh_session() as session:
        return list(session.execute(select(IndexChange.id, IndexChange.slug).where(IndexChange.id > since)
                                    .order_by(IndexChange.id)).all())


def log_position() -> int:
    """The newest row of the change log: where every node's index is heading."""
    with db.fresh_session() as session:
        return session.scalar(select(func.coalesce(func.max(IndexChange.id), 0))) or 0


def apply_pending(wait: float | None = None) -> int:
    """Apply the change log rows that the indexes have not seen yet; returns how many.

    `wait`: how long to wait for another process's writer lock (None: a few seconds).
    """
    index = engine()
    if not index.exists():
        rebuild()
        return 0
    applied = 0
    # Loop: rows committed by a worker that found our lock taken are ours to apply.
    for _round in range(10):
        rows = _pending(index.position().applied)
        if not rows:
            break
        if not _write({slug for _id, slug in rows}, rows[-1][0], wait):
            log.info("index writer busy; %d pending changes stay in the log for its holder", len(rows))
            break
        applied += len(rows)
    return applied


def reads_the_same_for_everyone(case: Case) -> bool:
    """True when both indexes hold the same document for this case (see document_for).

    Such cases are analysed once and shared by both indexes. Anything that makes the
    public document differ (a members-only lesson; later, an anonymous contributor) must
    make this False. Erring towards False only costs time.
    """
    return case.is_published and case.visibility == "public" and all(l.visibility == "public" for l in case.lessons)


def rebuild(progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None,
            processes: int = 1, only_if_needed: bool = False) -> int:
    """Build both indexes afresh from the database and swap them in; returns the number of cases.

    `processes` > 1 builds in forked processes (the command line only: a server process runs threads).
    `only_if_needed`: build nothing when another worker has built a sound index meanwhile.
    """
    with db.fresh_session() as session:
        # Read the log position first: a change committed during the build is replayed after it.
        last_change = session.scalar(select(func.coalesce(func.max(IndexChange.id), 0))) or 0
        cases = session.scalars(select(Case).options(selectinload(Case.lessons)).order_by(Case.id)).all()
    gazetteer.places((c.city, c.country) for c in cases)  # named before the build (and its forks) needs them
    shared = [c for c in cases if reads_the_same_for_everyone(c)]
    other = [c for c in cases if not reads_the_same_for_everyone(c)]
    half = len(shared) // 2

    def docs(chosen: list[Case], index_name: str):
        return lambda: (document_for(c, index_name) for c in chosen)

    jobs = [
        SegmentJob("shared-1", INDEX_NAMES, docs(shared[:half], "public"), half),
        SegmentJob("shared-2", INDEX_NAMES, docs(shared[half:], "public"), len(shared) - half),
        SegmentJob("members", ("members",), docs(other, "members"), len(other)),
        SegmentJob("public", ("public",), docs(other, "public"), sum(c.visibility == "public" for c in other)),
    ]
    if on_total:
        on_total(len(shared) + 2 * len(other))
    engine().rebuild(jobs, last_change, progress, processes=processes, only_if_needed=only_if_needed)
    apply_pending()
    return len(cases)


@dataclass
class IndexReport:
    missing: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)
    stale: dict[str, list[str]] = field(default_factory=dict)
    pending: int = 0
    rebuilt: bool = False  # missing, damaged or of an older format: built anew (or, not healing, it must be)

    @property
    def drift(self) -> list[str]:
        return sorted({s for d in (self.missing, self.extra, self.stale) for v in d.values() for s in v})

    @property
    def clean(self) -> bool:
        return not self.drift and not self.pending and not self.rebuilt


def check(heal: bool = True) -> IndexReport:
    """Compare every index with the database; rewrite whatever differs."""
    report = IndexReport()
    index = engine()
    if index.needs_rebuild():
        report.rebuilt = True
        if heal:
            rebuild()
        return report
    report.pending = apply_pending() if heal else 0
    with db.fresh_session() as session:
        cases = session.scalars(select(Case).options(selectinload(Case.lessons))).all()
        for name in INDEX_NAMES:
            expected = {c.slug: d.fingerprint for c in cases if (d := document_for(c, name))}
            actual = index.fingerprints(name)
            report.missing[name] = sorted(set(expected) - set(actual))
            report.extra[name] = sorted(set(actual) - set(expected))
            report.stale[name] = sorted(s for s in set(expected) & set(actual) if expected[s] != actual[s])
    if heal and report.drift:
        # Rewriting cases does not move the log position: pending rows stay pending.
        _write(set(report.drift), index.position().applied)
    return report
