"""Moderators importing `cases/` files through the web, anyone exporting what they may see, deleting cases."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..forms import ConfirmForm, ImportForm
from ..services import contributions, library

bp = Blueprint("library", __name__)


def _file_name(filename: str) -> str:
    """The name the uploader gave the file, without any folder an old browser may send along."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


@bp.route("/moderate/import", methods=["GET", "POST"])
@login_required
def import_cases():
    member = auth.current_member()
    if not contributions.is_moderator(member):
        abort(404)
    form = ImportForm()
    outcomes, error, status = None, None, 200
    if request.method == "POST":
        if not form.validate_on_submit():  # only the CSRF token can fail here
            abort(400)
        uploads = [(_file_name(f.filename), f.read()) for f in form.files.data or [] if f and f.filename]
        if not uploads:
            error, status = _("Choose one or more .md case files to import."), 400
        else:
            outcomes = library.import_uploads(uploads, member)
            status = 400 if any(o.problems for o in outcomes) else 200
    return render_template("library/import.html", form=form, outcomes=outcomes, error=error,
                           limit_mb=_limit_mb()), status


@bp.app_errorhandler(413)
def too_large(_error):
    if request.path.startswith("/api/"):
        return {"error": "too_large", "message": "The request is too large."}, 413
    return render_template("library/too_large.html", limit_mb=_limit_mb()), 413


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
    return _delete(library.deletable_case(auth.current_member(), slug=slug))


@bp.route("/contribute/<int:case_id>/delete", methods=["GET", "POST"])
@login_required
def delete_contribution(case_id: int):
    return _delete(library.deletable_case(auth.current_member(), case_id=case_id))


def _delete(case):
    """Confirm, then delete. A case this member may not delete looks exactly like no case."""
    member = auth.current_member()
    if case is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("library/confirm_delete.html", case=case, form=form)
    if not form.validate_on_submit():
        abort(400)
    title, published, own = case.title, case.is_published, case.author_id == member.id
    try:
        library.delete_case_as(member, case)
    except PermissionError:
        abort(404)
    flash(_("“%(title)s” was deleted.", title=title))
    if published:
        return redirect(url_for("pages.home"))
    return redirect(url_for("contribute.mine" if own or not contributions.is_moderator(member) else "contribute.queue"))
