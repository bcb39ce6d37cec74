"""Forms and CSRF protection: the only module that knows Flask-WTF and WTForms."""
from __future__ import annotations

import functools
import unicodedata

from babel import Locale
from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_wtf import CSRFProtect, FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import sources as case_sources

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.jinja_env.globals.update(form_errors=form_errors)


def form_errors(form: BaseForm) -> list[tuple[str, str]]:
    """(field id, message) of every error in the form, its repeated rows included, in the form's
    order: what the error summary at the top of a form lists and links to."""
    found: list[tuple[str, str]] = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                found.extend(form_errors(entry.form) if isinstance(entry, FormField) else _own_errors(entry))
        elif isinstance(field, FormField):
            found.extend(form_errors(field.form))
        elif field.type != "CSRFTokenField":
            found.extend(_own_errors(field))
    return found


def _own_errors(field: Field) -> list[tuple[str, str]]:
    errors = field.errors if isinstance(field.errors, (list, tuple)) else []
    return [(error_target(field), str(e)) for e in errors]


def error_target(field: Field) -> str:
    """The id a link to the field leads to: a group of checkboxes is reached by its first box."""
    return f"{field.id}-0" if isinstance(field, SelectMultipleField) else field.id


def case_address_name(value: str | None) -> str | None:
    """A case's address name from its web address (`https://…/cases/rotterdam-water-square`) or the name itself."""
    if not isinstance(value, str):
        return value
    text = value.strip().split("?")[0].split("#")[0].rstrip("/")
    return text.split("/cases/")[-1].split("/")[-1].strip().lower() if "/cases/" in text else text


def remove_entry(entries: FieldList, index: str) -> None:
    """Drop row INDEX (as a button names it) of a repeated field, keeping what was typed in the others."""
    kept = [row.data for i, row in enumerate(entries) if str(i) != index]
    while len(entries):
        entries.pop_entry()
    for data in kept:
        entries.append_entry(data)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Give your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Give your password.")), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class LogoutForm(FlaskForm):
    """No fields: the CSRF token alone."""


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    organisation = StringField(_l("Your organisation (optional)"), validators=[Length(max=200)])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("The same password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), default="member", choices=[
        SelectChoice("member", _l("Member")), SelectChoice("moderator", _l("Moderator")),
        SelectChoice("admin", _l("Admin"))])

    def limit_roles(self, allowed) -> None:
        """Offer only the roles this inviter may give."""
        self.role.choices = [c for c in self.role.choices if c.value in allowed]


