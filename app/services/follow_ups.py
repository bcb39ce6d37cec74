"""Follow-ups: "how is it going now?", asked of a case's contributor once a period has passed.

A published case with an active contributor is due when a whole CASEBOOK_FOLLOW_UP_DAYS period
has passed since publishing and no prompt was written for the period it is in now. The first
prompt comes whatever the case's status; later ones only while it is still going (an idea, a
pilot, running, or no status given: the contributor never told us it ended, and the answer form
is where they do). A run that missed several periods prompts once, for the current one.

Each prompt is one unit of work: the FollowUp row and its mail are written together, so a crash
never leaves a prompt without its mail or prompts twice. The unique (case, period) constraint
settles two runs racing on two nodes: the loser's unit rolls back and the run goes on.

The contributor answers with a confirmation ("nothing changed": no review) or an update, which a
moderator approves or sends back, like the additions in proposals.py. An approved update changes
the case as a new revision and shows on the case page, dated.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import db, vocabulary
from ..audience import Audience
from ..casefiles import slugify
from ..errors import Conflict, Invalid, NotFound
from ..models import Case, CaseUpdate, FollowUp, Lesson, Member, aware, utcnow
from ..policy import SYSTEM, Actor, can, require, update_lesson_visible
from . import outbox
from .unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

# Later prompts only while a case is still going; None: the contributor never said (see above).
ONGOING = ("idea", "pilot", "running", None)
MAX_TEXT_CHARS = 5000
MAX_STORY_CHARS = 20000


class UpdateError(Invalid):
    """A reason shown to the contributor on the answer form."""


# --- what is due ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    case_id: int
    period: int


def period_of(published_at: datetime, now: datetime, days: int) -> int:
    """Whole periods since publishing: 0 before the first prompt, 1 after one period, and so on."""
    return max((aware(now) - aware(published_at)) // timedelta(days=days), 0)


def due(now: datetime | None = None) -> list[Due]:
    """The cases whose contributor should be asked now, each for its current period."""
    now = now or utcnow()
    days = current_app.config["FOLLOW_UP_DAYS"]
    session = db.session()
    candidates = session.execute(
        select(Case.id, Case.published_at, Case.status)
        .join(Member, Member.id == Case.author_id)
        .where(Case.published_at.is_not(None), Case.published_at <= now - timedelta(days=days),
               Member.disabled_at.is_(None))
        .order_by(Case.id)
    ).all()
    asked = dict(session.execute(select(FollowUp.case_id, func.max(FollowUp.period)).group_by(FollowUp.case_id)).all())
    found = []
    for case_id, published_at, status in candidates:
        period = period_of(published_at, now, days) if published_at is not None else 0
        last = asked.get(case_id)
        if period < 1 or (last is not None and last >= period):
            continue
        if last is not None and status not in ONGOING:
            continue  # asked once already, and the case has ended
        found.append(Due(case_id, period))
    return found


def prompt(item: Due, now: datetime | None = None) -> bool:
    """Write this prompt and its mail in one unit; False when there was nothing to do or another run won."""
    now = now or utcnow()
    try:
        with unit_of_work(SYSTEM) as uow:
            case = uow.session.get(Case, item.case_id)
            author = uow.session.get(Member, case.author_id) if case is not None and case.author_id else None
            if case is None or author is None or not author.is_active or not case.is_published:
                return False  # changed since due() looked
            uow.session.add(FollowUp(case_id=case.id, period=item.period, member_id=author.id, prompted_at=now))
            uow.session.flush()  # a racing run's row makes this fail here, inside the unit: nothing is kept
            mail = outbox.compose(author, "follow_ups", "follow_up", case=case,
                                  published_on=case.published_at, answer_url=outbox.link("follow_ups.answer",
                                                                                         slug=case.slug))
            # Kept in the outbox, not sent after this commit: the command sends the whole batch on one
            # connection afterwards, so a command that ends never leaves a mail half sent.
            if mail is not None:
                uow.session.add(mail)
    except IntegrityError:
        log.info("follow-up of case %s for period %s was written by another run", item.case_id, item.period)
        return False
    return True


def send_due(now: datetime | None = None) -> int:
    """Prompt every contributor who is due; how many were prompted. Safe to run at any interval."""
    return sum(prompt(item, now) for item in due(now))


# --- the contributor's side ----------------------------------------------------------------------

def case_to_answer(actor: Actor, slug: str) -> Case:
    """The case whose follow-up this actor may answer: its contributor, or a moderator. Others: NotFound."""
    case = db.session().scalar(select(Case).where(Case.slug == slug))
    if case is None or not can(actor, "case.follow_up", case):
        raise NotFound()
    return case


def open_follow_up(case: Case) -> FollowUp | None:
    """The newest prompt for this case that is not answered yet."""
    return db.session().scalar(select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.answered_at.is_(None))
                               .order_by(FollowUp.period.desc()).limit(1))


def open_follow_ups(member: Member) -> dict[int, FollowUp]:
    """Case id -> its open prompt, for the member's own cases."""
    rows = db.session().scalars(select(FollowUp).join(Case, Case.id == FollowUp.case_id)
                                .where(Case.author_id == member.id, FollowUp.answered_at.is_(None))
                                .order_by(FollowUp.period))
    return {f.case_id: f for f in rows}


