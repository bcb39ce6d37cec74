"""Adding to other members' cases: "we tried this too" lessons and "copied from", through review."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..forms import ConfirmForm, CopiedFromForm, ProposedLessonForm, ReviewForm
from ..services import cases, moderation, proposals

bp = Blueprint("proposals", __name__)


@bp.route("/cases/<slug>/tried-this-too", methods=["GET", "POST"])
@login_required
def add_lesson(slug: str):
    actor = auth.acting_actor()  # acting as themselves, never "as public"
    view = cases.case_for(actor, slug)
    form = ProposedLessonForm()
    error, preview = None, None
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            error = _("Keep the lesson under %(n)s characters.", n=proposals.MAX_LESSON_CHARS)
        elif request.form.get("action") == "preview":
            preview = form.text.data
        else:
            try:
                proposals.propose_lesson(actor, view.case, form.kind.data, form.text.data,
                                         form.visibility.data, form.attribution.data)
            except proposals.ProposalError as problem:
                error = str(problem)
            else:
                return redirect(url_for("contribute.mine", sent="lesson"))
    return render_template("proposals/add_lesson.html", view=view, form=form, error=error,
                           preview=preview), 400 if error else 200


@bp.route("/cases/<slug>/copied", methods=["GET", "POST"])
@login_required
def copied(slug: str):
    actor = auth.acting_actor()  # acting as themselves, never "as public"
    view = cases.case_for(actor, slug)
    candidates = proposals.copy_candidates(auth.signed_in_member(), view.case)
    form = CopiedFromForm()
    form.case_id.choices = [(c.id, c.title) for c in candidates]
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            error = _("Choose one of your own published cases.")
        else:
            own = next((c for c in candidates if c.id == form.case_id.data), None)
            try:
                proposals.propose_copied_from(actor, own, view.case)
            except proposals.ProposalError as problem:
                error = str(problem)
            else:
                return redirect(url_for("contribute.mine", sent="copied"))
    return render_template("proposals/copied.html", view=view, form=form, candidates=candidates,
                           error=error), 400 if error else 200


@bp.route("/moderate/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def review(proposal_id: int):
    actor = auth.acting_actor()
    proposal = proposals.for_review(actor, proposal_id)
    form = ReviewForm()
    error = None
    if form.validate_on_submit():
        try:
            if form.approved():
                proposals.approve(actor, proposal)
                flash(_("Published on the case."))
            else:
                proposals.send_back(actor, proposal, form.note.data)
                flash(_("Sent back with your note."))
        except proposals.ProposalError as problem:
            error = str(problem)
        else:
            return redirect(url_for("contribute.queue"))
    return render_template("proposals/review.html", proposal=proposal, form=form, error=error,
                           source=proposals.source_case(proposal), confirm=ConfirmForm(),
                           changes=moderation.proposal_changes(actor, proposal)), 400 if error or form.errors else 200
