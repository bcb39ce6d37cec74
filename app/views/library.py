"""Moderators importing `cases/` files through the web, anyone exporting what they may see, deleting cases."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..forms import ConfirmForm, ImportForm
from ..models import Case
from ..policy import Actor, can, require
from ..services import library

bp = Blueprint("library", __name__)


def _file_name(filename: str) -> str:
    """The name the uploader gave the file, without any folder an old browser may send along."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


@bp.route("/moderate/import", methods=["GET", "POST"])
@login_required
def import_cases():
    actor = auth.acting_actor()
    require(actor, "cases.import")
    form = ImportForm()
    outcomes, error, status = None, None, 200
    if request.method == "POST":
        if not form.validate_on_submit():  # only the CSRF token can fail here
            abort(400)
        uploads = [(_file_name(f.filename), f.read()) for f in form.files.data or [] if f and f.filename]
        if not uploads:
            error, status = _("Choose one or more .md case files to import."), 400
        else:
            outcomes = library.import_uploads(uploads, actor)
            status = 400 if any(o.problems for o in outcomes) else 200
    return render_template("library/import.html", form=form, outcomes=outcomes, error=error,
                           limit_mb=_limit_mb()), status


@bp.get("/cases/<slug>/export")
def export(slug: str):
    """The case as a `cases/` file with what the asker may see; hidden and missing look alike (404)."""
    text = library.export_for(auth.current_audience(), slug)
    if text is None:
        abort(404)
    response = Response(text, content_type="text/markdown; charset=utf-8")
    response.headers.set("Content-Disposition", "attachment", filename=f"{slug}.md")
    return response


@bp.route("/cases/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete_case(slug: str):
    actor = auth.acting_actor()
    return _delete(actor, library.deletable_case(actor, slug=slug))


@bp.route("/contribute/<int:case_id>/delete", methods=["GET", "POST"])
@login_required
def delete_contribution(case_id: int):
    actor = auth.acting_actor()
    return _delete(actor, library.deletable_case(actor, case_id=case_id))


def _back_from_delete(actor: Actor, case: Case) -> str:
    """Where "Cancel" leads: the case, the author's own list, or the moderator's review page."""
    if case.is_published:
        return url_for("pages.case", slug=case.slug)
    if actor.is_(case.author) or not can(actor, "moderation.open"):
        return url_for("contribute.mine")
    return url_for("contribute.review", case_id=case.id)


def _delete(actor: Actor, case: Case):
    """Confirm, then delete. A case this member may not delete looks exactly like no case."""
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("library/confirm_delete.html", case=case, form=form,
                               back=_back_from_delete(actor, case))
    if not form.validate_on_submit():
        abort(400)
    title, published, own = case.title, case.is_published, actor.is_(case.author)
    library.delete_case(actor, case)
    flash(_("“%(title)s” was deleted.", title=title))
    if published:
        return redirect(url_for("pages.home"))
    return redirect(url_for("contribute.mine" if own or not can(actor, "moderation.open") else "contribute.queue"))
