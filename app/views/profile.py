"""A member's own page: name and organisation, password and personal API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..forms import ConfirmForm, PasswordChangeForm, ProfileForm, TokenForm
from ..services import members

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(password_form=None, token_form=None, profile_form=None, new_token=None, message=None, error=None,
          status=200):
    member = auth.signed_in_member()
    # Forms other than the one just posted start empty: never filled from another form's fields.
    return render_template("profile/profile.html", member=member, tokens=members.tokens_of(member),
                           profile_form=profile_form or ProfileForm(formdata=None, obj=member),
                           password_form=password_form or PasswordChangeForm(formdata=None),
                           token_form=token_form or TokenForm(formdata=None),
                           revoke_form=ConfirmForm(), new_token=new_token, message=message, error=error), status


@bp.get("")
@login_required
def show():
    return _page()


@bp.post("/details")
@login_required
def change_details():
    form = ProfileForm()
    if not form.validate_on_submit():
        return _page(profile_form=form, status=400)
    try:
        members.update_profile(auth.signed_in_member(), form.name.data, form.organisation.data)
    except members.MemberError as problem:
        return _page(profile_form=form, error=str(problem), status=400)
    return _page(message=_("Your name and organisation are saved."))


@bp.post("/password")
@login_required
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _page(password_form=form, status=400)
    member = auth.signed_in_member()
    try:
        members.change_password(member, form.current.data, form.new.data)
    except members.MemberError as problem:
        return _page(password_form=form, error=str(problem), status=400)
    # Every other session has ended with the old session version; this one goes on.
    session.clear()
    auth.sign_in(member, remember=False)
    return _page(message=_("Your password is changed. You were signed out everywhere else."))


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form, status=400)
    token = members.create_token(auth.signed_in_member(), form.name.data)
    return _page(new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not members.revoke_token(auth.signed_in_member(), token_id):
        abort(404)  # someone else's token looks exactly like no token
    return redirect(url_for("profile.show"))
