"""About, privacy, accessibility statement and contact: the pages people look for before they trust a site.

They show no case content, so they stay open to visitors in safe-space mode too.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, render_template

from .. import vocabulary
from ..auth import current_member, site_open
from ..i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE
from ..services.members import INVITATION_DAYS

bp = Blueprint("info", __name__)

# When the accessibility statement was last reviewed; change it with the statement.
STATEMENT_DATE = date(2026, 12, 4)


@bp.get("/about")
def about():
    focus = vocabulary.focus_themes()
    return render_template("info/about.html", focus_themes=focus,
                           other_themes=[t for t in vocabulary.themes() if t not in focus], site_open=site_open())


@bp.get("/privacy")
def privacy():
    remember = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))
    remember_days = (remember if isinstance(remember, timedelta) else timedelta(seconds=remember)).days
    cookies = {
        "session": current_app.config["SESSION_COOKIE_NAME"],
        "remember": current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        "remember_days": remember_days,
        "language": LANGUAGE_COOKIE,
        "language_days": LANGUAGE_COOKIE_MAX_AGE // (24 * 3600),
    }
    return render_template("info/privacy.html", cookies=cookies, invitation_days=INVITATION_DAYS)


@bp.get("/accessibility")
def accessibility():
    return render_template("info/accessibility.html", statement_date=STATEMENT_DATE)


@bp.get("/contact")
def contact():
    return render_template("info/contact.html", moderators_email=current_app.config.get("MODERATORS_EMAIL"),
                           signed_in=current_member() is not None)
