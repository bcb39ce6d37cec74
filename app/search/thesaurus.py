"""The bilingual domain thesaurus: `waterplein` finds `water square` and back."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from whoosh.lang import stemmer_for_language

from .schema import folding_analyzer

THESAURUS_FILE = Path(__file__).resolve().parent.parent / "data" / "thesaurus.tsv"
# Abbreviations of the field and what they stand for: pairs like the thesaurus's, so `NBS` and
# "nature-based solutions" find each other (and the Dutch term, through the thesaurus).
ABBREVIATIONS_FILE = THESAURUS_FILE.with_name("abbreviations.tsv")
_STEMMERS = [stemmer_for_language("nl"), stemmer_for_language("en")]

Phrase = tuple[str, ...]


def fold(text: str) -> Phrase:
    return tuple(t.text for t in folding_analyzer()(text))


def word_keys(word: str) -> frozenset[str]:
    """A word and its Dutch and English stems: `warmtenetten` meets `warmtenet`."""
    return frozenset([word] + [stem(word) for stem in _STEMMERS])


class Thesaurus:
    def __init__(self, pairs: list[tuple[str, str]]):
        neighbours: dict[Phrase, set[Phrase]] = {}
        for nl, en in pairs:
            a, b = fold(nl), fold(en)
            if a and b and a != b:
                neighbours.setdefault(a, set()).add(b)
                neighbours.setdefault(b, set()).add(a)
        # Two steps: `warmtenet` -> `district heating` -> `stadsverwarming`.
        self.equivalents = {
            term: sorted({n2 for n in near for n2 in neighbours[n] | {n}} - {term})
            for term, near in neighbours.items()
        }
        self._keys = {term: [word_keys(w) for w in term] for term in self.equivalents}
        # Candidates by any key of their first word, so a lookup never scans the whole list.
        self._by_first: dict[str, list[Phrase]] = {}
        for term, keys in self._keys.items():
            for key in keys[0]:
                self._by_first.setdefault(key, []).append(term)
        self.longest = max((len(t) for t in self.equivalents), default=1)

    def lookup(self, words: Phrase) -> list[Phrase]:
        """The equivalents of exactly these words, [] when the thesaurus does not know them."""
        if words in self.equivalents:
            return self.equivalents[words]
        keys = [word_keys(w) for w in words]
        candidates = {term for key in keys[0] for term in self._by_first.get(key, ())}
        for term in sorted(candidates):
            term_keys = self._keys[term]
            if len(term_keys) == len(keys) and all(a & b for a, b in zip(keys, term_keys)):
                return self.equivalents[term]
        return []

    def expand(self, words: Phrase) -> list[list[Phrase]]:
        """Split plain words into units, longest thesaurus matches first.

        Each unit lists its alternatives: the words as typed, then their equivalents.
        """
        units, i = [], 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                chunk = words[i:i + size]
                equivalents = self.lookup(chunk)
                if equivalents or size == 1:
                    units.append([chunk, *equivalents])
                    i += size
                    break
        return units

    def __len__(self) -> int:
        return sum(len(v) for v in self.equivalents.values()) // 2


def read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            nl, _, en = line.partition("\t")
            pairs.append((nl.strip(), en.strip()))
    return pairs


@cache
def default() -> Thesaurus:
    return Thesaurus(read_pairs(THESAURUS_FILE) + read_pairs(ABBREVIATIONS_FILE))
