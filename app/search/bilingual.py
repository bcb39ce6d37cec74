"""General Dutch-English word pairs: `bewoners` finds `residents` when the thesaurus is silent.

The domain thesaurus (thesaurus.py) knows the field's terms; this is the broader fallback for
everyday words, built from the FreeDict dictionaries by scripts/build_bilingual.py (the source
and its licence, GPL-2+, head app/data/bilingual.tsv). Only clear counterparts are in the list;
a match through it is the other language, so search ranks it below the words as typed.
"""
from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from whoosh.lang import stopwords_for_language

from .wordlists import fold_accents

BILINGUAL_FILE = Path(__file__).resolve().parent.parent / "data" / "bilingual.tsv"
MIN_BASE = 3  # a base form shorter than this is never tried (`gas` is not `ga` + s)
LANGS = ("nl", "en")
# Plural and adjective endings and what the base form ends in instead, longest first.
_ENDINGS = {
    "nl": (("zen", "s"), ("ven", "f"), ("'s", ""), ("en", ""), ("s", ""), ("e", "")),
    "en": (("ies", "y"), ("es", ""), ("s", "")),
}
_VOWELS = "aeiou"


def _key(word: str) -> str:
    """The form a query word arrives in (thesaurus.fold): lower case, accents folded."""
    return fold_accents(word.strip().lower())


def base_forms(word: str, lang: str) -> list[str]:
    """The forms an inflected word of `lang` may come from, most likely first: `bewoners` ->
    `bewoner`, `straten` -> `straat`, `bussen` -> `bus`, `huizen` -> `huis`, `cities` -> `city`."""
    forms = []
    for ending, base_end in _ENDINGS[lang]:
        if not word.endswith(ending):
            continue
        base = word[: len(word) - len(ending)] + base_end
        if lang == "nl" and ending in ("en", "e") and len(base) >= 3:
            if base[-1] == base[-2] and base[-1] not in _VOWELS:
                if not (ending == "e" and base[-1] in "td"):  # `kostte` is a past tense
                    forms.append(base[:-1])  # a short vowel's doubled consonant: `bussen`, `dikke`
            elif base[-2] in "aeou" and base[-1] not in _VOWELS and base[-3] not in _VOWELS:
                forms.append(base[:-1] + base[-2:])  # an open syllable's long vowel: `straten`, `grote`
        forms.append(base)
    return [f for f in dict.fromkeys(forms) if len(f) >= MIN_BASE and f != word]


@cache
def _stop_words() -> frozenset[str]:
    return frozenset(_key(w) for lang in LANGS for w in stopwords_for_language(lang))


@cache
def _tables() -> dict[str, dict[str, tuple[str, ...]]]:
    """Per language, word -> its counterparts in the other language, best first (the file lists
    the best pairs first)."""
    tables: dict[str, dict[str, list[str]]] = {lang: {} for lang in LANGS}
    for line in BILINGUAL_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        nl, _, en = line.partition("\t")
        nl, en = _key(nl), _key(en)
        if nl and en and nl != en:
            nl, en = sys.intern(nl), sys.intern(en)
            tables["nl"].setdefault(nl, []).append(en)
            tables["en"].setdefault(en, []).append(nl)
    return {lang: {w: tuple(others) for w, others in table.items()} for lang, table in tables.items()}


def translations(word: str) -> list[str]:
    """The counterparts of a lower-case, accent-folded word in the other language, best first;
    [] when the list has none (and for stop words). A word not in the list is tried as an
    inflected form of one that is (`bewoners` as `bewoner`): the counterparts are then the base
    form's (`resident`), which the other language's stemming analyzer matches in every form."""
    return [other for other, _lang in counterparts(word)]


def counterparts(word: str) -> list[tuple[str, str]]:
    """Like translations(), each with the language it is in ("en" for a Dutch word's)."""
    key = _key(word)
    if key in _stop_words():
        return []
    tables = _tables()
    found = [(other, _other(lang)) for lang in LANGS for other in tables[lang].get(key, ())]
    if not found:
        for lang in LANGS:
            base = next((b for b in base_forms(key, lang) if b in tables[lang]), None)
            if base is not None:
                found = [(other, _other(lang)) for other in tables[lang][base]]
                break
    return list(dict.fromkeys(found))


def _other(lang: str) -> str:
    return LANGS[1 - LANGS.index(lang)]


def pair_count() -> int:
    """How many pairs the list holds."""
    return sum(len(others) for others in _tables()["nl"].values())
