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
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.searching import Searcher

from . import ranking, wordlists
from .thesaurus import fold

MIN_LENGTH = 4  # `na`, `nbs`: too short to tell a slip from another word
MAX_WORDS = 6  # words corrected in one query: each costs a look-up in the whole vocabulary
CANDIDATES = 24
# The word lists hold the web's common misspellings too (`goverment`): a typed word counts as a
# correct word unless the index's candidate is this much (in Zipf units) more common in them.
MISSPELLING_GAP = 2.5


@dataclass
class _SegmentWords:
    """The unstemmed words of one segment, sorted by length then alphabet."""

    words: list[str]
    lengths: list[int]


# Per segment (a segment never changes): a change adds one small segment to read, not a rebuild.
_SEGMENT_WORDS = ranking.SegmentCache(max_entries=256)


def max_edits(word: str) -> int:
    return 1 if len(word) <= 6 else 2


def _read_words(reader) -> _SegmentWords:
    if "spelling" not in reader.indexed_field_names():
        return _SegmentWords([], [])
    words = (t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon("spelling"))
    ordered = sorted((w for w in words if w.isalpha()), key=lambda w: (len(w), w))
    return _SegmentWords(ordered, [len(w) for w in ordered])


def segment_words(reader) -> _SegmentWords:
    """Read when a worker warms up, so the first misspelt query does not pay for it."""
    return _SEGMENT_WORDS.get(reader, ("words",), _read_words)


def near(searcher: Searcher, word: str, edits: int) -> list[tuple[str, int]]:
    """Words of the searcher's segments within `edits` of `word`, nearest first."""
    found: dict[str, int] = {}
    for leaf, _offset in searcher.leaf_searchers():
        if leaf.reader().segment() is None:
            continue
        segment = segment_words(leaf.reader())
        lo = bisect_left(segment.lengths, len(word) - edits)
        hi = bisect_right(segment.lengths, len(word) + edits)
        for choice, distance, _index in process.extract(word, segment.words[lo:hi], scorer=OSA.distance,
                                                        score_cutoff=edits, limit=CANDIDATES):
            found[choice] = min(int(distance), found.get(choice, edits))
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


def live_documents(searcher: Searcher, word: str) -> int:
    """How many live cases hold the word (the lexicon keeps words of deleted ones until a merge)."""
    ids = ranking.postings(searcher, "spelling", word).ids
    return int(np.count_nonzero(ranking.live_mask(searcher)[ids])) if len(ids) else 0


def _commonness(word: str) -> float:
    return max(wordlists.zipf(word, lang) for lang in wordlists.LANGS)


def correct(searcher: Searcher, word: str) -> str | None:
    """The index's word nearest to one it does not know; None when the word needs no correction."""
    # The term dictionary says whether the index holds the word: no posting list to read.
    if len(word) < MIN_LENGTH or not word.isalpha() or ranking.doc_frequency(searcher, "spelling", word):
        return None
    typed = _commonness(word)
    # Nearest first, then the word most live cases hold, then the word the texts use most
    # (`groningen`, not the alias `groninga`).
    options = [(w, d, live_documents(searcher, w)) for w, d in near(searcher, word, max_edits(word)) if w != word]
    options = sorted((o for o in options if o[2]),
                     key=lambda o: (o[1], -o[2], -searcher.frequency("spelling", o[0]), o[0]))
    for candidate, _distance, _docs in options:
        if typed < wordlists.MIN_ZIPF or _commonness(candidate) - typed >= MISSPELLING_GAP:
            return candidate
    return None


def corrections(searcher: Searcher, words: list[str]) -> dict[str, str]:
    """word -> its correction, for the words that need one (at most MAX_WORDS are tried)."""
    fixed = {}
    for word in list(dict.fromkeys(words))[:MAX_WORDS]:
        better = correct(searcher, word)
        if better is not None:
            fixed[word] = better
    return fixed


def apply(text: str, fixed: dict[str, str], plain_spans: list[tuple[int, int]]) -> str:
    """The typed text with each corrected word replaced inside the plain-word spans the parser
    found; quoted phrases and filters (`city:groningn`) are kept as typed."""
    def replace(match: re.Match) -> str:
        folded = fold(match.group(0))
        return fixed.get(folded[0], match.group(0)) if len(folded) == 1 else match.group(0)
    out, pos = [], 0
    for start, end in plain_spans:
        out += [text[pos:start], _WORD_RE.sub(replace, text[start:end])]
        pos = end
    out.append(text[pos:])
    return "".join(out)


_WORD_RE = re.compile(r"\w+")
