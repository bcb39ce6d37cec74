"""Members contributing cases: drafts, submitting for review, moderators approving.

Permission checks are always given the case they are about.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import casefiles, db
from ..casefiles import CaseData, InvalidCase, Problem
from ..models import Case, Member, utcnow
from . import indexing, revisions
from .library import EditConflict, apply_data, case_data, first_save_wins, record_change

MODERATORS = ("moderator", "admin")


def is_moderator(member: Member | None) -> bool:
    return member is not None and member.role in MODERATORS


def may_edit(member: Member | None, case: Case | None) -> bool:
    """The author (except while a moderator is reviewing it), and moderators."""
    if member is None or case is None:
        return False
    if is_moderator(member):
        return True
    return case.author_id == member.id and case.review_state in ("draft", "returned", "published")


def may_see_history(member: Member | None, case: Case | None) -> bool:
    return may_view_draft(member, case) and case.is_published


def may_view_draft(member: Member | None, case: Case | None) -> bool:
    return member is not None and case is not None and (case.author_id == member.id or is_moderator(member))


def get_case(member: Member | None, case_id: int) -> Case | None:
    """A contributed case this member may see in the workshop; None looks like missing."""
    case = db.session().scalar(select(Case).where(Case.id == case_id).options(selectinload(Case.lessons)))
    return case if may_view_draft(member, case) else None


def keep_identity(case: Case, data: CaseData) -> None:
    """What the form cannot express stays as it was: the address of a published case (even when
    its title changes) and the order of the themes (checkboxes have no order)."""
    if case.is_published:
        data.slug = case.slug
    data.themes = [t for t in case.themes if t in data.themes] + [t for t in data.themes if t not in case.themes]


def save(editor: Member, data: CaseData, case: Case | None = None, base_version: int | None = None) -> Case:
    """Create a draft, update one, or publish an edit of a published case as a new revision.

    `base_version` is the version the editor started from: if someone saved the case since,
    EditConflict is raised and nothing is written.
    """
    session = db.session()
    if case is not None:
        if not may_edit(editor, case):
            raise PermissionError("not yours to edit")
        if base_version != case.version:  # a form without a version cannot prove it saw the latest
            raise EditConflict(case)
        keep_identity(case, data)
    owner = session.scalar(select(Case).where(Case.slug == data.slug))
    if owner is not None and (case is None or owner.id != case.id):
        raise InvalidCase([Problem("form", "title", "another case already uses this title; make it more specific")])
    if case is None:
        now = utcnow()
        case = Case(slug=data.slug, author_id=editor.id, review_state="draft", created_at=now, updated_at=now,
                    lessons=[])
        session.add(case)
    elif case_data(case) == data:
        return case  # nothing changed: no new version, no conflict for anyone else
    published = case.is_published
    with first_save_wins(case):  # the race between our version check and our UPDATE
        if published:
            revisions.keep_baseline(session, case)
        case.slug = data.slug
        apply_data(case, data)
        case.updated_at = utcnow()
        if published:
            record_change(session, case.slug)
            revisions.record(session, case, "edited", editor)
        session.commit()
    if published:
        indexing.apply_pending()
    return case


def submit(author: Member, case: Case) -> None:
    if not may_edit(author, case) or case.review_state not in ("draft", "returned"):
        raise PermissionError("cannot submit this case")
    # Drafts may be unfinished; what goes to a moderator must be complete (raises InvalidCase).
    casefiles.read_text("the case", casefiles.write_text(case_data(case)))
    with first_save_wins(case):
        case.review_state = "submitted"
        db.session().commit()


def my_cases(member: Member) -> list[Case]:
    return list(db.session().scalars(select(Case).where(Case.author_id == member.id).order_by(Case.updated_at.desc())))


def review_queue(moderator: Member) -> list[Case]:
    if not is_moderator(moderator):
        return []
    return list(db.session().scalars(select(Case).where(Case.review_state == "submitted").order_by(Case.updated_at)))


def approve(moderator: Member, case: Case) -> None:
    """Publish the case; the index change is written in the same transaction."""
    if not is_moderator(moderator) or case.review_state != "submitted":
        raise PermissionError("cannot approve this case")
    with first_save_wins(case):  # two moderators deciding at once: the first decision stands
        case.review_state = "published"
        case.review_note = None
        case.published_at = case.published_at or utcnow()
        record_change(db.session(), case.slug)
        # The first revision holds what the author wrote; it is theirs even though a moderator let it in.
        revisions.record(db.session(), case, "published", case.author)
        db.session().commit()
    indexing.apply_pending()


def send_back(moderator: Member, case: Case, note: str) -> None:
    if not is_moderator(moderator) or case.review_state != "submitted":
        raise PermissionError("cannot send this case back")
    with first_save_wins(case):
        case.review_state = "returned"
        case.review_note = (note or "").strip()[:2000]
        db.session().commit()
