"""The JSON API: the same services as the pages, so both always agree."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for

from .. import sources
from ..auth import current_audience
from ..i18n import country_name, label
from ..rendering import render_markdown
from ..services import cases, follow_ups, search

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _summary(case) -> dict:
    return {
        "slug": case.slug, "title": case.title, "summary": case.summary, "city": case.city,
        "country": case.country, "themes": list(case.themes), "language": case.language,
        "url": url_for("pages.case", slug=case.slug, _external=True),
    }


@bp.get("/search")
def search_api():
    page = search.search_cases(current_audience(), search.SearchRequest.from_args(request.args))
    return {
        "query": page.request.q,
        "total": page.total,
        "page": page.request.page,
        "per_page": page.per_page,
        "results": [{**_summary(r.case), "snippet": r.snippet, "copied_in_cities": page.copied_in.get(r.case.slug, 0)}
                    for r in page.results],
        "facets": {facet: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                   for facet, values in page.facets.items()},
        "suggestion": page.suggestion,
        "corrected_query": page.corrected_query,
        "message": page.message,
        # Other words the cases were found by: thesaurus, abbreviations, translations (`water square`).
        "also_searched": page.also_searched,
    }


@bp.get("/cases/<slug>")
def case_api(slug: str):
    view = cases.get_case(current_audience(), slug)
    if view is None:
        abort(404)
    case = view.case
    return {
        **_summary(case),
        "country_name": country_name(case.country),
        "theme_labels": [label("theme", t) for t in case.themes],
        "status": case.status, "year": case.year, "organisations": list(case.organisations),
        "sdg_targets": list(case.sdg_targets), "contact": case.contact,
        # `sources` stays a list of addresses, as v1 clients read it; the titles come beside it.
        "sources": [sources.as_entry(s)["url"] for s in case.sources],
        "source_details": [sources.as_entry(s) for s in case.sources],  # [{url, title}], title only when given
        "updated_at": case.updated_at.isoformat(),  # the last change of its content
        "attribution": case.attribution,
        "contributor": ({"name": view.contributor.name, "organisation": view.contributor.organisation}
                        if view.contributor else None),
        "body": case.body, "body_html": str(render_markdown(case.body)),
        "lessons": [{"kind": l.kind, "text": l.text, "html": str(render_markdown(l.text)),
                     "visibility": l.visibility,
                     "added_by": l.contributor.name if l.contributor else None} for l in view.lessons],
        "copied_from": view.copied_from.slug if view.copied_from else None,
        "copied_in": [c.slug for c in view.copied_in],
        # "Copy this": {needs, costs: [{amount, currency, year, covers}], duration_months, roles, pitfalls}
        "transfer": case.transfer or None,
        # "How is it going now?": the contributor's approved answers, newest first, naming no one.
        "confirmed_at": case.confirmed_at.isoformat() if case.confirmed_at else None,
        "updates": [{"date": u.published_at.isoformat(), "status": u.status, "text": u.text,
                     "lesson": {"kind": u.lesson.kind, "text": u.lesson.text, "visibility": u.lesson.visibility}
                     if u.lesson else None} for u in follow_ups.shown_updates(current_audience(), case)],
        "related": [c.slug for c in view.related],
    }
