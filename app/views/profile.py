"""A member's own page: name and organisation, password and personal API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import auth
from ..forms import AddressForm, ConfirmForm, MailChoicesForm, PasswordChangeForm, ProfileForm, TokenForm
from ..services import accounts, members, outbox

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _mail_form(member) -> MailChoicesForm:
    form = MailChoicesForm(formdata=None, language=outbox.language_of(member))
    for kind in outbox.CHOICES:
        getattr(form, kind).data = member.wants_mail(kind)
    return form


def _page(password_form=None, token_form=None, profile_form=None, address_form=None, mail_form=None,
          new_token=None, message=None, error=None, status=200):
    member = auth.signed_in_member()
    # Forms other than the one just posted start empty: never filled from another form's fields.
    return render_template("profile/profile.html", member=member, tokens=members.tokens_of(member),
                           profile_form=profile_form or ProfileForm(formdata=None, obj=member),
                           password_form=password_form or PasswordChangeForm(formdata=None),
                           token_form=token_form or TokenForm(formdata=None),
                           address_form=address_form or AddressForm(formdata=None),
                           mail_form=mail_form or _mail_form(member),
                           revoke_form=ConfirmForm(), new_token=new_token, message=message, error=error), status


@bp.get("")
@login_required
def show():
    if request.args.get("reset") == "1":
        return _page(message=_("Your new password is saved. You were signed out everywhere else."))
    return _page()


@bp.post("/mail")
@login_required
def change_mail_choices():
    form = MailChoicesForm()
    if not form.validate_on_submit():
        return _page(mail_form=form, status=400)
    accounts.set_mail_choices(auth.signed_in_member(), form.language.data,
                              {kind: getattr(form, kind).data for kind in outbox.CHOICES})
    return _page(message=_("Your mail choices are saved."))


@bp.post("/email")
@login_required
def change_address():
    form = AddressForm()
    if not form.validate_on_submit():
        return _page(address_form=form, status=400)
    try:
        address = accounts.request_address_change(auth.signed_in_member(), form.email.data, form.password.data)
    except members.MemberError as problem:
        return _page(address_form=form, error=str(problem), status=400)
    return _page(message=_("We sent a link to %(email)s. Your address changes when you follow it.", email=address))


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    """Followed from the mail to the new address: a GET asks, the button confirms."""
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            accounts.confirm_address_change(token)
        except members.MemberError as problem:
            error = str(problem)
        else:
            return render_template("profile/address_confirmed.html", done=True)
    return render_template("profile/address_confirmed.html", done=False, form=form, error=error), \
        400 if error else 200


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
