"""Home, case, theme and city pages, the language switch and the error pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import gazetteer, rendering, sdg, sources, vocabulary
from ..auth import acting_actor, current_actor, current_audience
from ..i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE, ui_locale
from ..policy import can
from ..services import accounts, cases, follow_ups, search, transfer
from .came_from import came_from, case_url
from .urls import safe_next

# What a reader may do with a case, asked of the policy for the case page's links.
CASE_ACTIONS = ("edit", "history", "delete", "propose", "follow_up")

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    audience = current_audience()
    recent = cases.recent_cases(audience)
    return render_template(
        "pages/home.html",
        focus_themes=vocabulary.focus_themes(),
        other_themes=[t for t in vocabulary.themes() if t not in vocabulary.focus_themes()],
        recent=recent,
        copied_in=transfer.copied_in_cities(audience, recent),
        counts=cases.library_counts(audience),
    )


@bp.get("/cases/<slug>")
def case(slug: str):
    actor = current_actor()
    view = cases.get_case(actor.audience, slug)
    if view is None:
        abort(404)  # the same answer for a case that is hidden and one that does not exist
    may = {action: can(actor, f"case.{action}", view.case) for action in CASE_ACTIONS}
    return render_template("pages/case.html", view=view, may=may, member_pages=can(actor, "member.page"),
                           copied_in=transfer.copied_in_cities(actor.audience, view.related),
                           updates=follow_ups.shown_updates(actor.audience, view.case), came_from=came_from())


# What the case article (templates/pages/_case_article.html) asks for, on its page and in previews.
bp.add_app_template_global(case_url)


@bp.app_template_global()
def case_sources(entries: list) -> list[sources.ShownSource]:
    return sources.shown(entries)


@bp.app_template_global()
def sdg_targets(numbers: list[str]) -> list[sdg.Target]:
    return sdg.targets(numbers or [], ui_locale())


@bp.app_template_global()
def case_story(body: str, updates: list | None = None) -> rendering.Contents:
    """The story rendered, with an id on each section heading, and those headings for a contents list."""
    story: Markup = rendering.render_markdown(body or "")
    return rendering.with_contents(follow_ups.anchor_story(story, updates or []))


@bp.get("/themes/<slug>")
def theme(slug: str):
    if slug not in vocabulary.themes():
        abort(404)
    args = MultiDict(request.args)
    args.setlist("theme", [slug])  # one theme's page: other themes would widen it (values of a facet combine with OR)
    args.setdefault("sort", "newest")
    page = search.search_cases(current_audience(), search.SearchRequest.from_args(args))
    return render_template("pages/theme.html", theme=slug, page=page)


@bp.get("/cities/<name>")
def city(name: str):
    """A city under any of its names; `/cities/Wenen` and `/cities/Wien` move to `/cities/Vienna`."""
    key = gazetteer.city_key(name)
    if gazetteer.fold(key) != gazetteer.fold(name):
        query = request.query_string.decode()
        return redirect(url_for("pages.city", name=key) + (f"?{query}" if query else ""), 302)
    args = MultiDict(request.args)
    args.setlist("city", [key])
    args.setdefault("sort", "newest")
    page = search.search_cases(current_audience(), search.SearchRequest.from_args(args))
    if not page.total:
        abort(404)
    country = page.results[0].case.country if page.results else None
    return render_template("pages/city.html", city=key, country=country, page=page)


@bp.get("/language/<code>")
def set_language(code: str):
    response = make_response(redirect(safe_next(request.args.get("next"))))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_MAX_AGE, samesite="Lax",
                            httponly=True, secure=request.is_secure)
        if (member := acting_actor().acting) is not None:
            accounts.use_language(member, code)  # their mails follow the language they read the site in
    return response
