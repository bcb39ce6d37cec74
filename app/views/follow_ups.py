"""Follow-ups: the contributor's answer to "how is it going now?", and moderators reviewing it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from .. import auth
from ..forms import ConfirmForm, FollowUpForm, ReviewForm
from ..services import follow_ups, moderation

bp = Blueprint("follow_ups", __name__)


@bp.app_template_global()
def lessons_added(updates: list[follow_ups.UpdateView] | None) -> dict:
    """For the case page's lessons: which came with an update, and its date (to link to and from)."""
    return follow_ups.lessons_added(updates or [])


@bp.app_template_filter()
def update_anchors(story: Markup, updates: list[follow_ups.UpdateView] | None) -> Markup:
    """The rendered story with an id on each update's heading, for the update to link to."""
    return follow_ups.anchor_story(story, updates or [])


def _answer_form(case) -> FollowUpForm:
    form = FollowUpForm(data={"status": case.status or ""} if request.method == "GET" else None)
    if case.status is None:
        form.allow_no_status()
    return form


@bp.route("/cases/<slug>/follow-up", methods=["GET", "POST"])
@login_required
def answer(slug: str):
    """The answer form: only the case's contributor (or a moderator) finds it; to anyone else it is a 404."""
    actor = auth.acting_actor()
    case = follow_ups.case_to_answer(actor, slug)
    form = _answer_form(case)
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            error = next(iter(e for errors in form.errors.values() for e in errors), None)
        else:
            answer = follow_ups.Answer(status=form.status.data, text=form.text.data, lesson_kind=form.lesson_kind.data,
                                       lesson_text=form.lesson_text.data, lesson_visibility=form.lesson_visibility.data,
                                       story_addition=form.story_addition.data)
            try:
                follow_ups.submit_update(actor, case, answer)
            except follow_ups.UpdateError as problem:
                error = str(problem)
            else:
                return redirect(url_for("contribute.mine", sent="update"))
    return render_template("follow_ups/answer.html", case=case, form=form, error=error, confirm=ConfirmForm(),
                           prompt=follow_ups.open_follow_up(case), latest=follow_ups.latest_of(case, actor.acting),
                           heading=follow_ups.story_heading(case)), 400 if error else 200


@bp.post("/cases/<slug>/follow-up/confirm")
@login_required
def confirm(slug: str):
    """"Nothing changed, still as told": one click, no review."""
    actor = auth.acting_actor()
    case = follow_ups.case_to_answer(actor, slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    follow_ups.confirm(actor, case)
    return redirect(url_for("pages.case", slug=case.slug))


@bp.route("/moderate/updates/<int:update_id>", methods=["GET", "POST"])
@login_required
def review(update_id: int):
    actor = auth.acting_actor()
    update = follow_ups.for_review(actor, update_id)
    form = ReviewForm()
    if form.validate_on_submit():
        if form.approved():
            follow_ups.approve(actor, update)
            flash(_("Published on the case."))
        else:
            follow_ups.send_back(actor, update, form.note.data)
            flash(_("Sent back with your note."))
        return redirect(url_for("contribute.queue"))
    return render_template("follow_ups/review.html", update=update, form=form,
                           heading=follow_ups.story_heading(update.case), changes=moderation.update_changes(actor, update)), \
        400 if form.errors else 200