def _answered(uow: UnitOfWork, case: Case, now: datetime) -> FollowUp | None:
    """Every open prompt of the case is answered by this answer; the newest is returned."""
    rows = list(uow.session.scalars(select(FollowUp).where(FollowUp.case_id == case.id,
                                                           FollowUp.answered_at.is_(None))
                                    .order_by(FollowUp.period)))
    for row in rows:
        row.answered_at = now
    return rows[-1] if rows else None


def confirm(actor: Actor, case: Case) -> None:
    """"Nothing changed, still as told": the case says so, dated; no review needed."""
    require(actor, "case.follow_up", case)
    now = utcnow()
    with unit_of_work(actor) as uow:
        case.confirmed_at = now
        _answered(uow, case, now)


@dataclass
class Answer:
    """What the contributor typed on the answer form."""

    status: str = ""
    text: str = ""
    lesson_kind: str = ""
    lesson_text: str = ""
    lesson_visibility: str = "members"
    story_addition: str = ""


def _check(case: Case, answer: Answer) -> None:
    if answer.status and answer.status not in vocabulary.STATUSES:
        raise UpdateError(_("Choose the status the case has now."))
    if answer.lesson_kind and answer.lesson_kind not in vocabulary.LESSON_KINDS:
        raise UpdateError(_("Choose whether it went well or badly."))
    if answer.lesson_text and not answer.lesson_kind:
        raise UpdateError(_("Choose whether the lesson went well or badly."))
    if answer.lesson_kind and not answer.lesson_text:
        raise UpdateError(_("Write the lesson, or choose “no lesson this time”."))
    if answer.lesson_visibility not in vocabulary.VISIBILITIES:
        raise UpdateError(_("Choose who may read the lesson."))
    if max(len(answer.text), len(answer.lesson_text)) > MAX_TEXT_CHARS or len(answer.story_addition) > MAX_STORY_CHARS:
        raise UpdateError(_("Keep it shorter: at most %(n)s characters for what happened and the lesson.",
                            n=MAX_TEXT_CHARS))
    changed_status = answer.status and answer.status != case.status
    if not (changed_status or answer.text or answer.lesson_text or answer.story_addition):
        raise UpdateError(_("Tell what changed, or use “Nothing changed” above."))


def submit_update(actor: Actor, case: Case, answer: Answer) -> CaseUpdate:
    """The contributor's answer, waiting for a moderator."""
    require(actor, "case.follow_up", case)
    assert actor.acting is not None  # the policy lets only a signed-in member answer
    answer = Answer(**{k: (v or "").strip() for k, v in vars(answer).items()})
    _check(case, answer)
    now = utcnow()
    with unit_of_work(actor) as uow:
        follow_up = _answered(uow, case, now)
        update = CaseUpdate(
            case_id=case.id, author_id=actor.acting.id, follow_up_id=follow_up.id if follow_up else None,
            status=answer.status if answer.status and answer.status != case.status else None, text=answer.text,
            lesson_kind=answer.lesson_kind or None, lesson_text=answer.lesson_text or None,
            lesson_visibility=answer.lesson_visibility, story_addition=answer.story_addition or None,
            state="submitted", created_at=now)
        uow.session.add(update)
    return update


def mine(member: Member) -> list[CaseUpdate]:
    return list(db.session().scalars(select(CaseUpdate).where(CaseUpdate.author_id == member.id)
                                     .order_by(CaseUpdate.created_at.desc())))


def latest_of(case: Case, member: Member | None) -> CaseUpdate | None:
    """The member's newest update of this case (to say it waits, or why it was sent back)."""
    if member is None:
        return None
    return db.session().scalar(select(CaseUpdate).where(CaseUpdate.case_id == case.id,
                                                        CaseUpdate.author_id == member.id)
                               .order_by(CaseUpdate.created_at.desc(), CaseUpdate.id.desc()).limit(1))


# --- review --------------------------------------------------------------------------------------

def waiting(actor: Actor) -> list[CaseUpdate]:
    require(actor, "moderation.open")
    return list(db.session().scalars(select(CaseUpdate).where(CaseUpdate.state == "submitted")
                                     .order_by(CaseUpdate.created_at)))


def for_review(actor: Actor, update_id: int) -> CaseUpdate:
    require(actor, "moderation.open")
    update = db.session().get(CaseUpdate, update_id)
    if update is None:
        raise NotFound()
    return update


