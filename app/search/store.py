"""The index folders on disk: generations, the writer lock, and searchers kept per process.

    INDEX_DIR/current -> gen-<timestamp>/       (a symlink, swapped atomically by a rebuild)
    INDEX_DIR/gen-<timestamp>/public/           what anonymous visitors may find
    INDEX_DIR/gen-<timestamp>/members/          every published case with all its lessons
    INDEX_DIR/gen-<timestamp>/<name>/applied.json   the last change-log id this index applied
"""
from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import LockError, SegmentWriter

from .schema import INDEX_FORMAT, IndexDocument, build_schema

INDEX_NAMES = ("public", "members")
MAX_SEGMENTS = 16  # more, and a background merge starts: many segments slow every search
SMALL_SEGMENT_DOCS = 1000
MERGE_BATCH = 4
# A writer waits this long for a merge or another writer before leaving its change in the log.
LOCK_WAIT_SECONDS = 5.0
CURRENT = "current"
COMPLETE = "complete"  # written into a generation once it is whole; a folder without it is a build in progress
FORMAT = "format"  # the schema.INDEX_FORMAT a generation was built with (none: format 1)
REBUILD_LOCK = ".rebuild.lock"
# Forking a process that runs other threads can copy a lock some thread held: build in parallel only alone.
PARALLEL_FROM_DOCS = 400


class IndexMissing(RuntimeError):
    pass


@dataclass
class SegmentJob:
    """One segment of a rebuild: its documents and the indexes that will hold it."""

    name: str
    indexes: tuple[str, ...]
    documents: Callable[[], Iterable[IndexDocument | None]]
    size: int  # documents it will hold, to share the work fairly between processes


class IndexWriter:
    """Adds, replaces and removes cases in both indexes of one generation."""

    def __init__(self, writers: dict):
        self._writers = writers

    def put(self, name: str, document: IndexDocument | None, slug: str) -> None:
        writer = self._writers[name]
        if document is None:
            writer.delete_by_term("slug", slug)
        else:
            # An index of an older format (until its rebuild) takes the fields it knows.
            known = writer.schema.names()
            writer.update_document(**{k: v for k, v in document.whoosh_fields().items() if k in known})


class IndexStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # --- where the indexes are -------------------------------------------------------
    def current_dir(self) -> Path | None:
        link = self.root / CURRENT
        try:
            target = os.readlink(link)
        except OSError:
            return None
        path = (self.root / target).resolve()
        return path if all((path / n).is_dir() for n in INDEX_NAMES) else None

    def exists(self) -> bool:
        return self.current_dir() is not None

    @staticmethod
    def is_outdated(generation: Path) -> bool:
        """Built by a version of Casebook whose fields or analysis differ from ours."""
        try:
            return int((generation / FORMAT).read_text()) != INDEX_FORMAT
        except (OSError, ValueError):
            return True

    def _require(self) -> Path:
        current = self.current_dir()
        if current is None:
            raise IndexMissing(f"no search index in {self.root}; run `flask --app app reindex`")
        return current

    # --- the change log position -----------------------------------------------------
    def last_applied(self, name: str, generation: Path | None = None) -> int:
        path = (generation or self._require()) / name / "applied.json"
        try:
            return int(json.loads(path.read_text())["last_change"])
        except (OSError, ValueError, KeyError):
            return 0

    @staticmethod
    def _remember(generation: Path, name: str, last_change: int) -> None:
        path = generation / name / "applied.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"last_change": last_change}))
        os.replace(tmp, path)

    # --- writing -----------------------------------------------------------------------
    @contextmanager
    def writing(self, last_change: int, wait: float | None = None) -> Iterator[IndexWriter | None]:
        """Write both indexes of the current generation, or yield None when another process is.

        The caller's changes are not lost when the lock is taken: they stay in the
        change log and the lock holder, or the next writer, applies them.
        """
        generation = self._require()
        lock = _acquire(generation, LOCK_WAIT_SECONDS if wait is None else wait)
        if lock is None:
            yield None
            return
        try:
            with ExitStack() as stack:
                writers = {n: stack.enter_context(_segment_writer(generation / n)) for n in INDEX_NAMES}
                try:
                    yield IndexWriter(writers)
                except BaseException:
                    for w in writers.values():
                        w.cancel()
                    raise
                for name, w in writers.items():
                    # No merge here: the change becomes searchable at once, merging comes after.
                    w.commit(merge=False)
                    self._remember(generation, name, last_change)
        finally:
            lock.release()

    @staticmethod
    def _segment_count(generation: Path) -> int:
        return max(len(whoosh_index.open_dir(str(generation / n))._segments()) for n in INDEX_NAMES)

    def merge_if_needed(self) -> bool:
        """Merge small segments when single changes have left many (True: nothing left to do)."""
        generation = self.current_dir()
        if generation is None or self._segment_count(generation) <= MAX_SEGMENTS:
            return True
        return self.merge_segments(generation)

    def merge_segments(self, generation: Path | None = None, wait: float = 0.0) -> bool:
        """Merge the small segments that single changes leave behind (False when busy).

        A few segments per turn, releasing the lock in between, so that a publish
        arriving meanwhile waits for one short step, not for the whole merge.
        """
        generation = generation or self._require()
        for name in INDEX_NAMES:
            while True:
                lock = _acquire(generation, wait)
                if lock is None:
                    return False
                try:
                    with _segment_writer(generation / name) as writer:
                        merged: list = []
                        writer.commit(mergetype=partial(_merge_small_segments, merged=merged))
                finally:
                    lock.release()
                if not merged:
                    break
                time.sleep(0.1)  # let a waiting writer in before the next step
        return True

    def rebuild(self, jobs: list[SegmentJob], last_change: int,
                progress: Callable[[int], None] | None = None, processes: int = 1,
                still_needed: Callable[[], bool] | None = None) -> Path | None:
        """Build both indexes in a new generation folder, then swap `current` to it atomically.

        Each job builds one segment, shared (by hard link) by the indexes it names: a case
        that reads the same for everyone is analysed once, not once per index. One rebuild
        runs at a time per index folder; a second waits for the first, then builds only if
        `still_needed()` says so (None: always): the workers of a node that all found the index
        outdated or missing build it once.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with _rebuild_lock(self.root):
            if still_needed is not None and not still_needed():
                return None
            self._drop_dead_builds()
            generation = self.root / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
            parts = generation / "parts"
            parts.mkdir(parents=True)
            alone = threading.active_count() == 1
            if processes > 1 and alone and sum(job.size for job in jobs) >= PARALLEL_FROM_DOCS:
                _build_in_parallel(parts, jobs, progress, processes)
            else:
                for job in jobs:
                    _build_one(parts / job.name, job.documents(), progress)
            for name in INDEX_NAMES:
                _assemble(generation / name, [parts / job.name for job in jobs if name in job.indexes])
                self._remember(generation, name, last_change)
            shutil.rmtree(parts)  # the indexes hold hard links to every file they need
            (generation / FORMAT).write_text(str(INDEX_FORMAT))
            (generation / COMPLETE).write_text(str(last_change))
            self._swap(generation)
        return generation

    def _drop_dead_builds(self) -> None:
        """Generations a killed rebuild left half-built (we hold the rebuild lock: no build is running)."""
        current = self.current_dir()
        for path in self.root.glob("gen-*"):
            if path.is_dir() and path != current and not (path / COMPLETE).exists():
                shutil.rmtree(path, ignore_errors=True)

    def _swap(self, generation: Path) -> None:
        tmp_link = self.root / f".{CURRENT}-{os.getpid()}"
        if tmp_link.is_symlink():
            tmp_link.unlink()
        os.symlink(generation.name, tmp_link)
        os.replace(tmp_link, self.root / CURRENT)  # atomic: searches see old or new, never none
        self._drop_old_generations(keep={generation.name})

    def _drop_old_generations(self, keep: set[str]) -> None:
        # The newest previous generation stays: another worker may still be reading it.
        generations = sorted((p for p in self.root.glob("gen-*") if p.is_dir() and (p / COMPLETE).exists()),
                             key=lambda p: p.stat().st_mtime)
        old = [p for p in generations if p.name not in keep]
        for path in old[:-1]:
            shutil.rmtree(path, ignore_errors=True)

    # --- reading -----------------------------------------------------------------------
    @staticmethod
    def open_searcher(generation: Path, name: str) -> Searcher:
        return whoosh_index.open_dir(str(generation / name)).searcher()

    def stored(self, name: str) -> dict[str, str]:
        """slug -> fingerprint of every case in one index (for check-index)."""
        with self.open_searcher(self._require(), name) as s:
            return {f["slug"]: f.get("fingerprint", "") for f in s.all_stored_fields()}


@contextmanager
def _rebuild_lock(root: Path) -> Iterator[None]:
    """One rebuild at a time in this folder, across processes; released when its holder dies (kill -9 too)."""
    with open(root / REBUILD_LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(generation: Path, wait: float):
    """The generation's writer lock, polling up to `wait` seconds; None when still taken."""
    lock = FileStorage(str(generation)).lock("apply")
    deadline = time.monotonic() + wait
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)
    return lock


