"""Our own domain errors, and the one handler that answers every error as HTML or JSON.

Services raise these; they never raise Python's own exceptions (PermissionError is an OSError
and LookupError a KeyError's parent: either could come from anywhere) as signals.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

if TYPE_CHECKING:  # pragma: no cover
    from .models import Case

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Something a user did that the rules answer; `message` is shown to them."""

    status = 400
    code = "invalid"

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """Missing, or hidden from this actor: the two look exactly alike."""

    status = 404
    code = "not_found"


class NotAllowed(DomainError):
    """The actor may see the thing but may not do this to it."""

    status = 403
    code = "not_allowed"


class Conflict(DomainError):
    """Changed or decided by someone else since the actor looked; nothing was written."""

    status = 409
    code = "conflict"

    def __init__(self, message: str = "", case: Case | None = None):
        super().__init__(message)
        self.case = case


class Invalid(DomainError):
    """Input the rules refuse; the form shows `message` and keeps what was typed."""

    status = 400
    code = "invalid"


# What an API client reads for each status: short, stable, in English (the UI pages are translated).
API_MESSAGES = {
    400: "The request could not be understood", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Changed by someone else meanwhile", 413: "The request is too large.",
    429: "Too many requests. Please wait a minute and try again.",
    500: "Something went wrong", 503: "Casebook cannot reach its database. Please try again in a minute.",
}
API_CODES = {400: "bad_request", 403: "not_allowed", 404: "not_found", 405: "method_not_allowed",
             409: "conflict", 413: "too_large", 429: "too_many_requests", 500: "server_error",
             503: "unavailable"}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _rollback() -> None:
    """Whatever the failed request wrote stays unwritten, and the session is usable again."""
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:  # the connection itself may be gone; the pool replaces it
            log.warning("rollback after an error failed", exc_info=True)


def _html(status: int, error: Exception) -> Any:
    if status == 404:
        return render_template("errors/404.html"), 404
    if status == 413:
        return render_template("library/too_large.html", limit_mb=_limit_mb()), 413
    if status == 429 and request.endpoint == "auth.login":
        from .forms import LoginForm  # the sign-in page again, with the reason

        return render_template("auth/login.html", form=LoginForm(),
                               error=_("Too many attempts. Please wait a minute and try again.")), 429
    message = error.message if isinstance(error, DomainError) else None
    return render_template("errors/error.html", code=status, message=message), status


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


def respond(status: int, error: Exception) -> Response:
    """The answer to an error: JSON for API clients, a page in the visitor's language otherwise."""
    if wants_json():
        body = {"error": API_CODES.get(status, "error"), "message": API_MESSAGES.get(status, "Error")}
        if isinstance(error, DomainError) and error.message and status not in (404, 500):
            body["message"] = error.message
        response = make_response(body, status)
    else:
        try:
            response = make_response(_html(status, error))
        except Exception:  # the error page itself failed (no database for the header, say)
            log.exception("the error page for %s could not be rendered", status)
            response = make_response(f"Error {status}", status, {"Content-Type": "text/plain; charset=utf-8"})
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _database_down(error: Exception) -> bool:
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def init_app(app: Flask) -> None:
    @app.errorhandler(Exception)
    def _any(error: Exception):
        _rollback()
        if isinstance(error, HTTPException):
            if error.code is None or error.code < 400:
                return error
            return respond(error.code, error)
        if isinstance(error, DomainError):
            return respond(error.status, error)
        if _database_down(error):
            log.error("database unreachable: %s", str(error).splitlines()[0][:300])
            return respond(503, error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, error)