def _decision(actor: Actor, update: CaseUpdate) -> None:
    require(actor, "case_update.decide", update)
    if update.state != "submitted":
        raise Conflict()  # another moderator decided first


def story_heading(case: Case, moment: datetime | None = None) -> str:
    """The heading an addition to the story goes under (today's, unless told), in the case's own language."""
    with force_locale(case.language):
        return _("Update, %(date)s", date=format_date(moment or utcnow(), "long"))


def story_with_addition(body: str, heading: str, addition: str) -> str:
    """The story with an update's addition at its end, under its dated heading."""
    return f"{body.rstrip()}\n\n## {heading}\n\n{addition}\n"


def approve(actor: Actor, update: CaseUpdate) -> None:
    """Change the case as the update says, as a new revision; it shows on the case, dated."""
    _decision(actor, update)
    case = update.case
    now = utcnow()
    with unit_of_work(actor) as uow:
        uow.before_change(case)
        if update.status and update.status != case.status:
            case.status = update.status
        if update.lesson_text and update.lesson_kind:
            case.lessons.append(Lesson(position=len(case.lessons), kind=update.lesson_kind, text=update.lesson_text,
                                       visibility=update.lesson_visibility))
        if update.story_addition:
            case.body = story_with_addition(case.body, story_heading(case, now), update.story_addition)
        update.state, update.published_at, update.review_note = "approved", now, None
        case.confirmed_at = now
        # The revision is the contributor's: they wrote it; the moderator let it in (audit log).
        uow.changed(case, "follow_up", update.author)
        uow.audit("update.approve", "case", case.id, case.slug, f"update {update.id}")


def send_back(actor: Actor, update: CaseUpdate, note: str) -> None:
    _decision(actor, update)
    with unit_of_work(actor) as uow:
        update.state = "returned"
        update.review_note = (note or "").strip()[:2000]
        uow.audit("update.send_back", "case", update.case_id, update.case.slug,
                  f"update {update.id}: {update.review_note}")


# --- on the case page ----------------------------------------------------------------------------

@dataclass
class UpdateView:
    """An approved update as one audience may see it: its lesson only when that audience may.

    Its lesson and its story addition are already on the case page (in the lessons, at the end of
    the story): the update points to them rather than repeating their text.
    """

    published_at: datetime
    status: str | None
    text: str
    lesson: Lesson | None
    story_heading: str | None = None  # the heading its addition went under, while the story still has it

    @property
    def story_anchor(self) -> str:
        return slugify(self.story_heading or "")

    @property
    def shows_anything(self) -> bool:
        return bool(self.status or self.text or self.lesson or self.story_heading)


def _heading_in_story(case: Case, update: CaseUpdate, moment: datetime) -> str | None:
    if not update.story_addition:
        return None
    heading = story_heading(case, moment)
    return heading if re.search(rf"^## {re.escape(heading)}[ \t]*$", case.body or "", re.M) else None


def shown_updates(audience: Audience, case: Case) -> list[UpdateView]:
    """The case's approved updates, newest first. Nothing here names the contributor.

    An update's lesson is shown as the lesson the case holds now: edited away or made
    members-only later, it follows (fail closed). An update with nothing this audience may see
    (only a members-only lesson, to a visitor) is not there at all.
    """
    updates = db.session().scalars(select(CaseUpdate).where(CaseUpdate.case_id == case.id,
                                                            CaseUpdate.state == "approved",
                                                            CaseUpdate.published_at.is_not(None))
                                   .order_by(CaseUpdate.published_at.desc(), CaseUpdate.id.desc()))
    shown = []
    for update in updates:
        held = next((l for l in case.lessons if update.lesson_text and l.kind == update.lesson_kind
                     and l.text == update.lesson_text), None)
        lesson = held if held is not None and update_lesson_visible(audience, update.lesson_visibility, held) else None
        moment = update.published_at or update.created_at
        view = UpdateView(moment, update.status, update.text, lesson, _heading_in_story(case, update, moment))
        if view.shows_anything:
            shown.append(view)
    return shown


def lessons_added(updates: list[UpdateView]) -> dict[int, datetime]:
    """Lesson id -> the date of the update that added it, for the lessons this reader is shown."""
    added: dict[int, datetime] = {}
    for update in reversed(updates):  # oldest first: a lesson is dated by the update that first added it
        if update.lesson is not None:
            added.setdefault(update.lesson.id, update.published_at)
    return added


def anchor_story(story: Markup, updates: list[UpdateView]) -> Markup:
    """The rendered story with an id on each heading an update's addition went under (the first of
    each, should two updates of one day share it), for the update to link to."""
    html = str(story)
    for heading, anchor in {u.story_heading: u.story_anchor for u in updates if u.story_heading}.items():
        plain = f"<h2>{escape(heading)}</h2>"
        html = html.replace(plain, f'<h2 id="{anchor}">{escape(heading)}</h2>', 1)
    return Markup(html)
