"""The database is the truth; the indexes follow the change log and heal themselves."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from app import create_app
from app.search.schema import IndexDocument
from app.services import indexing
from app.services.follower import follower

from conftest import ROOT, case_text

CRASHING_IMPORT = textwrap.dedent("""
    import os, signal, sys
    from app import create_app
    from app.services import indexing, library

    app = create_app({"SECRET_KEY": "t", "DATABASE_URL": sys.argv[1], "INDEX_DIR": sys.argv[2]})

    def killed_before_the_index_update():
        os.kill(os.getpid(), signal.SIGKILL)  # the commit has happened; the index write never will

    indexing.apply_pending = killed_before_the_index_update
    with app.app_context():
        library.import_text("crash.md", sys.stdin.read())
""")


def search_total(client, q: str) -> int:
    return client.get("/api/v1/search", query_string={"q": q}).get_json()["total"]


def test_a_process_killed_between_commit_and_index_update_is_healed_at_next_start(app, client, add_case):
    add_case(slug="before", title="Before the crash")
    config = app.config
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_IMPORT, config["DATABASE_URL"], config["INDEX_DIR"]],
        input=case_text(slug="crashed", title="Survivor narwhalmarker"), text=True, cwd=ROOT,
        capture_output=True, timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # The case is in the database but the running worker's index has not seen it yet ...
    with app.app_context():
        assert set(indexing.engine().fingerprints("public")) == {"before"}
    # ... the next start applies the pending change log (its follower's first step).
    restarted = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": config["DATABASE_URL"], "INDEX_DIR": config["INDEX_DIR"]})
    follower(restarted).step()
    assert search_total(restarted.test_client(), "narwhalmarker") == 1
    assert restarted.test_client().get("/cases/crashed").status_code == 200


def test_check_index_reports_and_repairs_drift(app, client, runner, add_case):
    add_case(slug="kept", title="Kept case")
    add_case(slug="lost", title="Lost case dugongmarker")
    with app.app_context():
        engine = indexing.engine()
        # Simulate drift: one case vanished from the public index, a stranger appeared.
        ghost = IndexDocument(slug="ghost", language="en", title="Ghost", summary="", lessons="",
                              body="", places="", excerpt="", published=0, fingerprint="x")
        assert engine.apply({"lost": {"public": None}, "ghost": {"public": ghost}}, engine.position().applied)
    report = runner.invoke(args=["check-index", "--no-heal"])
    assert report.exit_code == 1
    assert "public index: missing: lost" in report.output and "public index: extra: ghost" in report.output
    assert search_total(client, "dugongmarker") == 0
    healed = runner.invoke(args=["check-index"])
    assert healed.exit_code == 0 and "Repaired drift in 2 case(s)" in healed.output
    assert search_total(client, "dugongmarker") == 1
    assert "match the database" in runner.invoke(args=["check-index"]).output


def test_reindex_builds_a_new_generation_and_swaps_it_in(app, client, runner, add_case):
    add_case(slug="one", title="Rebuilt case manateemarker")
    with app.app_context():
        before = indexing.engine().store.current_dir()
        searcher_before = indexing.engine().store.open_searcher(before, "public")
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "from 1 cases" in result.output
    with app.app_context():
        after = indexing.engine().store.current_dir()
    assert after != before and after.parent == before.parent
    # A search that started on the old generation still works; new ones use the new generation.
    assert searcher_before.doc_count() == 1
    assert search_total(client, "manateemarker") == 1


def test_a_busy_writer_leaves_changes_in_the_log_for_the_next_apply(app, client, add_case, monkeypatch):
    add_case(slug="first", title="First case")
    with app.app_context():
        store = indexing.engine().store
        with store.writing(store.last_applied("public")) as holder:
            assert holder is not None
            # Its own apply waits for the lock, then gives up and leaves the row in the log.
            monkeypatch.setattr("app.search.store.LOCK_WAIT_SECONDS", 0.1)
            add_case(slug="second", title="Second case seamarker")
        assert search_total(client, "seamarker") == 0
        assert indexing.apply_pending() == 1
    assert search_total(client, "seamarker") == 1


def test_a_missing_index_is_rebuilt_at_start(app, add_case):
    add_case(slug="rebuilt", title="Rebuilt walrusmarker")
    os.unlink(os.path.join(app.config["INDEX_DIR"], "current"))
    restarted = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": app.config["DATABASE_URL"],
                            "INDEX_DIR": app.config["INDEX_DIR"]})
    follower(restarted).step()
    assert search_total(restarted.test_client(), "walrusmarker") == 1


def test_an_index_of_an_older_format_keeps_taking_changes_while_the_new_one_is_built(app, add_case, monkeypatch):
    import threading

    from app.search import store
    from app.search.schema import INDEX_FORMAT
    add_case(slug="kept", title="Kept through the upgrade walrusmarker")
    release, real_rebuild, real_apply = threading.Event(), indexing.rebuild, indexing.apply_pending
    monkeypatch.setattr(indexing, "rebuild", lambda **kw: release.wait(30) and real_rebuild(**kw))
    steps = follower(app)
    with app.app_context():
        old = indexing.engine().store.current_dir()
        (old / store.FORMAT).write_text(str(INDEX_FORMAT - 1))
        steps.step()  # starts building the new index on a thread of its own
        assert steps._rebuilder is not None and steps._rebuilder.is_alive()
    # A change committed meanwhile whose own index update did not happen: the follower's to apply.
    monkeypatch.setattr(indexing, "apply_pending", lambda wait=None: 0)
    add_case(slug="during", title="Published during the rebuild otterwisemarker")
    monkeypatch.setattr(indexing, "apply_pending", real_apply)
    assert search_total(app.test_client(), "otterwisemarker") == 0
    with app.app_context():
        steps.step()
        assert indexing.engine().store.current_dir() == old  # still the old index, now with the change
    assert search_total(app.test_client(), "otterwisemarker") == 1
    release.set()
    steps._rebuilder.join(30)
    with app.app_context():
        new = indexing.engine().store.current_dir()
        assert new != old and (new / store.FORMAT).read_text() == str(INDEX_FORMAT)
        steps.step()
        assert indexing.engine().store.current_dir() == new and steps.status.rebuilds == 1
    for word in ("walrusmarker", "otterwisemarker"):
        assert search_total(app.test_client(), word) == 1


def test_check_index_reports_an_index_of_an_older_format_and_builds_a_new_one(app, runner, add_case):
    from app.search import store
    add_case(slug="kept", title="Kept through the upgrade walrusmarker")
    with app.app_context():
        old = indexing.engine().store.current_dir()
    (old / store.FORMAT).unlink()  # as an index built before format numbers were written
    report = runner.invoke(args=["check-index", "--no-heal"])
    assert report.exit_code == 1 and "older format" in report.output
    healed = runner.invoke(args=["check-index"])
    assert healed.exit_code == 0 and "Built a new search index" in healed.output
    with app.app_context():
        assert indexing.engine().store.current_dir() != old and not indexing.engine().needs_rebuild()
    assert "match the database" in runner.invoke(args=["check-index"]).output
    assert search_total(app.test_client(), "walrusmarker") == 1


def test_small_segments_from_single_changes_are_merged_without_losing_anything(app, client, add_case):
    for i in range(10):
        add_case(slug=f"case-{i}", title=f"Segment case {i} otterwise")
    with app.app_context():
        store = indexing.engine().store
        generation = store.current_dir()
        assert store.merge_segments(generation, wait=10)
        assert store._segment_count(generation) <= 2
    assert search_total(client, "otterwise") == 10


def test_a_rebuild_shares_segments_yet_each_index_keeps_its_own_deletions(app, client, runner, add_case):
    add_case(slug="shared", title="Shared case heronmarker")
    add_case(slug="mixed", title="Mixed case heronmarker",
             lessons=[{"kind": "went_well", "text": "open"}, {"kind": "went_badly", "text": "ibismarker", "visibility": "members"}])
    add_case(slug="closed", title="Closed case heronmarker", visibility="members")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    with app.app_context():
        store = indexing.engine().store
        assert set(store.stored("public")) == {"shared", "mixed"}
        assert set(store.stored("members")) == {"shared", "mixed", "closed"}
        # The shared segment's files are one set of files on disk, linked into both indexes.
        inodes = {name: {p.stat().st_ino for p in (store.current_dir() / name).iterdir()} for name in ("public", "members")}
        assert inodes["public"] & inodes["members"]
    assert search_total(client, "ibismarker") == 0
    # Turning the shared case members-only deletes it from the public index alone.
    add_case(slug="shared", title="Shared case heronmarker", visibility="members")
    with app.app_context():
        assert set(indexing.engine().fingerprints("public")) == {"mixed"}
        assert set(indexing.engine().fingerprints("members")) == {"shared", "mixed", "closed"}
    assert search_total(client, "heronmarker") == 1
    assert "match the database" in runner.invoke(args=["check-index"]).output


def test_following_the_change_log_never_waits_for_the_warm_up(app, monkeypatch):
    import threading
    import time
    release, warm_ups, applied = threading.Event(), [], []
    with app.app_context():
        engine = indexing.engine()
        monkeypatch.setattr(engine, "wants_warming", lambda: True)
        monkeypatch.setattr(engine, "warm", lambda on_work: warm_ups.append(1) or on_work() or release.wait(10))
        monkeypatch.setattr(indexing, "apply_pending", lambda wait=None: applied.append(1) or 0)
        steps = follower(app)
        started = time.monotonic()
        for _ in range(3):
            steps.step()  # the warm-up hangs on its own thread; each step still applies the log
        assert time.monotonic() - started < 5
        assert len(applied) == 3 and len(warm_ups) == 1 and steps.status.warm is False
        release.set()
        steps._warmer.join(5)
        assert steps.status.warm is True
        monkeypatch.setattr(engine, "wants_warming", lambda: False)
        steps.step()
        assert steps.status.warm is True and len(warm_ups) == 1
