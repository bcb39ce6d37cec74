"""Fields, analyzers and weights of both indexes."""
from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import fields
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGES = ("nl", "en")
# Field weights: title, then summary, then lessons, then body (DESIGN.md). `all` holds every
# word of the case (body included): matching runs on it alone, the others add to the score.
TEXT_WEIGHTS = {"title": 5.0, "summary": 3.0, "lessons": 2.0, "all": 1.0}
FACETS = ("theme", "city", "country", "lesson", "language", "status")
_STEMMER_LANG = {"nl": "dutch", "en": "english"}


def folding_analyzer():
    """Lowercase and accent-folded words: `coöperatie` and `cooperatie` are one word."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def language_analyzer(lang: str):
    fold = folding_analyzer()
    stop = frozenset(t.text for word in stopwords_for_language(lang) for t in fold(word))
    return folding_analyzer() | StopFilter(stoplist=stop, minsize=1) | StemFilter(lang=_STEMMER_LANG[lang])


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
    facets = {name: fields.KEYWORD(commas=True, lowercase=False, scorable=False, stored=name == "language")
              for name in FACETS}
    return fields.Schema(
        slug=fields.ID(stored=True, unique=True),
        fingerprint=fields.STORED(),
        excerpt=fields.STORED(),
        # Unstemmed words of the case, the vocabulary "did you mean" draws from.
        spelling=fields.TEXT(analyzer=folding_analyzer(), phrase=False, stored=False),
        published=fields.NUMERIC(int, bits=64, sortable=True),
        **text,
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

    def whoosh_fields(self) -> dict:
        doc = {
            "slug": self.slug, "fingerprint": self.fingerprint, "excerpt": self.excerpt,
            "published": self.published,
            "spelling": " ".join([self.title, self.summary, self.places]),
            f"title_{self.language}": self.title,
            f"summary_{self.language}": self.summary,
            f"lessons_{self.language}": self.lessons,
            f"all_{self.language}": "\n".join([self.title, self.summary, self.lessons, self.places, self.body]),
        }
        for name in FACETS:
            values = self.facets.get(name) or []
            if values:
                # Commas separate keyword values, so they may not occur inside one.
                doc[name] = ",".join(v.replace(",", " ") for v in values)
        return doc
