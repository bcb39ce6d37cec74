"""Contributing a case, and moderators reviewing what was submitted."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth, case_form_errors, casefiles, db, sources, vocabulary
from ..errors import Conflict, NotFound
from ..forms import FIRST_COUNTRY, CaseForm, ConfirmForm, ReviewForm, is_only_headings, remove_entry, story_outline
from ..i18n import ui_locale
from ..models import Case, utcnow
from ..policy import Actor, can, require
from ..services import cases, contributions, follow_ups, library, moderation, proposals, revisions
from ..services.content import case_data

bp = Blueprint("contribute", __name__)


def _case_form(case=None) -> CaseForm:
    """The form as typed; on first opening, the case's values (a new case: the story outline, the UI
    language and the Netherlands, to change where they do not fit)."""
    form = CaseForm()
    if case is None and request.method == "GET":
        form = CaseForm(data={"body": story_outline(), "language": ui_locale(), "country": FIRST_COUNTRY})
    if case is not None and request.method == "GET":
        data = case_data(case)
        form = CaseForm(data={
            "title": data.title, "summary": data.summary, "body": data.body, "city": data.city,
            "country": data.country, "themes": data.themes, "language": data.language,
            "visibility": data.visibility, "attribution": data.attribution,
            "organisations": "\n".join(data.organisations), "sdg_targets": ", ".join(data.sdg_targets),
            "sources": sources.as_lines(data.sources), "copied_from": data.copied_from or "",
            "contact": data.contact or "", "status": data.status or "", "year": str(data.year or ""),
            "lessons": [{"kind": l.kind, "text": l.text, "visibility": l.visibility} for l in data.lessons] or [{}],
            "base_version": str(case.version),
        })
        if is_only_headings(form.body.data or ""):
            form.body.data = story_outline()  # a draft saved before its story was written
    form.set_country_choices(ui_locale())
    form.set_theme_choices({slug: vocabulary.theme_label(slug, ui_locale()) for slug in vocabulary.themes()})
    return form


@bp.get("/contribute")
@login_required
def mine():
    member = auth.signed_in_member()
    return render_template("contribute/mine.html", cases=contributions.my_cases(member),
                           proposals=proposals.mine(member), follow_ups=follow_ups.open_follow_ups(member),
                           updates=follow_ups.mine(member))


@bp.get("/contribute/<int:case_id>")
@login_required
def show(case_id: int):
    """An unpublished case as it will read, with where it stands: for its author (also while a
    moderator reviews it and they cannot change it) and for moderators. Others: not found."""
    actor = auth.acting_actor()
    case = contributions.get_case(actor, case_id)
    if case.is_published:
        return redirect(url_for("pages.case", slug=case.slug))
    return render_template("contribute/show.html", case=case, view=cases.preview_view(actor.audience, case))


@bp.route("/contribute/new", methods=["GET", "POST"])
@login_required
def new():
    return _edit(None)


@bp.route("/contribute/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    actor = auth.acting_actor()
    case = contributions.get_case(actor, case_id)
    if not can(actor, "case.edit", case):
        raise NotFound()  # someone else's draft looks exactly like no draft
    return _edit(case)


def _change_lessons(form: CaseForm, action: str) -> None:
    """Add an empty lesson, or remove one, keeping everything else that was typed."""
    if action == "add_lesson":
        form.lessons.append_entry()
    elif action.startswith("remove_lesson-") and len(form.lessons) > 1:
        remove_entry(form.lessons, action.removeprefix("remove_lesson-"))


def _after_save(actor: Actor, case: Case, action: str):
    """Where a save leads, with a line there that says what happened."""
    now = format_time(utcnow(), "short")
    if case.is_published:
        flash(_("Your changes were published at %(time)s.", time=now))
        return redirect(url_for("pages.case", slug=case.slug))
    if action == "submit" and case.review_state == "submitted":
        flash(_("Sent for review: a moderator will look at it. You will find the outcome here."))
    elif case.review_state == "submitted":
        flash(_("Changes saved at %(time)s.", time=now))
    else:
        flash(_("Draft saved at %(time)s.", time=now))
    if case.review_state == "submitted" and can(actor, "case.decide", case):
        return redirect(url_for("contribute.review", case_id=case.id))
    return redirect(url_for("contribute.mine"))


def _edit(case: Case | None):
    actor = auth.acting_actor()
    form = _case_form(case)
    unplaced: list[str] = []
    preview, conflict, invalid_form = None, None, False
    if request.method == "POST":
        if not form.validate_on_submit():  # only the CSRF token can fail here
            abort(400)
        action = request.form.get("action", "save")
        if action == "add_lesson" or action.startswith("remove_lesson-"):
            _change_lessons(form, action)
        else:
            meta, body = form.front_matter()
            # A draft may be unfinished; submitting or changing a published case checks everything.
            draft = action in ("save", "preview") and (case is None or not case.is_published)
            try:
                data = casefiles.validate(_("the form"), meta, body, draft=draft)
                _check_copied_from(actor, data)
                if action == "preview":
                    preview = cases.preview_view(actor.audience, data, case.author if case else actor.acting)
                else:
                    case = contributions.save(actor, data, case, form.started_from())
                    if action == "submit" and can(actor, "case.submit", case):
                        contributions.submit(actor, case)
                    return _after_save(actor, case, action)
            except casefiles.InvalidCase as invalid:
                invalid_form = True
                unplaced = case_form_errors.attach(form, invalid.problems)
            except Conflict as clash:
                conflict = _conflict(actor, form, clash.case, data)
    status = 409 if conflict else 400 if invalid_form else 200
    return render_template("contribute/edit.html", form=form, case=case, unplaced=unplaced, preview=preview,
                           conflict=conflict), status


def _check_copied_from(actor: Actor, data: casefiles.CaseData) -> None:
    """"Copied from" names a case on Casebook that this member can open (a file may name any case)."""
    if data.copied_from and not cases.cases_by_slug(actor.audience, [data.copied_from]):
        raise casefiles.InvalidCase([casefiles.Problem("form", "copied_from", "names no case on Casebook")])


def _conflict(actor: Actor, form: CaseForm, case: Case | None, mine) -> dict:
    """What the conflict page shows: who saved meanwhile, and how their version differs from yours.

    The form keeps everything this editor typed; its base version moves to the saved one, so
    saving again is a deliberate choice to replace what the other person wrote.
    """
    if case is None:
        raise NotFound()  # deleted meanwhile
    form.base_version.data = str(case.version)
    contributions.keep_identity(case, mine)
    latest = revisions.latest_revision(db.session(), case) if case.is_published else None
    editor = latest.editor if latest is not None else None
    return {
        "saved_at": case.updated_at,
        "by_you": actor.is_(editor),
        # Only moderators learn who else edited (the author may be anonymous to everyone else).
        "by_name": editor.name if editor is not None and can(actor, "revision.editor_name", latest) else None,
        "changes": revisions.compare_data(case_data(case), mine),
    }


@bp.get("/moderate")
@login_required
def queue():
    actor = auth.acting_actor()
    return render_template("contribute/queue.html", waiting=moderation.queue(actor))


@bp.route("/moderate/<int:case_id>", methods=["GET", "POST"])
@login_required
def review(case_id: int):
    actor = auth.acting_actor()
    require(actor, "moderation.open")
    case = contributions.get_case(actor, case_id)
    form = ReviewForm()
    if form.validate_on_submit():
        if form.approved():
            contributions.approve(actor, case)
            flash(_("Published: %(title)s.", title=case.title))
        else:
            contributions.send_back(actor, case, form.note.data)
            flash(_("Sent back to the author with your note: %(title)s.", title=case.title))
        return redirect(url_for("contribute.queue"))
    return render_template("contribute/review.html", case=case, form=form, confirm=ConfirmForm(),
                           copied=moderation.copied_case(actor, case), view=cases.preview_view(actor.audience, case)), \
        400 if form.errors else 200


def _who(actor: Actor, revs) -> dict[int, str | None]:
    return {r.number: revisions.editor_label(actor, r) for r in revs}


@bp.get("/contribute/<int:case_id>/history")
@login_required
def history(case_id: int):
    actor = auth.acting_actor()
    case = _history_case(actor, case_id)
    revs = revisions.history(case)
    return render_template("contribute/history.html", case=case, revisions=revs, who=_who(actor, revs),
                           may_restore=can(actor, "case.restore", case), confirm=ConfirmForm())


@bp.get("/contribute/<int:case_id>/history/<int:number>")
@login_required
def revision(case_id: int, number: int):
    """Revision NUMBER compared with an earlier one (by default the one just before it)."""
    actor = auth.acting_actor()
    case = _history_case(actor, case_id)
    shown = revisions.get(case, number) or abort(404)
    against_number = request.args.get("against", type=int) or number - 1
    against = revisions.get(case, against_number) if against_number != number else None
    before = against.content if against else ""
    return render_template("contribute/revision.html", case=case, revision=shown, against=against,
                           changes=revisions.compare(before, shown.content),
                           lines=revisions.diff(before, shown.content), who=_who(actor, [shown]),
                           all_revisions=revisions.history(case), confirm=ConfirmForm(),
                           may_restore=can(actor, "case.restore", case))


@bp.post("/contribute/<int:case_id>/history/<int:number>/restore")
@login_required
def restore(case_id: int, number: int):
    actor = auth.acting_actor()
    case = _history_case(actor, case_id)
    if not can(actor, "case.restore", case):
        raise NotFound()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    library.restore_revision(actor, case, number)
    return redirect(url_for("contribute.history", case_id=case.id))


def _history_case(actor: Actor, case_id: int) -> Case:
    case = contributions.get_case(actor, case_id)
    if not can(actor, "case.history", case):
        raise NotFound()
    return case
