"""Changing the library: saving and deleting cases, importing and exporting `cases/` files.

Every change writes an IndexChange row in the same transaction, so the search indexes can
always catch up with the database, even after a crash between commit and index update.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import casefiles, db
from ..casefiles import CaseData, InvalidCase, LessonData, Problem
from ..models import Case, IndexChange, Lesson, utcnow
from . import indexing

CASE_FIELDS = ("title", "summary", "body", "city", "country", "language", "visibility",
               "attribution", "status", "year", "copied_from", "contact", "themes",
               "organisations", "sdg_targets", "sources")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def record_change(session: Session, slug: str) -> None:
    """Log that search must look at this case again; part of the caller's transaction."""
    session.add(IndexChange(slug=slug, changed_at=utcnow()))


def apply_data(case: Case, data: CaseData) -> bool:
    """Copy data onto the case; True when anything changed."""
    changed = False
    for name in CASE_FIELDS:
        if getattr(case, name) != getattr(data, name):
            setattr(case, name, getattr(data, name))
            changed = True
    lessons = [(l.kind, l.text, l.visibility) for l in data.lessons]
    if [(l.kind, l.text, l.visibility) for l in case.lessons] != lessons:
        case.lessons = [Lesson(position=i, kind=k, text=t, visibility=v) for i, (k, t, v) in enumerate(lessons)]
        changed = True
    return changed


def save_case(session: Session, data: CaseData) -> tuple[Case, str]:
    """Create or update a published case by slug: 'created', 'updated' or 'unchanged'.

    The caller commits; the index change is part of the same transaction.
    """
    case = session.scalar(select(Case).where(Case.slug == data.slug))
    if case is None:
        now = utcnow()
        case = Case(slug=data.slug, published_at=now, created_at=now, lessons=[])
        apply_data(case, data)
        case.updated_at = now
        session.add(case)
        outcome = "created"
    elif apply_data(case, data):
        case.updated_at = utcnow()
        outcome = "updated"
    else:
        return case, "unchanged"
    record_change(session, data.slug)
    return case, outcome


def delete_case(slug: str) -> bool:
    session = db.session()
    case = session.scalar(select(Case).where(Case.slug == slug))
    if case is None:
        return False
    session.delete(case)
    record_change(session, slug)
    session.commit()
    indexing.apply_pending()
    return True


def import_path(path: Path) -> ImportReport:
    """Import every case file at PATH; valid files are imported even when others fail."""
    report = ImportReport()
    files = casefiles.case_files(path)
    if not files:
        report.problems.append(Problem(str(path), "path", "no .md case files found"))
        return report
    seen: dict[str, str] = {}
    session = db.session()
    for file in files:
        try:
            data = casefiles.read_file(file)
        except InvalidCase as exc:
            report.problems.extend(exc.problems)
            continue
        if data.slug in seen:
            report.problems.append(Problem(str(file), "slug", f"{data.slug!r} is also used by {seen[data.slug]}"))
            continue
        seen[data.slug] = str(file)
        _case, outcome = save_case(session, data)
        getattr(report, outcome).append(data.slug)
        # One transaction per file: a later failure cannot undo an earlier import.
        session.commit()
    indexing.apply_pending()
    return report


def import_text(name: str, text: str) -> tuple[Case, str]:
    data = casefiles.read_text(name, text)
    session = db.session()
    case, outcome = save_case(session, data)
    session.commit()
    indexing.apply_pending()
    return case, outcome


def case_data(case: Case) -> CaseData:
    return CaseData(
        slug=case.slug, lessons=[LessonData(l.kind, l.text, l.visibility) for l in case.lessons],
        **{name: getattr(case, name) for name in CASE_FIELDS},
    )


def export_case(slug: str) -> str | None:
    """The case as a `cases/` file (for moderators and the CLI: it includes everything)."""
    case = db.session().scalar(select(Case).where(Case.slug == slug))
    return casefiles.write_text(case_data(case)) if case else None
