"""The search results page."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..auth import current_actor
from ..services import search
from .saved_searches import save_control

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    actor = current_actor()
    page = search.search_cases(actor.audience, search.SearchRequest.from_args(request.args))
    return render_template("search/results.html", page=page, save=save_control(actor, page))
