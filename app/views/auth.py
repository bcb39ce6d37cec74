"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import auth, i18n
from ..forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    LogoutForm,
    ResetPasswordForm,
    ViewAsPublicForm,
)
from ..services import accounts, members
from .urls import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        member = members.authenticate(form.email.data, form.password.data, i18n.ui_locale())
        if member is not None:
            session.clear()  # a fresh session: nothing from before signing in carries over
            auth.sign_in(member, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("pages.home")))
        # One message for a wrong email and a wrong password: no hint which exists.
        error = _("That email and password do not match a member.")
    elif form.is_submitted():
        error = _("Please fill in your email and password.")
    return render_template("auth/login.html", form=form, error=error), 401 if error else 200


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        # The same answer for every address: nobody learns who is a member.
        return render_template("auth/forgot.html", form=form, sent=True)
    return render_template("auth/forgot.html", form=form, sent=False), 400 if form.is_submitted() else 200


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if accounts.member_for_reset(token) is None:
        return render_template("auth/reset_gone.html"), 404
    form = ResetPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            member = accounts.reset_password(token, form.password.data)
        except members.MemberError as problem:
            error = str(problem)
        else:
            session.clear()  # every other session ended with the reset; this one starts fresh
            auth.sign_in(member, remember=False)
            return redirect(url_for("profile.show", reset="1"))
    return render_template("auth/reset.html", form=form, error=error), 400 if form.is_submitted() else 200


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        auth.sign_out()
        session.clear()
    return redirect(url_for("pages.home"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = members.open_invitation(token)
    if invitation is None:
        return render_template("auth/invitation_gone.html"), 404
    form = AcceptInvitationForm()
    error = None
    if form.validate_on_submit():
        try:
            member = members.accept_invitation(token, form.password.data, form.name.data, form.organisation.data)
        except members.MemberError as problem:
            error = str(problem)
        else:
            session.clear()
            auth.sign_in(member, remember=False)
            return redirect(url_for("pages.home"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation, error=error)


@bp.route("/members/invite", methods=["GET", "POST"])
def invite():
    actor = auth.acting_actor()
    roles = members.invitable_roles(actor)
    if not roles:
        abort(404)  # not a page that exists for this visitor
    form = InviteForm()
    form.limit_roles(roles)
    link = error = None
    if form.validate_on_submit():
        try:
            token = members.invite(actor, form.email.data, form.role.data)
        except members.MemberError as problem:
            error = str(problem)
        else:
            link = url_for("auth.accept_invitation", token=token, _external=True)
    return render_template("auth/invite.html", form=form, link=link, error=error)


@bp.post("/view-as-public")
def view_as_public():
    """Switch between the member's view and the public's, then back to the same page."""
    if auth.current_member() is not None and ViewAsPublicForm().validate_on_submit():
        auth.set_view_as_public(request.form.get("on") == "1")
    return redirect(safe_next(request.form.get("next"), url_for("pages.home")))
