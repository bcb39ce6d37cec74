"""Changing the library: saving and deleting cases, importing and exporting `cases/` files.

Every change writes an IndexChange row in the same transaction, so the search indexes can
always catch up with the database, even after a crash between commit and index update.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import casefiles, db
from ..casefiles import CaseData, InvalidCase, LessonData, Problem
from ..models import Case, IndexChange, Lesson, Member, utcnow
from . import indexing, revisions
from ..audience import Audience
from . import cases as reading

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


class EditConflict(Exception):
    """Someone saved the case after this editor opened it; their save would overwrite it."""

    def __init__(self, case: Case):
        super().__init__(f"case {case.id} changed to version {case.version}")
        self.case = case


@contextmanager
def first_save_wins(case: Case) -> Iterator[None]:
    """Two saves of one case racing: the second finds the version moved (StaleDataError) and
    gets EditConflict, with everything it wrote rolled back."""
    try:
        yield
    except StaleDataError:
        session = db.session()
        session.rollback()
        raise EditConflict(session.get(Case, case.id)) from None


def record_change(session: Session, slug: str) -> None:
    """Log that search must look at this case again; part of the caller's transaction."""
    session.add(IndexChange(slug=slug, changed_at=utcnow()))


def apply_data(case: Case, data: CaseData) -> None:
    """Copy data onto the case (callers compare with case_data first to learn whether it changes)."""
    for name in CASE_FIELDS:
        if getattr(case, name) != getattr(data, name):
            setattr(case, name, getattr(data, name))
    lessons = [(l.kind, l.text, l.visibility) for l in data.lessons]
    # Lessons are replaced only when they differ, so who added an unchanged lesson is kept.
    if [(l.kind, l.text, l.visibility) for l in case.lessons] != lessons:
        case.lessons = [Lesson(position=i, kind=k, text=t, visibility=v) for i, (k, t, v) in enumerate(lessons)]


def save_case(session: Session, data: CaseData, editor: Member | None = None) -> tuple[Case, str]:
    """Create or update a published case by slug: 'created', 'updated' or 'unchanged'.

    The caller commits; the index change and the new revision are part of the same transaction.
    """
    case = session.scalar(select(Case).where(Case.slug == data.slug))
    if case is not None and case_data(case) == data:
        return case, "unchanged"
    if case is None:
        now = utcnow()
        case = Case(slug=data.slug, published_at=now, created_at=now, lessons=[])
        apply_data(case, data)
        case.updated_at = now
        session.add(case)
        outcome = "created"
    else:
        revisions.keep_baseline(session, case)
        apply_data(case, data)
        case.updated_at = utcnow()
        outcome = "updated"
    if case.published_at is None:  # an import publishes a draft of the same name, too
        case.published_at = utcnow()
        case.review_state = "published"
    record_change(session, data.slug)
    revisions.record(session, case, "imported", editor)
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
    for name, outcome, slug, problems in _import_each([(str(f), partial(casefiles.read_file, f)) for f in files]):
        if problems:
            report.problems.extend(problems)
        else:
            getattr(report, outcome).append(slug)
    return report


def _import_each(files: list[tuple[str, Callable[[], CaseData]]],
                 editor: Member | None = None) -> Iterator[tuple[str, str | None, str | None, list[Problem]]]:
    """Read and import each (name, reader) in turn: (name, outcome, slug, problems) for each.

    Each file is its own transaction, so a later failure cannot undo an earlier import; two
    files with one slug are refused. The indexes catch up once all are done.
    """
    seen: dict[str, str] = {}
    session = db.session()
    for name, read in files:
        try:
            data = read()
        except InvalidCase as exc:
            yield name, None, None, exc.problems
            continue
        if data.slug in seen:
            yield name, None, None, [Problem(name, "slug", f"{data.slug!r} is also used by {seen[data.slug]}")]
            continue
        seen[data.slug] = name
        try:
            _case, outcome = save_case(session, data, editor)
            session.commit()
        except StaleDataError:  # someone saved this case through the site at the same moment
            session.rollback()
            yield name, None, data.slug, [Problem(name, "slug", "was changed by someone else during the import; "
                                                                "import it again")]
            continue
        yield name, outcome, data.slug, []
    indexing.apply_pending()


def import_text(name: str, text: str, editor: Member | None = None) -> tuple[Case, str]:
    data = casefiles.read_text(name, text)
    session = db.session()
    case, outcome = save_case(session, data, editor)
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


# --- Importing uploads, exporting for an audience, deleting with permission -------------------

UNPUBLISHED_STATES = ("draft", "returned", "submitted")


@dataclass
class UploadOutcome:
    """What became of one uploaded file: an outcome and the case's slug, or its problems."""

    name: str
    outcome: str | None = None  # created | updated | unchanged
    slug: str | None = None
    problems: list[Problem] = field(default_factory=list)


def upload_text(name: str, content: bytes) -> str:
    """An uploaded file's text, read as `import-cases` reads a file (UTF-8, universal newlines)."""
    if not name.lower().endswith(".md"):
        raise InvalidCase([Problem(name, "file", "is not a .md case file")])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidCase([Problem(name, "file", "is not UTF-8 text")]) from None
    # Path.read_text (the CLI) reads universal newlines; an upload must import to the same case.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def import_uploads(uploads: list[tuple[str, bytes]], editor: Member | None = None) -> list[UploadOutcome]:
    """Import uploaded case files as `import-cases` imports a folder, reporting each file.

    Every file is checked; valid ones are imported even when others fail, each in its own
    transaction, and two files with one slug are refused as the CLI refuses them.
    """
    def reader(name: str, content: bytes) -> Callable[[], CaseData]:
        return lambda: casefiles.read_text(name, upload_text(name, content))

    return [UploadOutcome(name, outcome, slug if outcome else None, problems)
            for name, outcome, slug, problems in _import_each([(n, reader(n, c)) for n, c in uploads], editor)]


def export_for(audience: Audience, slug: str) -> str | None:
    """The case as a `cases/` file holding only what this audience may see; None when it may not see it.

    The format has no contributor fields, so no author is ever named in an export.
    """
    view = reading.get_case(audience, slug, with_related=False)
    if view is None:
        return None
    data = case_data(view.case)
    data.lessons = [LessonData(l.kind, l.text, l.visibility) for l in view.lessons]
    if not audience.is_member and view.copied_from is None:
        data.copied_from = None  # the slug of a case this visitor may not see stays unknown
    return casefiles.write_text(data)


def may_delete_case(member: Member | None, case: Case | None) -> bool:
    """Moderators delete any case; an author deletes their own case while it is unpublished."""
    from .contributions import is_moderator  # contributions imports this module

    if member is None or case is None:
        return False
    if is_moderator(member):
        return True
    return (case.author_id is not None and case.author_id == member.id
            and not case.is_published and case.review_state in UNPUBLISHED_STATES)


def delete_case_as(member: Member | None, case: Case | None) -> None:
    """Delete the case for this member; PermissionError when they may not."""
    if not may_delete_case(member, case):
        raise PermissionError("not yours to delete")
    delete_case(case.slug)


def deletable_case(member: Member | None, *, slug: str | None = None, case_id: int | None = None) -> Case | None:
    """The case by slug or id when this member may delete it; None looks exactly like missing."""
    where = Case.slug == slug if slug is not None else Case.id == case_id
    case = db.session().scalar(select(Case).where(where))
    return case if may_delete_case(member, case) else None
