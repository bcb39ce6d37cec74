"""Decompounding: `zonnepanelen` also finds `zonne panelen`, `watersquare` finds `water square`.

A Koehn & Knight-style search over split points, on the real word lists (wordlists.py): every
way to cut the word into a modifier and a head whose parts are common words of one language,
the head cut again when that is the only way, and the cut whose parts are most common (the
geometric mean of their frequencies, the mean of their Zipf values) wins.

- Dutch modifiers may carry a linking morpheme: `stad-s-verwarming`, `zonn-e-panelen`,
  `huiz-en-bouw`. A linking `s` is dropped (`stad verwarming`): the Snowball stemmer of the
  index drops it anyway (`stads` and `stad` are both `stad`), and `stad` is the word the other
  steps (thesaurus, spelling) know. A linking `e`/`en` is kept (`zonne panelen`, `huizen
  bouw`): the stemmer does not undo it (`zonne` -> `zonn`, `zon` -> `zon`), and it is how the
  part is written apart (`zonne- en windenergie`, `bouw van huizen`).
- Parts are at least 3 letters and common words (HEAD_ZIPF, MODIFIER_ZIPF: short ones need more,
  as 3-letter entries of a web word list are half abbreviations and names), never function words.
- Not compound parts: prefixes and separable particles as modifiers (`ver|warming`,
  `samen|werking`, `over|heid`) and derivational suffixes as heads (`betrokken|heid`,
  `moge|lijk`, `neighbour|hood`, `sustain|able`).
- A Dutch word splits even when it is a common word itself (`zonnepanelen`, Zipf 4.2): the point
  is to find the documents that wrote it apart; only the most common words (LEXICALISED_ZIPF)
  stay whole. An English word splits only when it is not an
  English word (`greenroofs`), since English writes its compounds apart already and a closed
  English word (`waterfront`, `stakeholders`) is written closed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh.lang import stopwords_for_language

from . import wordlists

Parts = tuple[str, ...]

MIN_WORD = 7  # shorter words are never split: `zonnen`, `wegen`
MIN_PART = 3
MAX_PARTS = 3
# Zipf floors of a part (6 is once in a thousand words, 3 once in a million), by length. Heads
# are whole words, and a domain head can be rare in general text (`adaptatie` 2.6, `corporatie`
# 3.1). Modifiers are cut from the front, where a web word list holds truncated stems and
# abbreviations (`nederl` 2.6, `schilde` 2.8, `voorwaar` 2.9), so they need more; and 3-letter
# entries are half names and abbreviations (`okt`, `ove`), so they must be everyday words.
HEAD_ZIPF = {3: 4.0, 5: 3.0}, 2.5
MODIFIER_ZIPF = {3: 4.0, 5: 3.5}, 2.5
# A 4-letter head starting with a vowel must be an everyday word (`auto` 5.5, not `oren` 4.4).
SHORT_VOWEL_HEAD_ZIPF = 4.5
# A part much more common in English than in Dutch is an English word in the Dutch list, not a
# Dutch part (`get|rokken`, `red|actie`, `pre|statie`); loanwords are close (`stress`, `gas`).
ENGLISH_MARGIN = 0.5
# A Dutch word this common (30 in a million words) is written closed: lexicalised compounds
# (`ziekenhuis`, `hoofdstad`) and the common words that cut into chance words (`kinder|en`,
# `alle|maal`). Domain compounds are rarer (`zonnepanelen` 4.2, `gemeenteraad` 4.4).
LEXICALISED_ZIPF = 4.5
# A word at least this common in English and more common there than in Dutch is English: it is
# not cut into Dutch parts (`background`, `neighbourhood`).
ENGLISH_ZIPF = 3.0
# An English word at least this common is written closed on purpose and not cut into English
# parts (`stormwater` 2.7 is cut, as documents also write `storm water`; `waterfront` 3.6 is
# not), nor is a Dutch word this common (`bewoners` is no `be|woners`).
ENGLISH_CLOSED_ZIPF = 3.0



def _words(text: str) -> frozenset[str]:
    """The words of a space-separated list."""
    return frozenset(text.split())


# Prefixes and separable particles: a word that is one and a word is a derivation (`ver|warming`,
# `aan|besteding`, `samen|werking`, `in|geschreven`), not a compound, and is not cut at all:
# its other cuts are chance (`verwar|ming`, `acht|erge|laten`). Learned prefixes too (`pro|motie`).
PREFIXES = {
    "nl": _words("""
        aan achter af aller anti be bij door er ge her in inter mee mini mis na neer om on onder
        ont oor op over pre pro rond samen te tegen tele terug toe tussen uit ver vol voor weder weer
        """),
    "en": _words("""
        after any every fore for here how inter non off out over some there under what when where
        with
        """),
}
# Function words are never parts (`waar|bij`, `hoe|veel`, `ieder|een`), nor are the pronominal
# adverbs (`daar|mee`, `hier|door`).
FUNCTION_WORDS = frozenset(stopwords_for_language("nl")) | frozenset(stopwords_for_language("en")) | _words(
    "daar hier waar ergens nergens overal ach den des per ten ter via")
_INFLECTION = re.compile(r"[^aeiouy]{1,3}(en|ing|ingen|er|ers|ende)")
# Derivational suffixes that happen to be words (`heid` heath, `lijk` corpse, `hood`, `able`):
# as the last part they make a derivation (`betrokken|heid`, `moge|lijk`), not a compound.
NOT_HEADS = {
    "nl": _words("""
        aard achtig achtige baar bare dom elijk elijke heden heid ing ingen isch ische lijk lijke
        lijker lijken lijkheid ling lingen loos loze matig matige nis nissen rij rijen rijk rijke
        schap schappen sel ster sters tje tjes waardig waardige wijs zaam zame
        """),
    "en": _words("""
        ability able ably dom ful hood hoods ible ing ings ism ist less like ling ment ments ness
        ship ships some ward wards wise
        """),
}


def _common(part: str, lang: str, floors: tuple[dict[int, float], float]) -> float:
    """The part's Zipf frequency when it is common enough to be a part, else 0."""
    z = wordlists.zipf(part, lang)
    by_length, floor = floors
    floor = next((f for n, f in sorted(by_length.items()) if len(part) <= n), floor)
    if z < floor or (lang == "nl" and wordlists.zipf(part, "en") > z + ENGLISH_MARGIN):
        return 0.0
    return z


