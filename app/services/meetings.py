"""Meetings: the alliance's twice-yearly gatherings, their programme and their notes.

Reading, for any actor: a meeting's date, place, host and public summary; each programme item
only when the reader may see the case it presents (a members-only case is, to a visitor, no
item at all, not even its title); a speaker only when they agreed to be named (Chatham House),
and never with an anonymous case but to moderators (agreeing to be named as a speaker is not
giving up the case's anonymity); the notes only as their visibility allows. Writing: moderators, through the unit of work, with
an audit entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import db
from ..casefiles import slugify
from ..errors import Invalid, NotFound
from ..models import Case, Meeting, MeetingItem, utcnow
from ..policy import Actor, can, require
from .unit_of_work import unit_of_work

NOTES_VISIBILITIES = ("members", "public")
RESERVED_SLUGS = ("new",)  # /meetings/new is the form
LIMITS = {"title": 300, "place": 200, "host": 200, "summary": 20000, "notes": 50000}
ITEM_LIMITS = {"title": 300, "speaker": 200}


# --- reading ------------------------------------------------------------------------------------

@dataclass
class ItemView:
    """A programme item as this reader may see it."""

    title: str
    case: Case | None
    speaker: str | None  # None unless the speaker agreed to be named
    speaker_private: bool = False  # named to this reader (a moderator) only: the case is anonymous


@dataclass
class MeetingView:
    """A meeting with only what this reader may see of it. Templates use this, never `meeting.notes`."""

    meeting: Meeting
    items: list[ItemView]
    notes: str | None  # None when this reader may not read them (or there are none)
    notes_withheld: bool  # there are notes, for members only: a neutral line says so
    upcoming: bool

    @property
    def cases(self) -> list[Case]:
        return [item.case for item in self.items if item.case is not None]


@dataclass
class MeetingList:
    upcoming: list[MeetingView] = field(default_factory=list)
    past: list[MeetingView] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.upcoming or self.past)


def today() -> date:
    """The date where the alliance meets (a meeting "today" is still upcoming)."""
    return datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam"))).date()


def _item_view(actor: Actor, item: MeetingItem) -> ItemView | None:
    """None when the item presents a case this reader may not see: then it is not there at all."""
    if item.case_id is not None and not can(actor, "case.read", item.case):
        return None
    speaker = item.speaker.strip() if can(actor, "meeting_item.name_speaker", item) else None
    private = speaker is not None and item.case is not None and item.case.attribution == "anonymous"
    return ItemView(title=item.title, case=item.case, speaker=speaker, speaker_private=private)


def view_of(actor: Actor, meeting: Meeting, on: date | None = None) -> MeetingView:
    items = [v for v in (_item_view(actor, item) for item in meeting.items) if v is not None]
    has_notes = bool((meeting.notes or "").strip())
    readable = has_notes and can(actor, "meeting.read_notes", meeting)
    return MeetingView(meeting=meeting, items=items, notes=meeting.notes if readable else None,
                       notes_withheld=has_notes and not readable, upcoming=meeting.held_on >= (on or today()))


def list_meetings(actor: Actor, on: date | None = None) -> MeetingList:
    """Upcoming meetings first (the next one on top), then past ones, newest first."""
    on = on or today()
    rows = db.session().scalars(select(Meeting).options(selectinload(Meeting.items))
                                .order_by(Meeting.held_on.desc(), Meeting.id.desc()))
    listing = MeetingList()
    for meeting in rows:
        if not can(actor, "meeting.read", meeting):
            continue
        shown = view_of(actor, meeting, on)
        (listing.upcoming if shown.upcoming else listing.past).append(shown)
    listing.upcoming.reverse()
    return listing


def _find(slug: str) -> Meeting | None:
    return db.session().scalar(select(Meeting).where(Meeting.slug == slug).options(selectinload(Meeting.items)))


def get_meeting(actor: Actor, slug: str) -> MeetingView:
    meeting = _find(slug)
    if meeting is None or not can(actor, "meeting.read", meeting):
        raise NotFound()
    return view_of(actor, meeting)


@dataclass
class Presented:
    """A meeting whose programme presents a case (for the case page)."""

    slug: str
    title: str
    held_on: date
    upcoming: bool


def presented_at(actor: Actor, case: Case) -> list[Presented]:
    """The meetings whose programme links this case, newest first: one query.

    Only for a case the reader may see; a meeting is public, so naming it tells nothing more.
    """
    if not can(actor, "case.read", case):
        return []
    linking = select(MeetingItem.meeting_id).where(MeetingItem.case_id == case.id)
    rows = db.session().execute(select(Meeting.slug, Meeting.title, Meeting.held_on)
                                .where(Meeting.id.in_(linking)).order_by(Meeting.held_on.desc(), Meeting.id.desc()))
    on = today()
    return [Presented(slug=slug, title=title, held_on=held_on, upcoming=held_on >= on)
            for slug, title, held_on in rows]


# --- writing ------------------------------------------------------------------------------------

@dataclass
class ItemInput:
    """A programme row as typed: `case` is a case's address name (or its web address)."""

    title: str = ""
    case: str = ""
    speaker: str = ""
    speaker_agreed: bool = False

    @property
    def blank(self) -> bool:
        return not (self.title.strip() or self.case.strip() or self.speaker.strip())


