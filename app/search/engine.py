"""The one interface the rest of Casebook talks to: apply changes, rebuild, query, related,
fingerprints and the position in the change log. No Whoosh object leaves this package.

One engine per process. Its searchers (and the caches hung on them) live between requests,
shared by the process's threads: Whoosh reads its files with seek-then-read, so a process
answers one search at a time (searching is CPU-bound; threads gain nothing running two).
Searchers are reopened when the index generation or its segments move.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from whoosh.searching import Searcher

from . import querying, ranking, spelling, syntax, thesaurus, understanding
from .querying import Hits
from .schema import IndexDocument, text_fields
from .store import INDEX_NAMES, IndexMissing, IndexStore, SegmentJob

log = logging.getLogger(__name__)


class SearchUnavailable(RuntimeError):
    """The index cannot answer now (missing, being rebuilt, or damaged); the node heals it."""


@dataclass
class Query:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    newest: bool = False
    max_length: int = 200
    correct: bool = True  # False: search the words exactly as typed ("search instead for …")
    # Only among these cases (slugs), e.g. the ones new since a saved search last looked; no suggestions then.
    only: frozenset[str] | None = None


@dataclass
class Position:
    """Where this node's index stands: its generation and the last change-log row it applied."""

    generation: str | None
    applied: int


