"""The words of Dutch and English: is a word a real word, and how common is it.

The one owner of `wordfreq`'s data (Apache-2.0 code; its word lists are CC-BY-SA 4.0, built from
Wikipedia, subtitles, news, books and the web). Spelling correction asks it whether a word is
a correct word of either language (those are never "corrected"); decompounding asks it which
parts a Dutch compound is made of.
"""
from __future__ import annotations

import gzip
import importlib.util
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import msgpack

LANGS = ("nl", "en")
# Zipf 1.5 is about once in 30 million words: rarer entries are mostly noise and misspellings.
MIN_ZIPF = 1.5
_lock = threading.Lock()
_zipf: dict[str, dict[str, float]] = {}


def _buckets(lang: str) -> Iterator[list[str]]:
    """wordfreq's own list of a language: buckets of words a centibel apart, commonest first.

    Read from the package's data file ("cBpack": gzipped msgpack, a header then the buckets), as
    wordfreq.read_cBpack does, one bucket at a time: the rare words at its end are never decoded,
    and wordfreq's own imports (langcodes, ftfy, regex) are not needed."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordfreq package is not installed (pip install -e .)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"large_{lang}.msgpack.gz"
    with gzip.open(path, "rb") as stream:
        unpacker = msgpack.Unpacker(stream, raw=False)
        count = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
            raise ValueError(f"{path}: not a word list wordfreq's way (header {header!r})")
        for _ in range(count - 1):
            yield unpacker.unpack()


def _table(lang: str) -> dict[str, float]:
    """word -> Zipf frequency, loaded once per process (a tenth of a second; about 15 MB a language)."""
    table = _zipf.get(lang)
    if table is None:
        with _lock:
            table = _zipf.get(lang)
            if table is None:
                table = {}
                for i, bucket in enumerate(_buckets(lang)):
                    frequency = round((900 - i) / 100, 2)  # i centibels below 1: Zipf 9 - i / 100
                    if frequency < MIN_ZIPF:
                        break
                    # The first (commonest) frequency of a word wins. Queries arrive accent-folded:
                    # `cooperatie` is `coöperatie`.
                    for word in bucket:
                        table.setdefault(word if word.isascii() else fold_accents(word), frequency)
                _zipf[lang] = table
    return table


def fold_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def zipf(word: str, lang: str) -> float:
    """How common a lower-case, accent-folded word is in one language: 0 (unknown) to about 7 (`de`, `the`)."""
    return _table(lang).get(word if word.isascii() else fold_accents(word), 0.0)


def warm() -> None:
    """Load both lists now (a worker's warm-up), not in the first search that needs them."""
    for lang in LANGS:
        _table(lang)
