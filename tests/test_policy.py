"""One policy answers who may do what; templates and views only ask it."""
from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest

from app.models import Case, CaseRevision, Member
from app.policy import ANONYMOUS, SYSTEM, Actor, can

ROOT = Path(__file__).resolve().parent.parent


def member(role: str = "member", id: int = 1) -> Member:
    return Member(id=id, email=f"{role}{id}@example.org", role=role, password_hash="x", session_version=1)


AUTHOR, OTHER, MOD, ADMIN = member(id=1), member(id=2), member("moderator", 3), member("admin", 4)


def case(state: str = "published", visibility: str = "public", author: Member | None = AUTHOR) -> Case:
    from datetime import datetime
    return Case(id=9, slug="c", title="C", review_state=state, visibility=visibility,
                author_id=author.id if author else None,
                published_at=datetime(2026, 1, 1, tzinfo=UTC) if state == "published" else None)


WHO = {"visitor": ANONYMOUS, "author": Actor(AUTHOR), "other member": Actor(OTHER), "moderator": Actor(MOD),
       "admin": Actor(ADMIN), "command line": SYSTEM, "author as public": Actor(AUTHOR, as_public=True)}

# (action, object, the actors who may) — everyone else may not.
RULES = [
    ("case.read", case(visibility="members"), {"author", "other member", "moderator", "admin", "command line"}),
    ("case.read", case(), set(WHO)),
    ("case.read", case("draft"), set()),
    ("case.edit", case(), {"author", "moderator", "admin", "command line"}),
    ("case.edit", case("submitted"), {"moderator", "admin", "command line"}),
    ("case.edit", case("draft"), {"author", "moderator", "admin", "command line"}),
    ("case.submit", case("returned"), {"author", "moderator", "admin", "command line"}),
    ("case.submit", case(), set()),
    ("case.delete", case("draft"), {"author", "moderator", "admin", "command line"}),
    ("case.delete", case(), {"moderator", "admin", "command line"}),
    ("case.history", case(), {"author", "moderator", "admin", "command line"}),
    ("case.history", case("draft"), set()),
    ("case.restore", case(), {"moderator", "admin", "command line"}),
    ("case.decide", case("submitted"), {"moderator", "admin", "command line"}),
    ("case.propose", case(visibility="members"), {"author", "other member", "moderator", "admin"}),
    ("case.copy_into", case(), {"author"}),
    ("cases.import", None, {"moderator", "admin", "command line"}),
    ("moderation.open", None, {"moderator", "admin", "command line"}),
    ("member.page", OTHER, {"author", "other member", "moderator", "admin"}),
    ("member.invite", "moderator", {"moderator", "admin", "command line"}),
    ("member.invite", "admin", {"admin", "command line"}),
    ("members.manage", OTHER, {"admin", "command line"}),
    ("audit.read", None, {"admin", "command line"}),
    ("revision.editor_name", CaseRevision(editor=OTHER), {"other member", "moderator", "admin", "command line"}),
]


@pytest.mark.parametrize("action, obj, allowed", RULES, ids=[f"{a}-{i}" for i, (a, _o, _w) in enumerate(RULES)])
def test_who_may_do_what(action, obj, allowed):
    assert {who for who, actor in WHO.items() if can(actor, action, obj)} == allowed


def test_a_disabled_member_may_do_nothing_a_visitor_may_not():
    from datetime import datetime
    gone = member("admin", 7)
    gone.disabled_at = datetime(2026, 1, 1, tzinfo=UTC)
    for action, obj, _allowed in RULES:
        assert can(Actor(gone), action, obj) == can(ANONYMOUS, action, obj), action


def test_templates_ask_the_policy_instead_of_holding_rules():
    # Who someone is (their role, whether they wrote it) decides in the policy, never in a template.
    rule_like = re.compile(r"\.role\s*(==|!=|in\b)|author_id\s*==|is_moderator|is_admin")
    offenders = [f"{p.relative_to(ROOT)}: {line.strip()}" for p in (ROOT / "templates").rglob("*.html")
                 for line in p.read_text(encoding="utf-8").splitlines() if rule_like.search(line)]
    assert offenders == []
