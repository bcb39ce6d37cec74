"""The words of Dutch and English: is a word a real word, and how common is it.

The one owner of `wordfreq` (Apache-2.0 code; its word lists are CC-BY-SA 4.0, built from
Wikipedia, subtitles, news, books and the web). Spelling correction asks it whether a word is
a correct word of either language (those are never "corrected"); decompounding asks it which
parts a Dutch compound is made of.
"""
from __future__ import annotations

import threading
import unicodedata

import wordfreq

LANGS = ("nl", "en")
# Zipf 1.5 is about once in 30 million words: rarer entries are mostly noise and misspellings.
MIN_ZIPF = 1.5
_lock = threading.Lock()
_zipf: dict[str, dict[str, float]] = {}


def _table(lang: str) -> dict[str, float]:
    """word -> Zipf frequency, loaded once per process (a tenth of a second; about 25 MB a language)."""
    table = _zipf.get(lang)
    if table is None:
        with _lock:
            table = _zipf.get(lang)
            if table is None:
                table = {}
                # wordfreq's own list: buckets of words a hundredth of a Zipf unit apart, commonest first.
                for i, bucket in enumerate(wordfreq.get_frequency_list(lang, wordlist="large")):
                    frequency = round((900 - i) / 100, 2)
                    if frequency < MIN_ZIPF:
                        break
                    # The first (commonest) frequency of a word wins. Queries arrive accent-folded:
                    # `cooperatie` is `coöperatie`.
                    for word in bucket:
                        table.setdefault(word if word.isascii() else fold_accents(word), frequency)
                _zipf[lang] = table
                # wordfreq keeps its raw lists too: only our table is needed from now on.
                for cached in (wordfreq.get_frequency_list, wordfreq.get_frequency_dict):
                    getattr(cached, "cache_clear", lambda: None)()
    return table


def fold_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def zipf(word: str, lang: str) -> float:
    """How common a lower-case, accent-folded word is in one language: 0 (unknown) to about 7 (`de`, `the`)."""
    return _table(lang).get(word if word.isascii() else fold_accents(word), 0.0)


def is_word(word: str, min_zipf: float = MIN_ZIPF) -> bool:
    """A word of Dutch or English (lower case, accent-folded)."""
    return any(zipf(word, lang) >= min_zipf for lang in LANGS)


def warm() -> None:
    """Load both lists now (a worker's warm-up), not in the first search that needs them."""
    for lang in LANGS:
        _table(lang)
