"""Additions to cases that go through review.

"We tried this too": any member adds a lesson to someone else's case. "Copied from": a member
records that their case copied another one. A moderator approves or sends back with a note;
approving changes the case as a new revision.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import db, vocabulary
from ..errors import Conflict, Invalid, NotFound
from ..models import Case, Lesson, Member, Proposal, utcnow
from ..policy import Actor, can, require
from .unit_of_work import unit_of_work

MAX_LESSON_CHARS = 5000


class ProposalError(Invalid):
    """A reason shown to the member who proposed."""


def propose_lesson(actor: Actor, case: Case, kind: str, text: str, visibility: str, attribution: str) -> Proposal:
    require(actor, "case.propose", case)
    text = (text or "").strip()
    if kind not in vocabulary.LESSON_KINDS:
        raise ProposalError(_("Choose whether it went well or badly."))
    if not text:
        raise ProposalError(_("Write the lesson."))
    if len(text) > MAX_LESSON_CHARS:
        raise ProposalError(_("Keep the lesson under %(n)s characters.", n=MAX_LESSON_CHARS))
    if visibility not in vocabulary.VISIBILITIES or attribution not in vocabulary.ATTRIBUTIONS:
        raise ProposalError(_("Choose who may read it and whether your name is shown."))
    return _add(actor, Proposal(case_id=case.id, kind="lesson", lesson_kind=kind, text=text,
                                visibility=visibility, attribution=attribution))


def copy_candidates(member: Member, source: Case) -> list[Case]:
    """The member's own published cases that could record having copied SOURCE."""
    mine = db.session().scalars(select(Case).where(Case.author_id == member.id, Case.published_at.is_not(None),
                                                   Case.id != source.id).order_by(Case.title))
    return [c for c in mine if c.copied_from != source.slug]


def propose_copied_from(actor: Actor, own_case: Case | None, source: Case) -> Proposal:
    require(actor, "case.propose", source)
    if own_case is None or not can(actor, "case.copy_into", own_case):
        raise ProposalError(_("Choose one of your own published cases."))
    if own_case.id == source.id:
        raise ProposalError(_("A case cannot copy itself."))
    return _add(actor, Proposal(case_id=own_case.id, kind="copied_from", copied_from=source.slug,
                                visibility="public", attribution="named"))


def _add(actor: Actor, proposal: Proposal) -> Proposal:
    assert actor.acting is not None  # the policy let only a member propose
    proposal.author_id = actor.acting.id
    proposal.created_at = utcnow()
    with unit_of_work(actor) as uow:
        uow.session.add(proposal)
    return proposal


def mine(member: Member) -> list[Proposal]:
    return list(db.session().scalars(select(Proposal).where(Proposal.author_id == member.id)
                                     .order_by(Proposal.created_at.desc())))


def waiting(actor: Actor) -> list[Proposal]:
    require(actor, "moderation.open")
    return list(db.session().scalars(select(Proposal).where(Proposal.state == "submitted")
                                     .order_by(Proposal.created_at)))


def for_review(actor: Actor, proposal_id: int) -> Proposal:
    require(actor, "moderation.open")
    proposal = db.session().get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound()
    return proposal


def source_case(proposal: Proposal) -> Case | None:
    if proposal.kind != "copied_from":
        return None
    return db.session().scalar(select(Case).where(Case.slug == proposal.copied_from))


def _decision(actor: Actor, proposal: Proposal) -> None:
    require(actor, "proposal.decide", proposal)
    if proposal.state != "submitted":
        raise Conflict()  # another moderator decided first


def approve(actor: Actor, proposal: Proposal) -> None:
    """Change the case as proposed, as a new revision; the index follows after the commit."""
    _decision(actor, proposal)
    case = proposal.case
    with unit_of_work(actor) as uow:
        uow.before_change(case)
        if proposal.kind == "lesson":
            # An anonymous addition keeps no link to its author on the case; the proposal row keeps it for moderators.
            contributor = proposal.author_id if proposal.attribution == "named" else None
            case.lessons.append(Lesson(position=len(case.lessons), kind=proposal.lesson_kind, text=proposal.text,
                                       visibility=proposal.visibility, contributor_id=contributor))
            action = "lesson_added"
        else:
            if source_case(proposal) is None:
                raise ProposalError(_("The case it copied no longer exists."))
            case.copied_from = proposal.copied_from
            action = "copied_from"
        proposal.state, proposal.decided_at, proposal.review_note = "approved", utcnow(), None
        uow.changed(case, action, proposal.author)
        uow.audit("proposal.approve", "case", case.id, case.slug, f"{proposal.kind} (proposal {proposal.id})")


def send_back(actor: Actor, proposal: Proposal, note: str) -> None:
    _decision(actor, proposal)
    with unit_of_work(actor) as uow:
        proposal.state, proposal.decided_at = "returned", utcnow()
        proposal.review_note = (note or "").strip()[:2000]
        uow.audit("proposal.send_back", "case", proposal.case_id, proposal.case.slug,
                  f"{proposal.kind} (proposal {proposal.id}): {proposal.review_note}")