@dataclass
class MeetingInput:
    title: str = ""
    held_on: date | None = None
    place: str = ""
    host: str = ""
    summary: str = ""
    notes: str = ""
    notes_visibility: str = "members"
    items: list[ItemInput] = field(default_factory=list)


@dataclass
class Problem:
    """What is wrong with one field: `row` is the programme row, None for the meeting's own fields."""

    field: str
    message: str
    row: int | None = None


class MeetingProblems(Invalid):
    """The form is shown again, each reason next to its field."""

    def __init__(self, problems: list[Problem]):
        super().__init__(_("Please check the fields marked below."))
        self.problems = problems


def may_manage(actor: Actor) -> None:
    """Go on for moderators; anyone else is told there is no such page (404, not 403)."""
    require(actor, "meeting.manage")


def meeting_to_edit(actor: Actor, slug: str) -> Meeting:
    may_manage(actor)
    meeting = _find(slug)
    if meeting is None:
        raise NotFound()
    return meeting


def published_cases() -> list[tuple[str, str]]:
    """(address name, title) of every published case: what a moderator may put on a programme."""
    return [(slug, title) for slug, title in db.session().execute(
        select(Case.slug, Case.title).where(Case.published_at.is_not(None)).order_by(Case.title))]


def anonymous_rows(references: list[str]) -> set[int]:
    """The programme rows (by position) whose case reference names an anonymous case: the form says
    by each that its speaker is not named on the site. One query."""
    slugs = {case_slug(r) for r in references if r.strip()}
    if not slugs:
        return set()
    anonymous = set(db.session().scalars(select(Case.slug).where(Case.slug.in_(slugs),
                                                                 Case.attribution == "anonymous")))
    return {row for row, reference in enumerate(references) if reference.strip() and case_slug(reference) in anonymous}


def members_only_cases_in_public_notes(meeting: Meeting) -> list[Case]:
    """The members-only cases a programme presents while its notes are for everyone: the moderator is
    warned, so notes about such a case do not become public unnoticed."""
    if meeting.notes_visibility != "public" or not (meeting.notes or "").strip():
        return []
    cases = {item.case.id: item.case for item in meeting.items if item.case is not None
             and item.case.visibility != "public"}
    return list(cases.values())


