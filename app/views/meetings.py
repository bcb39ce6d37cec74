"""Meetings: the list, one meeting, and the moderators' form to add, edit and delete them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import auth
from ..forms import ConfirmForm, MeetingForm, remove_entry
from ..models import Case, Meeting
from ..services import meetings
from ..services.meetings import ItemInput, MeetingInput, MeetingProblems

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

BLANK_ROWS_NEW = 4  # a new programme starts with this many empty rows
BLANK_ROWS_EDIT = 2  # an existing one gets this many more
MORE_ROWS = 3  # added by "More rows"


@bp.app_template_global()
def case_meetings(case: Case) -> list[meetings.Presented]:
    """For the case page: the meetings that presented this case."""
    return meetings.presented_at(auth.current_actor(), case)


@bp.get("")
def index():
    return render_template("meetings/index.html", listing=meetings.list_meetings(auth.current_actor()))


@bp.get("/<slug>")
def show(slug: str):
    return render_template("meetings/show.html", view=meetings.get_meeting(auth.current_actor(), slug))


@bp.route("/new", methods=["GET", "POST"])
def new():
    meetings.may_manage(auth.acting_actor())
    return _edit(None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    return _edit(meetings.meeting_to_edit(auth.acting_actor(), slug))


@bp.route("/<slug>/delete", methods=["GET", "POST"])
def delete(slug: str):
    meeting = meetings.meeting_to_edit(auth.acting_actor(), slug)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("meetings/confirm_delete.html", meeting=meeting, form=form)
    if not form.validate_on_submit():
        abort(400)
    title = meeting.title
    meetings.delete_meeting(auth.acting_actor(), meeting)
    flash(_("“%(title)s” was deleted.", title=title))
    return redirect(url_for("meetings.index"))


def _form_for(meeting: Meeting | None) -> MeetingForm:
    """The form as stored, with empty programme rows to fill in."""
    if meeting is None:
        form = MeetingForm(formdata=None)
        blanks = BLANK_ROWS_NEW
    else:
        form = MeetingForm(formdata=None, data={
            "title": meeting.title, "held_on": meeting.held_on, "place": meeting.place, "host": meeting.host,
            "summary": meeting.summary, "notes": meeting.notes, "notes_visibility": meeting.notes_visibility,
            "items": [{"title": i.title, "case": i.case.slug if i.case else "", "speaker": i.speaker,
                       "speaker_agreed": i.speaker_agreed} for i in meeting.items]})
        blanks = BLANK_ROWS_EDIT
    for _n in range(blanks):
        form.items.append_entry()
    return form


def _input(form: MeetingForm) -> MeetingInput:
    return MeetingInput(
        title=form.title.data or "", held_on=form.held_on.data, place=form.place.data or "",
        host=form.host.data or "", summary=form.summary.data or "", notes=form.notes.data or "",
        notes_visibility=form.notes_visibility.data or "",
        items=[ItemInput(title=row.title.data or "", case=row.case.data or "", speaker=row.speaker.data or "",
                         speaker_agreed=bool(row.speaker_agreed.data)) for row in form.items])


def _change_rows(form: MeetingForm, action: str) -> None:
    """More empty rows, or one row fewer, keeping everything else that was typed."""
    if action == "more_rows":
        for _n in range(min(MORE_ROWS, form.items.max_entries - len(form.items))):
            form.items.append_entry()
        return
    remove_entry(form.items, action.removeprefix("remove-"))


def _show_problems(form: MeetingForm, problems: list[meetings.Problem]) -> None:
    for problem in problems:
        field = form[problem.field] if problem.row is None else form.items[problem.row][problem.field]
        field.errors = [*field.errors, problem.message]


def _edit(meeting: Meeting | None):
    """The form; on "save" the meetings service checks it, and a refusal shows each reason by its field."""
    if request.method == "GET":
        form, status = _form_for(meeting), 200
    else:
        form, status = MeetingForm(), 400
        typed_well = form.validate_on_submit()  # only a date that is not one fails here (or the CSRF token)
        if form.csrf_token.errors:
            abort(400)
        action = request.form.get("action", "save")
        if action == "more_rows" or action.startswith("remove-"):
            _change_rows(form, action)
            status = 200
        elif not typed_well:  # say everything else that is wrong too, not only the date
            _show_problems(form, [p for p in meetings.problems_in(_input(form)) if p.field != "held_on"])
        else:
            try:
                saved = meetings.save_meeting(auth.acting_actor(), _input(form), meeting)
            except MeetingProblems as invalid:
                _show_problems(form, invalid.problems)
            else:
                flash(_("The meeting is saved."))
                if meetings.members_only_cases_in_public_notes(saved):  # the form shows the warning
                    return redirect(url_for("meetings.edit", slug=saved.slug, _anchor="notes-warning"))
                return redirect(url_for("meetings.show", slug=saved.slug))
    return render_template("meetings/edit.html", form=form, meeting=meeting, cases=meetings.published_cases(),
                           anonymous_rows=meetings.anonymous_rows([row.case.data or "" for row in form.items]),
                           notes_warning=meetings.members_only_cases_in_public_notes(meeting) if meeting else []), status
