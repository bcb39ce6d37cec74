"""Rate limits: the only module that knows Flask-Limiter."""
from __future__ import annotations

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LOGIN_LIMIT = "10 per minute;50 per hour"


def init_app(app: Flask, sign_in: Blueprint) -> None:
    """One limiter per app: counts live in Redis when configured (shared by every worker
    and node), else in this process's memory."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "casebook"),
        headers_enabled=False,
    )
    limiter.limit(LOGIN_LIMIT, methods=["POST"])(sign_in)
    limiter.init_app(app)
    app.extensions["casebook.limiter"] = limiter
