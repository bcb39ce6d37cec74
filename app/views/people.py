"""Members' pages: who shared what, so members know whom to call. Members only."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from ..auth import current_actor
from ..policy import can
from ..services import cases, directory, members, transfer

bp = Blueprint("people", __name__)


@bp.get("/members")
@login_required
def directory_page():
    """Who is who, filtered by theme, city and organisation ("view as public" finds no such page)."""
    found = directory.directory(current_actor(), directory.DirectoryRequest.from_args(request.args))
    return render_template("people/directory.html", directory=found)


@bp.get("/members/<int:member_id>")
@login_required
def show(member_id: int):
    actor = current_actor()
    person = members.get_member(member_id)
    if person is None or not can(actor, "member.page", person):  # "view as public" sees no member pages
        abort(404)
    shared = cases.shared_by(actor.audience, person)
    return render_template("people/show.html", person=person, shared=shared,
                           copied_in=transfer.copied_in_cities(actor.audience, shared))
