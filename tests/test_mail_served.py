"""Mail from the production server: gunicorn sends after the commit from a thread, and a mail the
SMTP server did not take is sent later by the command, never lost."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import sqlalchemy as sa

from app import create_app
from app.services import members

from conftest import PASSWORD
from live import ROOT, Server, wait_until
from mailserver import smtp_server


def _seed(database_url: str, index_dir) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url, "INDEX_DIR": str(index_dir)})
    with app.app_context():
        members.create_member("ana@example.org", PASSWORD, name="Ana")
    app.extensions["casebook.search"].close()
    app.extensions["casebook.db"].kw["bind"].dispose()


def _ask_reset(server: Server) -> None:
    client = server.client()
    client.get("/login/forgot")
    answer = client.post("/login/forgot", {"email": "ana@example.org"})
    assert answer.status == 200 and "on its way" in answer.text


def test_the_server_sends_mail_after_the_commit(tmp_path):
    url = f"sqlite:///{tmp_path / 'casebook.sqlite3'}"
    _seed(url, tmp_path / "search_index")
    with smtp_server() as (smtp_url, inbox):
        server = Server(url, tmp_path / "search_index", workers=1,
                        env={"CASEBOOK_SMTP_URL": smtp_url, "CASEBOOK_MAIL_FROM": "casebook@example.org",
                             "CASEBOOK_BASE_URL": "https://casebook.example.org"}).start()
        try:
            _ask_reset(server)
            [received] = inbox.wait_for(1, timeout=10)
        finally:
            server.stop()
    assert received.recipients == ["ana@example.org"]
    assert re.search(r"https://casebook\.example\.org/login/reset/\S+", received.text)


def test_mail_the_smtp_server_missed_is_sent_by_the_command_later(tmp_path):
    url = f"sqlite:///{tmp_path / 'casebook.sqlite3'}"
    _seed(url, tmp_path / "search_index")
    with smtp_server() as (smtp_url, inbox):
        inbox.refuse = True
        env = {"CASEBOOK_SMTP_URL": smtp_url, "CASEBOOK_DATABASE_URL": url,
               "CASEBOOK_INDEX_DIR": str(tmp_path / "search_index"), "CASEBOOK_SECRET_KEY": "live-test-secret"}
        server = Server(url, tmp_path / "search_index", workers=1, env=env).start()
        try:
            _ask_reset(server)
            assert wait_until(lambda: "not sent" in server.log(), 10)
        finally:
            server.stop()
        assert inbox.messages == []
        inbox.refuse = False
        # The retry waits a minute after a failure: the test moves the clock by making it due.
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE outbox SET next_attempt_at = NULL"))
        engine.dispose()
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "send-follow-ups"], cwd=ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert len(inbox.wait_for(1)) == 1
