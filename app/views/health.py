"""`GET /healthz` for load balancers: can this node serve, and how far behind the log is it?

No content, no sign-in, also in safe-space mode. 503 when the node cannot serve: its
database is unreachable or not ready, or it has no readable search index.
"""
from __future__ import annotations

from flask import Blueprint

from ..services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    report = health.report()
    return report.as_json(), 200 if report.serving else 503, {"Cache-Control": "no-store"}
