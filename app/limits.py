"""Rate limits: the only module that knows Flask-Limiter."""
from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LOGIN_LIMIT = "10 per minute;50 per hour"

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    # Redis shares the counts between workers and nodes; memory is for a single process.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


login_limit = limiter.limit(LOGIN_LIMIT, methods=["POST"])
