"""Who is asking: sign-in with Flask-Login (the only module that knows it)."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from . import policy
from .audience import Audience
from .errors import NotAllowed
from .i18n import SIGN_IN_FIRST
from .models import Member
from .policy import Actor
from .services import members

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = SIGN_IN_FIRST
login_manager.localize_callback = str  # the lazy text in the language of this request (a session holds only plain text)
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
    # A disabled member is signed out on their next request, whatever their cookie says.
    if member is None or member.session_version != int(version) or not member.is_active:
        return None
    return SignedIn(member)


def site_open() -> bool:
    """Whether this reader may open the whole site: always, unless safe-space mode keeps visitors out."""
    return not current_app.config.get("SAFE_SPACE") or current_user.is_authenticated


# What a visitor may reach when CASEBOOK_SAFE_SPACE=1: signing in, and the links that come by mail.
SAFE_SPACE_OPEN = {"auth.login", "auth.accept_invitation", "static", "pages.set_language", "health.healthz",
                   "auth.forgot_password", "auth.reset_password", "profile.confirm_address", "mailprefs.unsubscribe",
                   "feeds.robots",  # it tells crawlers there is nothing for them
                   # About, privacy, accessibility and contact hold no case content: who may join needs them.
                   "info.about", "info.privacy", "info.accessibility", "info.contact"}
VIEW_AS_PUBLIC = "view_as_public"


@login_manager.request_loader
def _load_from_token(req) -> SignedIn | None:
    """`Authorization: Bearer <token>` on the JSON API: a member's personal token."""
    if not req.path.startswith("/api/"):
        return None
    scheme, _sep, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    member = members.member_for_token(token.strip())
    if member is None:
        return None
    return SignedIn(member)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.jinja_env.globals.update(can=can)

    @app.before_request
    def _reject_bad_tokens():
        # A script with a wrong or revoked token is told so, instead of silently seeing less.
        if request.path.startswith("/api/") and request.headers.get("Authorization", "").lower().startswith("bearer ") \
                and not current_user.is_authenticated:
            return {"error": "invalid_token", "message": "The API token is not valid or was revoked."}, 401
        return None

    @app.before_request
    def _safe_space():
        if site_open():
            return None
        if request.endpoint in SAFE_SPACE_OPEN:
            return None
        if request.path.startswith("/api/"):
            return {"error": "sign_in_required", "message": "Sign in to use Casebook."}, 401
        return redirect(url_for("auth.login"))

    @app.after_request
    def _private(response: Response) -> Response:
        # Anything a member sees may hold members-only content: never cache it anywhere.
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["Vary"] = "Cookie"
        return response


def current_member() -> Member | None:
    return current_user.member if current_user.is_authenticated else None


def signed_in_member() -> Member:
    """The member on a page that needs one (login_required has already sent visitors away)."""
    member = current_member()
    if member is None:
        raise NotAllowed()
    return member


def current_actor() -> Actor:
    """Who is asking, as they read the site: a member "viewing as public" reads as a visitor."""
    return Actor(member=current_member(), as_public=viewing_as_public())


def acting_actor() -> Actor:
    """The signed-in member acting as themselves: their workspace ignores "view as public"."""
    return Actor(member=current_member())


def current_audience() -> Audience:
    return current_actor().audience


def can(action: str, obj: Any = None) -> bool:
    """For templates: may the member acting as themselves do this? (the answer, not the rule)"""
    return policy.can(acting_actor(), action, obj)


def viewing_as_public() -> bool:
    """A member checking what outsiders see: answered exactly as an anonymous visitor."""
    return current_user.is_authenticated and bool(session.get(VIEW_AS_PUBLIC))


def set_view_as_public(on: bool) -> None:
    session[VIEW_AS_PUBLIC] = on


def sign_in(member: Member, remember: bool) -> None:
    login_user(SignedIn(member), remember=remember)


def sign_out() -> None:
    member = current_member()
    if member is not None:
        members.end_all_sessions(member)
    logout_user()
