"""One unit of work for every change: the only place that commits.

Inside `with unit_of_work(actor) as uow:` a service describes its change (mutating models,
and telling the unit what it did); when the outermost block ends the unit

1. flushes, and turns a lost race (another save moved the version) into a Conflict,
2. has already written, in the same transaction, the change-log rows, the revisions and the
   audit entries it was told about,
3. commits, and only then updates the search index and sends the mail it wrote to the outbox.

A failure anywhere rolls everything back: nothing half-done stays in the session. A block
opened inside another joins it, so two services can share one transaction.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import db
from ..errors import Conflict
from ..models import AuditEntry, Case, IndexChange, Member, OutboxMail, utcnow
from ..policy import SYSTEM, Actor
from . import indexing, outbox, revisions

log = logging.getLogger(__name__)
_CURRENT = "casebook_unit_of_work"


class UnitOfWork:
    def __init__(self, session: Session, actor: Actor):
        self.session = session
        self.actor = actor
        self._after_commit: list[Callable[[], Any]] = []
        self._index_changed = False
        self._cases: list[Case] = []  # cases whose version this unit relies on
        self._mail: list[OutboxMail] = []  # written in this transaction, sent after it

    # --- what a service tells the unit -----------------------------------------------
    def expect_version(self, case: Case, base_version: int | None) -> None:
        """The editor started from `base_version`; if someone saved since, nothing is written."""
        if base_version != case.version:  # a form without a version cannot prove it saw the latest
            raise Conflict(case=case)

    def before_change(self, case: Case) -> None:
        """Call before changing a case: keeps a baseline revision of a published case with no history."""
        self._watch(case)
        revisions.keep_baseline(self.session, case)

    def changed(self, case: Case, action: str, editor: Member | None, restored_from: int | None = None) -> None:
        """Call after changing a case: it is newer, and a published one is searched and kept anew."""
        self._watch(case)
        case.updated_at = utcnow()
        if case.is_published:
            self.search_must_look_at(case.slug)
            revisions.record(self.session, case, action, editor, restored_from=restored_from)

    def added(self, case: Case) -> None:
        self.session.add(case)
        self._watch(case)

    def deleted(self, case: Case) -> None:
        self.session.delete(case)
        self.search_must_look_at(case.slug)

    def search_must_look_at(self, slug: str) -> None:
        """A change-log row: every node's index will load this case again (DESIGN.md)."""
        self.session.add(IndexChange(slug=slug, changed_at=utcnow()))
        self._index_changed = True

    def audit(self, action: str, target_type: str, target_id: int | None, target_label: str,
              detail: str = "") -> None:
        """What a moderator or admin did, kept in the same transaction as the deed."""
        member = self.actor.member if not self.actor.system else None
        self.session.add(AuditEntry(at=utcnow(), actor_id=member.id if member else None,
                                    actor_label=self.actor.label, action=action, target_type=target_type,
                                    target_id=target_id, target_label=target_label[:300], detail=detail[:2000]))

    def mail_added(self, mail: OutboxMail) -> None:
        """A mail written to the outbox in this transaction (see services/outbox.py): sent after the commit."""
        self._mail.append(mail)

    def after_commit(self, work: Callable[[], Any]) -> None:
        self._after_commit.append(work)

    # --- the end of the unit -------------------------------------------------------------
    def _watch(self, case: Case) -> None:
        if case not in self._cases:
            self._cases.append(case)

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError:
            self._lost_race()
        if self._index_changed:
            self._after_commit.insert(0, indexing.apply_pending)
        if self._mail:
            self._after_commit.append(self._send_mail)
        for work in self._after_commit:
            try:
                work()
            except Exception:  # the change is committed; the change log lets the index catch up later
                log.exception("after-commit work %s failed; it will be retried from the log",
                              getattr(work, "__name__", work))

    def _send_mail(self) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not its proxy
        outbox.deliver_after_commit(app, [m.id for m in self._mail])

    def rollback(self) -> None:
        self.session.rollback()

    def _lost_race(self) -> None:
        """Two saves of one case raced and the other won: roll back and say so with the saved case."""
        self.session.rollback()
        saved = next((self.session.get(Case, c.id) for c in self._cases if c.id is not None), None)
        raise Conflict(case=saved) from None


@contextmanager
def unit_of_work(actor: Actor = SYSTEM) -> Iterator[UnitOfWork]:
    """The unit of this change; inside another unit, that one (so both share a transaction)."""
    outer = g.get(_CURRENT)
    if outer is not None:
        yield outer
        return
    uow = UnitOfWork(db.session(), actor)
    setattr(g, _CURRENT, uow)
    try:
        try:
            yield uow
        except StaleDataError:  # a flush inside the block lost the race
            uow._lost_race()
        except BaseException:
            uow.rollback()
            raise
    finally:
        g.pop(_CURRENT, None)
    uow.commit()