@contextmanager
def _segment_writer(path: Path, timeout: float = 5.0) -> Iterator[SegmentWriter]:
    """A writer of one index whose Whoosh lock we take and release ourselves, whatever fails.

    Whoosh's own writer keeps its lock when it fails to start (a full disk while it creates its
    files), and every later writer of the node would then wait for that lock in vain.
    """
    ix = whoosh_index.open_dir(str(path))
    lock = ix.lock("WRITELOCK")
    deadline = time.monotonic() + timeout
    while not lock.acquire():
        if time.monotonic() >= deadline:
            raise LockError(f"the index at {path} is locked")
        time.sleep(0.05)
    try:
        yield SegmentWriter(ix, _lk=False, compound=False)
    finally:
        lock.release()


def _merge_small_segments(writer, segments: list, merged: list) -> list:
    """Whoosh merge policy: fold the few smallest segments into one, leave the big ones alone."""
    by_size = sorted(segments, key=lambda seg: seg.doc_count_all())
    # Only what single changes left behind: a rebuild's segments are large, and rewriting
    # them is a rebuild's job (the largest one never counts as small).
    limit = min(SMALL_SEGMENT_DOCS, max(20, sum(seg.doc_count_all() for seg in segments) // 50))
    small = [seg for seg in by_size[:-1] if seg.doc_count_all() < limit][:MERGE_BATCH]
    if len(small) < 2:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
        merged.append(seg)
    return [seg for seg in segments if seg not in small]


def _build_one(path: Path, documents: Iterable[IndexDocument | None], progress=None, counter=None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = ix.writer(limitmb=384, compound=False)  # separate files open without copying
    i = 0
    for i, doc in enumerate(documents, start=1):
        if doc is not None:
            writer.add_document(**doc.whoosh_fields())
        if progress:
            progress(1)
        if counter is not None and i % 25 == 0:
            with counter.get_lock():
                counter.value += 25
    writer.commit()
    if counter is not None:
        with counter.get_lock():
            counter.value += i % 25


def _assemble(target: Path, part_dirs: list[Path]) -> None:
    """An index made of the segments built in `part_dirs`, hard-linked rather than copied.

    Whoosh never rewrites a segment's files (deletions live in the table of contents), so
    two indexes can share them safely; a later merge writes new files of its own.
    """
    target.mkdir()
    segments = []
    for part in part_dirs:
        ix = whoosh_index.open_dir(str(part))
        for segment in ix._segments():
            for filename in segment.list_files(ix.storage):
                os.link(part / filename, target / filename)
            segments.append(segment)
    TOC(build_schema(), segments, 1).write(FileStorage(str(target)), whoosh_index._DEF_INDEX_NAME)


def _build_in_parallel(parts: Path, jobs: list[SegmentJob], progress, processes: int) -> None:
    """Forked processes share the jobs, larger first to the less loaded: Whoosh is CPU-bound."""
    groups: list[list[SegmentJob]] = [[] for _ in range(processes)]
    for job in sorted(jobs, key=lambda j: -j.size):
        min(groups, key=lambda g: sum(j.size for j in g)).append(job)
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)

    def run(group: list[SegmentJob]) -> None:
        for job in group:
            _build_one(parts / job.name, job.documents(), None, counter)

    procs = [ctx.Process(target=run, args=(group,)) for group in groups if group]
    for p in procs:
        p.start()
    reported = 0
    while any(p.is_alive() for p in procs):
        time.sleep(0.2)
        if progress and counter.value > reported:
            progress(counter.value - reported)
            reported = counter.value
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"building the search index failed (exit code {p.exitcode})")
