"""UI language: the only module that knows Flask-Babel (place names from Babel's data: the gazetteer)."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext, lazy_gettext

from . import gazetteer, vocabulary

LANGUAGE_COOKIE = "casebook_lang"
_ = gettext

STATUS_LABELS = {
    "idea": lazy_gettext("Idea"), "pilot": lazy_gettext("Pilot"), "running": lazy_gettext("Running"),
    "completed": lazy_gettext("Completed"), "stopped": lazy_gettext("Stopped"),
}
LESSON_LABELS = {"went_well": lazy_gettext("Went well"), "went_badly": lazy_gettext("Went badly")}
LANGUAGE_LABELS = {"nl": lazy_gettext("Dutch"), "en": lazy_gettext("English")}
# Flashed by Flask-Login when a page needs a member; turned into the visitor's language when shown.
SIGN_IN_FIRST = lazy_gettext("Sign in to see this page.")
VISIBILITY_LABELS = {"public": lazy_gettext("Everyone"), "members": lazy_gettext("Members only")}
ATTRIBUTION_LABELS = {"named": lazy_gettext("Named"), "anonymous": lazy_gettext("Anonymous")}
AUDIT_LABELS = {
    "case.approve": lazy_gettext("Approved a case"), "case.send_back": lazy_gettext("Sent a case back"),
    "case.edit": lazy_gettext("Edited someone else's case"), "case.delete": lazy_gettext("Deleted a case"),
    "case.import": lazy_gettext("Imported a case file"), "revision.restore": lazy_gettext("Restored a revision"),
    "proposal.approve": lazy_gettext("Approved an addition"), "proposal.send_back": lazy_gettext("Sent an addition back"),
    "member.create": lazy_gettext("Created a member"), "member.role": lazy_gettext("Changed a role"),
    "member.disable": lazy_gettext("Disabled a member"), "member.enable": lazy_gettext("Enabled a member"),
    "invitation.create": lazy_gettext("Invited someone"), "invitation.revoke": lazy_gettext("Revoked an invitation"),
}
ROLE_LABELS = {"member": lazy_gettext("Member"), "moderator": lazy_gettext("Moderator"), "admin": lazy_gettext("Admin")}


def select_locale() -> str:
    """The visitor's choice (cookie), else the browser's preference, else English (also on the command line)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen is not None and chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam")  # where the alliance meets
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(ui_locale=ui_locale, country_name=country_name, label=label, city_key=city_key,
                                 city_name=city_name,
                                 format_datetime=lambda moment: format_datetime(moment, "medium"),
                                 format_date=lambda moment: format_date(moment, "long"))


def ui_locale() -> str:
    return str(get_locale() or "en")


def country_name(code: str, locale: str | None = None) -> str:
    return gazetteer.country_name(code, locale or ui_locale())


def city_key(city: str, country: str) -> str:
    """The one name of a case's city in facets and `/cities/<key>` (`Kopenhagen`, DK -> `Copenhagen`)."""
    return gazetteer.place(city, country).key


def city_name(city: str, country: str) -> str:
    """A case's city in the UI language (`Kopenhagen` and `Copenhagen` alike: Kopenhagen in Dutch)."""
    return gazetteer.place(city, country).name(ui_locale())


def label(facet: str, value: str) -> str:
    """The human label of a facet value in the UI language."""
    if facet == "theme":
        return vocabulary.theme_label(value, ui_locale())
    if facet == "country":
        return country_name(value)
    if facet == "city":
        return gazetteer.city_name(value, ui_locale())
    if facet == "status":
        return str(STATUS_LABELS.get(value, value))
    if facet == "lesson":
        return str(LESSON_LABELS.get(value, value))
    if facet == "language":
        return str(LANGUAGE_LABELS.get(value, value))
    if facet == "role":
        return str(ROLE_LABELS.get(value, value))
    if facet == "visibility":
        return str(VISIBILITY_LABELS.get(value, value))
    if facet == "attribution":
        return str(ATTRIBUTION_LABELS.get(value, value))
    if facet == "audit":
        return str(AUDIT_LABELS.get(value, value))
    return value
