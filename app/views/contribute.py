"""Contributing a case, and moderators reviewing what was submitted."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth, casefiles, vocabulary
from ..forms import CaseForm, ConfirmForm, ReviewForm
from ..i18n import ui_locale
from ..services import contributions
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
        })
    form.set_theme_choices({slug: vocabulary.theme_label(slug, ui_locale()) for slug in vocabulary.themes()})
    return form


@bp.get("/contribute")
@login_required
def mine():
    return render_template("contribute/mine.html", cases=contributions.my_cases(auth.current_member()))


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
    problems, preview = [], None
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
                data = casefiles.validate(_("the form"), meta, body)
            except casefiles.InvalidCase as invalid:
                problems = invalid.problems
            else:
                if action == "preview":
                    preview = data
                else:
                    try:
                        case = contributions.save_draft(member, data, case)
                    except casefiles.InvalidCase as invalid:
                        problems = invalid.problems
                    else:
                        if action == "submit":
                            contributions.submit(member, case)
                        return redirect(url_for("contribute.mine"))
    return render_template("contribute/edit.html", form=form, case=case, problems=problems, preview=preview,
                           status=400 if problems else 200), 400 if problems else 200


@bp.get("/moderate")
@login_required
def queue():
    member = auth.current_member()
    if not contributions.is_moderator(member):
        abort(404)
    return render_template("contribute/queue.html", cases=contributions.review_queue(member))


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
        except PermissionError:
            abort(409)
        return redirect(url_for("contribute.queue"))
    if request.method == "POST":
        abort(400)
    return render_template("contribute/review.html", case=case, form=form, confirm=ConfirmForm())
