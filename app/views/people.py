"""Members' pages: who shared what, so members know whom to call. Members only."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from ..auth import current_audience
from ..services import cases, members

bp = Blueprint("people", __name__)


@bp.get("/members/<int:member_id>")
@login_required
def show(member_id: int):
    audience = current_audience()
    person = members.get_member(member_id)
    if person is None or not audience.is_member:  # "view as public" sees no member pages
        abort(404)
    return render_template("people/show.html", person=person, shared=cases.shared_by(audience, person))
