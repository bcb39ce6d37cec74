"""Fixtures: an app with its own database and index folder, a client, and case factories."""
from __future__ import annotations

import os
import shutil
import textwrap
import uuid
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
import yaml

from app import create_app, db
from app.services import library

from live import own_database

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CASEBOOK_TEST_DATABASE_URL")


# Migrations run once per session, not once per test: each test gets a copy of a migrated
# SQLite file, or the migrated PostgreSQL database with every table emptied. Tests of the
# migrations themselves (test_schema.py) and of new databases create their own.
@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "casebook.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade_schema(engine)
    engine.dispose()  # the last connection folds the write-ahead log into the file we copy
    return path


@pytest.fixture(scope="session")
def emptied_postgres():
    """A database of this test run's own on the test server, migrated once; (its URL, a function
    that empties it again). Its own, so two runs on one server never empty each other's tables."""
    name = f"{sa.engine.make_url(PG_URL).database}_run_{os.getpid()}"
    with own_database(PG_URL, name) as own:
        engine = sa.create_engine(own)
        db.upgrade_schema(engine)
        tables = ", ".join(f'"{t}"' for t in sa.inspect(engine).get_table_names() if t != "alembic_version")

        def empty() -> str:
            # Faster than migrating again, and as new: no rows, and ids that start again from 1.
            with engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return own

        yield empty
        engine.dispose()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def database_url(request, tmp_path) -> str:
    """SQLite always; PostgreSQL too when CASEBOOK_TEST_DATABASE_URL names a server. Migrated, empty."""
    if request.param == "postgresql":
        return request.getfixturevalue("emptied_postgres")()
    path = tmp_path / "casebook.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_database():
    """A database of its own on the test server (for servers started by a test), dropped afterwards."""
    if not PG_URL:
        pytest.skip("needs CASEBOOK_TEST_DATABASE_URL (set by .ci/run when PostgreSQL answers)")
    with own_database(PG_URL, f"casebook_own_{uuid.uuid4().hex[:10]}") as url:
        yield url


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per session: every test's app would otherwise compile each page
    it renders again. Jinja checks each entry against the template's source before using it."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session")
def compiled_templates() -> CompiledTemplates:
    return CompiledTemplates()


@pytest.fixture
def app(database_url, tmp_path, compiled_templates):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "INDEX_DIR": str(tmp_path / "search_index"),
        # Still scrypt, at 1/32 of the cost: milliseconds instead of a tenth of a second a password.
        "PASSWORD_HASH": "scrypt:1024:8:1",
    })
    app.jinja_env.bytecode_cache = compiled_templates
    yield app
    app.extensions["casebook.search"].close()
    app.extensions["casebook.db"].kw["bind"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def case_text(body: str = "The story of the case.", **meta) -> str:
    """A valid case file; keyword arguments override or (with None) remove front matter keys."""
    front = {
        "slug": "sample-case",
        "title": "Sample case",
        "summary": "A short summary.",
        "city": "Utrecht",
        "country": "NL",
        "themes": ["energy-transition"],
        "language": "en",
        "status": "running",
        "year": 2020,
        "sources": ["https://example.org/source"],
        "lessons": [
            {"kind": "went_well", "text": "Residents joined early."},
            {"kind": "went_badly", "text": "The budget ran out."},
        ],
    }
    for key, value in meta.items():
        if value is None:
            front.pop(key, None)
        else:
            front[key] = value
    return f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n\n{textwrap.dedent(body)}\n"


@pytest.fixture
def add_case(app):
    """Import one case (through the same service as the CLI) and return its slug."""
    def add(body: str = "The story of the case.", **meta) -> str:
        with app.app_context():
            case, _outcome = library.import_text(f"{meta.get('slug', 'sample-case')}.md", case_text(body, **meta))
            return case.slug
    return add


@pytest.fixture
def seeded(app):
    """The alliance's real seed cases from cases/."""
    with app.app_context():
        report = library.import_path(ROOT / "cases")
    assert report.ok, report.problems
    return report


PASSWORD = "correct horse battery staple"


def csrf_token(client, url: str = "/login") -> str:
    import re
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def sign_in(client, email: str, password: str = PASSWORD, remember: bool = False, next_url: str | None = None):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, query_string={"next": next_url} if next_url else None)


@pytest.fixture
def make_member(app):
    from app.services import members

    def make(email: str = "member@example.org", role: str = "member"):
        with app.app_context():
            return members.create_member(email, PASSWORD, role).email
    return make


@pytest.fixture
def signed_in(app, make_member):
    """A fresh client, signed in as a new member with this email and role."""
    def make(email: str, role: str = "member"):
        client = app.test_client()
        sign_in(client, make_member(email, role))
        return client
    return make


@pytest.fixture
def smtp():
    """A real SMTP server on loopback; its URL and what it received (tests/mailserver.py)."""
    from mailserver import smtp_server

    with smtp_server() as (url, inbox):
        inbox.url = url
        yield inbox


@pytest.fixture
def mail_app(app, smtp):
    """The app, sending its mail to the loopback SMTP server `smtp`."""
    app.config["SMTP_URL"] = smtp.url
    app.config["MAIL_FROM"] = "casebook@example.org"
    return app
