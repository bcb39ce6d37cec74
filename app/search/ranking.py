"""Ranking matched cases: BM25-style scores over posting lists, vectorised with NumPy.

Whoosh's own scorer walks a tree of matchers one document at a time in Python; on 10,000
cases a common word costs it tens of milliseconds. Here each term's postings are read once
per searcher (a block at a time), cached as arrays, and scored with array arithmetic.

The score of a case is the sum over query words and fields of
    field weight x idf x tf x (k1 + 1) / (tf + k1)
that is BM25 without length normalisation (b = 0): our cases are of similar length, and
skipping lengths keeps a fresh searcher cheap right after a publish.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

K1 = 1.2
CACHE_SIZE = 512  # terms per searcher, their sets of documents included: a few MB


@dataclass
class Postings:
    ids: np.ndarray  # global document numbers, deleted documents included
    tfs: np.ndarray  # term frequency in that document
    _docs: set[int] | None = None

    @property
    def docs(self) -> set[int]:
        if self._docs is None:
            self._docs = set(self.ids.tolist())
        return self._docs


def _read_leaf(matcher, offset: int, ids: list, tfs: list) -> None:
    matcher = getattr(matcher, "child", matcher)  # unwrap the deletion filter: callers use live docs
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # Whoosh's block postings: decode a whole block (up to 128 postings) per step.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int32) + offset)
            tfs.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
    else:
        block_ids, block_tfs = [], []
        while matcher.is_active():
            block_ids.append(matcher.id() + offset)
            block_tfs.append(matcher.weight())
            matcher.next()
        ids.append(np.asarray(block_ids, dtype=np.int32))
        tfs.append(np.asarray(block_tfs, dtype=np.float32))


class SegmentCache:
    """Values computed from one index segment, kept across searchers. A segment is never
    rewritten (deletions are applied per searcher), so after a change only the new, small
    segment is read; emptied now and then so that merged-away segments do not pile up."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._values: dict[tuple, object] = {}

    def get(self, reader, key: tuple, compute: Callable[[Any], Any]) -> Any:
        """compute(reader), once per segment and key."""
        segment = reader.segment()
        if segment is None:  # an index with no documents at all: nothing worth keeping
            return compute(reader)
        full_key = (segment.segment_id(), *key)  # random and unique per segment
        if full_key not in self._values:
            if len(self._values) >= self.max_entries:
                self._values.clear()
            self._values[full_key] = compute(reader)
        return self._values[full_key]


# Postings per segment, kept across searchers like the facet doc sets: after a publish only the
# new, small segment is read again (replaced documents drop out through the live set). Least
# recently used go first when the cache is full; threads of a worker share it.
_SEGMENT_POSTINGS: OrderedDict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
SEGMENT_CACHE_BYTES = 96 * 1024 * 1024
_segment_bytes = 0
_cache_lock = threading.Lock()


ENTRY_OVERHEAD = 512  # bytes of a cache entry besides its arrays: the words no case holds count too


def _entry_bytes(entry: tuple[np.ndarray, np.ndarray]) -> int:
    return entry[0].nbytes + entry[1].nbytes + ENTRY_OVERHEAD


def _segment_postings(reader, field_name: str, token: str) -> tuple[np.ndarray, np.ndarray]:
    global _segment_bytes
    segment = reader.segment()
    key = (segment.segment_id() if segment is not None else "", field_name, token)
    with _cache_lock:
        found = _SEGMENT_POSTINGS.get(key)
        if found is not None:
            _SEGMENT_POSTINGS.move_to_end(key)
            return found
    ids: list = []
    tfs: list = []
    try:
        _read_leaf(reader.postings(field_name, token), 0, ids, tfs)
    except TermNotFound:
        pass
    found = (np.concatenate(ids) if ids else np.zeros(0, np.int32),
             np.concatenate(tfs) if tfs else np.zeros(0, np.float32))
    if segment is not None:
        with _cache_lock:
            if key not in _SEGMENT_POSTINGS:
                _SEGMENT_POSTINGS[key] = found
                _segment_bytes += _entry_bytes(found)
            while _segment_bytes > SEGMENT_CACHE_BYTES and len(_SEGMENT_POSTINGS) > 1:
                _old_key, old = _SEGMENT_POSTINGS.popitem(last=False)
                _segment_bytes -= _entry_bytes(old)
    return found


