"""Changing the library: importing and exporting `cases/` files, deleting cases, restoring revisions.

Every change goes through the unit of work, which writes the change-log row, the revision
and the audit entry in the same transaction, commits, and then updates the search index.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import casefiles, db
from ..audience import Audience
from ..casefiles import CaseData, InvalidCase, LessonData, Problem
from ..errors import Conflict, NotFound
from ..models import Case, Member, utcnow
from ..policy import SYSTEM, Actor, can, require
from . import cases as reading
from . import revisions
from .content import apply_data, case_data
from .unit_of_work import UnitOfWork, unit_of_work


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _store(uow: UnitOfWork, data: CaseData, editor: Member | None, author: Member | None) -> tuple[Case, str]:
    """Create or update a published case by slug: 'created', 'updated' or 'unchanged'."""
    session = uow.session
    case = session.scalar(select(Case).where(Case.slug == data.slug))
    same_content = case is not None and case_data(case) == data
    if case is not None and same_content and (author is None or case.author_id == author.id):
        return case, "unchanged"
    last_changed = case.updated_at if case is not None else utcnow()
    if case is None:
        now = utcnow()
        case = Case(slug=data.slug, published_at=now, created_at=now, lessons=[])
        apply_data(case, data)
        uow.added(case)
        outcome = "created"
    else:
        uow.before_change(case)
        apply_data(case, data)
        outcome = "updated"
    if author is not None:
        case.author_id = author.id
    if case.published_at is None:  # an import publishes a draft of the same name, too
        case.published_at = utcnow()
        case.review_state = "published"
    uow.changed(case, "imported", editor)
    if same_content:
        case.updated_at = last_changed  # only its author changed: "last updated" tells of its content
    return case, outcome


def _audit_import(uow: UnitOfWork, case: Case, outcome: str, source: str) -> None:
    if outcome != "unchanged":
        uow.audit("case.import", "case", case.id, case.slug, f"{outcome} from {source}")


def import_text(name: str, text: str, actor: Actor = SYSTEM, author: Member | None = None) -> tuple[Case, str]:
    """Import one case file's text; raises InvalidCase naming every problem."""
    require(actor, "cases.import")
    data = casefiles.read_text(name, text)
    with unit_of_work(actor) as uow:
        case, outcome = _store(uow, data, actor.acting, author)
        _audit_import(uow, case, outcome, name)
    return case, outcome


def import_path(path: Path, actor: Actor = SYSTEM, author: Member | None = None) -> ImportReport:
    """Import every case file at PATH; valid files are imported even when others fail."""
    require(actor, "cases.import")
    report = ImportReport()
    files = casefiles.case_files(path)
    if not files:
        report.problems.append(Problem(str(path), "path", "no .md case files found"))
        return report
    readers = [(str(f), partial(casefiles.read_file, f)) for f in files]
    for _name, outcome, slug, problems in _import_each(readers, actor, author):
        if problems:
            report.problems.extend(problems)
        elif outcome is not None:
            getattr(report, outcome).append(slug)
    return report


def _import_each(files: Sequence[tuple[str, Callable[[], CaseData]]], actor: Actor,
                 author: Member | None = None) -> Iterator[tuple[str, str | None, str | None, list[Problem]]]:
    """Read and import each (name, reader) in turn: (name, outcome, slug, problems) for each.

    Each file is its own unit of work, so a later failure cannot undo an earlier import; two
    files with one slug are refused.
    """
    seen: dict[str, str] = {}
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
            with unit_of_work(actor) as uow:
                case, outcome = _store(uow, data, actor.acting, author)
                _audit_import(uow, case, outcome, name)
        except Conflict:  # someone saved this case through the site at the same moment
            yield name, None, data.slug, [Problem(name, "slug", "was changed by someone else during the import; "
                                                                "import it again")]
            continue
        yield name, outcome, data.slug, []


def export_case(slug: str) -> str | None:
    """The case as a `cases/` file (for moderators and the CLI: it includes everything)."""
    case = db.session().scalar(select(Case).where(Case.slug == slug))
    return casefiles.write_text(case_data(case)) if case else None


def export_all(folder: Path) -> list[str]:
    """Every published case as `<slug>.md` in FOLDER; returns the slugs written.

    A folder that `import-cases` reads back unchanged. Unpublished drafts stay out (an import
    publishes what it reads); `pg_dump` keeps them, with members and history.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    cases = db.session().scalars(select(Case).where(Case.published_at.is_not(None))
                                 .options(selectinload(Case.lessons)).order_by(Case.slug))
    for case in cases:
        target = folder / f"{case.slug}.md"
        tmp = target.with_suffix(".md.tmp")
        tmp.write_text(casefiles.write_text(case_data(case)), encoding="utf-8")
        tmp.replace(target)  # a reader never sees half a file
        written.append(case.slug)
    return written


# --- Importing uploads, exporting for an audience, deleting with permission -------------------


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


def import_uploads(uploads: list[tuple[str, bytes]], actor: Actor) -> list[UploadOutcome]:
    """Import uploaded case files as `import-cases` imports a folder, reporting each file."""
    require(actor, "cases.import")

    def reader(name: str, content: bytes) -> Callable[[], CaseData]:
        return lambda: casefiles.read_text(name, upload_text(name, content))

    return [UploadOutcome(name, outcome, slug if outcome else None, problems)
            for name, outcome, slug, problems in _import_each([(n, reader(n, c)) for n, c in uploads], actor)]


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


def deletable_case(actor: Actor, *, slug: str | None = None, case_id: int | None = None) -> Case:
    """The case by slug or id when this actor may delete it; NotFound looks exactly like missing."""
    where = Case.slug == slug if slug is not None else Case.id == case_id
    case = db.session().scalar(select(Case).where(where))
    if case is None:
        raise NotFound()
    if not can(actor, "case.delete", case):
        raise NotFound()  # even for a case they can read: the delete page is not theirs
    return case


def delete_case(actor: Actor, case: Case) -> None:
    require(actor, "case.delete", case)
    with unit_of_work(actor) as uow:
        if actor.is_moderator:
            uow.audit("case.delete", "case", case.id, case.slug, case.title)
        uow.deleted(case)


def restore_revision(actor: Actor, case: Case, number: int) -> None:
    """Publish revision NUMBER again, as a new revision."""
    require(actor, "case.restore", case)
    revision = revisions.get(case, number)
    if revision is None:
        raise NotFound()
    data = casefiles.read_text(f"revision {number}", revision.content)
    data.slug = case.slug  # the address stays; a restored title must not move the case
    with unit_of_work(actor) as uow:
        uow.before_change(case)
        apply_data(case, data)
        uow.changed(case, "restored", actor.acting, restored_from=number)
        uow.audit("revision.restore", "case", case.id, case.slug, f"revision {number}")
