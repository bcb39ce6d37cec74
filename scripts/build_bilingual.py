"""Build app/data/bilingual.tsv: general Dutch-English word pairs from FreeDict, for search.

    .venv/bin/python scripts/build_bilingual.py

Reads the FreeDict Dutch-English and English-Dutch dictionaries as Debian packages them
(`apt-get install dict-freedict-nld-eng dict-freedict-eng-nld`: dictd files, an index of
base64 offsets and lengths into a gzip-readable `.dict.dz`) and keeps only clear counterparts:

* single words, plus a few two-word English phrases that the English-Dutch side spells out
  (`kabelbaan`, `cable car`); the Dutch-English side lost the spaces of its phrases, so they
  are matched unspaced;
* found in both directions (Dutch-English lists the English word and English-Dutch lists the
  Dutch one), or else from one dictionary an entry of at most two senses and five usable
  translations, both words common and about as common as each other;
* no stop or function words of either language (whoosh's stop lists and a few more), no pairs
  that are one word once accents are folded, no word that is its own translation (`plan`,
  `water`: it already finds both languages), no proper nouns or abbreviations (capitals), no
  senses narrowed by a note in brackets (the only labels these dictionaries carry);
* no false friends: a word that is also a common word of the other language with another
  meaning (`kind`, `room`, `wet`);
* both words real and reasonably common in their language (wordfreq, app/search/wordlists.py);
* each word keeps its best three counterparts (both ways, common, about equally common); a word
  with more than ten candidates is ambiguous and left out; an inflected form the dictionary
  reads another way (`huizen`: dwell) is left to its base form (`huis`: house).

Only this script needs the Debian packages; the app reads the TSV it writes.
"""
from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.lang import stopwords_for_language

from app.search.bilingual import base_forms
from app.search.wordlists import zipf

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "app" / "data" / "bilingual.tsv"
DICTD = Path("/usr/share/dictd")
PACKAGES = {"nld-eng": "dict-freedict-nld-eng", "eng-nld": "dict-freedict-eng-nld"}
COMMAND = ".venv/bin/python scripts/build_bilingual.py"

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_SENSE = re.compile(r"^\d+\.\s+")
_WORD = re.compile(r"^[a-z]+$")

# Zipf frequency (wordfreq) a word needs in its own language: 2.0 is about once in 10 million
# words. A pair from one direction only needs more; so does a two-word English phrase.
MIN_ZIPF = {"nl": 2.0, "en": 2.3}
MIN_ZIPF_ONE_WAY = 3.0
MIN_ZIPF_PHRASE = 3.0
# A phrase with one of these is mostly a paraphrase (`make clean`, `little brother`, `old man`).
PHRASE_NOISE = frozenset({
    "make", "take", "get", "give", "hold", "run", "turn", "put", "go", "come", "set", "keep", "little",
    "small", "old", "young", "big", "poor", "white", "black", "man", "woman", "people", "thing", "part",
})
# A false friend: a word the other language's dictionary gives another meaning, if it is at
# least this common there and not much rarer than in its own; or, when that dictionary does not
# know it, one this common in the other language and not much rarer there.
FALSE_FRIEND_KNOWN_ZIPF = 3.0
FALSE_FRIEND_KNOWN_MARGIN = 0.8
FALSE_FRIEND_ZIPF = {"en": 3.3, "nl": 4.0}
FALSE_FRIEND_MARGIN = {"en": 1.5, "nl": 0.5}
MAX_TRANSLATIONS = 3
# A pair from one dictionary only: its word has at most this many usable counterparts there.
MAX_ONE_WAY_SIBLINGS = 5
# ... and the two words are about as common in their languages (`kroon` and `chandelier` are not).
MAX_ONE_WAY_ZIPF_GAP = 1.0
# More candidates than this (after every other rule) and a word is ambiguous: it is left out.
MAX_CANDIDATES = 10
# Ranking: a pair found both ways gains this (in Zipf units); a two-word phrase loses this.
BOTH_WAYS_BONUS = 0.75
PHRASE_PENALTY = 1.0
MIN_LENGTH = 3

