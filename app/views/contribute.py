"""Contributing a case, and moderators reviewing what was submitted."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth, casefiles, db, vocabulary
from ..forms import CaseForm, ConfirmForm, ReviewForm
from ..i18n import ui_locale
from ..services import contributions, proposals, revisions
from ..services.library import case_data

bp = Blueprint("contribute", __name__)


def _case_form(case=None) -> CaseForm:
    form = CaseForm()
    if case is not None and request.method == "GET":
        data = case_data(case)
        form = CaseForm(data={
            "title": data.title, "summary": data.summary, "body": data.body, "city": data.city,
            "country": data.country, "themes": data.themes, "language": data.language,
            "visibility": data.visibility, "attribution": data.attribution,
            "organisations": "\n".join(data.organisations), "sdg_targets": ", ".join(data.sdg_targets),
            "sources": "\n".join(data.sources), "copied_from": data.copied_from or "",
            "contact": data.contact or "", "status": data.status or "", "year": str(data.year or ""),
            "lessons": [{"kind": l.kind, "text": l.text, "visibility": l.visibility} for l in data.lessons] or [{}],
            "base_version": str(case.version),
        })
    form.set_theme_choices({slug: vocabulary.theme_label(slug, ui_locale()) for slug in vocabulary.themes()})
    return form


@bp.get("/contribute")
@login_required
def mine():
    member = auth.current_member()
    return render_template("contribute/mine.html", cases=contributions.my_cases(member),
                           proposals=proposals.mine(member))


@bp.route("/contribute/new", methods=["GET", "POST"])
@login_required
def new():
    return _edit(None)


@bp.route("/contribute/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = contributions.get_case(auth.current_member(), case_id)
    if case is None or not contributions.may_edit(auth.current_member(), case):
        abort(404)  # someone else's draft looks exactly like no draft
    return _edit(case)


def _edit(case):
    member = auth.current_member()
    form = _case_form(case)
    problems, preview, conflict = [], None, None
    if request.method == "POST":
        if not form.validate_on_submit():  # only the CSRF token can fail here
            abort(400)
        action = request.form.get("action", "save")
        if action == "add_lesson":
            form.lessons.append_entry()
        elif action.startswith("remove_lesson-") and len(form.lessons) > 1:
            index = action.removeprefix("remove_lesson-")
            kept = [l.data for i, l in enumerate(form.lessons) if str(i) != index]
            while len(form.lessons):
                form.lessons.pop_entry()
            for data in kept:
                form.lessons.append_entry(data)
        else:
            meta, body = form.front_matter()
            try:
                # A draft may be unfinished; submitting or changing a published case checks everything.
                draft = action in ("save", "preview") and (case is None or not case.is_published)
                data = casefiles.validate(_("the form"), meta, body, draft=draft)
            except casefiles.InvalidCase as invalid:
                problems = invalid.problems
            else:
                if action == "preview":
                    preview = data
                else:
                    try:
                        case = contributions.save(member, data, case, form.started_from())
                    except casefiles.InvalidCase as invalid:
                        problems = invalid.problems
                    except contributions.EditConflict as clash:
                        conflict = _conflict(form, clash.case, data)
                    else:
                        if action == "submit" and case.review_state in ("draft", "returned"):
                            contributions.submit(member, case)
                        if case.is_published:
                            return redirect(url_for("pages.case", slug=case.slug))
                        if case.review_state == "submitted" and contributions.is_moderator(member):
                            return redirect(url_for("contribute.review", case_id=case.id))
                        return redirect(url_for("contribute.mine"))
    status = 409 if conflict else 400 if problems else 200
    return render_template("contribute/edit.html", form=form, case=case, problems=problems, preview=preview,
                           conflict=conflict), status


def _conflict(form: CaseForm, case, mine) -> dict:
    """What the conflict page shows: who saved meanwhile, and how their version differs from yours.

    The form keeps everything this editor typed; its base version moves to the saved one, so
    saving again is a deliberate choice to replace what the other person wrote.
    """
    form.base_version.data = str(case.version)
    contributions.keep_identity(case, mine)
    member = auth.current_member()
    latest = revisions.latest_revision(db.session(), case) if case.is_published else None
    editor = latest.editor if latest is not None else None
    return {
        "saved_at": case.updated_at,
        "by_you": editor is not None and editor.id == member.id,
        # Only moderators learn who else edited (the author may be anonymous to everyone else).
        "by_name": editor.name if editor is not None and contributions.is_moderator(member) else None,
        "changes": revisions.compare_data(case_data(case), mine),
    }


@bp.get("/moderate")
@login_required
def queue():
    member = auth.current_member()
    if not contributions.is_moderator(member):
        abort(404)
    return render_template("contribute/queue.html", cases=contributions.review_queue(member),
                           proposals=proposals.waiting(member))


@bp.route("/moderate/<int:case_id>", methods=["GET", "POST"])
@login_required
def review(case_id: int):
    member = auth.current_member()
    case = contributions.get_case(member, case_id)
    if case is None or not contributions.is_moderator(member):
        abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "approve":
                contributions.approve(member, case)
            else:
                contributions.send_back(member, case, form.note.data)
        except (PermissionError, contributions.EditConflict):
            abort(409)  # decided or changed by someone else meanwhile
        return redirect(url_for("contribute.queue"))
    if request.method == "POST":
        abort(400)
    return render_template("contribute/review.html", case=case, form=form, confirm=ConfirmForm())


@bp.get("/contribute/<int:case_id>/history")
@login_required
def history(case_id: int):
    case = _history_case(case_id)
    return render_template("contribute/history.html", case=case, revisions=revisions.history(case),
                           may_restore=contributions.is_moderator(auth.current_member()), confirm=ConfirmForm())


@bp.get("/contribute/<int:case_id>/history/<int:number>")
@login_required
def revision(case_id: int, number: int):
    """Revision NUMBER compared with an earlier one (by default the one just before it)."""
    case = _history_case(case_id)
    shown = revisions.get(case, number) or abort(404)
    against_number = request.args.get("against", type=int) or number - 1
    against = revisions.get(case, against_number) if against_number != number else None
    before = against.content if against else ""
    return render_template("contribute/revision.html", case=case, revision=shown, against=against,
                           changes=revisions.compare(before, shown.content),
                           lines=revisions.diff(before, shown.content),
                           all_revisions=revisions.history(case), confirm=ConfirmForm(),
                           may_restore=contributions.is_moderator(auth.current_member()))


@bp.post("/contribute/<int:case_id>/history/<int:number>/restore")
@login_required
def restore(case_id: int, number: int):
    member = auth.current_member()
    case = _history_case(case_id)
    if not contributions.is_moderator(member):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        revisions.restore(member, case, number)
    except LookupError:
        abort(404)
    except contributions.EditConflict:
        abort(409)
    return redirect(url_for("contribute.history", case_id=case.id))


def _history_case(case_id: int):
    member = auth.current_member()
    case = contributions.get_case(member, case_id)
    if not contributions.may_see_history(member, case):
        abort(404)
    return case
