"""Rate limits: the only module that knows Flask-Limiter (and its storage library, limits)."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage, RedisStorage, Storage

LOGIN_LIMIT = "10 per minute;50 per hour"
# While Redis is down, try it again this often; meanwhile each process counts on its own.
REDIS_RETRY_SECONDS = 5.0
log = logging.getLogger(__name__)


class RedisOrMemory(Storage):
    """Counts in Redis (shared by every worker and node) while it answers, in this process's
    memory while it does not: sign-in keeps working and keeps being limited, and goes back to
    Redis by itself when Redis is back."""

    STORAGE_SCHEME = ["casebook+redis"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions, **options)
        # Short timeouts: an unreachable Redis must cost a sign-in milliseconds, not seconds.
        self.redis = RedisStorage((uri or "").replace("casebook+", "", 1), socket_connect_timeout=0.5,
                                  socket_timeout=0.5, **options)
        self.memory = MemoryStorage()
        self._down_since: float | None = None
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return ()  # nothing escapes: a failing Redis is answered from memory

    def _call(self, name: str, *args: Any) -> Any:
        down = self._down_since
        if down is not None and time.monotonic() - down < REDIS_RETRY_SECONDS:
            return getattr(self.memory, name)(*args)
        try:
            result = getattr(self.redis, name)(*args)
        except Exception as error:  # connection refused, timeout, reset: Redis is away
            with self._lock:
                if self._down_since is None:
                    log.warning("Redis for rate limits is unreachable (%s); counting in memory until it is back",
                                type(error).__name__)
                self._down_since = time.monotonic()
            return getattr(self.memory, name)(*args)
        if down is not None:
            with self._lock:
                self._down_since = None
            log.info("Redis for rate limits is back")
        return result

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return True  # always usable: memory stands in for Redis

    def reset(self) -> int | None:
        return self._call("reset")

    def clear(self, key: str) -> None:
        return self._call("clear", key)


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "memory://"
    return f"casebook+{redis_url}" if redis_url.startswith(("redis://", "rediss://")) else redis_url


def init_app(app: Flask, sign_in: Blueprint) -> None:
    """One limiter per app: counts live in Redis when configured (shared by every worker
    and node), else in this process's memory."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=storage_uri(app.config.get("REDIS_URL")),
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "casebook"),
        headers_enabled=False,
    )
    limiter.limit(LOGIN_LIMIT, methods=["POST"])(sign_in)
    limiter.init_app(app)
    app.extensions["casebook.limiter"] = limiter
