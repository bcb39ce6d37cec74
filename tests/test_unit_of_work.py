"""One unit of work for every change: all of it is written, or none of it."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import db
from app.errors import Conflict
from app.models import AuditEntry, Case, CaseRevision, IndexChange, Member, Proposal
from app.policy import SYSTEM, acting_as
from app.services import library, members
from app.services.unit_of_work import unit_of_work

from conftest import PASSWORD, case_text, csrf_token


def counts() -> dict[str, int]:
    session = db.session()
    return {model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (CaseRevision, IndexChange, AuditEntry, Proposal, Member)}


def test_a_failed_approval_leaves_nothing_half_done(app, signed_in, add_case):
    """The copied case vanished before the decision: no baseline revision, no change-log row stays behind."""
    add_case(slug="source-case", title="Source case")
    author = signed_in("author@example.org")
    with app.app_context():
        who = members.member_by_email("author@example.org")
        session = db.session()
        # A published case from before revisions were kept: approving would first keep a baseline of it.
        session.execute(sa.insert(Case).values(slug="own-case", title="Own case", summary="s", body="b", city="Oss",
                                               country="NL", language="en", visibility="public", attribution="named",
                                               themes=["nature"], organisations=[], sdg_targets=[], sources=[],
                                               published_at=sa.func.now(), created_at=sa.func.now(),
                                               updated_at=sa.func.now(), version=1, review_state="published",
                                               author_id=who.id))
        session.commit()
    url = "/cases/source-case/copied"
    page = author.get(url).get_data(as_text=True)
    own_id = re.search(r'<option value="(\d+)">Own case', page).group(1)
    assert author.post(url, data={"case_id": own_id, "csrf_token": csrf_token(author, url)}).status_code == 302
    with app.app_context():
        library.delete_case(SYSTEM, library.deletable_case(SYSTEM, slug="source-case"))
    moderator = signed_in("mod@example.org", "moderator")
    with app.app_context():
        before = counts()
    proposal_url = re.search(r"/moderate/proposals/\d+", moderator.get("/moderate").get_data(as_text=True)).group(0)
    refused = moderator.post(proposal_url, data={"action": "approve", "csrf_token": csrf_token(moderator, proposal_url)})
    assert refused.status_code == 400 and "The case it copied no longer exists." in refused.get_data(as_text=True)
    with app.app_context():
        assert counts() == before  # no revision, no change-log row, no audit entry, the proposal still waits
        proposal = db.session().scalar(sa.select(Proposal))
        assert proposal.state == "submitted"
        assert db.session().scalar(sa.select(Case).where(Case.slug == "own-case")).copied_from is None


def test_two_services_in_one_unit_share_its_transaction(app):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work(SYSTEM):
            members.create_member("first@example.org", PASSWORD)
            library.import_text("x.md", case_text(slug="joined-case"))
            raise RuntimeError("the second step failed")
        assert members.member_by_email("first@example.org") is None
        assert library.export_case("joined-case") is None
        assert counts()["IndexChange"] == 0


def test_the_index_follows_only_after_the_commit(app, client):
    with app.app_context(), unit_of_work(SYSTEM):
        library.import_text("x.md", case_text(slug="later-case", title="Later case ospreyword"))
        # Inside the unit nothing is committed, so no index may show it yet.
        assert client.get("/api/v1/search?q=ospreyword").get_json()["total"] == 0
    assert client.get("/api/v1/search?q=ospreyword").get_json()["total"] == 1


def test_a_conflict_inside_a_unit_undoes_the_whole_unit(app, add_case):
    from app.casefiles import read_text
    from app.services import contributions
    from app.services.content import case_data
    add_case(slug="shared-case")
    with app.app_context():
        editor = members.create_member("ed@example.org", PASSWORD, "moderator")
        case = db.session().scalar(sa.select(Case).where(Case.slug == "shared-case"))
        data = read_text("form", case_text(slug="shared-case", summary="My summary."))
        before = counts()
        with pytest.raises(Conflict), unit_of_work(acting_as(editor)):
            members.create_member("extra@example.org", PASSWORD)
            contributions.save(acting_as(editor), data, case, base_version=case.version - 1)
        assert counts() == before and members.member_by_email("extra@example.org") is None
        assert case_data(db.session().get(Case, case.id)).summary == "A short summary."
