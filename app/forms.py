"""Forms and CSRF protection: the only module that knows Flask-WTF and WTForms."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class LogoutForm(FlaskForm):
    """No fields: the CSRF token alone."""


class AcceptInvitationForm(FlaskForm):
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


class TokenForm(FlaskForm):
    name = StringField(_l("What is it for?"), validators=[Length(max=80)])


class ConfirmForm(FlaskForm):
    """No fields: the CSRF token alone (buttons such as "revoke")."""
