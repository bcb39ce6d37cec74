"""The search results page."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..auth import current_audience
from ..services import search

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    page = search.search_cases(current_audience(), search.SearchRequest.from_args(request.args))
    return render_template("search/results.html", page=page)