# Function words beyond whoosh's stop lists: pronouns, articles, prepositions, conjunctions,
# auxiliaries, numerals and the commonest adverbs. They have counterparts, but not useful ones.
EXTRA_STOP = {
    "nl": """aangezien achter af alhoewel alleen alsof ander anders beide binnen boven buiten daarom
        daarna dan danwel dezelfde hetzelfde diens dier echter elk elke enige enkele evenals gene
        haar hare hen hier hierin hoewel hun ieder iedere jij jou jouw jullie langs mede mits
        naast nadat niemand noch ofschoon omhoog omlaag onze ook opdat sinds sommige tenzij terwijl
        tijdens toe totdat tussen vanaf vanwege via vooral voordat vrij waar waarom wanneer
        wij wiens welk welke weer wel zeer zodat zoals zulk zulke zullen één twee drie vier vijf zes
        zeven acht negen tien honderd duizend eerst eerste tweede derde jawel nee neen ongeveer
        bijna nooit soms vaak vandaag morgen gisteren hoe zowel mee per eigenlijk nou even toen
        daarmee daarvan daarbij waarbij waarin waarmee erg heel zeer steeds telkens ooit gewoon""",
    "en": """also although among amongst another anyone anything anywhere around away became become
        becomes behind beside besides beyond could either else enough ever every everyone everything
        everywhere hence however indeed instead less many may might much must neither never nobody
        none nothing nowhere often onto one ones perhaps quite rather shall since something
        sometimes somewhere still thus toward towards upon us whatever whenever whether whoever
        whose within without would yes yet two three four five six seven eight nine ten hundred
        thousand first second third almost always today tomorrow yesterday well per found got
        went made said done gone came took thing things way really actually""",
}


