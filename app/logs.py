"""Logs: one line per request, a request id on every line, plain text or JSON lines.

CASEBOOK_LOG_FORMAT=json writes one JSON object per line (for a log collector); otherwise
lines read like `2026-12-02T10:00:00Z INFO casebook.request [3f2a…] GET /search 200 12.1ms`.
A request id comes from the `X-Request-ID` header of a proxy in front, or is made here, and
is sent back in the response.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import IO

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Secrets travel in some paths (invitation links): a long opaque segment is never written out.
_SECRET_SEGMENT = re.compile(r"/[A-Za-z0-9_-]{24,}(?=/|$)")
request_log = logging.getLogger("casebook.request")


def _install_request_ids() -> None:
    """Every log record made during a request carries its id, whichever handler writes it."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "casebook", False):
        return

    def record_with_request_id(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return record

    record_with_request_id.casebook = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record_with_request_id)


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "path", "status", "duration_ms", "remote")

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + "Z", "level": record.levelname,
                "logger": record.name, "request_id": getattr(record, "request_id", "-"),
                "message": record.getMessage()}
        line.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)sZ %(levelname)s %(name)s [%(request_id)s] %(message)s", "%Y-%m-%dT%H:%M:%S")


for _formatter in (JsonFormatter, TextFormatter):
    _formatter.converter = time.gmtime


def configure(fmt: str = "text", level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send Casebook's logs (and the libraries') to STREAM, replacing an earlier call's handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.set_name("casebook")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "casebook"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic narrates every migration step at INFO; what matters is the line we write after it.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    return handler


def _path_for_log() -> str:
    return _SECRET_SEGMENT.sub("/…", request.path)


def init_app(app: Flask) -> None:
    _install_request_ids()
    if app.config.get("LOG_CONFIGURE", True):
        configure(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def _start() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
        duration = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        request_log.info("%s %s %s %.1fms", request.method, _path_for_log(), response.status_code, duration,
                         extra={"method": request.method, "path": _path_for_log(), "status": response.status_code,
                                "duration_ms": round(duration, 1), "remote": request.remote_addr})
        return response
