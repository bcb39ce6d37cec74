"""Saved searches: "Save this search" on the results page, and the member's list at /profile/searches."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..forms import ConfirmForm, SavedSearchForm
from ..models import SavedSearch
from ..policy import Actor, can
from ..services import saved_searches
from ..services.search import SearchPage, SearchRequest

bp = Blueprint("saved_searches", __name__, url_prefix="/profile/searches")


@dataclass
class SaveControl:
    """What the results page offers a member: the form, or the saved search it already is."""

    form: SavedSearchForm
    fields: list[tuple[str, str]]  # the search, as hidden fields
    saved: SavedSearch | None
    mails: bool = True  # False: the member turned alert mails off, so a saved search sends nothing


def save_control(actor: Actor, page: SearchPage) -> SaveControl | None:
    """None for visitors and for a member viewing as public."""
    if not can(actor, "search.save"):
        return None
    # The words the page searched: corrected ones when it showed results for those.
    wanted = SearchRequest(q=page.corrected_query or page.request.q, filters=page.request.filters)
    fields = [(name, v) for name, values in saved_searches.url_args(wanted).items()
              for v in (values if isinstance(values, list) else [values])]
    return SaveControl(form=SavedSearchForm(formdata=None), fields=fields,
                       saved=saved_searches.find_saved(actor.acting, wanted),
                       mails=actor.acting is not None and actor.acting.wants_mail("alerts"))


@bp.get("")
@login_required
def index():
    member = auth.signed_in_member()
    searches = saved_searches.searches_of(member)
    forms = {s.id: SavedSearchForm(formdata=None, frequency=s.frequency, prefix=f"s{s.id}") for s in searches}
    return render_template("saved_searches/index.html", searches=searches, forms=forms, member=member,
                           delete_form=ConfirmForm(), limit=saved_searches.MAX_PER_MEMBER,
                           run_args=saved_searches.url_args)


@bp.post("")
@login_required
def save():
    """From the results page: the search in the form's fields, read like the page's URL."""
    form = SavedSearchForm()
    wanted = SearchRequest.from_args(request.form)
    back = url_for("search.results", **saved_searches.url_args(wanted))
    if not form.validate_on_submit():
        abort(400)
    try:
        saved, new = saved_searches.save_search(auth.acting_actor(), wanted, form.frequency.data)
    except saved_searches.SavedSearchError as problem:
        flash(problem.message)
        return redirect(back)
    # The page it goes back to says how often it mails.
    flash(_("Search saved.") if new else _("You had saved this search already."))
    return redirect(back)


@bp.post("/<int:search_id>/frequency")
@login_required
def change_frequency(search_id: int):
    form = SavedSearchForm(prefix=f"s{search_id}")
    if not form.validate_on_submit():
        abort(400)
    saved_searches.change_frequency(auth.acting_actor(), search_id, form.frequency.data)
    flash(_("Saved: you get this search's mail once a day.") if form.frequency.data == "daily"
          else _("Saved: you get this search's mail once a week."))
    return redirect(url_for("saved_searches.index"))


@bp.post("/<int:search_id>/delete")
@login_required
def delete(search_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    saved_searches.delete_search(auth.acting_actor(), search_id)
    flash(_("The saved search is deleted. You get no more mail about it."))
    return redirect(url_for("saved_searches.index"))