def case_slug(reference: str) -> str:
    """`rotterdam-water-square`, `/cases/rotterdam-water-square` or its full web address: the address name."""
    text = reference.strip().split("?")[0].split("#")[0].rstrip("/")
    if "/cases/" in text:
        text = text.split("/cases/")[-1]
    return text.split("/")[-1].strip().lower()


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_meeting(data: MeetingInput) -> list[Problem]:
    problems = []
    required = {"title": _("Give the meeting a title."), "place": _("Say where the meeting is held.")}
    for name, limit in LIMITS.items():
        value = _text(getattr(data, name))
        if not value and name in required:
            problems.append(Problem(name, required[name]))
        elif len(value) > limit:
            problems.append(Problem(name, _("Please use at most %(n)s characters.", n=limit)))
    if data.held_on is None:
        problems.append(Problem("held_on", _("Give the date of the meeting.")))
    if data.notes_visibility not in NOTES_VISIBILITIES:
        problems.append(Problem("notes_visibility", _("Choose who may read the notes.")))
    return problems


def _programme(data: MeetingInput) -> tuple[list[tuple[ItemInput, Case | None]], list[Problem]]:
    """The rows that are not blank, each with the published case it presents; and what is wrong."""
    rows: list[tuple[ItemInput, Case | None]] = []
    problems = []
    session = db.session()
    for row, item in enumerate(data.items):
        if item.blank:
            continue
        case = None
        if _text(item.case):
            slug = case_slug(item.case)
            case = session.scalar(select(Case).where(Case.slug == slug, Case.published_at.is_not(None)))
            if case is None:
                problems.append(Problem("case", _("No published case has the address name “%(slug)s”.", slug=slug),
                                        row))
        if not _text(item.title) and case is None and not _text(item.case):
            problems.append(Problem("title", _("Give this item a title, or the case it presents."), row))
        for name, limit in ITEM_LIMITS.items():
            if len(_text(getattr(item, name))) > limit:
                problems.append(Problem(name, _("Please use at most %(n)s characters.", n=limit), row))
        rows.append((item, case))
    return rows, problems


def _new_slug(title: str) -> str:
    base = slugify(title)[:100] or "meeting"
    session = db.session()
    slug, n = base, 1
    while slug in RESERVED_SLUGS or session.scalar(select(Meeting.id).where(Meeting.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def problems_in(data: MeetingInput) -> list[Problem]:
    """Everything wrong with what was typed (nothing: it can be saved)."""
    return _check_meeting(data) + _programme(data)[1]


def save_meeting(actor: Actor, data: MeetingInput, meeting: Meeting | None = None) -> Meeting:
    """Create a meeting (None) or replace an existing one's fields and programme. Moderators only."""
    may_manage(actor)
    rows, item_problems = _programme(data)
    problems = _check_meeting(data) + item_problems
    if problems:
        raise MeetingProblems(problems)
    assert data.held_on is not None  # checked above
    with unit_of_work(actor) as uow:
        new = meeting is None
        if meeting is None:
            meeting = Meeting(slug=_new_slug(_text(data.title)), created_at=utcnow())
            uow.session.add(meeting)
        meeting.title, meeting.held_on = _text(data.title), data.held_on
        meeting.place, meeting.host = _text(data.place), _text(data.host)
        meeting.summary, meeting.notes = _text(data.summary), _text(data.notes)
        meeting.notes_visibility = data.notes_visibility
        meeting.updated_at = utcnow()
        meeting.items.clear()
        for position, (item, case) in enumerate(rows):
            meeting.items.append(MeetingItem(
                position=position, title=_text(item.title) or (case.title if case else ""),
                case_id=case.id if case else None, case=case, speaker=_text(item.speaker),
                speaker_agreed=bool(item.speaker_agreed and _text(item.speaker))))
        uow.session.flush()
        uow.audit("meeting.create" if new else "meeting.edit", "meeting", meeting.id, meeting.title,
                  f"{meeting.held_on.isoformat()}, {meeting.place}; {len(rows)} programme items")
    return meeting


def delete_meeting(actor: Actor, meeting: Meeting) -> None:
    may_manage(actor)
    with unit_of_work(actor) as uow:
        uow.audit("meeting.delete", "meeting", meeting.id, meeting.title, meeting.held_on.isoformat())
        uow.session.delete(meeting)
