"""Faults a running node survives: no 500 page, no change lost, search says so while it cannot
answer, and the node heals by itself without a restart."""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app.models import Case, Lesson
from app.services import indexing, library, members
from app.services.follower import follower

from conftest import PASSWORD, ROOT, case_text, csrf_token, sign_in
from live import Relay, Server, free_port, wait_until

HEAL_SECONDS = 30  # bounds a wait, not a speed target: healing is usually a second or two


def seed(database_url: str, index_dir, extra: int = 0) -> None:
    """Cases and a moderator, written as an operator would before serving."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url, "INDEX_DIR": str(index_dir)})
    with app.app_context():
        library.import_text("a.md", case_text(slug="kept-case", title="Kept case heronword"))
        members.create_member("mod@example.org", PASSWORD, "moderator", name="Moderator")
        if extra:
            bulk_cases(extra)
        indexing.rebuild()
    app.extensions["casebook.search"].close()
    app.extensions["casebook.db"].kw["bind"].dispose()


def bulk_cases(count: int) -> None:
    """Many plain cases straight into the tables (a rebuild then has real work to do)."""
    from app import db
    words = ["water", "square", "rain", "garden", "heat", "network", "solar", "roof", "district", "cooperative", "residents", "budget"]
    now = datetime.now(UTC)
    session = db.session()
    rows = [dict(slug=f"bulk-{i}", title=f"Bulk case {i} {words[i % len(words)]}", summary=" ".join(words),
                 body=" ".join(words[(i + k) % len(words)] for k in range(400)), city="Utrecht", country="NL",
                 language="en", visibility="public", attribution="named", themes=["nature"], organisations=[],
                 sdg_targets=[], sources=[], published_at=now, created_at=now, updated_at=now, version=1,
                 review_state="published") for i in range(count)]
    session.execute(sa.insert(Case), rows)
    ids = session.scalars(sa.select(Case.id).where(Case.slug.like("bulk-%"))).all()
    session.execute(sa.insert(Lesson), [dict(case_id=i, position=0, kind="went_well", text="It worked.",
                                             visibility="public") for i in ids])
    session.commit()


@pytest.fixture
def served(tmp_path):
    """A node serving a SQLite library through gunicorn."""
    url = f"sqlite:///{tmp_path / 'casebook.sqlite3'}"
    seed(url, tmp_path / "search_index")
    server = Server(url, tmp_path / "search_index").start()
    yield server
    server.stop()


def search(server: Server, q: str):
    return server.client().get(f"/api/v1/search?q={q}")


def found(server: Server, q: str) -> bool:
    answer = search(server, q)
    assert answer.status == 200, answer.text[:300]
    return answer.json()["total"] == 1


def no_server_errors(server: Server) -> None:
    log = server.log()
    assert " 500 " not in log, log[-3000:]


def test_the_index_folder_deleted_while_serving_is_rebuilt_by_the_node(served):
    assert found(served, "heronword")
    shutil.rmtree(served.index_dir)
    answer = search(served, "heronword")  # at once: a message, or already the rebuilt answer
    assert answer.status == 200
    assert answer.json()["total"] == 1 or "being prepared" in answer.json()["message"]
    assert served.client().get("/cases/kept-case").status == 200  # pages go on without the index
    assert served.client().get("/").status == 200
    assert wait_until(lambda: found(served, "heronword"), HEAL_SECONDS), served.log()[-3000:]
    no_server_errors(served)


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_segment_file_is_noticed_and_the_index_rebuilt(served, damage, tmp_path):
    assert found(served, "heronword")
    generation = served.index_dir.resolve() / os.readlink(served.index_dir / "current")
    for name in ("public", "members"):
        for path in (generation / name).iterdir():
            if damage == "truncated" and path.suffix in (".pst", ".trm", ".col"):
                with open(path, "r+b") as fh:
                    fh.truncate(max(0, path.stat().st_size // 3))
            elif damage == "corrupt" and path.suffix == ".toc":
                path.write_bytes(b"\x00not a table of contents\xff" * 40)
    # Words no search has read yet (the first search's postings are cached): both workers meet the damage.
    answers = [search(served, word) for word in ("kept", "story", "summary", "residents", "budget", "sample")]
    assert all(a.status == 200 for a in answers)
    # A change arrives meanwhile (as from another node): applying it meets the damage too, and it is not lost.
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": served.database_url,
                      "INDEX_DIR": str(tmp_path / "elsewhere")})
    with app.app_context():
        library.import_text("late.md", case_text(slug="late-case", title="Late case ibisword"))
    assert wait_until(lambda: found(served, "heronword") and found(served, "ibisword"), HEAL_SECONDS), \
        served.log()[-3000:]
    assert served.health()["index"]["generation"] != generation.name
    no_server_errors(served)


@pytest.mark.parametrize("fault", [errno.ENOSPC, errno.EACCES])
def test_a_full_disk_during_an_index_commit_loses_no_change(app, client, make_member, monkeypatch, fault):
    """The database commit stands; the index catches up from the change log once it can write again."""
    from whoosh.filedb.filestore import FileStorage
    make_member("mod@example.org", "moderator")
    sign_in(client, "mod@example.org")
    real_create = FileStorage.create_file

    def full(self, name, **kwargs):  # what the writer meets when the disk is full or read-only
        raise OSError(fault, os.strerror(fault), name)

    monkeypatch.setattr(FileStorage, "create_file", full)
    token = csrf_token(client, "/moderate/import")
    import io
    answer = client.post("/moderate/import", data={"csrf_token": token, "files": [
        (io.BytesIO(case_text(slug="new-case", title="New case dugongword").encode()), "new-case.md")]},
        content_type="multipart/form-data")
    assert answer.status_code == 200 and "Created" in answer.get_data(as_text=True)
    assert client.get("/cases/new-case").status_code == 200  # the change is there for everyone
    pending = client.get("/healthz").get_json()
    assert pending["pending"] >= 1
    monkeypatch.setattr(FileStorage, "create_file", real_create)  # space again
    follower(app).step()
    assert client.get("/api/v1/search?q=dugongword").get_json()["total"] == 1
    assert client.get("/healthz").get_json()["pending"] == 0


@pytest.mark.parametrize("fault", [errno.ENOSPC])
def test_a_full_disk_during_an_update_of_a_built_index_loses_no_change(app, client, add_case, make_member,
                                                                         monkeypatch, fault):
    """As above, on a node whose index already holds cases: the failed commit must not keep the lock."""
    from whoosh.filedb.filestore import FileStorage
    add_case(slug="kept-case", title="Kept case")  # the index is built and holds a case
    assert client.get("/api/v1/search?q=kept").get_json()["total"] == 1
    make_member("mod@example.org", "moderator")
    sign_in(client, "mod@example.org")
    real_create = FileStorage.create_file

    def full(self, name, **kwargs):
        raise OSError(fault, os.strerror(fault), name)

    monkeypatch.setattr(FileStorage, "create_file", full)
    import io
    answer = client.post("/moderate/import", data={"csrf_token": csrf_token(client, "/moderate/import"), "files": [
        (io.BytesIO(case_text(slug="new-case", title="New case manateeword").encode()), "new-case.md")]},
        content_type="multipart/form-data")
    assert answer.status_code == 200 and "Created" in answer.get_data(as_text=True)
    monkeypatch.setattr(FileStorage, "create_file", real_create)  # space again
    follower(app).step()
    assert client.get("/api/v1/search?q=manateeword").get_json()["total"] == 1
    assert client.get("/healthz").get_json()["pending"] == 0


def test_an_approval_whose_index_update_fails_is_still_an_approval(app, client, make_member, signed_in, monkeypatch):
    """An access error from the index after the commit is not "someone else changed it" (409)."""
    from whoosh.filedb.filestore import FileStorage

    from app.casefiles import read_text
    from app.policy import acting_as
    from app.services import contributions
    make_member("author@example.org")
    with app.app_context():
        author = members.member_by_email("author@example.org")
        case = contributions.save(acting_as(author), read_text("form", case_text(slug="sent-case",
                                                                                 title="Sent case")))
        contributions.submit(acting_as(author), case)
        case_id = case.id
    moderator = signed_in("boss@example.org", "moderator")
    token = csrf_token(moderator, f"/moderate/{case_id}")
    monkeypatch.setattr(FileStorage, "create_file",
                        lambda self, name, **kw: (_ for _ in ()).throw(PermissionError(errno.EACCES, "denied", name)))
    answer = moderator.post(f"/moderate/{case_id}", data={"csrf_token": token, "action": "approve"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/moderate")
    assert client.get("/cases/sent-case").status_code == 200


def test_kill_9_during_reindex_leaves_the_old_index_serving(tmp_path):
    url = f"sqlite:///{tmp_path / 'casebook.sqlite3'}"
    index_dir = tmp_path / "search_index"
    seed(url, index_dir, extra=1500)
    before = os.readlink(index_dir / "current")
    env = {**os.environ, "CASEBOOK_DATABASE_URL": url, "CASEBOOK_INDEX_DIR": str(index_dir),
           "CASEBOOK_SECRET_KEY": "t"}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "reindex"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    building = lambda: any((p / "parts").is_dir() and any((p / "parts").rglob("*.trm"))  # noqa: E731
                           for p in index_dir.glob("gen-*") if p.name != before)
    started = wait_until(building, 60, 0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and the processes it forked
    proc.wait(10)
    assert started, "the rebuild never got under way"
    assert os.readlink(index_dir / "current") == before  # never swapped to a half-built generation
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url, "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    assert client.get("/api/v1/search?q=heronword").get_json()["total"] == 1
    check = app.test_cli_runner().invoke(args=["check-index", "--no-heal"])
    assert check.exit_code == 0 and "match the database" in check.output
    again = app.test_cli_runner().invoke(args=["reindex"])
    assert again.exit_code == 0, again.output
    leftovers = [p.name for p in index_dir.glob("gen-*") if not (p / "complete").exists()]
    assert leftovers == []  # the killed build's folder is gone
    assert client.get("/api/v1/search?q=heronword").get_json()["total"] == 1
    assert client.get("/api/v1/search?q=bulk").get_json()["total"] == 1500


@pytest.mark.postgres
def test_postgresql_unreachable_for_a_while(postgres_database, tmp_path):
    real = sa.engine.make_url(postgres_database)
    relay = Relay(real.port or 5432, real.host or "127.0.0.1")
    through_relay = real.set(port=relay.port).render_as_string(hide_password=False)
    server = None
    try:
        seed(postgres_database, tmp_path / "seed-index")
        server = Server(through_relay, tmp_path / "search_index").start()
        assert found(server, "heronword")
        relay.down()
        for path in ("/", "/search?q=heronword", "/cases/kept-case"):
            answer = server.client().get(path)
            assert answer.status == 503 and "database" in answer.text.lower(), (path, answer.text[:300])
        visitor = server.client()
        assert visitor.get("/login").status == 200  # the form needs no database ...
        assert visitor.post("/login", {"email": "mod@example.org", "password": PASSWORD}).status == 503  # signing in does
        assert search(server, "heronword").status == 503
        assert server.client().get("/healthz").status == 503
        relay.up()
        assert wait_until(lambda: server.client().get("/").status == 200, HEAL_SECONDS), server.log()[-3000:]
        assert found(server, "heronword")
        mod = server.client()
        mod.sign_in("mod@example.org", PASSWORD)  # writes work again too
        assert server.client().get("/healthz").status == 200
        no_server_errors(server)
    finally:
        if server is not None:
            server.stop()
        relay.down()


def test_redis_down_leaves_sign_in_working_and_limited(database_url, tmp_path, make_member):
    """CASEBOOK_REDIS_URL set, nothing listening: members sign in, and the limit is kept in memory."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                      "INDEX_DIR": str(tmp_path / "ix"), "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    email = make_member()
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    other = app.test_client()
    codes = [sign_in(other, email, "a wrong password").status_code for _ in range(10)]
    assert codes == [401] * 9 + [429]  # ten sign-ins a minute from one address, the first one included


