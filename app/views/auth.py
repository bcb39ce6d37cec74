"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import auth
from ..forms import LoginForm, LogoutForm
from ..services import members
from .urls import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        member = members.authenticate(form.email.data, form.password.data)
        if member is not None:
            session.clear()  # a fresh session: nothing from before signing in carries over
            auth.sign_in(member, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("pages.home")))
        # One message for a wrong email and a wrong password: no hint which exists.
        error = _("That email and password do not match a member.")
    elif form.is_submitted():
        error = _("Please fill in your email and password.")
    return render_template("auth/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        auth.sign_out()
        session.clear()
    return redirect(url_for("pages.home"))


@bp.app_errorhandler(429)
def too_many_attempts(_error):
    form = LoginForm()
    return render_template("auth/login.html", form=form,
                           error=_("Too many attempts. Please wait a minute and try again.")), 429
