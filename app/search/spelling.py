"""Correcting the words an index does not know, from that index's own words.

A word is only corrected when the asking audience's index does not hold it and it is no word of
Dutch or English (`wenen` stays `wenen`: it is Dutch, and a place). Candidates come from the same
index's vocabulary, so a visitor is never offered a word that only members-only text holds.
Distances are Damerau-style (optimal string alignment, from rapidfuzz): a swap of two neighbouring
letters is one edit, as it is one slip of the fingers.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query as Q
from whoosh.searching import Searcher

from . import ranking, wordlists

MIN_LENGTH = 4  # `na`, `nbs`: too short to tell a slip from another word
CANDIDATES = 12
_WORD_RE = re.compile(r"\w+")

# The unstemmed words of each segment, sorted by length then alphabet (read once per segment).
_SEGMENT_WORDS = ranking.SegmentCache(max_entries=256)


def max_edits(word: str) -> int:
    return 1 if len(word) <= 6 else 2


def _segment_words(reader) -> list[str]:
    if "spelling" not in reader.indexed_field_names():
        return []
    words = (t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon("spelling"))
    return sorted((w for w in words if w.isalpha()), key=lambda w: (len(w), w))


class Vocabulary:
    """Every word of one searcher's segments, grouped by length for a quick nearest look-up."""

    def __init__(self, searcher: Searcher):
        merged: set[str] = set()
        for leaf, _offset in searcher.leaf_searchers():
            if leaf.reader().segment() is not None:
                merged.update(_SEGMENT_WORDS.get(leaf.reader(), ("words",), _segment_words))
        self.words = sorted(merged, key=lambda w: (len(w), w))
        self._lengths = [len(w) for w in self.words]

    def near(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Words within `edits` of `word`, nearest first."""
        lo = bisect_left(self._lengths, len(word) - edits)
        hi = bisect_right(self._lengths, len(word) + edits)
        found = process.extract(word, self.words[lo:hi], scorer=OSA.distance, score_cutoff=edits,
                                limit=CANDIDATES)
        return [(choice, int(distance)) for choice, distance, _index in found]


def vocabulary(searcher: Searcher) -> Vocabulary:
    """Kept on the searcher: a new one comes with each change, and so does a new vocabulary."""
    vocab = getattr(searcher, "_casebook_vocabulary", None)
    if vocab is None:
        vocab = searcher._casebook_vocabulary = Vocabulary(searcher)
    return vocab


def in_live_documents(searcher: Searcher, word: str) -> bool:
    # The lexicon keeps words of deleted documents until a merge: ask the live documents.
    return any(True for _ in searcher.docs_for_query(Q.Term("spelling", word)))


def correct(searcher: Searcher, word: str) -> str | None:
    """The index's word nearest to one it does not know; None when the word needs no correction."""
    if len(word) < MIN_LENGTH or not word.isalpha() or in_live_documents(searcher, word) or wordlists.is_word(word):
        return None
    options = vocabulary(searcher).near(word, max_edits(word))
    # Nearest first, then the word the texts use most (`groningen`, not the rare alias `groninga`);
    # only a word live documents hold now.
    options.sort(key=lambda o: (o[1], -searcher.frequency("spelling", o[0]), o[0]))
    return next((w for w, _d in options if w != word and in_live_documents(searcher, w)), None)


def corrections(searcher: Searcher, words: list[str]) -> dict[str, str]:
    """word -> its correction, for the words that need one."""
    fixed = {}
    for word in dict.fromkeys(words):
        better = correct(searcher, word)
        if better is not None:
            fixed[word] = better
    return fixed


def apply(text: str, fixed: dict[str, str], fold) -> str:
    """The typed text with each corrected word replaced, everything else (quotes, filters) kept."""
    def replace(match: re.Match) -> str:
        folded = fold(match.group(0))
        return fixed.get(folded[0], match.group(0)) if len(folded) == 1 else match.group(0)
    return _WORD_RE.sub(replace, text)
