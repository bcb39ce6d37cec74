"""A database that sets itself up, or says in one line why not: never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
import sqlalchemy as sa

from app import create_app, db

from conftest import PASSWORD, ROOT, case_text


def flask(database_url: str, tmp_path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASEBOOK_DATABASE_URL": database_url, "CASEBOOK_INDEX_DIR": str(tmp_path / "ix"),
           "CASEBOOK_SECRET_KEY": "t"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def new_database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'new.sqlite3'}"


@pytest.fixture
def old_database(tmp_path) -> str:
    """A database one schema revision behind the code, as after updating the code but not the data."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade_schema(engine, "0006")
    engine.dispose()
    return url


@pytest.mark.parametrize("command, expect", [
    (("import-cases", "{tmp}/one.md"), "Imported 1 new"),
    (("reindex",), "Rebuilt the public and members indexes from 0 cases"),
    (("check-index",), "Built a new search index"),
    (("export-cases", "{tmp}/out"), "Wrote 0 case file(s)"),
    (("user", "create", "a@example.org", "--role", "admin"), "Created admin a@example.org"),
    (("user", "invite", "b@example.org"), "/invite/"),
])
def test_every_command_works_on_a_new_database_without_init_db(new_database, tmp_path, command, expect):
    (tmp_path / "one.md").write_text(case_text(title="First case"), encoding="utf-8")
    done = flask(new_database, tmp_path, *(part.format(tmp=tmp_path) for part in command),
                 stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.returncode == 0 and expect in done.stdout, done.stderr
    assert "Traceback" not in done.stderr


def test_the_home_page_of_a_new_database_answers(new_database, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": new_database,
                      "INDEX_DIR": str(tmp_path / "ix")})
    page = app.test_client().get("/")
    assert page.status_code == 200 and "0 cases" in page.get_data(as_text=True)


@pytest.mark.parametrize("command", [("import-cases", "cases"), ("user", "create", "x@example.org"), ("reindex",),
                                     ("check-index",), ("export-cases", "out")])
def test_an_older_schema_stops_every_command_with_one_line(old_database, tmp_path, command):
    done = flask(old_database, tmp_path, *command, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "old.sqlite3" in lines[0] and "0006" in lines[0] and db.code_revision() in lines[0]
    assert "flask --app app init-db" in lines[0]


def test_a_server_on_an_older_schema_stops_with_the_same_line(old_database, tmp_path):
    env = {**os.environ, "CASEBOOK_DATABASE_URL": old_database, "CASEBOOK_INDEX_DIR": str(tmp_path / "ix"),
           "CASEBOOK_SECRET_KEY": "t", "PORT": "0"}
    done = subprocess.run([sys.executable, "-m", "gunicorn", "app:create_app()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert any("0006" in line and "flask --app app init-db" in line for line in done.stderr.splitlines())


def test_init_db_upgrades_an_older_schema_and_keeps_what_it_holds(old_database, tmp_path):
    engine = sa.create_engine(old_database)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO members (email, password_hash, role, name, organisation, session_version, "
                             "created_at) VALUES ('old@example.org', 'x', 'member', 'Old', '', 1, '2026-01-01')"))
    engine.dispose()
    upgraded = flask(old_database, tmp_path, "init-db")
    assert upgraded.returncode == 0 and "Upgraded the database schema from revision 0006 to " in upgraded.stdout
    listed = flask(old_database, tmp_path, "user", "role", "old@example.org", "moderator")
    assert listed.returncode == 0 and "is now moderator" in listed.stdout, listed.stderr


def test_under_the_flask_command_an_older_schema_answers_pages_with_503(old_database, tmp_path):
    with click.Context(click.Command("run")):  # as `flask run` creates the app
        app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": old_database,
                          "INDEX_DIR": str(tmp_path / "ix")})
    page = app.test_client().get("/")
    assert page.status_code == 503 and "Casebook is not available right now" in page.get_data(as_text=True)
    assert app.test_client().get("/api/v1/search").get_json()["error"] == "unavailable"


def test_an_unreachable_database_is_one_line_for_a_command(tmp_path):
    done = flask("postgresql+psycopg2://nobody@127.0.0.1:9/none", tmp_path, "reindex")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Cannot reach the database" in done.stderr
