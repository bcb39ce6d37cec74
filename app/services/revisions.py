"""Every published version of a case, kept: listing, comparing and restoring them.

A revision holds the case as a `cases/` file, so comparing two revisions compares what a
reader saw, and restoring one gives back exactly that case.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import casefiles, db
from ..casefiles import CaseData, InvalidCase
from ..i18n import label
from ..models import Case, CaseRevision, Member, utcnow
from ..policy import Actor, can
from ..sources import as_entry
from . import transfer
from .content import case_data

CONTEXT_LINES = 3
SIMILAR_ENOUGH = 0.5


def _content(case: Case) -> str:
    return casefiles.write_text(case_data(case))


def record(session: Session, case: Case, action: str, editor: Member | None,
           restored_from: int | None = None) -> CaseRevision | None:
    """Keep the case as it is now as its next revision (part of the caller's transaction).

    Nothing is recorded when the content equals the latest revision.
    """
    session.flush()  # a new case needs its id
    latest = latest_revision(session, case)
    content = _content(case)
    if latest is not None and latest.content == content:
        return None
    revision = CaseRevision(case_id=case.id, number=(latest.number + 1) if latest else 1, action=action,
                            restored_from=restored_from, editor_id=editor.id if editor else None,
                            created_at=utcnow(), content=content)
    session.add(revision)
    return revision


def keep_baseline(session: Session, case: Case) -> None:
    """Before changing a published case that has no history yet (it predates revisions), keep it."""
    if case.is_published and latest_revision(session, case) is None:
        record(session, case, "imported", None)


def latest_revision(session: Session, case: Case) -> CaseRevision | None:
    return session.scalar(select(CaseRevision).where(CaseRevision.case_id == case.id)
                          .order_by(CaseRevision.number.desc()).limit(1))


def history(case: Case) -> list[CaseRevision]:
    """Newest first."""
    return list(db.session().scalars(select(CaseRevision).where(CaseRevision.case_id == case.id)
                                     .order_by(CaseRevision.number.desc())))


def get(case: Case, number: int) -> CaseRevision | None:
    return db.session().scalar(select(CaseRevision).where(CaseRevision.case_id == case.id,
                                                          CaseRevision.number == number))


def editor_label(actor: Actor, revision: CaseRevision) -> str | None:
    """Who made a revision, as this actor may know it: "you", a name for moderators, else a role."""
    editor = revision.editor
    if editor is None:
        return None
    if actor.is_(editor):
        return _("you")
    if can(actor, "revision.editor_name", revision):
        return editor.name or editor.email
    return _("a moderator") if editor.role in ("moderator", "admin") else _("a member")


# -- A readable diff -------------------------------------------------------------------------

@dataclass
class Piece:
    text: str
    changed: bool


@dataclass
class Line:
    kind: str  # same | added | removed | gap
    old_no: int | None
    new_no: int | None
    pieces: list[Piece]


_WORDS = re.compile(r"\s+|[^\s]+")


def _word_pieces(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """Which words changed inside a changed line, so a one-word edit is easy to spot."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < SIMILAR_ENOUGH:  # a rewritten line reads better whole than as word confetti
        return [Piece(old, True)], [Piece(new, True)]
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(Piece("".join(a[i1:i2]), False))
            right.append(Piece("".join(b[j1:j2]), False))
        else:
            if i2 > i1:
                left.append(Piece("".join(a[i1:i2]), True))
            if j2 > j1:
                right.append(Piece("".join(b[j1:j2]), True))
    return left, right


def diff(old: str, new: str, context: int = CONTEXT_LINES) -> list[Line]:
    """Changed lines with a few lines of context; long unchanged stretches become a gap."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[Line] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(Line("gap", None, None, []))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                lines += [Line("same", i1 + k + 1, j1 + k + 1, [Piece(a[i1 + k], False)]) for k in range(i2 - i1)]
                continue
            old_lines, new_lines = a[i1:i2], b[j1:j2]
            paired = min(len(old_lines), len(new_lines)) if op == "replace" else 0
            removed, added = [], []
            for k, text in enumerate(old_lines):
                pieces = _word_pieces(text, new_lines[k])[0] if k < paired else [Piece(text, True)]
                removed.append(Line("removed", i1 + k + 1, None, pieces))
            for k, text in enumerate(new_lines):
                pieces = _word_pieces(old_lines[k], text)[1] if k < paired else [Piece(text, True)]
                added.append(Line("added", None, j1 + k + 1, pieces))
            lines += removed + added
    return lines


# -- Comparing field by field: what a reader calls "the summary changed" ------------------------

# In reading order: what a person notices first comes first.
FIELDS = ("title", "summary", "city", "country", "themes", "status", "year", "language", "visibility",
          "attribution", "lessons", "transfer", "body", "organisations", "sdg_targets", "sources", "contact",
          "copied_from")
LABELLED = {"country": "country", "status": "status", "language": "language", "visibility": "visibility",
            "attribution": "attribution"}


@dataclass
class FieldChange:
    field: str
    lines: list[Line]


def _field_text(data: CaseData | None, name: str) -> str:
    """One field as lines of text a person can read (labels in the UI language, one item per line)."""
    if data is None:
        return ""
    value = getattr(data, name)
    if name == "lessons":
        return "\n".join(f"{label('lesson', l.kind)} · {label('visibility', l.visibility)}: {l.text}"
                         for l in value)
    if name == "themes":
        return "\n".join(label("theme", t) for t in value)
    if name == "transfer":
        return "\n".join(transfer.readable_lines(value))
    if name == "sources":
        return "\n".join(f"{s['title']} ({s['url']})" if s.get("title") else s["url"] for s in map(as_entry, value))
    if isinstance(value, list):
        return "\n".join(value)
    if value is None:
        return ""
    if name in LABELLED:
        return label(LABELLED[name], value)
    return str(value).strip()


def _parse(content: str) -> CaseData | None:
    return casefiles.read_text("revision", content) if content else None


def compare(old: str, new: str) -> list[FieldChange] | None:
    """The fields that differ between two `cases/` texts (an empty text: nothing yet).

    None when either text no longer reads as a case (the vocabulary changed since): the caller
    then falls back to the plain line diff.
    """
    try:
        after = _parse(new)
        return compare_data(_parse(old), after) if after is not None else None
    except InvalidCase:
        return None


def compare_data(before: CaseData | None, after: CaseData) -> list[FieldChange]:
    """The fields that differ between two cases, each with its own diff."""
    changes = []
    for name in FIELDS:
        a, b = _field_text(before, name), _field_text(after, name)
        if a != b:
            changes.append(FieldChange(name, diff(a, b, context=1 if name == "body" else 100)))
    return changes