def _undouble(stem: str) -> str:
    """`zonn` -> `zon`: the stem before a doubled consonant and a linking `e`."""
    return stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "aeiou" else stem


def _modifier(text: str, lang: str) -> tuple[str, float] | None:
    """The first part as written apart and its Zipf value, linking morpheme handled; None if no word."""
    if text in PREFIXES[lang]:
        return None
    candidates = [(text, _common(text, lang, MODIFIER_ZIPF))]
    if lang == "nl":
        if text.endswith("s") and len(text) > MIN_PART:
            candidates.append((text[:-1], _common(text[:-1], lang, MODIFIER_ZIPF)))  # stad-s-verwarming
        if text.endswith("e") and _common(_undouble(text[:-1]), lang, MODIFIER_ZIPF):
            # zonn-e-panelen: `zon` is a word and `zonnen` its plural (not `verdie`, `verdien`)
            candidates.append((text, _common(text + "n", lang, MODIFIER_ZIPF)))
    word, z = max(((w, z) for w, z in candidates if w not in PREFIXES[lang] and w not in FUNCTION_WORDS),
                  key=lambda c: c[1], default=("", 0.0))
    return (word, z) if z else None


def _ending(head: str, lang: str) -> bool:
    """A head more likely the end of a word than a word: short and starting with a vowel (`kind|eren`,
    `spel|ers`, `cult|uur`, `kant|oren`; true ones are longer or everyday words: `opvang`, `afval`,
    `auto`), or consonants and an inflection (`druk|ken`, `verwar|ring`, `wetenschap|pers`)."""
    if head[0] == "e":
        return len(head) < 6
    if head[0] in "aiouy" and len(head) < 5:
        return len(head) < 4 or wordlists.zipf(head, lang) < SHORT_VOWEL_HEAD_ZIPF
    return bool(_INFLECTION.fullmatch(head))


@lru_cache(maxsize=65536)
def _best(word: str, lang: str, max_parts: int) -> tuple[Parts, float] | None:
    """The best cut of `word` into 2..max_parts parts of `lang` and its mean Zipf value."""
    if any(word[:i] in PREFIXES[lang] and wordlists.zipf(word[i:], lang) for i in range(2, len(word) - 2)):
        return None  # ver|warming, aan|besteding: a derivation
    best: tuple[Parts, float] | None = None
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        modifier = _modifier(word[:i], lang)
        if modifier is None:
            continue
        head = word[i:]
        if head in NOT_HEADS[lang] or head in FUNCTION_WORDS or _ending(head, lang):
            continue
        head_z = _common(head, lang, HEAD_ZIPF)
        parts: Parts
        if head_z:
            parts, score = (modifier[0], head), (modifier[1] + head_z) / 2
        elif max_parts > 2 and len(head) >= 2 * MIN_PART and (rest := _best(head, lang, max_parts - 1)):
            parts = (modifier[0], *rest[0])
            score = (modifier[1] + rest[1] * len(rest[0])) / len(parts)
        else:
            continue
        # Fewer parts first (three only when two will not do), then the most common parts.
        if best is None or (len(parts), -score) < (len(best[0]), -best[1]):
            best = parts, score
    return best


@lru_cache(maxsize=65536)
def split(word: str) -> Parts | None:
    """The parts of a compound as folded words written apart, None when `word` is no compound."""
    if len(word) < MIN_WORD or not word.isalpha():
        return None
    nl, en = wordlists.zipf(word, "nl"), wordlists.zipf(word, "en")
    found = []
    if nl < LEXICALISED_ZIPF and not (en >= ENGLISH_ZIPF and en > nl):
        found.append(_best(word, "nl", MAX_PARTS))
    if en < ENGLISH_CLOSED_ZIPF and nl < ENGLISH_CLOSED_ZIPF:
        found.append(_best(word, "en", MAX_PARTS))
    results = [f for f in found if f is not None]
    if not results:
        return None
    return min(results, key=lambda r: (len(r[0]), -r[1]))[0]
