"""Members contributing cases: drafts, submitting for review, moderators approving.

Who may do what is the policy's answer; every change goes through the unit of work.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import casefiles, db
from ..casefiles import CaseData, InvalidCase, Problem
from ..errors import Conflict, NotFound
from ..models import Case, Member, utcnow
from ..policy import Actor, can, require
from .content import apply_data, case_data
from .unit_of_work import unit_of_work


def get_case(actor: Actor, case_id: int) -> Case:
    """A contributed case this actor may open in the workshop; NotFound looks like missing."""
    case = db.session().scalar(select(Case).where(Case.id == case_id).options(selectinload(Case.lessons)))
    if case is None or not can(actor, "case.open_draft", case):
        raise NotFound()
    return case


def keep_identity(case: Case, data: CaseData) -> None:
    """What the form cannot express stays as it was: the address of a published case (even when
    its title changes), the order of the themes (checkboxes have no order) and the "Copy this"
    guide (written in the case file; the form shows no fields for it)."""
    if case.is_published:
        data.slug = case.slug
    if data.transfer is None:
        data.transfer = case.transfer
    data.themes = [t for t in case.themes if t in data.themes] + [t for t in data.themes if t not in case.themes]


def save(actor: Actor, data: CaseData, case: Case | None = None, base_version: int | None = None) -> Case:
    """Create a draft, update one, or publish an edit of a published case as a new revision.

    `base_version` is the version the editor started from: if someone saved the case since,
    Conflict is raised and nothing is written.
    """
    editor = actor.acting
    if editor is None:
        raise NotFound()
    with unit_of_work(actor) as uow:
        if case is not None:
            require(actor, "case.edit", case)
            uow.expect_version(case, base_version)
            keep_identity(case, data)
        owner = uow.session.scalar(select(Case).where(Case.slug == data.slug))
        if owner is not None and (case is None or owner.id != case.id):
            raise InvalidCase([Problem("form", "title", "another case already uses this title; make it more specific")])
        if case is None:
            now = utcnow()
            case = Case(slug=data.slug, author_id=editor.id, review_state="draft", created_at=now, lessons=[])
            uow.added(case)
        elif case_data(case) == data:
            return case  # nothing changed: no new version, no conflict for anyone else
        uow.before_change(case)
        case.slug = data.slug
        apply_data(case, data)
        if case.is_published and case.author_id == editor.id:
            case.confirmed_at = utcnow()  # the contributor brought their case up to date: as good as confirming it
        uow.changed(case, "edited", editor)
        if case.is_published and actor.is_moderator and case.author_id != editor.id:
            uow.audit("case.edit", "case", case.id, case.slug, "edited someone else's case")
    return case


def submit(actor: Actor, case: Case) -> None:
    require(actor, "case.submit", case)
    # Drafts may be unfinished; what goes to a moderator must be complete (raises InvalidCase).
    casefiles.read_text("the case", casefiles.write_text(case_data(case)))
    with unit_of_work(actor) as uow:
        uow.before_change(case)
        case.review_state = "submitted"
        case.updated_at = utcnow()


def my_cases(member: Member) -> list[Case]:
    return list(db.session().scalars(select(Case).where(Case.author_id == member.id).order_by(Case.updated_at.desc())))


def review_queue(actor: Actor) -> list[Case]:
    require(actor, "moderation.open")
    return list(db.session().scalars(select(Case).where(Case.review_state == "submitted").order_by(Case.updated_at)))


def _decision(actor: Actor, case: Case) -> None:
    require(actor, "case.decide", case)
    if case.review_state != "submitted":
        raise Conflict(case=case)  # another moderator decided first


def approve(actor: Actor, case: Case) -> None:
    """Publish the case; the index change is written in the same transaction."""
    _decision(actor, case)
    with unit_of_work(actor) as uow:
        uow.before_change(case)
        case.review_state = "published"
        case.review_note = None
        case.published_at = case.published_at or utcnow()
        # The first revision holds what the author wrote; it is theirs even though a moderator let it in.
        uow.changed(case, "published", case.author)
        uow.audit("case.approve", "case", case.id, case.slug, case.title)


def send_back(actor: Actor, case: Case, note: str) -> None:
    _decision(actor, case)
    with unit_of_work(actor) as uow:
        uow.before_change(case)
        case.review_state = "returned"
        case.review_note = (note or "").strip()[:2000]
        case.updated_at = utcnow()
        uow.audit("case.send_back", "case", case.id, case.slug, case.review_note)
