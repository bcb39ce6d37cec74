"""How this node is doing: database, index generation, changes not yet applied, lag behind the log."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC

from flask import current_app
from sqlalchemy import func, select

from .. import db
from ..models import IndexChange, utcnow
from . import indexing
from .follower import follower


@dataclass
class HealthReport:
    database: bool = False
    database_error: str | None = None
    index: bool = False
    generation: str | None = None
    applied: int = 0
    log_position: int | None = None
    pending: int | None = None
    seconds_behind: float | None = None
    follower: dict = field(default_factory=dict)

    @property
    def serving(self) -> bool:
        return self.database and self.index

    def as_json(self) -> dict:
        return {
            "status": "ok" if self.serving and not self.pending else "catching_up" if self.serving else "unavailable",
            "database": {"reachable": self.database, "error": self.database_error},
            "index": {"ready": self.index, "generation": self.generation, "applied": self.applied},
            "log_position": self.log_position,
            "pending": self.pending,
            "seconds_behind": self.seconds_behind,
            "follower": self.follower,
        }


def report() -> HealthReport:
    out = HealthReport()
    engine = indexing.engine()
    position = engine.position()
    out.generation, out.applied = position.generation, position.applied
    out.index = engine.can_serve()
    status = follower(current_app).status
    out.follower = {"running": status.running, "error": status.error, "rebuilds": status.rebuilds, "warm": status.warm,
                    "seconds_since_step": round(time.time() - status.last_step_at, 1) if status.last_step_at else None}
    problem = db.schema().check()
    if problem:
        out.database_error = "not ready" if db.schema().fatal else "unreachable"
        return out
    try:
        with db.fresh_session() as session:
            out.log_position = session.scalar(select(func.coalesce(func.max(IndexChange.id), 0))) or 0
            oldest, count = session.execute(select(func.min(IndexChange.changed_at), func.count())
                                            .where(IndexChange.id > position.applied)).one()
    except Exception as error:  # noqa: BLE001 - any failure to ask means the database cannot be used
        out.database_error = "unreachable"
        current_app.logger.warning("health check: database unreachable (%s)", type(error).__name__)
        return out
    out.database = True
    out.pending = count
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)  # SQLite gives naive times
        out.seconds_behind = round(max(0.0, (utcnow() - oldest).total_seconds()), 1)
    else:
        out.seconds_behind = 0.0
    return out