class SearchEngine:
    def __init__(self, root: str | Path, facet_values: dict[str, Callable[[str], str]] | None = None):
        """`facet_values`: per facet, the value a filter stands for in the index (for a city,
        its key from any of its names: `city:Wenen` filters on `Vienna`)."""
        self.store = IndexStore(root)
        self.facet_values = facet_values or {}
        self._lock = threading.RLock()
        self._searchers: dict[str, tuple[Path, Searcher]] = {}
        self._damaged_generation: Path | None = None
        self._checked_format: Path | None = None
        self._warmed: tuple | None = None

    # --- the change log position ---------------------------------------------------------
    def exists(self) -> bool:
        return self.store.exists()

    def position(self) -> Position:
        current = self.store.current_dir()
        if current is None:
            return Position(None, 0)
        return Position(current.name, min(self.store.last_applied(n, current) for n in INDEX_NAMES))

    def can_serve(self) -> bool:
        """An index to search, even one of an older format that is being rebuilt."""
        current = self.store.current_dir()
        return current is not None and current != self._damaged_generation

    def needs_rebuild(self) -> bool:
        """Missing, found damaged while reading, or of an older format: the follower builds a new generation."""
        current = self.store.current_dir()
        if current is None or current == self._damaged_generation:
            return True
        if current != self._checked_format:
            if self.store.is_outdated(current):
                return True
            self._checked_format = current  # a generation's format never changes
        return False

    # --- writing -----------------------------------------------------------------------------
    def apply(self, documents: dict[str, dict[str, IndexDocument | None]], position: int,
              wait: float | None = None) -> bool:
        """Put each case's document (None: remove it) into each index and remember `position`.

        False when another process holds the writer lock: the change stays in the log for it.
        """
        with self.store.writing(position, wait) as writer:
            if writer is None:
                return False
            for slug in sorted(documents):
                for name, document in documents[slug].items():
                    writer.put(name, document, slug)
        return True

    def rebuild(self, jobs: list[SegmentJob], position: int, progress: Callable[[int], None] | None = None,
                processes: int = 1, only_if_needed: bool = False) -> bool:
        """Build a new generation and swap it in; False when `only_if_needed` and another
        process built one meanwhile."""
        built = self.store.rebuild(jobs, position, progress, processes=processes,
                                   still_needed=self.needs_rebuild if only_if_needed else None)
        if built is not None:
            self._damaged_generation = None
        return built is not None

    def verify(self) -> bool:
        """Read every index's table of contents, terms and postings afresh: False when they are damaged.

        Asked when writing failed: a full disk leaves a sound index (keep retrying the change),
        a damaged file needs a new generation.
        """
        current = self.store.current_dir()
        if current is None:
            return False
        try:
            for name in INDEX_NAMES:
                with self.store.open_searcher(current, name) as searcher:
                    reader = searcher.reader()
                    for term in reader.lexicon("slug"):
                        reader.postings("slug", term).all_ids()
                    if reader.doc_count_all():
                        reader.stored_fields(0)
        except Exception as error:
            self._damaged_generation = current
            log.error("search index %s failed verification (%s: %s); it will be rebuilt", current,
                      type(error).__name__, str(error)[:200])
            return False
        return True

    def _segments_signature(self) -> tuple | None:
        """What the index folders hold now (their tables of contents): changes with every commit."""
        current = self.store.current_dir()
        if current is None:
            return None
        try:
            return (current, *(tuple(sorted(f for f in os.listdir(current / n) if f.endswith(".toc")))
                               for n in INDEX_NAMES))
        except OSError:  # swapped away by a rebuild this very moment: ask again next round
            return None

    def wants_warming(self) -> bool:
        """True when segments may have arrived since the last warm-up (a start, a change, a rebuild)."""
        return not self.needs_rebuild() and self._segments_signature() != self._warmed

    def warm(self, on_work: Callable[[], None] | None = None) -> bool:
        """Read the longest posting lists of index segments new to this process (after a start,
        a rebuild or a merge) before searches need them. True when all were read already;
        `on_work` is called before any reading starts.

        Runs on its own searchers, without the search lock: searches go on meanwhile.
        """
        understanding.load()  # the word lists too (once per process; a fifth of a second)
        signature = self._segments_signature()
        if signature is None or self.needs_rebuild():
            return True
        current = signature[0]
        searchers: list[Searcher] = []
        try:
            for name in INDEX_NAMES:
                searchers.append(self.store.open_searcher(current, name))
            readers = [leaf.reader() for searcher in searchers for leaf, _offset in searcher.leaf_searchers()]
            done = ranking.warm(readers, text_fields(), on_work)
            for reader in readers:
                if reader.segment() is not None:
                    spelling.segment_words(reader)  # the vocabulary corrections draw from
        finally:
            for searcher in searchers:
                searcher.close()
        self._warmed = signature
        return done

    def maintain(self) -> bool:
        """Merge the small segments single changes leave behind, when there are many (False: busy)."""
        return self.store.merge_if_needed()

    # --- reading ---------------------------------------------------------------------------------
    def query(self, index_name: str, query: Query) -> Hits:
        """Raises syntax.QueryProblem for a query we cannot answer, SearchUnavailable when the index cannot."""
        parsed = self._parse(query.text, query, query.max_length)
        with self._reading(index_name) as searcher:
            hits = querying.search(searcher, parsed, query.page, query.per_page, query.newest, query.only)
            if not parsed.words or not querying.is_weak(hits) or query.only is not None:
                return hits
            # Words this index does not know, corrected from this index's own words.
            fixed = spelling.corrections(searcher, parsed.words)
        if not fixed:
            return hits
        text = spelling.apply(parsed.text, fixed, parsed.plain_spans)
        # Parsed outside the reading context: nothing there may fail as if the index had.
        corrected_query = self._parse(text, query, max(query.max_length, len(text)))
        with self._reading(index_name) as searcher:
            corrected = querying.search(searcher, corrected_query, query.page, query.per_page, query.newest)
        if query.correct and querying.finds_clearly_more(hits, corrected):
            corrected.corrected_query = text
            return corrected
        if corrected.total > hits.total:
            hits.suggestion = text  # "did you mean": only when it would find more
        return hits

    def _parse(self, text: str, query: Query, max_length: int) -> syntax.ParsedQuery:
        parsed = syntax.parse(text, thesaurus.default(), max_length)
        # Values chosen for one facet widen; a filter typed in the words narrows what they find, so
        # `city:Utrecht` on the Amsterdam page finds nothing rather than both cities.
        parsed.required, parsed.filters = parsed.filters, {facet: list(values) for facet, values in query.filters.items()}
        for filters in (parsed.filters, parsed.required):
            for facet, values in filters.items():
                if facet in self.facet_values:
                    filters[facet] = [self.facet_values[facet](v) for v in values]
        return parsed

    def related(self, index_name: str, slug: str, language: str, themes: list[str], limit: int) -> list[str]:
        with self._reading(index_name) as searcher:
            return querying.related(searcher, slug, language, themes, limit)

    def fingerprints(self, index_name: str) -> dict[str, str]:
        """slug -> fingerprint of every case in one index (for check-index)."""
        return self.store.stored(index_name)

    def close(self) -> None:
        with self._lock:
            for _generation, searcher in self._searchers.values():
                searcher.close()
            self._searchers.clear()

    # --- searchers ---------------------------------------------------------------------------------
    def _searcher(self, name: str) -> Searcher:
        """This process's searcher of one index, reopened when the index changed or was swapped."""
        generation = self.store.current_dir()
        if generation is None:
            raise IndexMissing(f"no search index in {self.store.root}")
        cached = self._searchers.get(name)
        if cached is not None and cached[0] == generation and cached[1].up_to_date():
            return cached[1]
        if cached is not None:
            cached[1].close()
            del self._searchers[name]
        # A fresh reader, not Searcher.refresh(): refresh reuses segment readers and so
        # misses deletions committed without new documents (a case turned members-only).
        searcher = self.store.open_searcher(generation, name)
        self._searchers[name] = (generation, searcher)
        return searcher

    def _reading(self, name: str) -> _ReadingContext:
        return _ReadingContext(self, name)

    def _damaged(self, name: str, error: BaseException) -> None:
        generation = self.store.current_dir()
        log.error("search index %s/%s cannot be read; it will be rebuilt", generation, name,
                  exc_info=(type(error), error, error.__traceback__))
        self._damaged_generation = generation
        cached = self._searchers.pop(name, None)
        if cached is not None:
            try:
                cached[1].close()
            except Exception:  # closing a damaged reader may fail too; it is dropped either way
                pass


class _ReadingContext:
    """Holds the process's search lock around one use of a searcher; turns any failure of the
    index files into SearchUnavailable (and marks the generation for rebuilding)."""

    def __init__(self, engine: SearchEngine, name: str):
        self.engine, self.name = engine, name

    def __enter__(self) -> Searcher:
        self.engine._lock.acquire()
        try:
            return self.engine._searcher(self.name)
        except IndexMissing as missing:
            self.engine._lock.release()
            raise SearchUnavailable(str(missing)) from missing
        except Exception as error:
            self.engine._damaged(self.name, error)
            self.engine._lock.release()
            raise SearchUnavailable(str(error)) from error

    def __exit__(self, exc_type, exc, _tb) -> Literal[False]:
        try:
            # Anything else that fails while reading is taken as damaged files (truncated, corrupt,
            # deleted underneath us): the visitor gets a message, the follower a rebuild to do.
            if isinstance(exc, Exception) and not isinstance(exc, (syntax.QueryProblem, SearchUnavailable)):
                self.engine._damaged(self.name, exc)
                raise SearchUnavailable(str(exc)) from exc
            return False
        finally:
            self.engine._lock.release()
