"""Home, case, theme and city pages, the language switch and the error pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request
from werkzeug.datastructures import MultiDict

from .. import vocabulary
from ..auth import current_audience, current_member, viewing_as_public
from ..i18n import LANGUAGE_COOKIE
from ..services import cases, contributions, search
from .urls import safe_next

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    audience = current_audience()
    return render_template(
        "pages/home.html",
        focus_themes=vocabulary.focus_themes(),
        other_themes=[t for t in vocabulary.themes() if t not in vocabulary.focus_themes()],
        recent=cases.recent_cases(audience),
        counts=cases.library_counts(audience),
    )


@bp.get("/cases/<slug>")
def case(slug: str):
    view = cases.get_case(current_audience(), slug)
    if view is None:
        abort(404)  # the same answer for a case that is hidden and one that does not exist
    member = None if viewing_as_public() else current_member()
    return render_template("pages/case.html", view=view, member_actions=member is not None,
                           may_edit=contributions.may_edit(member, view.case),
                           may_see_history=contributions.may_see_history(member, view.case))


@bp.get("/themes/<slug>")
def theme(slug: str):
    if slug not in vocabulary.themes():
        abort(404)
    args = MultiDict(request.args)
    args.setlist("theme", [slug, *[t for t in request.args.getlist("theme") if t != slug]])
    args.setdefault("sort", "newest")
    page = search.search_cases(current_audience(), search.SearchRequest.from_args(args))
    return render_template("pages/theme.html", theme=slug, page=page)


@bp.get("/cities/<name>")
def city(name: str):
    args = MultiDict(request.args)
    args.setlist("city", [name])
    args.setdefault("sort", "newest")
    page = search.search_cases(current_audience(), search.SearchRequest.from_args(args))
    if not page.total:
        abort(404)
    country = page.results[0].case.country if page.results else None
    return render_template("pages/city.html", city=page.results[0].case.city if page.results else name,
                           country=country, page=page)


@bp.get("/language/<code>")
def set_language(code: str):
    response = make_response(redirect(safe_next(request.args.get("next"))))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response


@bp.app_errorhandler(404)
def not_found(_error):
    if request.path.startswith("/api/"):
        return {"error": "not_found", "message": "Not found"}, 404
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(405)
def method_not_allowed(_error):
    if request.path.startswith("/api/"):
        return {"error": "method_not_allowed", "message": "Method not allowed"}, 405
    return render_template("errors/error.html", code=405), 405


@bp.app_errorhandler(400)
def bad_request(_error):
    if request.path.startswith("/api/"):
        return {"error": "bad_request", "message": "The request could not be understood"}, 400
    return render_template("errors/error.html", code=400), 400


@bp.app_errorhandler(409)
def conflict(_error):
    if request.path.startswith("/api/"):
        return {"error": "conflict", "message": "Changed by someone else meanwhile"}, 409
    return render_template("errors/error.html", code=409), 409


@bp.app_errorhandler(500)
def server_error(_error):
    if request.path.startswith("/api/"):
        return {"error": "server_error", "message": "Something went wrong"}, 500
    return render_template("errors/error.html", code=500), 500
