"""Members contributing cases: drafts, submitting for review, moderators approving.

Permission checks are always given the case they are about.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import db
from ..casefiles import CaseData, InvalidCase, Problem
from ..models import Case, Member, utcnow
from . import indexing
from .library import apply_data, record_change

MODERATORS = ("moderator", "admin")


def is_moderator(member: Member | None) -> bool:
    return member is not None and member.role in MODERATORS


def may_edit(member: Member | None, case: Case | None) -> bool:
    """The author while it is not yet published, and moderators."""
    if member is None or case is None:
        return False
    if is_moderator(member):
        return True
    return case.author_id == member.id and case.review_state in ("draft", "returned")


def may_view_draft(member: Member | None, case: Case | None) -> bool:
    return member is not None and case is not None and (case.author_id == member.id or is_moderator(member))


def get_case(member: Member | None, case_id: int) -> Case | None:
    """A contributed case this member may see in the workshop; None looks like missing."""
    case = db.session().scalar(select(Case).where(Case.id == case_id).options(selectinload(Case.lessons)))
    return case if may_view_draft(member, case) else None


def save_draft(author: Member, data: CaseData, case: Case | None = None) -> Case:
    """Create or update the author's draft; the slug must not belong to another case."""
    session = db.session()
    owner = session.scalar(select(Case).where(Case.slug == data.slug))
    if owner is not None and (case is None or owner.id != case.id):
        raise InvalidCase([Problem("form", "title", "another case already uses this title; make it more specific")])
    if case is None:
        now = utcnow()
        case = Case(slug=data.slug, author_id=author.id, review_state="draft", created_at=now, updated_at=now,
                    lessons=[])
        session.add(case)
    elif not may_edit(author, case):
        raise PermissionError("not yours to edit")
    case.slug = data.slug
    apply_data(case, data)
    case.updated_at = utcnow()
    session.commit()
    return case


def submit(author: Member, case: Case) -> None:
    if not may_edit(author, case) or case.review_state not in ("draft", "returned"):
        raise PermissionError("cannot submit this case")
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
    case.review_state = "published"
    case.review_note = None
    case.published_at = case.published_at or utcnow()
    record_change(db.session(), case.slug)
    db.session().commit()
    indexing.apply_pending()


def send_back(moderator: Member, case: Case, note: str) -> None:
    if not is_moderator(moderator) or case.review_state != "submitted":
        raise PermissionError("cannot send this case back")
    case.review_state = "returned"
    case.review_note = (note or "").strip()[:2000]
    db.session().commit()
