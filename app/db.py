"""The database: engine, sessions and the schema (created and upgraded with Alembic)."""
from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001 - DB-API objects
            # WAL lets readers go on while an import writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["casebook.db"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["casebook.schema"] = SchemaState(engine)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["casebook.db"].kw["bind"]


def session() -> Session:
    """The session of this request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["casebook.db"]()
    return g.db_session


@contextmanager
def fresh_session() -> Iterator[Session]:
    """A session of its own, for work that must not share the request's transaction."""
    with current_app.extensions["casebook.db"]() as s:
        yield s


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade_schema(bind: Engine | None = None, revision: str = "head") -> None:
    """Create or upgrade the schema to the newest Alembic revision (or an older one, for tests)."""
    from alembic import command
    from alembic.util import CommandError

    cfg = _alembic_config()
    bind = bind or engine()
    with _migrating(bind) as conn:
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, revision)
        except CommandError as error:  # a revision this code does not know: the database is newer
            raise SchemaProblem(f"The database {describe(bind)} cannot be upgraded by this code "
                                f"(which knows revisions up to {code_revision()}): {error}") from None


@contextmanager
def _migrating(bind: Engine) -> Iterator[Connection]:
    """One process migrates at a time: several workers or nodes may start together on a new database."""
    if bind.dialect.name == "sqlite" and bind.url.database not in (None, "", ":memory:"):
        with open(f"{bind.url.database}.migrate-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its process dies
            with bind.begin() as conn:
                yield conn
        return
    with bind.begin() as conn:
        if bind.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(1161700107)"))  # released at commit
        yield conn


# --- a database that sets itself up, or says why not ------------------------------------------
log = logging.getLogger(__name__)


def code_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def database_revision(bind: Engine) -> tuple[str | None, bool]:
    """(the schema revision recorded in the database, whether it holds any table at all)."""
    from alembic.runtime.migration import MigrationContext

    with bind.connect() as conn:
        tables = inspect(conn).get_table_names()
        return MigrationContext.configure(conn).get_current_revision(), bool(tables)


class SchemaProblem(RuntimeError):
    """The database cannot be used by this code as it is; the message says what to do (one line)."""


def describe(bind: Engine) -> str:
    return bind.url.render_as_string(hide_password=True)


def prepare_schema(bind: Engine) -> None:
    """A new database gets the schema; one of another revision raises SchemaProblem.

    Only an empty database is changed without asking: upgrading a database that holds the
    alliance's cases is a deliberate step (`flask --app app init-db`, after a backup).
    """
    head = code_revision()
    current, has_tables = database_revision(bind)
    if current == head:
        return
    if current is None and not has_tables:
        upgrade_schema(bind)
        log.info("created the database schema (revision %s) in %s", head, describe(bind))
        return
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if current is None:
        raise SchemaProblem(f"The database {describe(bind)} has tables but no schema revision (this code needs "
                            f"{head}): point CASEBOOK_DATABASE_URL at a Casebook database or an empty one.")
    if current not in known:
        raise SchemaProblem(f"The database {describe(bind)} is at schema revision {current}, newer than this code "
                            f"(which needs {head}): run the newer Casebook, or restore a backup of revision {head}.")
    raise SchemaProblem(f"The database {describe(bind)} is at schema revision {current} and this code needs {head}: "
                        f"back it up, then run `flask --app app init-db` to upgrade it.")


@dataclass
class SchemaState:
    """Whether this app's database is ready; asked again (at most once a second) while it is not."""

    bind: Engine
    ready: bool = False
    problem: str | None = None
    fatal: bool = False  # True: only a person can fix it (a revision mismatch), not time (a server down)
    _checked_at: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def check(self, force: bool = False) -> str | None:
        """None when the schema is ready; else the one line that says what to do."""
        if self.ready:
            return None
        with self._lock:
            if self.ready or (not force and time.monotonic() - self._checked_at < 1.0):
                return self.problem
            self._checked_at = time.monotonic()
            try:
                prepare_schema(self.bind)
            except SchemaProblem as problem:
                self.problem, self.fatal = str(problem), True
            except OperationalError as error:  # the server is down: serve 503s, try again later
                self.problem, self.fatal = f"Cannot reach the database {describe(self.bind)}: {_first_line(error)}", False
            else:
                self.ready, self.problem, self.fatal = True, None, False
            return self.problem


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]


def schema() -> SchemaState:
    return current_app.extensions["casebook.schema"]