# A worker reads the posting lists of the words most cases hold before searches ask for them:
# those are the longest to read. Up to this share of the cache; the rest is for what searches bring.
WARM_SHARE = 0.75
WARM_FROM_DOCS = 500  # smaller segments (single changes) are cheap to read when asked
_WARMED: set[str] = set()
BYTES_PER_POSTING = 8  # an int32 document number and a float32 frequency
WARM_MIN_DOCS = 16


def warm(readers: list, field_names: list[str], on_work: Callable[[], None] | None = None) -> bool:
    """Read the longest posting lists of segments this process has not warmed yet, longest
    first, within the budget. True when there was nothing left to do."""
    work = []
    fresh = []
    for reader in readers:
        segment = reader.segment()
        if segment is None or segment.segment_id() in _WARMED or segment.segment_id() in fresh:
            continue
        fresh.append(segment.segment_id())
        if reader.doc_count_all() < WARM_FROM_DOCS:
            continue
        indexed = set(reader.indexed_field_names())
        for field_name in field_names:
            if field_name in indexed:
                # Short lists are quick to read when asked for: only long ones are worth holding.
                work += [(info.doc_frequency(), field_name, text, reader)
                         for text, info in reader.iter_prefix(field_name, "") if info.doc_frequency() >= WARM_MIN_DOCS]
    if work:
        if on_work is not None:
            on_work()
        work.sort(key=lambda item: -item[0])
        budget = SEGMENT_CACHE_BYTES * WARM_SHARE
        for df, field_name, text, reader in work:
            budget -= df * BYTES_PER_POSTING
            if budget < 0:
                break
            _segment_postings(reader, field_name, text.decode("utf-8") if isinstance(text, bytes) else text)
    if len(_WARMED) > 4096:
        _WARMED.clear()  # merged-away segments
    _WARMED.update(fresh)  # only once read: a warm-up that failed halfway starts again
    return not work


# Document frequencies per segment, like the postings: a case page asks for dozens of them.
_SEGMENT_DF = SegmentCache(max_entries=200_000)


def doc_frequency(searcher: Searcher, field_name: str, token: str) -> int:
    """How many documents hold the term, deleted ones included (as Whoosh counts it)."""
    return sum(_SEGMENT_DF.get(leaf.reader(), (field_name, token), lambda r: r.doc_frequency(field_name, token))
               for leaf, _offset in searcher.leaf_searchers())


def postings(searcher: Searcher, field_name: str, token: str) -> Postings:
    """Every posting of a term, cached per searcher (a new searcher comes with each change)."""
    cache = searcher.__dict__.setdefault("_casebook_postings", OrderedDict())
    key = (field_name, token)
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    parts = [(_segment_postings(leaf.reader(), field_name, token), offset)
             for leaf, offset in searcher.leaf_searchers()]
    found = cache[key] = Postings(
        ids=np.concatenate([ids + offset for (ids, _), offset in parts]) if parts else np.zeros(0, np.int32),
        tfs=np.concatenate([tfs for (_, tfs), _ in parts]) if parts else np.zeros(0, np.float32))
    while len(cache) > CACHE_SIZE:  # the least recently used go first
        cache.popitem(last=False)
    return found


def idf(searcher: Searcher, df: int) -> float:
    """BM25's inverse document frequency: rare words weigh most."""
    live = max(searcher.doc_count(), 1)
    return math.log(1 + (live - df + 0.5) / (df + 0.5))


