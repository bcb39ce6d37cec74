"""Creating members: password rules and `flask --app app user create`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app, db
from app.models import Member
from app.services import members
from app.services.members import password_problem

from conftest import PASSWORD


@pytest.mark.parametrize("password, ok", [
    ("short", False), ("password1234", False), ("aaaaaaaaaaaaaaa", False), ("Wachtwoord1234", False),
    ("ababababababab", False), ("correct horse battery staple", True), ("Zwolle-fietst-2026!", True),
])
def test_password_rules(password, ok):
    assert (password_problem(password, "someone@example.org") is None) is ok


def test_password_may_not_contain_the_email_name():
    assert password_problem("marieke-rotterdam-2026", "marieke@example.org") is not None


def test_user_create_asks_twice_and_reads_piped_input(runner, client):
    result = runner.invoke(args=["user", "create", "New@Example.org", "--role", "moderator"],
                           input="correct horse battery staple\ncorrect horse battery staple\n")
    assert result.exit_code == 0, result.output
    assert "Created moderator new@example.org." in result.output
    assert "correct horse" not in result.output  # hidden input
    from conftest import sign_in
    assert sign_in(client, "new@example.org").status_code == 302


def test_user_create_refuses_weak_or_mismatched_passwords_and_duplicates(runner):
    weak = runner.invoke(args=["user", "create", "a@example.org"], input="password1234\npassword1234\n")
    assert weak.exit_code == 1 and "too common" in weak.output
    mismatch = runner.invoke(args=["user", "create", "a@example.org"],
                             input="correct horse battery staple\ncorrect horse battery stapler\n")
    assert mismatch.exit_code != 0
    ok = "correct horse battery staple\n" * 2
    assert runner.invoke(args=["user", "create", "a@example.org"], input=ok).exit_code == 0
    again = runner.invoke(args=["user", "create", "A@example.org"], input=ok)
    assert again.exit_code == 1 and "already exists" in again.output


def test_outside_the_test_suite_passwords_are_kept_at_the_full_scrypt_cost(tmp_path):
    # The suite's `app` fixture hashes cheaply to save time; an app configured as in production must not.
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
                      "INDEX_DIR": str(tmp_path / "ix")})
    with app.app_context():
        members.create_member("full@example.org", PASSWORD)
        stored = db.session().scalar(select(Member.password_hash).where(Member.email == "full@example.org"))
        assert stored.startswith("scrypt:32768:8:1$")  # Werkzeug's full cost
        assert members.authenticate("full@example.org", PASSWORD) is not None
    app.extensions["casebook.search"].close()
    app.extensions["casebook.db"].kw["bind"].dispose()
