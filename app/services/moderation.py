"""What a moderator sees before deciding: who sent what and when, and what it would change.

A moderator approves exactly what is shown, so an addition or update to a published case is
shown field by field against the published version, with the comparison the revisions use.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import db
from ..casefiles import LessonData
from ..models import Case, CaseUpdate, Member, Proposal
from ..policy import Actor, require
from . import contributions, follow_ups, proposals, revisions
from .content import case_data
from .follow_ups import story_heading
from .revisions import FieldChange


@dataclass
class Waiting:
    """One row of the review queue."""

    kind: str  # new_case | lesson | copied_from | update
    id: int
    case: Case
    submitter: Member | None
    submitted_at: datetime


def queue(actor: Actor) -> dict[str, list[Waiting]]:
    """Everything waiting for a moderator, oldest first, by what it is."""
    require(actor, "moderation.open")
    # A submitted case's last change is its submission (a moderator's correction moves it too).
    # Only new cases wait: an author's edit of a published case is published at once, as a revision.
    cases = [Waiting("new_case", c.id, c, c.author, c.updated_at) for c in contributions.review_queue(actor)]
    additions = [Waiting(p.kind, p.id, p.case, p.author, p.created_at) for p in proposals.waiting(actor)]
    updates = [Waiting("update", u.id, u.case, u.author, u.created_at) for u in follow_ups.waiting(actor)]
    return {"cases": cases, "additions": additions, "updates": updates}


def copied_case(actor: Actor, case: Case) -> Case | None:
    """The case a case says it copied (in any state: only moderators are shown it), or None."""
    require(actor, "moderation.open")
    if not case.copied_from:
        return None
    return db.session().scalar(select(Case).where(Case.slug == case.copied_from))


def proposal_changes(actor: Actor, proposal: Proposal) -> list[FieldChange]:
    """What approving the proposal would change on its published case."""
    require(actor, "moderation.open")
    before = case_data(proposal.case)
    after = copy.deepcopy(before)
    if proposal.kind == "lesson" and proposal.lesson_kind and proposal.text:
        after.lessons.append(LessonData(proposal.lesson_kind, proposal.text, proposal.visibility))
    elif proposal.kind == "copied_from":
        after.copied_from = proposal.copied_from
    return revisions.compare_data(before, after)


def update_changes(actor: Actor, update: CaseUpdate) -> list[FieldChange]:
    """What approving a contributor's update would change on its published case (today's heading)."""
    require(actor, "moderation.open")
    case = update.case
    before = case_data(case)
    after = copy.deepcopy(before)
    if update.status:
        after.status = update.status
    if update.lesson_text and update.lesson_kind:
        after.lessons.append(LessonData(update.lesson_kind, update.lesson_text, update.lesson_visibility))
    if update.story_addition:
        after.body = follow_ups.story_with_addition(case.body, story_heading(case), update.story_addition)
    return revisions.compare_data(before, after)
