"""Members' pages: who shared what, so members know whom to call. Members only."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from ..auth import current_actor
from ..policy import can
from ..services import cases, members

bp = Blueprint("people", __name__)


@bp.get("/members/<int:member_id>")
@login_required
def show(member_id: int):
    actor = current_actor()
    person = members.get_member(member_id)
    if person is None or not can(actor, "member.page", person):  # "view as public" sees no member pages
        abort(404)
    return render_template("people/show.html", person=person, shared=cases.shared_by(actor.audience, person))
