"""From the words a member typed to what the index is asked, one small step at a time.

    normalise (syntax.parse: case, accents; the thesaurus and abbreviations)
    -> drop stop words and question words (both languages)
    -> join and split compounds (`zonne panelen` / `zonnepanelen`)
    -> other forms of words the index does not hold (`fietst`: `fietsen`)
    -> translate words the thesaurus does not know (the bilingual word list)

Words the index does not know are corrected in a second pass (spelling.py), on the typed text.
Each step only adds alternatives to a unit or removes a unit that carries no meaning; which
alternatives the index can answer is for querying.py, so nothing here reads a document.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from . import bilingual, compounds, thesaurus, wordlists
from .syntax import EQUIVALENT_WEIGHT, Unit
from .thesaurus import fold

QUESTION_WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "question-words.txt"
# How much a match counts next to one of the words as typed (1.0): parts of a compound are the
# same words written apart; a dictionary translation is the other language, so it ranks below.
COMPOUND_WEIGHT = 0.9
TRANSLATION_WEIGHT = 0.6
MAX_TRANSLATIONS = 3
JOINS = ("", "s", "e")  # `stads verwarming` is `stadsverwarming`, `zonne panelen` `zonnepanelen`
FORM_WEIGHT = 0.9
# Dutch diminutives, longest first: the stemmer keeps `steegjes` apart from `steeg`.
DIMINUTIVES = ("etjes", "etje", "tjes", "pjes", "tje", "pje", "jes", "je")
MAX_FORMS = 3
_VOWELS = "aeiou"


@cache
def question_words() -> frozenset[str]:
    lines = QUESTION_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if (w := line.strip()) and not w.startswith("#"))


def _single_word(unit: Unit) -> str | None:
    """The word of a unit of one plain word, None for phrases and quoted text."""
    return unit.typed[0] if len(unit.typed) == 1 and not unit.quoted else None


def drop_question_words(units: list[Unit]) -> list[Unit]:
    """`what went wrong in Groningen`: `went` need not match (stop words the analyzers drop).
    A search of question words alone keeps them: they are then what it is about."""
    kept = [u for u in units if _single_word(u) not in question_words()]
    return kept or units


def join_compounds(units: list[Unit], known: Callable[[str], bool]) -> list[Unit]:
    """Two neighbouring words the index (or the thesaurus) knows as one word become one unit:
    `regenwater opvang` finds `regenwateropvang`, and still the two words apart, a little below."""
    joined: list[Unit] = []
    i = 0
    while i < len(units):
        first = _single_word(units[i])
        second = _single_word(units[i + 1]) if i + 1 < len(units) else None
        if first and second:
            # Known to the index, or to the thesaurus (`water plein`: `waterplein`, `water square`).
            word = next((first + link + second for link in JOINS
                         if known(first + link + second) or thesaurus.default().lookup((first + link + second,))),
                        None)
            if word is not None:
                # The compound is what was meant (`water plein`: `waterplein`); the two words still
                # match apart too, a little below it.
                unit = Unit(typed=(word,))
                unit.add((first, second), COMPOUND_WEIGHT, loose=True)
                for other in thesaurus.default().lookup((word,)):
                    unit.add(other, EQUIVALENT_WEIGHT, expansion=True)
                    unit.thesaurus = True
                joined.append(unit)
                i += 2
                continue
        joined.append(units[i])
        i += 1
    return joined


def split_compounds(units: list[Unit]) -> list[Unit]:
    """A compound also finds its parts written apart: `zonnepanelen` finds `zonne panelen`."""
    for unit in units:
        word = _single_word(unit)
        parts = compounds.split(word) if word else None
        if parts:
            unit.add(parts, COMPOUND_WEIGHT, loose=True)
    return units


def word_forms(word: str) -> list[str]:
    """Other forms a word may take: verb forms the stemmers leave apart (`fietst`, `fietsen`:
    Dutch Snowball stems them differently), plurals and inflected adjectives, most likely first."""
    forms: list[str] = []
    if not word.isalpha():
        return forms
    for ending in DIMINUTIVES:  # `steegjes` -> `steeg`, `balletje` -> `bal`
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 3:
            if ending.startswith("e") and base[-1] == base[-2]:
                base = base[:-1]
            forms.append(base)
            break
    if word.endswith("t") and len(word) > 4:
        forms.append(word[:-1])  # `hij fietst` -> `fiets`
    for base in [*forms, word]:
        if base[-1] not in _VOWELS and not base.endswith("en"):
            if len(base) > 2 and base[-2] in _VOWELS and base[-3] not in _VOWELS and base[-3:-1] not in ("ee", "oo"):
                forms.append(base + base[-1] + "en")  # `betrek` -> `betrekken`
            else:
                forms.append(base + "en")  # `fiets` -> `fietsen`
    for lang in ("nl", "en"):
        forms.extend(bilingual.base_forms(word, lang))  # `drijvende` -> `drijvend`, `cities` -> `city`
    return [f for f in dict.fromkeys(forms) if f != word and len(f) >= 3]


def other_forms(units: list[Unit], known: Callable[[str], bool]) -> list[Unit]:
    """A word no case holds in this form also finds the forms cases do hold (`fietst`: `fietsen`)."""
    for unit in units:
        word = _single_word(unit)
        if word and not known(word):
            for form in [f for f in word_forms(word) if known(f)][:MAX_FORMS]:
                unit.add((form,), FORM_WEIGHT)
    return units


def translate(units: list[Unit]) -> list[Unit]:
    """A word with no thesaurus entry also finds its counterparts in the other language."""
    for unit in units:
        word = _single_word(unit)
        if word and not unit.thesaurus:
            found = bilingual.counterparts(word) or next(
                (t for t in map(bilingual.counterparts, word_forms(word)) if t), [])
            for other, language in found[:MAX_TRANSLATIONS]:
                unit.add(fold(other), TRANSLATION_WEIGHT, language=language, expansion=True)
    return units


def understand(units: list[Unit], known: Callable[[str], bool]) -> list[Unit]:
    """Every step in order. `known(word)`: does the asking audience's index hold this word."""
    units = drop_question_words(units)
    units = join_compounds(units, known)
    units = split_compounds(units)
    units = other_forms(units, known)
    return translate(units)


def load() -> None:
    """Read every word list now (a worker's warm-up), not in the first search or change that needs them."""
    wordlists.warm()
    thesaurus.default()
    question_words()
    bilingual.pair_count()
