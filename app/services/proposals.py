"""Additions to cases that go through review.

"We tried this too": any member adds a lesson to someone else's case. "Copied from": a member
records that their case copied another one. A moderator approves or sends back with a note;
approving changes the case as a new revision.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import db, vocabulary
from ..audience import Audience, can_see_case
from ..models import Case, Lesson, Member, Proposal, utcnow
from . import indexing, revisions
from .contributions import is_moderator
from .library import first_save_wins, record_change

MAX_LESSON_CHARS = 5000


class ProposalError(ValueError):
    """A reason shown to the member who proposed."""


def member_audience(member: Member) -> Audience:
    return Audience(member.role)


def propose_lesson(member: Member, case: Case, kind: str, text: str, visibility: str, attribution: str) -> Proposal:
    if not can_see_case(member_audience(member), case):
        raise LookupError(case)
    text = (text or "").strip()
    if kind not in vocabulary.LESSON_KINDS:
        raise ProposalError(_("Choose whether it went well or badly."))
    if not text:
        raise ProposalError(_("Write the lesson."))
    if len(text) > MAX_LESSON_CHARS:
        raise ProposalError(_("Keep the lesson under %(n)s characters.", n=MAX_LESSON_CHARS))
    if visibility not in vocabulary.VISIBILITIES or attribution not in vocabulary.ATTRIBUTIONS:
        raise ProposalError(_("Choose who may read it and whether your name is shown."))
    return _add(Proposal(case_id=case.id, author_id=member.id, kind="lesson", lesson_kind=kind, text=text,
                         visibility=visibility, attribution=attribution))


def copy_candidates(member: Member, source: Case) -> list[Case]:
    """The member's own published cases that could record having copied SOURCE."""
    mine = db.session().scalars(select(Case).where(Case.author_id == member.id, Case.published_at.is_not(None),
                                                   Case.id != source.id).order_by(Case.title))
    return [c for c in mine if c.copied_from != source.slug]


def propose_copied_from(member: Member, own_case: Case | None, source: Case) -> Proposal:
    if not can_see_case(member_audience(member), source):
        raise LookupError(source)
    if own_case is None or own_case.author_id != member.id or not own_case.is_published:
        raise ProposalError(_("Choose one of your own published cases."))
    if own_case.id == source.id:
        raise ProposalError(_("A case cannot copy itself."))
    return _add(Proposal(case_id=own_case.id, author_id=member.id, kind="copied_from", copied_from=source.slug,
                         visibility="public", attribution="named"))


def _add(proposal: Proposal) -> Proposal:
    proposal.created_at = utcnow()
    session = db.session()
    session.add(proposal)
    session.commit()
    return proposal


def mine(member: Member) -> list[Proposal]:
    return list(db.session().scalars(select(Proposal).where(Proposal.author_id == member.id)
                                     .order_by(Proposal.created_at.desc())))


def waiting(moderator: Member) -> list[Proposal]:
    if not is_moderator(moderator):
        return []
    return list(db.session().scalars(select(Proposal).where(Proposal.state == "submitted")
                                     .order_by(Proposal.created_at)))


def for_review(moderator: Member, proposal_id: int) -> Proposal | None:
    return db.session().get(Proposal, proposal_id) if is_moderator(moderator) else None


def source_case(proposal: Proposal) -> Case | None:
    if proposal.kind != "copied_from":
        return None
    return db.session().scalar(select(Case).where(Case.slug == proposal.copied_from))


def approve(moderator: Member, proposal: Proposal) -> None:
    """Change the case as proposed, as a new revision; the index follows in the same transaction."""
    if not is_moderator(moderator) or proposal.state != "submitted":
        raise PermissionError("cannot approve this proposal")
    session = db.session()
    case = proposal.case
    with first_save_wins(case):
        revisions.keep_baseline(session, case)
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
        case.updated_at = utcnow()
        proposal.state, proposal.decided_at, proposal.review_note = "approved", utcnow(), None
        record_change(session, case.slug)
        revisions.record(session, case, action, proposal.author)
        session.commit()
    indexing.apply_pending()


def send_back(moderator: Member, proposal: Proposal, note: str) -> None:
    if not is_moderator(moderator) or proposal.state != "submitted":
        raise PermissionError("cannot send this proposal back")
    proposal.state, proposal.decided_at = "returned", utcnow()
    proposal.review_note = (note or "").strip()[:2000]
    db.session().commit()