REDIS_URL = os.environ.get("CASEBOOK_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="needs CASEBOOK_TEST_REDIS_URL (set by .ci/run when Redis answers)")
def test_redis_back_after_an_outage_is_used_again(database_url, tmp_path, make_member, monkeypatch):
    import uuid

    import redis

    from app import limits
    monkeypatch.setattr(limits, "REDIS_RETRY_SECONDS", 0.2)
    real = sa.engine.make_url(REDIS_URL.replace("redis://", "postgresql://"))  # only to read host and port
    relay = Relay(real.port or 6379, real.host or "127.0.0.1")
    prefix = f"casebook-test-{uuid.uuid4().hex}"
    db_number = REDIS_URL.rsplit("/", 1)[-1]
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                      "INDEX_DIR": str(tmp_path / "ix"), "REDIS_URL": f"redis://127.0.0.1:{relay.port}/{db_number}",
                      "RATELIMIT_KEY_PREFIX": prefix})
    email = make_member()
    direct = redis.Redis.from_url(REDIS_URL)
    try:
        assert sign_in(app.test_client(), email, "wrong one").status_code == 401
        assert direct.keys(f"*{prefix}*")  # counted in Redis
        relay.down()
        assert sign_in(app.test_client(), email).status_code == 302  # Redis away: still signs in
        relay.up()
        time.sleep(0.3)
        for key in direct.keys(f"*{prefix}*"):
            direct.delete(key)
        assert sign_in(app.test_client(), email, "wrong again").status_code == 401
        assert direct.keys(f"*{prefix}*")  # back in Redis by itself
    finally:
        relay.down()
        for key in direct.keys(f"*{prefix}*"):
            direct.delete(key)