def fold_word(text: str) -> str:
    """Lower case, accents folded, `ĳ` as `ij`, spaces single: the form a query arrives in."""
    text = unicodedata.normalize("NFKD", text.replace("\u2010", "-"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(text.split())


def stop_words(lang: str) -> frozenset[str]:
    return frozenset(fold_word(w) for w in stopwords_for_language(lang)) | frozenset(EXTRA_STOP[lang].split())


@dataclass
class Entry:
    headword: str  # as printed, case kept
    senses: list[list[str]] = field(default_factory=list)

    @property
    def translations(self) -> list[str]:
        return list(dict.fromkeys(t for sense in self.senses for t in sense))


def _b64(text: str) -> int:
    number = 0
    for c in text:
        number = number * 64 + _B64[c]
    return number


def read_dictd(name: str) -> dict[str, list[Entry]]:
    """Folded headword -> its entries (a headword can have more than one)."""
    data = gzip.open(DICTD / f"freedict-{name}.dict.dz").read()
    entries: dict[str, list[Entry]] = defaultdict(list)
    for line in (DICTD / f"freedict-{name}.index").read_text(encoding="utf-8").splitlines():
        key, offset, length = line.split("\t")[:3]
        if key.startswith("00-database") or key.startswith("00database"):
            continue
        lines = data[_b64(offset):_b64(offset) + _b64(length)].decode("utf-8").splitlines()
        if not lines:
            continue
        headword = lines[0].split(" /", 1)[0].strip()
        entry = Entry(headword)
        for body in lines[1:]:
            body = _SENSE.sub("", body.strip())
            if body:
                entry.senses.append([t.strip() for t in body.split(",") if t.strip()])
        if entry.senses:
            entries[fold_word(headword)].append(entry)
    return entries


def package_version(package: str) -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def edition(name: str) -> str:
    with gzip.open(DICTD / f"freedict-{name}.dict.dz", "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("Edition:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def clean(term: str) -> str | None:
    """The folded form of a headword or translation, None when it is not plain enough to keep:
    a proper noun or abbreviation (capitals), a sense narrowed by a bracketed note, digits,
    hyphens, apostrophes or more than two words."""
    if term != term.lower() or any(c in term for c in "()[].'’/-\u2010&"):
        return None
    folded = fold_word(term)
    words = folded.split(" ")
    if len(words) > 2 or not all(_WORD.match(w) for w in words):
        return None
    return folded


class Builder:
    def __init__(self) -> None:
        self.nl_en = read_dictd("nld-eng")
        self.en_nl = read_dictd("eng-nld")
        self.stop = {lang: stop_words(lang) for lang in ("nl", "en")}
        # Both dictionaries, each read as word -> cleaned counterparts (None: an unclean one).
        self.forward = self._clean_side(self.nl_en)
        self.backward = self._clean_side(self.en_nl)
        # The English side of Dutch-English often lost its spaces (`cablecar`): match them unspaced.
        self.backward_unspaced = {k.replace(" ", ""): k for k in self.backward}
        self.rejected: dict[tuple[str, str], str] = {}
        self.cognates: set[str] = set()

    @staticmethod
    def _clean_side(entries: dict[str, list[Entry]]) -> dict[str, list[str | None]]:
        side: dict[str, list[str | None]] = {}
        for key, group in entries.items():
            plain = [e for e in group if clean(e.headword) is not None]
            if plain:
                side[key] = list(dict.fromkeys(clean(t) for e in plain for t in e.translations))
        return side

    def common(self, word: str, lang: str, floor: float) -> bool:
        return all(zipf(w, lang) >= floor for w in word.split(" "))

    def false_friend(self, word: str, lang: str) -> bool:
        """A word of `lang` that is also a common word of the other language, with another meaning:
        the other language's dictionary gives it other counterparts (`kind`: child, `wet`: law),
        or it is too common there to be a borrowing (the Dutch lists hold much English from
        subtitles, so an English word must be about as common in Dutch as in English)."""
        other = "en" if lang == "nl" else "nl"
        if " " in word:
            return False
        if word in self.stop[other]:
            return True
        own, there = zipf(word, lang), zipf(word, other)
        reverse = self.backward if lang == "nl" else self.forward
        if word in reverse:  # the other dictionary knows it: a cognate (`district`) or not (`wet`)
            return word not in reverse[word] and there >= FALSE_FRIEND_KNOWN_ZIPF and there >= own - FALSE_FRIEND_KNOWN_MARGIN
        return there >= FALSE_FRIEND_ZIPF[other] and there >= own - FALSE_FRIEND_MARGIN[other]

    def usable(self, word: str, lang: str) -> str | None:
        """Why a word cannot be one side of a pair, None when it can."""
        if any(w in self.stop[lang] for w in word.split(" ")):
            return "stop word"
        if len(word.replace(" ", "")) < MIN_LENGTH:
            return "too short"
        if " " in word and (lang == "nl" or not self.common(word, lang, MIN_ZIPF_PHRASE)
                            or set(word.split(" ")) & PHRASE_NOISE):
            return "phrase"
        if not self.common(word, lang, MIN_ZIPF[lang]):
            return "rare or unknown"
        if word in self.cognates:
            return "the same word in both languages"
        if self.false_friend(word, lang):
            return "false friend"
        return None

    def english(self, translation: str) -> str:
        """An English translation from Dutch-English, spaced as English-Dutch spells it."""
        return self.backward_unspaced.get(translation.replace(" ", ""), translation)

    def candidates(self) -> dict[tuple[str, str], str]:
        """(nl, en) -> how it was found: "both", "nl-en" or "en-nl"."""
        found: dict[tuple[str, str], str] = {}
        for nl, translations in self.forward.items():
            for en in translations:
                if en is not None:
                    en = self.english(en)
                    both = nl in (self.backward.get(en) or ())
                    found[(nl, en)] = "both" if both else "nl-en"
        for english, dutch in self.backward.items():
            for word in dutch:
                if word is not None and (word, english) not in found:
                    found[(word, english)] = "en-nl"
        return found

    def one_way_ok(self, nl: str, en: str, how: str, usable: dict[str, set[str]]) -> str | None:
        """Why a pair that only one dictionary gives is not strong enough, None when it is."""
        source = nl if how == "nl-en" else en
        entries = self.nl_en if how == "nl-en" else self.en_nl
        if len(usable[source]) > MAX_ONE_WAY_SIBLINGS or sum(len(e.senses) for e in entries[source]) > 2:
            return "one way, one of many"
        if not (self.common(nl, "nl", MIN_ZIPF_ONE_WAY) and self.common(en, "en", MIN_ZIPF_ONE_WAY)):
            return "one way, not common"
        if abs(self.commonness(nl, "nl") - self.commonness(en, "en")) > MAX_ONE_WAY_ZIPF_GAP:
            return "one way, unequally common"
        return None

    def pairs(self) -> list[tuple[str, str, str]]:
        """The kept (nl, en, how found) pairs, best first."""
        found = self.candidates()
        # `plan`, `water`, `park`: a word both dictionaries say is its own translation already
        # finds both languages; its other counterparts would only add noise.
        self.cognates = {nl for nl, en in found if nl == en}
        usable: dict[str, set[str]] = defaultdict(set)  # "source" word -> its usable counterparts
        plausible: list[tuple[str, str, str]] = []
        for (nl, en), how in sorted(found.items()):
            why: str | None = None
            if nl.replace(" ", "") == en.replace(" ", ""):
                why = "identical"
            else:
                why = self.usable(nl, "nl") or self.usable(en, "en")
            if why is None:
                plausible.append((nl, en, how))
                if how != "en-nl":
                    usable[nl].add(en)
                if how != "nl-en":
                    usable[en].add(nl)
            else:
                self.rejected[(nl, en)] = why
        kept: list[tuple[str, str, str]] = []
        for nl, en, how in plausible:
            why = None
            if how != "both":
                why = "one way, a phrase" if " " in en else self.one_way_ok(nl, en, how, usable)
            if why is None:
                kept.append((nl, en, how))
            else:
                self.rejected[(nl, en)] = why
        # A phrase only for a Dutch word with no one-word counterpart (`aardgas`: natural gas), not
        # as one more sense of a word that has them (`ster`: star, not heavenly body).
        has_word = {nl for nl, en, _ in kept if " " not in en}
        for nl, en, how in list(kept):
            if " " in en and nl in has_word:
                kept.remove((nl, en, how))
                self.rejected[(nl, en)] = "phrase where a word will do"
        return sorted(self.drop_misread_inflections(self.best_of(kept)), key=self.score, reverse=True)

    def best_of(self, kept: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """Each word keeps its best MAX_TRANSLATIONS counterparts (score); a pair stays when it is
        among the best of both of its words, and neither word has too many (ambiguous)."""
        ranked: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for pair in kept:
            ranked["nl:" + pair[0]].append(pair)
            ranked["en:" + pair[1]].append(pair)
        best: dict[str, set[tuple[str, str, str]]] = {}
        for key, group in ranked.items():
            group.sort(key=self.score, reverse=True)
            best[key] = set(group[:MAX_TRANSLATIONS])
        final = []
        for pair in kept:
            nl, en, _ = pair
            if len(ranked["nl:" + nl]) > MAX_CANDIDATES or len(ranked["en:" + en]) > MAX_CANDIDATES:
                self.rejected[(nl, en)] = "ambiguous"
            elif pair in best["nl:" + nl] and pair in best["en:" + en]:
                final.append(pair)
            else:
                self.rejected[(nl, en)] = "not among the best"
        return final

    def drop_misread_inflections(self, pairs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """`huizen` is the plural of `huis` (house) far more often than the verb (dwell) the
        dictionary gives it: an inflected form of a listed word keeps its own counterparts only
        when one of them is also the base form's (`werken`: work), and is otherwise found
        through its base form at search time (bilingual.base_forms)."""
        counterparts: dict[str, set[str]] = defaultdict(set)
        for nl, en, _ in pairs:
            counterparts["nl:" + nl].add(en)
            counterparts["en:" + en].add(nl)

        def related(a: str, b: str, lang: str) -> bool:
            return a == b or a in base_forms(b, lang) or b in base_forms(a, lang)

        misread = set()
        for key, others in counterparts.items():
            lang, word = key.split(":", 1)
            other = "en" if lang == "nl" else "nl"
            for base in base_forms(word, lang):
                theirs = counterparts.get(f"{lang}:{base}")
                if theirs:
                    # Only when the base form is the commoner word: `komen` is not `kom` (bowl).
                    if zipf(base, lang) > zipf(word, lang) and not any(
                            related(a, b, other) for a in others for b in theirs):
                        misread.add(key)
                    break
        kept = []
        for nl, en, how in pairs:
            if "nl:" + nl in misread or "en:" + en in misread:
                self.rejected[(nl, en)] = "inflected form, translated otherwise"
            else:
                kept.append((nl, en, how))
        return kept

    @staticmethod
    def commonness(term: str, lang: str) -> float:
        """A phrase is as common as its rarer word, less a penalty."""
        words = term.split(" ")
        return min(zipf(w, lang) for w in words) - PHRASE_PENALTY * (len(words) - 1)

    def score(self, pair: tuple[str, str, str]) -> tuple[float, str, str]:
        """How good a pair is: found both ways, common, and about as common in both languages
        (a word and its translation are used about as often; `droef` and `mallet` are not)."""
        nl, en, how = pair
        a, b = self.commonness(nl, "nl"), self.commonness(en, "en")
        return (round(BOTH_WAYS_BONUS * (how == "both") + (a + b) / 2 - abs(a - b), 2), nl, en)


def header() -> list[str]:
    versions = {name: package_version(pkg) for name, pkg in PACKAGES.items()}
    return [
        "# Casebook general bilingual word list (Dutch <TAB> English): lower case, accents folded.",
        "# The fallback after the domain thesaurus (thesaurus.tsv): clear word-for-word counterparts only.",
        "#",
        f"# Source: FreeDict Dutch-English (nld-eng) edition {edition('nld-eng')} and English-Dutch (eng-nld)"
        f" edition {edition('eng-nld')},",
        f"# from the Debian packages dict-freedict-nld-eng {versions['nld-eng']} and dict-freedict-eng-nld"
        f" {versions['eng-nld']};",
        "# FreeDict, https://freedict.org/ (the dictionaries were generated from Ergane).",
        "# Licence, as the packages' copyright file says for both dictionaries:",
        "#   Files: nld-eng/*   Copyright: 2000-2022 FreeDict contributors   License: GPL-2+",
        "#   Files: eng-nld/*   Copyright: 2000-2022 FreeDict contributors   License: GPL-2+",
        "#   This program is free software: you can redistribute it and/or",
        "#   modify it under the terms of the GNU General Public License as",
        "#   published by the Free Software Foundation, either version 2 of",
        "#   the License, or (at your option) any later version.",
        "# This file is a selection from those dictionaries and is under the same licence (GPL-2+).",
        "#",
        "# Regenerate (after `apt-get install dict-freedict-nld-eng dict-freedict-eng-nld`):",
        f"#   {COMMAND}",
        "# Order: best first (found in both dictionaries, common, about as common in both languages):",
        "# a word's counterparts are read in file order.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--explain", nargs="*", default=[], help="why these words' pairs were kept or dropped")
    parser.add_argument("--rejected", help="print a sample of the pairs dropped for this reason")
    args = parser.parse_args(argv)
    if not (DICTD / "freedict-nld-eng.index").exists():
        sys.exit("FreeDict not found: apt-get install dict-freedict-nld-eng dict-freedict-eng-nld")

    builder = Builder()
    pairs = builder.pairs()
    for word in args.explain:
        word = fold_word(word)
        for nl, en, how in pairs:
            if word in (nl, en):
                print(f"kept     {nl}\t{en}\t({how})")
        for (nl, en), why in builder.rejected.items():
            if word in (nl, en):
                print(f"dropped  {nl}\t{en}\t({why})")
    if args.rejected:
        import random
        dropped = [p for p, why in builder.rejected.items() if why == args.rejected]
        for nl, en in random.Random(1).sample(dropped, min(40, len(dropped))):
            print(f"{nl}\t{en}")
    if args.explain or args.rejected:
        return 0

    lines = header() + [f"{nl}\t{en}" for nl, en, _ in pairs]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reasons: dict[str, int] = defaultdict(int)
    for why in builder.rejected.values():
        reasons[why] += 1
    both = sum(1 for p in pairs if p[2] == "both")
    print(f"{len(pairs)} pairs ({both} from both dictionaries) -> {args.output}")
    for why, n in sorted(reasons.items(), key=lambda r: -r[1]):
        print(f"  dropped {n:6d}  {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
