"""Serving: the database gate in front of every request, this node's follower, gunicorn's hooks.

gunicorn.conf.py calls `on_starting` in the master (the schema is created or checked once,
before any worker starts) and `post_worker_init` in each worker (its follower starts at once,
so a change made on another node arrives without a request).
"""
from __future__ import annotations

import logging
import sys
import time

import click
from flask import Flask, request

from . import db
from .errors import DomainError, respond
from .services.follower import Follower, follower

log = logging.getLogger(__name__)
# Answered whatever the database's state: a load balancer must learn why a node is out.
UNGATED = {"health.healthz", "static"}


class DatabaseNotReady(DomainError):
    status = 503
    code = "unavailable"


def init_app(app: Flask) -> None:
    app.extensions["casebook.follower"] = Follower(app, app.config["FOLLOW_INTERVAL"])
    last_logged = [0.0]

    @app.before_request
    def _database_ready():
        if app.config["FOLLOW_CHANGES"]:
            follower(app).start()  # under `flask run` the first request starts it; a no-op after
        if request.endpoint in UNGATED:
            return None
        problem = db.schema().check()
        if problem is None:
            return None
        if time.monotonic() - last_logged[0] > 60:
            log.error("%s", problem)
            last_logged[0] = time.monotonic()
        return respond(503, DatabaseNotReady())


def prepare(app: Flask) -> None:
    """Create the schema of a new database, or stop with one line when the code and database disagree.

    Under the `flask` command the commands themselves say it (and `init-db` fixes it), so the
    app is created anyway; a server stops: it could only answer errors.
    """
    with app.app_context():
        state = db.schema()
        problem = state.check(force=True)
    if problem is None or click.get_current_context(silent=True) is not None:
        return  # a command says it itself (and `init-db` is the cure), `flask run` answers 503s
    if state.fatal:
        print(problem, file=sys.stderr)
        raise SystemExit(1)
    log.warning("%s", problem)


# --- gunicorn hooks (see gunicorn.conf.py) --------------------------------------------------

def on_starting(_server) -> None:
    from . import create_app

    app = create_app()  # exits with the one line when the schema cannot be used
    app.extensions["casebook.db"].kw["bind"].dispose()  # workers open their own connections


def post_worker_init(worker) -> None:
    app = worker.wsgi
    if isinstance(app, Flask) and app.config["FOLLOW_CHANGES"]:
        follower(app).start()


def worker_exit(_server, worker) -> None:
    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        follower(app).stop(timeout=2.0)
