"""Stopping a kind of mail from the link in it: no sign-in, the signed link is the proof."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..forms import ConfirmForm, csrf
from ..services import accounts

bp = Blueprint("mailprefs", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail program posts "List-Unsubscribe=One-Click" with no form of ours
def unsubscribe(token: str):
    found = accounts.member_for_unsubscribe(token)
    if found is None:
        abort(404)
    member, kind = found
    if request.method == "POST":
        accounts.unsubscribe(token)
        return render_template("profile/unsubscribed.html", kind=kind, done=True)
    # A GET only asks: link checkers in mail systems open links, and must not unsubscribe anyone.
    return render_template("profile/unsubscribed.html", kind=kind, done=not member.wants_mail(kind),
                           form=ConfirmForm())
