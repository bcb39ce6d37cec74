"""UI language: the only module that knows Flask-Babel (place names from Babel's data: the gazetteer)."""
from __future__ import annotations

import re

from babel import Locale
from babel.numbers import format_currency, get_currency_name, get_currency_symbol
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, format_date, format_datetime, format_number, get_locale, gettext, lazy_gettext

from . import gazetteer, vocabulary

LANGUAGE_COOKIE = "casebook_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600  # a visitor's choice of language is kept for a year
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
    "update.approve": lazy_gettext("Approved a case update"), "update.send_back": lazy_gettext("Sent a case update back"),
    "member.create": lazy_gettext("Created a member"), "member.role": lazy_gettext("Changed a role"),
    "member.disable": lazy_gettext("Disabled a member"), "member.enable": lazy_gettext("Enabled a member"),
    "invitation.create": lazy_gettext("Invited someone"), "invitation.revoke": lazy_gettext("Revoked an invitation"),
    "introduction.pass_on": lazy_gettext("Passed an introduction on"), "report.handle": lazy_gettext("Handled a report"),
    "meeting.create": lazy_gettext("Added a meeting"), "meeting.edit": lazy_gettext("Edited a meeting"),
    "meeting.delete": lazy_gettext("Deleted a meeting"),
}
ROLE_LABELS = {"member": lazy_gettext("Member"), "moderator": lazy_gettext("Moderator"), "admin": lazy_gettext("Admin")}
# The search filter of cases with a "Copy this" guide has one value.
GUIDE_LABELS = {"yes": lazy_gettext("Has a guide to copy it")}
_LABEL_TABLES = {
    "status": STATUS_LABELS, "lesson": LESSON_LABELS, "language": LANGUAGE_LABELS, "role": ROLE_LABELS,
    "visibility": VISIBILITY_LABELS, "attribution": ATTRIBUTION_LABELS, "audit": AUDIT_LABELS, "guide": GUIDE_LABELS,
}


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
                                 city_name=city_name, money=money, currency_name=currency_name, currency_code_needed=currency_code_needed,
                                 format_datetime=lambda moment: format_datetime(moment, "medium"),
                                 format_moment=format_moment, format_date=date_text, format_number=number_text)


def ui_locale() -> str:
    return str(get_locale() or "en")


def date_text(moment, width: str = "long") -> str:
    """A date in the UI language and the alliance's time zone: `December 4, 2026`, `4 december 2026`;
    width "medium" for tables and lists: `Dec 4, 2026`, `4 dec 2026`."""
    return format_date(moment, width)


def number_text(number: int | float) -> str:
    """A count in the UI language: `12,345`, `12.345`."""
    return format_number(number)


def format_moment(moment) -> str:
    """A date with a time to the minute, in the UI language and time zone: `Mar 4, 2026, 2:12 PM`,
    `4 mrt 2026, 14:12` (for messages: seconds are noise there)."""
    locale = Locale.parse(ui_locale())
    pattern = locale.datetime_formats["medium"].replace("{0}", locale.time_formats["short"].pattern) \
        .replace("{1}", locale.date_formats["medium"].pattern)
    return format_datetime(moment, pattern)


def money(amount: float, currency: str) -> str:
    """An amount in the UI language (`€1,500,000`, `€ 1.500.000`), cents only when it has any."""
    locale = ui_locale()
    if float(amount).is_integer():
        pattern = re.sub(r"\.0+", "", Locale.parse(locale).currency_formats["standard"].pattern)
        return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
    return format_currency(amount, currency, locale=locale)


# Symbols that name one currency only; "$", "kr." and the like also need the code beside them.
ONE_CURRENCY_SYMBOLS = {"€", "£", "₩", "₱", "¥", "₹"}


def currency_code_needed(code: str) -> bool:
    """Whether `money()` alone leaves the currency unclear (`$1,000` could be USD or COP)."""
    symbol = get_currency_symbol(code, locale=ui_locale())
    return symbol != code and symbol not in ONE_CURRENCY_SYMBOLS


def currency_name(code: str) -> str:
    """`EUR` -> `Euro` (English), `euro` (Dutch)."""
    return get_currency_name(code, locale=ui_locale())


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
    table = _LABEL_TABLES.get(facet)
    return str(table.get(value, value)) if table is not None else value
