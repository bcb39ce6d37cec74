"""Alerts: one digest mail per member of what is new for their saved searches.

`send_alerts()` (the `send-alerts` command, safe to run from cron at any interval) looks at each
saved search whose day or week has passed. "New" comes from the database: cases published, and
case updates approved, since the search last looked. Which of those the search finds comes from
the search index, asked as the member (their own audience, never "view as public"), and every
hit is checked against the database again: a case that became members-only, was withdrawn or
deleted, or that the member may not see, is not in it. Each saved search moves on to the end of
the window it looked at, in the same transaction as the digest, so a case is never mailed twice
for one saved search; nothing is sent when nothing matched.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import db
from ..models import Case, CaseUpdate, Member, OutboxMail, SavedSearch, aware, utcnow
from ..policy import SYSTEM, acting_as, case_visible
from ..rendering import plain_text
from ..search import QueryProblem, SearchUnavailable
from . import indexing, outbox, saved_searches, search
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# A daily cron run finds yesterday's run a few seconds short of a day ago: still due.
GRACE = timedelta(hours=1)
# A case counts as published once its transaction has surely committed (and reached the change log).
SETTLE = timedelta(minutes=2)
SUMMARY_CHARS = 300
MAX_ITEMS = 20  # per saved search; the rest is one click away ("and 12 more")
UPDATE_CHARS = 240
INDEX_WAIT_SECONDS = 30.0


@dataclass
class DigestItem:
    """One case in a digest: new, or updated (then the update's date and words)."""

    slug: str
    title: str
    city: str
    country: str
    summary: str
    members_only: bool
    updated_at: datetime | None = None
    update_text: str = ""
    new_status: str | None = None


@dataclass
class DigestSection:
    """One saved search and what is new for it."""

    query: str
    filters: dict[str, list[str]]
    url_args: dict
    items: list[DigestItem]
    more: int = 0  # new cases beyond MAX_ITEMS
    found: list[str] = field(default_factory=list)  # every case it found (also those beyond MAX_ITEMS)


@dataclass
class AlertRun:
    searches: int = 0  # saved searches looked at
    digests: int = 0  # digest mails written
    sent: int = 0  # mails sent (digests and earlier mail retried)
    failed: int = 0  # mails that stay in the outbox for the next run
    waiting: int = 0  # saved searches left for the next run (the index could not answer)
    problem: str = ""
    mail_ids: list[int] = field(default_factory=list)  # the digests written


def _after(moment: datetime | None, since: datetime) -> bool:
    return moment is not None and aware(moment) > since


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def is_due(saved: SavedSearch, now: datetime) -> bool:
    return aware(saved.checked_at) <= now - PERIODS.get(saved.frequency, PERIODS["weekly"]) + GRACE


@dataclass
class _News:
    """What was published in the window, read once for every saved search."""

    cases: list[Case] = field(default_factory=list)
    updates: list[CaseUpdate] = field(default_factory=list)


def _news(since: datetime, until: datetime) -> _News:
    session = db.session()
    cases = session.scalars(select(Case).where(Case.published_at > since, Case.published_at <= until)
                            .order_by(Case.published_at.desc(), Case.id.desc())).all()
    updates = session.scalars(select(CaseUpdate).where(CaseUpdate.state == "approved",
                                                       CaseUpdate.published_at > since,
                                                       CaseUpdate.published_at <= until)
                              .order_by(CaseUpdate.published_at.desc(), CaseUpdate.id.desc())).all()
    return _News(list(cases), list(updates))


def _item(case: Case, latest_update: CaseUpdate | None) -> DigestItem:
    item = DigestItem(slug=case.slug, title=case.title, city=case.city, country=case.country,
                      summary=_shorten(plain_text(case.summary), SUMMARY_CHARS), members_only=case.visibility != "public")
    if latest_update is not None and latest_update.published_at is not None:
        item.updated_at = aware(latest_update.published_at)
        item.update_text = _shorten(plain_text(latest_update.text), UPDATE_CHARS)
        item.new_status = latest_update.status
    return item


def _section(member: Member, saved: SavedSearch, news: _News) -> DigestSection | None:
    """What is new for this saved search, as this member may see it now; None when nothing is.

    Raises SearchUnavailable when the index cannot answer (the search waits for the next run).
    """
    audience = acting_as(member).audience
    since = aware(saved.checked_at)
    new = {c.slug: c for c in news.cases if _after(c.published_at, since) and case_visible(audience, c)}
    updated: dict[str, CaseUpdate] = {}
    for u in news.updates:  # newest first: the first one per case is its latest
        if _after(u.published_at, since) and u.case.slug not in new and case_visible(audience, u.case):
            updated.setdefault(u.case.slug, u)
    try:
        found = search.matching_among(audience, saved_searches.request_of(saved), [*new, *updated])
    except QueryProblem:
        return None  # words the search cannot answer (saved under older limits): nothing to send, ever
    if not found:
        return None
    return DigestSection(query=saved.query, filters=saved_searches.request_of(saved).filters,
                         url_args={**saved_searches.url_args(saved), "sort": "newest"},
                         items=[_item(c, None if c.slug in new else updated[c.slug]) for c in found[:MAX_ITEMS]],
                         more=max(len(found) - MAX_ITEMS, 0), found=[c.slug for c in found])


def _take(session, saved: SavedSearch, until: datetime) -> bool:
    """Move the saved search on to `until`, unless another run did first (then it is theirs)."""
    return session.execute(update(SavedSearch).where(SavedSearch.id == saved.id,
                                                     SavedSearch.checked_at == saved.checked_at)
                           .values(checked_at=until).execution_options(synchronize_session=False)).rowcount == 1


def _digest_for(member: Member, due: list[SavedSearch], news: _News, until: datetime, run: AlertRun) -> None:
    """Look at one member's due searches and write their digest, if anything is new for them."""
    wants = member.is_active and member.wants_mail("alerts")
    looked: list[tuple[SavedSearch, DigestSection | None]] = []
    for saved in due:  # searched before the transaction: it stays short
        try:
            looked.append((saved, _section(member, saved, news) if wants else None))
        except SearchUnavailable:
            run.waiting += 1  # not moved on: the next run looks at the same window
    with unit_of_work(SYSTEM) as uow:
        sections = []
        for saved, section in looked:
            if not _take(uow.session, saved, until):
                continue
            run.searches += 1
            if section is not None:
                sections.append(section)
        if not sections:
            return
        mail = outbox.queue(uow, member, "alerts", "alert_digest", sections=sections,
                            total=len({slug for s in sections for slug in s.found}))  # a case in two searches is one
    if mail is not None:
        run.digests += 1
        run.mail_ids.append(mail.id)


def _index_caught_up() -> bool:
    """The index holds every change committed before now (waiting for another writer a while)."""
    target = indexing.log_position()
    deadline = time.monotonic() + INDEX_WAIT_SECONDS
    while True:
        indexing.apply_pending(wait=5.0)
        if indexing.engine().position().applied >= target:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def send_alerts(now: datetime | None = None) -> AlertRun:
    """Write the digests that are due and send what the outbox holds; what happened."""
    run = AlertRun()
    now = aware(now or utcnow())
    until = now - SETTLE
    if not _index_caught_up():
        run.problem = "the search index is behind the database; alerts wait for the next run"
    else:
        _write_digests(now, until, run)
    # Each digest went out after its member's commit: count those first, then try whatever the
    # outbox still holds (older mail that failed before; a digest is never counted twice).
    if run.mail_ids and outbox.server() is not None:
        rows = db.session().execute(select(OutboxMail.sent_at, OutboxMail.attempts)
                                    .where(OutboxMail.id.in_(run.mail_ids))).all()
        run.sent = sum(1 for sent_at, _tries in rows if sent_at is not None)
        run.failed = sum(1 for sent_at, tries in rows if sent_at is None and tries)
    sent, failed = outbox.send()
    run.sent, run.failed = run.sent + sent, run.failed + failed
    return run


def _write_digests(now: datetime, until: datetime, run: AlertRun) -> None:
    session = db.session()
    due = [s for s in session.scalars(select(SavedSearch).order_by(SavedSearch.member_id, SavedSearch.id))
           if is_due(s, now) and aware(s.checked_at) < until]
    if not due:
        return
    news = _news(min(aware(s.checked_at) for s in due), until)
    by_member: dict[int, list[SavedSearch]] = defaultdict(list)
    for saved in due:
        by_member[saved.member_id].append(saved)
    for member_id, searches in by_member.items():
        member = session.get(Member, member_id)
        if member is None:
            continue
        try:
            _digest_for(member, searches, news, until, run)
        except Exception:  # one member's trouble does not stop the others' digests
            session.rollback()  # whatever failed leaves the session usable for the next member
            log.exception("alerts for member %s failed; their searches wait for the next run", member_id)
