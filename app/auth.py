"""Who is asking: sign-in with Flask-Login (the only module that knows it)."""
from __future__ import annotations

from flask import Flask, Response
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from .audience import Audience
from .models import Member
from .services import members

login_manager = LoginManager()
login_manager.login_view = "auth.login"
# "strong": a session whose fingerprint (address, browser) changes is dropped.
login_manager.session_protection = "strong"


class SignedIn(UserMixin):
    """The signed-in member as Flask-Login sees it.

    The id carries the member's session version, so bumping the version (logout,
    password change) invalidates every session and remember-me cookie at once.
    """

    def __init__(self, member: Member):
        self.member = member

    def get_id(self) -> str:
        return f"{self.member.id}:{self.member.session_version}"


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    member_id, _sep, version = user_id.partition(":")
    if not member_id.isdigit() or not version.isdigit():
        return None
    member = members.get_member(int(member_id))
    if member is None or member.session_version != int(version):
        return None
    return SignedIn(member)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)

    @app.after_request
    def _private(response: Response) -> Response:
        # Anything a member sees may hold members-only content: never cache it anywhere.
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["Vary"] = "Cookie"
        return response


def current_member() -> Member | None:
    return current_user.member if current_user.is_authenticated else None


def current_audience() -> Audience:
    member = current_member()
    return Audience(member.role) if member else Audience.ANONYMOUS


def sign_in(member: Member, remember: bool) -> None:
    login_user(SignedIn(member), remember=remember)


def sign_out() -> None:
    member = current_member()
    if member is not None:
        members.end_all_sessions(member)
    logout_user()
