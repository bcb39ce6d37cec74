"""Reading the audit log: what moderators and admins did, newest first (admins only).

Entries are written by the unit of work, in the same transaction as the deed.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import db
from ..models import AuditEntry
from ..policy import Actor, require

PER_PAGE = 50
ACTIONS = ("case.approve", "case.send_back", "case.edit", "case.delete", "case.import", "revision.restore",
           "proposal.approve", "proposal.send_back", "member.create", "member.role", "member.disable",
           "member.enable", "invitation.create", "invitation.revoke", "meeting.create", "meeting.edit",
           "meeting.delete", "update.approve", "update.send_back", "introduction.pass_on", "report.handle")


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    action: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def entries(actor: Actor, action: str | None = None, page: int = 1) -> AuditPage:
    require(actor, "audit.read")
    action = action if action in ACTIONS else None
    page = max(1, page)
    where = [AuditEntry.action == action] if action else []
    session = db.session()
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                           .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return AuditPage(list(rows), total, page, action)
