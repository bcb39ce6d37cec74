"""Fields, analyzers and weights of both indexes."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from whoosh import fields, formats
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from . import compounds

LANGUAGES = ("nl", "en")
# Field weights: title, then summary, then lessons, then body (DESIGN.md). `all` holds every
# word of the case (body included): matching runs on it alone, the others add to the score.
TEXT_WEIGHTS = {"title": 5.0, "summary": 3.0, "lessons": 2.0, "all": 1.0}
FACETS = ("theme", "city", "country", "lesson", "language", "status", "guide")
_STEMMER_LANG = {"nl": "dutch", "en": "english"}
# Raised whenever the fields or their analysis change: an index of another format is rebuilt.
INDEX_FORMAT = 7
# The most frequent words of a case's own text, kept with it for "related cases".
KEY_CANDIDATES = 60
PAIR_SEPARATOR = " "


def folding_analyzer():
    """Lowercase and accent-folded words: `coöperatie` and `cooperatie` are one word."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


class CompoundParts(Filter):
    """Indexes a Dutch compound's parts beside it, at its position: `oesterzwammen` is also
    found by `zwammen` and `oester`, and `opvang regenwater` finds `regenwateropvang`.
    Only when indexing: a query's compounds are split by the query steps (understanding.py)."""

    def __call__(self, tokens):
        for token in tokens:
            # Read before yielding: the filters after this one change the token in place.
            text = token.text
            parts = compounds.split(text) if token.mode == "index" and len(text) >= compounds.MIN_WORD else None
            yield token
            if parts:
                copy = token.copy()  # the same position: phrases across the compound still hold
                for part in parts:
                    copy.text = part
                    yield copy


def language_analyzer(lang: str, parts: bool = True):
    """Folded, stop words dropped, stemmed; Dutch compounds also as their parts (`parts`)."""
    fold = folding_analyzer()
    stop = frozenset(t.text for word in stopwords_for_language(lang) for t in fold(word))
    chain = folding_analyzer() | StopFilter(stoplist=stop, minsize=1)
    if parts and lang == "nl":
        chain = chain | CompoundParts()  # after the stop filter, which numbers the positions
    return chain | StemFilter(lang=_STEMMER_LANG[lang])


class WordPairs(Filter):
    """Each two neighbouring words as one term (`water square`): a two-word phrase is then a
    single posting list, and a longer one is checked only where all its pairs occur."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            if token.stopped:
                continue
            text = token.text
            if previous is not None:
                token.text = previous + PAIR_SEPARATOR + text
                yield token
            previous = text


def pairs_analyzer(lang: str):
    # Pairs of the words as written: parts of compounds would pair with their own compound.
    return language_analyzer(lang, parts=False) | WordPairs()


def word_pairs(tokens: list[str]) -> list[str]:
    """The pair terms of analysed query words, as WordPairs indexed them."""
    return [a + PAIR_SEPARATOR + b for a, b in zip(tokens, tokens[1:])]


@cache
def _key_analyzer(lang: str):
    return language_analyzer(lang, parts=False)


def key_counts(lang: str, text: str) -> list[tuple[str, int]]:
    """The case's most frequent analysed words with their counts (ties in word order)."""
    counts = Counter(t.text for t in _key_analyzer(lang)(text, mode="index"))
    return counts.most_common(KEY_CANDIDATES)


def text_fields() -> list[str]:
    """Every analysed text field, named `<part>_<language>`."""
    return [f"{part}_{lang}" for part in TEXT_WEIGHTS for lang in LANGUAGES]


def build_schema() -> fields.Schema:
    analyzers = {lang: language_analyzer(lang) for lang in LANGUAGES}
    text = {
        name: fields.TEXT(analyzer=analyzers[name.rsplit("_", 1)[1]], phrase=name.startswith("all_"),
                          field_boost=TEXT_WEIGHTS[name.rsplit("_", 1)[0]])
        for name in text_fields()
    }
    # Existence only: a pair's documents are all a phrase needs, and they cost the least room.
    pairs = {f"pairs_{lang}": fields.FieldType(formats.Existence(), pairs_analyzer(lang)) for lang in LANGUAGES}
    facets = {name: fields.KEYWORD(commas=True, lowercase=False, scorable=False, stored=name == "language")
              for name in FACETS}
    return fields.Schema(
        slug=fields.ID(stored=True, unique=True),
        fingerprint=fields.STORED(),
        excerpt=fields.STORED(),
        key_terms=fields.STORED(),
        # Unstemmed words of the case, the vocabulary spelling corrections draw from.
        spelling=fields.TEXT(analyzer=folding_analyzer(), phrase=False, stored=False),
        published=fields.NUMERIC(int, bits=64, sortable=True),
        **text,
        **pairs,
        **facets,
    )


@dataclass
class IndexDocument:
    """What one index holds of one case, as the audience of that index may see it."""

    slug: str
    language: str
    title: str
    summary: str
    lessons: str
    body: str
    places: str
    excerpt: str
    published: int
    fingerprint: str
    facets: dict[str, list[str]] = field(default_factory=dict)
    guide: str = ""  # the words of its "Copy this" guide: found by search, weighed like the story

    def whoosh_fields(self) -> dict:
        doc = {
            "slug": self.slug, "fingerprint": self.fingerprint, "excerpt": self.excerpt,
            "published": self.published,
            "spelling": "\n".join([self.title, self.summary, self.lessons, self.places, self.guide, self.body]),
            f"title_{self.language}": self.title,
            f"summary_{self.language}": self.summary,
            f"lessons_{self.language}": self.lessons,
        }
        doc[f"all_{self.language}"] = doc[f"pairs_{self.language}"] = "\n".join(
            [self.title, self.summary, self.lessons, self.places, self.guide, self.body])
        # Lessons left out: they differ between the indexes, and "related" reads the story.
        doc["key_terms"] = key_counts(self.language, "\n".join([self.title, self.summary, self.body]))
        for name in FACETS:
            values = self.facets.get(name) or []
            if values:
                # Commas separate keyword values, so they may not occur inside one.
                doc[name] = ",".join(v.replace(",", " ") for v in values)
        return doc
