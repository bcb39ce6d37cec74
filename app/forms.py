"""Forms and CSRF protection: the only module that knows Flask-WTF and WTForms."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_wtf import CSRFProtect, FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
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
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)


def remove_entry(entries: FieldList, index: str) -> None:
    """Drop row INDEX (as a button names it) of a repeated field, keeping what was typed in the others."""
    kept = [row.data for i, row in enumerate(entries) if str(i) != index]
    while len(entries):
        entries.pop_entry()
    for data in kept:
        entries.append_entry(data)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
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
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("The same password again"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    organisation = StringField(_l("Your organisation (optional)"), validators=[Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("The same password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class AddressForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])


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


class LessonForm(Form):
    """One lesson inside the case form (no CSRF of its own: the case form carries it)."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice("went_well", _l("Went well")),
                                            SelectChoice("went_badly", _l("Went badly"))])
    text = TextAreaField(_l("Lesson"))
    visibility = SelectField(_l("Who may read it"), choices=[SelectChoice("public", _l("Everyone")),
                                                             SelectChoice("members", _l("Members only"))])


class CaseForm(FlaskForm):
    """Every field of the content model; checked by the same validator as `cases/` files."""

    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"))
    body = TextAreaField(_l("The story (Markdown)"))
    city = StringField(_l("City"))
    country = StringField(_l("Country code (e.g. NL)"))
    themes = SelectMultipleField(_l("Themes"), option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    language = SelectField(_l("Written in"), choices=[SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))])
    visibility = SelectField(_l("Who may read the case"), choices=[SelectChoice("public", _l("Everyone")),
                                                                  SelectChoice("members", _l("Members only"))])
    attribution = SelectField(_l("Show my name"), choices=[SelectChoice("named", _l("Yes")),
                                                          SelectChoice("anonymous", _l("No, stay anonymous"))])
    status = SelectField(_l("Status"), choices=[SelectChoice("", "—")] + [
        SelectChoice(v, label) for v, label in (("idea", _l("Idea")), ("pilot", _l("Pilot")), ("running", _l("Running")),
                                                 ("completed", _l("Completed")), ("stopped", _l("Stopped")))])
    year = StringField(_l("Year it started"))
    organisations = TextAreaField(_l("Organisations (one per line)"))
    sdg_targets = StringField(_l("SDG targets (e.g. 11.3, 11.6)"))
    sources = TextAreaField(_l("Sources (one web address per line)"))
    copied_from = StringField(_l("Copied from (another case's address name)"))
    contact = StringField(_l("Contact (an organisation or role)"))
    lessons = FieldList(FormField(LessonForm), min_entries=1, max_entries=30)
    # The version of the case this editor started from: a later save by someone else is a conflict.
    base_version = HiddenField()

    def started_from(self) -> int | None:
        value = (self.base_version.data or "").strip()
        return int(value) if value.isdigit() else None

    def set_theme_choices(self, themes: dict[str, str]) -> None:
        self.themes.choices = [SelectChoice(slug, label) for slug, label in themes.items()]

    def front_matter(self) -> tuple[dict, str]:
        """The typed values as `cases/` front matter and body, for the shared validator."""
        def lines(text: str) -> list[str]:
            return [line.strip() for line in (text or "").splitlines() if line.strip()]

        year = (self.year.data or "").strip()
        meta = {
            "title": self.title.data, "summary": self.summary.data, "city": self.city.data,
            "country": (self.country.data or "").strip().upper(), "themes": list(self.themes.data or []),
            "language": self.language.data, "visibility": self.visibility.data,
            "attribution": self.attribution.data, "organisations": lines(self.organisations.data),
            "sdg_targets": [t.strip() for t in (self.sdg_targets.data or "").split(",") if t.strip()],
            "sources": lines(self.sources.data), "contact": self.contact.data or None,
            "copied_from": (self.copied_from.data or "").strip() or None,
            "status": self.status.data or None,
            "year": int(year) if year.isdigit() else (year or None),
            "lessons": [{"kind": l.kind.data, "text": l.text.data, "visibility": l.visibility.data}
                        for l in self.lessons if (l.text.data or "").strip()],
        }
        return {k: v for k, v in meta.items() if v not in (None, "", [])}, self.body.data or ""


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Note for the author"))


class ProposedLessonForm(FlaskForm):
    """"We tried this too": a lesson for someone else's case, reviewed before it shows."""

    kind = SelectField(_l("What happened"), choices=[SelectChoice("went_well", _l("It went well")),
                                                     SelectChoice("went_badly", _l("It went badly"))])
    text = TextAreaField(_l("Your lesson (Markdown)"), validators=[Length(max=5000)])
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
    text = TextAreaField(_l("What happened since (Markdown)"), validators=[Length(max=5000)])
    lesson_kind = SelectField(_l("A lesson from this time"), default="", choices=[
        SelectChoice("", _l("No lesson this time")), SelectChoice("went_well", _l("It went well")),
        SelectChoice("went_badly", _l("It went badly"))])
    lesson_text = TextAreaField(_l("The lesson (Markdown)"), validators=[Length(max=5000)])
    lesson_visibility = SelectField(_l("Who may read the lesson"), default="members",
                                    choices=[SelectChoice("members", _l("Members only")),
                                             SelectChoice("public", _l("Everyone"))])
    story_addition = TextAreaField(_l("Add to the story (optional, Markdown)"), validators=[Length(max=20000)])

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
    summary = TextAreaField(_l("Summary for everyone (Markdown)"))
    notes = TextAreaField(_l("Notes (Markdown)"))
    notes_visibility = SelectField(_l("Who may read the notes"), default="members", choices=[
        SelectChoice("members", _l("Members only")), SelectChoice("public", _l("Everyone"))])
    items = FieldList(FormField(MeetingItemForm), min_entries=0, max_entries=60)
