"""The `flask --app app ...` commands."""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from . import db
from .errors import DomainError
from .models import Member
from .policy import SYSTEM
from .services import alerts, follow_ups, indexing, library, members, outbox


def init_app(app: Flask) -> None:
    for command in (init_db, import_cases, reindex, check_index, export_case, export_cases, user):
        app.cli.add_command(command)
    app.cli.add_command(send_follow_ups)
    app.cli.add_command(send_alerts)


def _unreachable(error: OperationalError) -> None:
    click.echo(f"Cannot reach the database {db.describe(db.engine())}: "
               f"{str(error.orig or error).strip().splitlines()[0][:200]}", err=True)
    sys.exit(1)


def needs_database(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command on a ready schema (a new database gets one), or say in one line why not."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        problem = db.schema().check(force=True)
        if problem:
            click.echo(problem, err=True)
            sys.exit(1)
        try:
            return command(*args, **kwargs)
        except OperationalError as error:
            _unreachable(error)
    return run


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database or upgrade it to the newest schema."""
    try:
        before, had_tables = db.database_revision(db.engine())
        db.upgrade_schema()
    except OperationalError as error:
        _unreachable(error)
    except db.SchemaProblem as problem:
        click.echo(str(problem), err=True)
        sys.exit(1)
    db.schema().check(force=True)
    now = db.code_revision()
    if not had_tables:
        click.echo(f"Created the database schema (revision {now}). Database is up to date.")
    elif before != now:
        click.echo(f"Upgraded the database schema from revision {before} to {now}. Database is up to date.")
    else:
        click.echo(f"Database is up to date (revision {now}).")


@click.command("import-cases")
@with_appcontext
@needs_database
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--author", "author_email", metavar="EMAIL",
              help="Attribute the cases to this member (importing on their behalf); without it an existing "
                   "author is kept.")
def import_cases(path: Path, author_email: str | None) -> None:
    """Import a case file, or every .md file in a folder; updates existing cases by slug."""
    author = _member_or_exit(author_email) if author_email is not None else None
    report = library.import_path(path, author=author)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(f"Imported {len(report.created)} new, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged; {len({p.file for p in report.problems})} file(s) failed.")
    if not report.ok:
        sys.exit(1)


@click.command("reindex")
@with_appcontext
@needs_database
def reindex() -> None:
    """Rebuild both search indexes from the database and swap them in atomically."""
    with click.progressbar(length=1, label="Indexing", file=sys.stderr) as bar:
        count = indexing.rebuild(progress=bar.update, on_total=lambda total: setattr(bar, "length", max(total, 1)),
                                 processes=min(os.cpu_count() or 1, 4))
    click.echo(f"Rebuilt the public and members indexes from {count} cases.")


@click.command("check-index")
@with_appcontext
@needs_database
@click.option("--no-heal", is_flag=True, help="Only report; change nothing.")
def check_index(no_heal: bool) -> None:
    """Compare the search indexes with the database and repair any drift."""
    report = indexing.check(heal=not no_heal)
    if report.rebuilt:
        if no_heal:
            click.echo("The search index is missing, damaged or of an older format: "
                       "run `flask --app app check-index` or `flask --app app reindex` to build it.")
            sys.exit(1)
        click.echo("Built a new search index (there was none, or it was damaged or of an older format).")
        return
    if report.pending:
        click.echo(f"Applied {report.pending} pending change(s) from the change log.")
    for kind in ("missing", "extra", "stale"):
        for name, slugs in getattr(report, kind).items():
            if slugs:
                click.echo(f"{name} index: {kind}: {', '.join(slugs)}")
    if report.drift:
        click.echo(f"{'Repaired' if not no_heal else 'Found'} drift in {len(report.drift)} case(s).")
        if no_heal:
            sys.exit(1)
    else:
        click.echo("The search indexes match the database.")


@click.command("send-follow-ups")
@with_appcontext
@needs_database
def send_follow_ups() -> None:
    """Ask contributors "how is it going now?" where due, then send or retry the outbox. Safe at any interval."""
    prompts = follow_ups.send_due()
    sent, failed = outbox.send()
    click.echo(f"Follow-ups: {prompts} prompt(s) written. {_mail_line(sent, failed)}")


def _mail_line(sent: int, failed: int) -> str:
    """What became of the mail, for the one line a mail command prints."""
    waiting = outbox.unsent_count()
    if outbox.server() is None:
        return f"Mail: no mail server set (CASEBOOK_SMTP_URL), {waiting} mail(s) kept in the outbox."
    line = f"Mail: {sent} sent, {failed} failed, {waiting} still waiting in the outbox."
    if given_up := outbox.given_up_count():
        line += f" {given_up} mail(s) failed {outbox.MAX_ATTEMPTS} times and are no longer tried (see the outbox table)."
    return line + (" The mail server did not take them; the next run tries again." if failed else "")


@click.command("send-alerts")
@with_appcontext
@needs_database
def send_alerts() -> None:
    """Mail each member one digest of what is new for their saved searches that are due, then send or
    retry the outbox. Safe at any interval: a case is never mailed twice for one saved search."""
    run = alerts.send_alerts()
    line = f"Alerts: {run.searches} saved search(es) looked at, {run.digests} digest(s) written. "
    line += _mail_line(run.sent, run.failed)
    if run.waiting or run.problem:
        line += f" Waiting for the next run: {run.problem or f'{run.waiting} search(es), the index did not answer'}."
    click.echo(line)


@click.command("export-case")
@with_appcontext
@needs_database
@click.argument("slug")
def export_case(slug: str) -> None:
    """Print a case as a `cases/` file that imports back to the same case."""
    text = library.export_case(slug)
    if text is None:
        click.echo(f"No case with slug {slug!r}.", err=True)
        sys.exit(1)
    click.echo(text, nl=False)


@click.command("export-cases")
@with_appcontext
@needs_database
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_cases(folder: Path) -> None:
    """Write every published case as FOLDER/<slug>.md; `import-cases FOLDER` reads them back unchanged."""
    written = library.export_all(folder)
    click.echo(f"Wrote {len(written)} case file(s) to {folder}.")


@contextmanager
def _refused(outcome: str) -> Iterator[None]:
    """A rule said no: tell why on stderr and exit 1."""
    try:
        yield
    except DomainError as problem:
        click.echo(f"{outcome}: {problem.message or problem.code}", err=True)
        sys.exit(1)


def _member_or_exit(email: str) -> Member:
    member = members.member_by_email(email)
    if member is None:
        click.echo(f"No member with email {email!r}.", err=True)
        sys.exit(1)
    return member


@click.group("user")
def user() -> None:
    """Manage members."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(members.ROLES), default="member", show_default=True)
@click.option("--name", default="", help="The member's name, as other members see it.")
@click.option("--organisation", default="", help="The member's organisation.")
@with_appcontext
@needs_database
def create_user(email: str, role: str, name: str, organisation: str) -> None:
    """Create a member; asks for the password twice (hidden; piped input works too)."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _refused("Not created"):
        member = members.create_member(email, password, role, name=name, organisation=organisation)
    click.echo(f"Created {member.role} {member.email}.")


@user.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(members.ROLES), default="member", show_default=True)
@with_appcontext
@needs_database
def invite_user(email: str, role: str) -> None:
    """Invite someone; prints the link (valid 14 days, works once)."""
    with _refused("Not invited"):
        token = members.invite(SYSTEM, email, role)
    click.echo(f"{current_app.config['BASE_URL']}/invite/{token}")


@user.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@with_appcontext
@needs_database
def user_token(email: str, name: str) -> None:
    """Print a new personal API token for a member (shown once)."""
    member = _member_or_exit(email)
    click.echo(members.create_token(member, name))


@user.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(members.ROLES))
@with_appcontext
@needs_database
def user_role(email: str, role: str) -> None:
    """Give a member another role (the last active admin stays admin)."""
    member = _member_or_exit(email)
    with _refused("Role not changed"):
        members.change_role(SYSTEM, member, role)
    click.echo(f"{member.email} is now {member.role}.")


@user.command("disable")
@click.argument("email")
@with_appcontext
@needs_database
def user_disable(email: str) -> None:
    """Stop a member from signing in; ends their sessions and API tokens at once."""
    member = _member_or_exit(email)
    with _refused("Not disabled"):
        members.disable_member(SYSTEM, member)
    click.echo(f"Disabled {member.email}: signed out everywhere, API tokens no longer work.")


@user.command("enable")
@click.argument("email")
@with_appcontext
@needs_database
def user_enable(email: str) -> None:
    """Let a disabled member sign in again."""
    member = _member_or_exit(email)
    with _refused("Not enabled"):
        members.enable_member(SYSTEM, member)
    click.echo(f"Enabled {member.email}: they can sign in again.")