class ViewAsPublicForm(FlaskForm):
    """No fields: the CSRF token alone."""


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(_l("Give your current password.")), Length(max=1024)])
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password.")), Length(max=1024)])
    confirm = PasswordField(_l("The same password again"),
                            validators=[DataRequired(_l("Type the new password a second time.")),
                                        EqualTo("new", message=_l("The two passwords differ."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Give your name.")), Length(max=120)])
    organisation = StringField(_l("Your organisation (optional)"), validators=[Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Give the email address you sign in with.")),
                                                Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password.")), Length(max=1024)])
    confirm = PasswordField(_l("The same password again"),
                            validators=[DataRequired(_l("Type the new password a second time.")),
                                        EqualTo("password", message=_l("The two passwords differ."))])


class AddressForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[DataRequired(_l("Give the new email address.")),
                                                            Length(max=254)])
    password = PasswordField(_l("Current password"),
                             validators=[DataRequired(_l("Give your current password.")), Length(max=1024)])


class MailChoicesForm(FlaskForm):
    language = SelectField(_l("Language of your mails"), choices=[
        SelectChoice("en", "English"), SelectChoice("nl", "Nederlands")])
    introductions = BooleanField(_l("Introductions and replies to them"))
    follow_ups = BooleanField(_l("“How is it going now?” about my cases"))
    alerts = BooleanField(_l("Alerts for my saved searches"))


class TokenForm(FlaskForm):
    name = StringField(_l("What is it for?"), validators=[Length(max=80)])


class ConfirmForm(FlaskForm):
    """No fields: the CSRF token alone (buttons such as "revoke")."""


# Under a field that takes Markdown: how to write headings, lists and links, without the jargon.
MARKDOWN_HINT = _l("Headings start with ##, list items with -; a link is [text](https://…).")

# Babel's territories that are no country a case can be in.
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
FIRST_COUNTRY = "NL"  # most cases are Dutch: first in the list, and chosen for a new case

# The section headings most seed cases use, in their order: a story to start from.
STORY_OUTLINE = _l("## What they did\n\n## Results\n\n## Why it worked\n\n## What went wrong\n\n## How to copy it\n")


def story_outline() -> str:
    """The outline a new story starts with, in the UI language."""
    return str(STORY_OUTLINE)


def is_only_headings(body: str) -> bool:
    """A story that is headings and nothing else (the untouched outline) tells nothing yet."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return all(line.startswith("#") for line in lines)


def country_choices(locale: str) -> list[SelectChoice]:
    """Every country by its name in the UI language, alphabetically, the Netherlands first."""
    return list(_country_choices(locale))


@functools.cache  # the same list for every form in a language: sorted once per worker
def _country_choices(locale: str) -> tuple[SelectChoice, ...]:
    names = Locale.parse(locale).territories
    codes = [c for c in map(str, Locale("en").territories) if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES]

    def sort_key(code: str) -> str:
        return unicodedata.normalize("NFKD", names.get(code, code)).encode("ascii", "ignore").decode().casefold()

    ordered = sorted((c for c in codes if c != FIRST_COUNTRY), key=sort_key)
    return tuple(SelectChoice(c, names.get(c, c)) for c in (FIRST_COUNTRY, *ordered))


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if isinstance(value, str) else value


class LessonForm(Form):
    """One lesson inside the case form (no CSRF of its own: the case form carries it)."""

    kind = SelectField(_l("Did it go well or badly?"), choices=[SelectChoice("went_well", _l("Went well")),
                                                               SelectChoice("went_badly", _l("Went badly"))])
    text = TextAreaField(_l("The lesson"))
    visibility = SelectField(_l("Who may read it"), choices=[SelectChoice("public", _l("Everyone")),
                                                             SelectChoice("members", _l("Members only"))])


class CaseForm(FlaskForm):
    """Every field of the content model; checked by the same validator as `cases/` files.

    Each `description` is the hint shown under the field's label. The fields are declared in the
    order the page shows them: the error summary lists its errors in this order.
    """

    title = StringField(_l("Title"), description=_l("What was done, and where: for example “Water squares in Rotterdam”."))
    summary = TextAreaField(_l("Summary"), description=_l(
        "Two or three sentences: what the problem was and what was done. Search results show it."))
    city = StringField(_l("City"), description=_l("The city or municipality where it happened."))
    # Not checked against the list here: the case-file validator says what is wrong, next to the field.
    country = SelectField(_l("Country"), choices=[], validate_choice=False, filters=[_upper])
    year = StringField(_l("Year it started"), description=_l("Four digits, for example 2019."))
    status = SelectField(_l("Status"), choices=[SelectChoice("", "—")] + [
        SelectChoice(v, label) for v, label in (("idea", _l("Idea")), ("pilot", _l("Pilot")), ("running", _l("Running")),
                                                 ("completed", _l("Completed")), ("stopped", _l("Stopped")))])
    themes = SelectMultipleField(_l("Themes"), option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
                                 description=_l("Choose one or more."))
    body = TextAreaField(_l("Your story"), description=_l(
        "Fill in the headings below, or change them. A line that starts with ## is a heading, a line that starts "
        "with - is an item in a list, and [text](https://…) is a link."))
    lessons = FieldList(FormField(LessonForm), min_entries=1, max_entries=30)
    language = SelectField(_l("Written in"), choices=[SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))])
    visibility = SelectField(_l("Who may read the case"), choices=[SelectChoice("public", _l("Everyone")),
                                                                  SelectChoice("members", _l("Members only"))],
                             description=_l("“Members only”: visitors who are not signed in do not see it at all."))
    attribution = SelectField(_l("Show my name"), choices=[SelectChoice("named", _l("Yes")),
                                                          SelectChoice("anonymous", _l("No, stay anonymous"))],
                              description=_l("Moderators always see who shared a case."))
    sources = TextAreaField(_l("Sources"), description=_l(
        "One on each line: the web address, or a title, a bar and the address (Evaluation report | https://…)."))
    organisations = TextAreaField(_l("Organisations involved"), description=_l("One on each line."))
    sdg_targets = StringField(_l("SDG targets"), description=_l("Numbers such as 11.3 or 11.6, separated by commas."))
    contact = StringField(_l("Contact for questions"), description=_l(
        "An organisation or a role others may ask, such as “Gemeente Zwolle, energy team”."))
    copied_from = StringField(_l("Copied from (a case on Casebook)"), filters=[case_address_name], description=_l(
        "Did your city copy a case that is on Casebook? Open that case and paste its web address here."))
    # The version of the case this editor started from: a later save by someone else is a conflict.
    base_version = HiddenField()

    def started_from(self) -> int | None:
        value = (self.base_version.data or "").strip()
        return int(value) if value.isdigit() else None

    def set_theme_choices(self, themes: dict[str, str]) -> None:
        self.themes.choices = [SelectChoice(slug, label) for slug, label in themes.items()]

    def set_country_choices(self, locale: str) -> None:
        self.country.choices = [SelectChoice("", _l("Choose a country")), *country_choices(locale)]

    def front_matter(self) -> tuple[dict, str]:
        """The typed values as `cases/` front matter and body, for the shared validator."""
        def lines(text: str) -> list[str]:
            return [line.strip() for line in (text or "").splitlines() if line.strip()]

        year = (self.year.data or "").strip()
        body = self.body.data or ""
        meta = {
            "title": self.title.data, "summary": self.summary.data, "city": self.city.data,
            "country": (self.country.data or "").strip().upper(), "themes": list(self.themes.data or []),
            "language": self.language.data, "visibility": self.visibility.data,
            "attribution": self.attribution.data, "organisations": lines(self.organisations.data),
            "sdg_targets": [t.strip() for t in (self.sdg_targets.data or "").split(",") if t.strip()],
            "sources": case_sources.parse_lines(self.sources.data), "contact": self.contact.data or None,
            "copied_from": (self.copied_from.data or "").strip() or None,
            "status": self.status.data or None,
            "year": int(year) if year.isdigit() else (year or None),
            "lessons": [{"kind": l.kind.data, "text": l.text.data, "visibility": l.visibility.data}
                        for l in self.lessons if (l.text.data or "").strip()],
        }
        return {k: v for k, v in meta.items() if v not in (None, "", [])}, "" if is_only_headings(body) else body


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Note for the author"), description=_l("Needed to send it back: the author reads it."))

    def validate_note(self, field: TextAreaField) -> None:
        # A case sent back without a word leaves its author guessing what to change.
        if request.form.get("action") != "approve" and not (field.data or "").strip():
            raise ValidationError(_l("Write what the author should change before you send it back."))

    def approved(self) -> bool:
        return request.form.get("action") == "approve"


class ProposedLessonForm(FlaskForm):
    """"We tried this too": a lesson for someone else's case, reviewed before it shows."""

    kind = SelectField(_l("What happened"), choices=[SelectChoice("went_well", _l("It went well")),
                                                     SelectChoice("went_badly", _l("It went badly"))])
    text = TextAreaField(_l("Your lesson"), validators=[Length(max=5000)], description=MARKDOWN_HINT)
    visibility = SelectField(_l("Who may read it"), default="members",
                             choices=[SelectChoice("members", _l("Members only")), SelectChoice("public", _l("Everyone"))])
    attribution = SelectField(_l("Show my name with it"), choices=[SelectChoice("named", _l("Yes")),
                                                                  SelectChoice("anonymous", _l("No, stay anonymous"))])


class CopiedFromForm(FlaskForm):
    """A member's own case that copied the case on the page."""

    case_id = SelectField(_l("Which of your cases copied this one?"), coerce=int, choices=[])


class MemberRoleForm(FlaskForm):
    """An admin gives a member another role."""

    role = SelectField(_l("Role"), choices=[
        SelectChoice("member", _l("Member")), SelectChoice("moderator", _l("Moderator")),
        SelectChoice("admin", _l("Admin"))])


class ImportForm(FlaskForm):
    """Moderators upload `cases/` files; each file is checked on its own, so no validators here."""

    files = MultipleFileField(_l("Case files (.md)"))


class FollowUpForm(FlaskForm):
    """"How is it going now?": the contributor's update of their case, reviewed before it shows."""

    status = SelectField(_l("Status now"), choices=[
        SelectChoice(v, label) for v, label in (("idea", _l("Idea")), ("pilot", _l("Pilot")), ("running", _l("Running")),
                                                 ("completed", _l("Completed")), ("stopped", _l("Stopped")))])
    text = TextAreaField(_l("What happened since"), validators=[Length(max=5000)], description=MARKDOWN_HINT)
    lesson_kind = SelectField(_l("A lesson from this time"), default="", choices=[
        SelectChoice("", _l("No lesson this time")), SelectChoice("went_well", _l("It went well")),
        SelectChoice("went_badly", _l("It went badly"))])
    lesson_text = TextAreaField(_l("The lesson"), validators=[Length(max=5000)])
    lesson_visibility = SelectField(_l("Who may read the lesson"), default="members",
                                    choices=[SelectChoice("members", _l("Members only")),
                                             SelectChoice("public", _l("Everyone"))])
    story_addition = TextAreaField(_l("Add to the story (optional)"), validators=[Length(max=20000)])

    def allow_no_status(self) -> None:
        """A case that never had a status may keep having none."""
        self.status.choices = [SelectChoice("", _l("Not said")), *self.status.choices]


class IntroductionForm(FlaskForm):
    """A member asks to be introduced to the people behind a case (checked by the introductions service)."""

    body = TextAreaField(_l("Your message"))


class ReplyForm(FlaskForm):
    """A message in an introduction's conversation; an anonymous contributor chooses whether to sign it."""

    body = TextAreaField(_l("Your reply"))
    signed = SelectField(_l("Show my name"), default="anonymous", choices=[
        SelectChoice("anonymous", _l("Reply anonymously")), SelectChoice("named", _l("Reply under my name"))])


class ReportForm(FlaskForm):
    """A message reported to the moderators."""

    reason = TextAreaField(_l("What is wrong with this message?"))


class SavedSearchForm(FlaskForm):
    """How often a saved search is mailed. Saving from the results page, the search itself comes
    in the form's other fields (`q`, `theme`, `city` …), read exactly like the page's URL."""

    frequency = SelectField(_l("Mail me what is new"), default="weekly", choices=[
        SelectChoice("daily", _l("daily")), SelectChoice("weekly", _l("weekly"))])


class MeetingItemForm(Form):
    """One point of a meeting's programme (no CSRF of its own: the meeting form carries it)."""

    title = StringField(_l("Title"))
    case = StringField(_l("Case presented (its address name)"))
    speaker = StringField(_l("Speaker"))
    speaker_agreed = BooleanField(_l("The speaker agreed to be named"))


class MeetingForm(FlaskForm):
    """A meeting and its programme. The form only reads what was typed; the meetings service
    checks it (so its reasons show next to the fields, in the UI language)."""

    title = StringField(_l("Title"))
    held_on = DateField(_l("Date"), validators=[Optional()],
                        invalid_value_message=_l("Give the date as year-month-day, for example 2025-05-14."))
    place = StringField(_l("Place"))
    host = StringField(_l("Host"))
    summary = TextAreaField(_l("Summary for everyone"))
    notes = TextAreaField(_l("Notes"))
    notes_visibility = SelectField(_l("Who may read the notes"), default="members", choices=[
        SelectChoice("members", _l("Members only")), SelectChoice("public", _l("Everyone"))])
    items = FieldList(FormField(MeetingItemForm), min_entries=0, max_entries=60)