def scores(searcher: Searcher, terms: list[tuple[str, str, float]], rarity: dict[str, float] | None = None) -> np.ndarray:
    """Every document's score for (field, token, weight) terms. `rarity` (token -> idf) stands in
    for a token's own idf: a query's alternatives share the rarity of what they stand for."""
    scored = np.zeros(searcher.doc_count_all(), dtype=np.float64)
    for field_name, token, weight in terms:
        p = postings(searcher, field_name, token)
        if not len(p.ids):
            continue
        term_idf = rarity[token] if rarity and token in rarity else idf(searcher, len(p.ids))
        # bincount adds up repeated ids (a replaced case's old postings) like np.add.at, many times faster.
        scored += np.bincount(p.ids, weights=weight * term_idf * p.tfs * (K1 + 1) / (p.tfs + K1),
                              minlength=len(scored))[:len(scored)]
    return scored


def best(candidates: np.ndarray, candidate_scores: np.ndarray, limit: int) -> list[int]:
    if len(candidates) > limit:
        top = np.argpartition(-candidate_scores, limit - 1)[:limit]
        candidates, candidate_scores = candidates[top], candidate_scores[top]
    # Highest score first; equal scores in document order, so paging is stable.
    order = np.lexsort((candidates, -candidate_scores))
    return candidates[order].tolist()


def top_documents(searcher: Searcher, terms: list[tuple[str, str, float]], matched: set[int], limit: int,
                  rarity: dict[str, float] | None = None) -> list[int]:
    """The `limit` best of the matched documents for (field, token, weight) terms, best first."""
    if not matched or limit <= 0:
        return []
    scored = scores(searcher, terms, rarity)
    candidates = np.fromiter(matched, dtype=np.int64, count=len(matched))
    return best(candidates, scored[candidates], limit)


def similar_documents(searcher: Searcher, terms: list[tuple[str, str, float]], live: np.ndarray, exclude: int,
                      limit: int) -> list[int]:
    """The `limit` live documents (`live`: a mask) that score highest on these terms, `exclude` left out."""
    if limit <= 0 or not terms:
        return []
    scored = scores(searcher, terms)
    scored[exclude] = 0
    candidates = np.flatnonzero((scored > 0) & live)
    return best(candidates, scored[candidates], limit)


def live_mask(searcher: Searcher) -> np.ndarray:
    """True for every document not deleted, once per searcher (from each segment's deletions)."""
    mask = searcher.__dict__.get("_casebook_live")
    if mask is None:
        mask = np.ones(searcher.doc_count_all(), dtype=bool)
        for leaf, offset in searcher.leaf_searchers():
            segment = leaf.reader().segment()
            if segment is not None and segment.has_deletions():
                deleted = np.fromiter(segment.deleted_docs(), dtype=np.int64)
                mask[deleted + offset] = False
        searcher._casebook_live = mask
    return mask


# Publication times per segment, like the postings: a new searcher reads only new segments'.
_SEGMENT_PUBLISHED = SegmentCache(max_entries=256)


def _published_column(reader) -> np.ndarray:
    values = reader.column_reader("published", translate=True)
    return np.fromiter((v or 0 for v in values), dtype=np.int64, count=reader.doc_count_all())


def _published(searcher: Searcher) -> np.ndarray:
    published = searcher.__dict__.get("_casebook_published")
    if published is None:
        parts = [_SEGMENT_PUBLISHED.get(leaf.reader(), (), _published_column) for leaf, _offset in searcher.leaf_searchers()]
        published = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        searcher._casebook_published = published
    return published


def newest_documents(searcher: Searcher, matched: set[int], limit: int) -> list[int]:
    """The `limit` most recently published of the matched documents."""
    published = _published(searcher)
    if not matched or limit <= 0:
        return []
    candidates = np.fromiter(matched, dtype=np.int64, count=len(matched))
    order = np.lexsort((candidates, -published[candidates]))[:limit]
    return candidates[order].tolist()
