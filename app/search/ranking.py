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
from dataclasses import dataclass

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

K1 = 1.2
CACHE_SIZE = 4096


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
            ids.append(np.asarray(matcher._ids, dtype=np.int64) + offset)
            tfs.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
    else:
        block_ids, block_tfs = [], []
        while matcher.is_active():
            block_ids.append(matcher.id() + offset)
            block_tfs.append(matcher.weight())
            matcher.next()
        ids.append(np.asarray(block_ids, dtype=np.int64))
        tfs.append(np.asarray(block_tfs, dtype=np.float32))


def postings(searcher: Searcher, field_name: str, token: str) -> Postings:
    """Every posting of a term, cached per searcher (a new searcher comes with each change)."""
    cache = searcher.__dict__.setdefault("_casebook_postings", {})
    key = (field_name, token)
    if key not in cache:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        ids: list = []
        tfs: list = []
        for leaf, offset in searcher.leaf_searchers():
            try:
                _read_leaf(leaf.reader().postings(field_name, token), offset, ids, tfs)
            except TermNotFound:
                continue
        cache[key] = Postings(ids=np.concatenate(ids) if ids else np.zeros(0, np.int64),
                              tfs=np.concatenate(tfs) if tfs else np.zeros(0, np.float32))
    return cache[key]


def top_documents(searcher: Searcher, terms: list[tuple[str, str, float]], matched: set[int], limit: int) -> list[int]:
    """The `limit` best of the matched documents for (field, token, weight) terms, best first."""
    size = searcher.doc_count_all()
    if not matched or limit <= 0:
        return []
    scores = np.zeros(size, dtype=np.float64)
    live = max(searcher.doc_count(), 1)
    for field_name, token, weight in terms:
        p = postings(searcher, field_name, token)
        if not len(p.ids):
            continue
        df = len(p.ids)
        idf = math.log(1 + (live - df + 0.5) / (df + 0.5))
        np.add.at(scores, p.ids, weight * idf * p.tfs * (K1 + 1) / (p.tfs + K1))
    candidates = np.fromiter(matched, dtype=np.int64, count=len(matched))
    candidate_scores = scores[candidates]
    if len(candidates) > limit:
        best = np.argpartition(-candidate_scores, limit - 1)[:limit]
        candidates, candidate_scores = candidates[best], candidate_scores[best]
    # Highest score first; equal scores in document order, so paging is stable.
    order = np.lexsort((candidates, -candidate_scores))
    return candidates[order].tolist()


def newest_documents(searcher: Searcher, matched: set[int], limit: int) -> list[int]:
    """The `limit` most recently published of the matched documents."""
    published = searcher.__dict__.get("_casebook_published")
    if published is None:
        column = searcher.reader().column_reader("published", translate=True)
        published = np.fromiter((v or 0 for v in column), dtype=np.int64, count=searcher.doc_count_all())
        searcher._casebook_published = published
    if not matched or limit <= 0:
        return []
    candidates = np.fromiter(matched, dtype=np.int64, count=len(matched))
    order = np.lexsort((candidates, -published[candidates]))[:limit]
    return candidates[order].tolist()
