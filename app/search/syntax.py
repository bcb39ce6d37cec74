"""What a user typed, understood: words, "quoted phrases" and facet filters like city:Utrecht."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .schema import FACETS
from .thesaurus import Phrase, Thesaurus, fold

MAX_UNITS = 24
_TOKEN_RE = re.compile(r'(?P<field>\w+):(?:"(?P<fquoted>[^"]*)"?|(?P<fvalue>[^\s"]+))'
                       r'|"(?P<phrase>[^"]*)"?'
                       r'|(?P<word>[^\s"]+)')


class QueryProblem(ValueError):
    """A query we cannot answer; the message is shown to the user."""


@dataclass
class Unit:
    """One thing the query asks for: the words as typed, then the alternatives that may stand in
    for them (thesaurus, compounds, other language), each with how much a match counts."""

    typed: Phrase
    alternatives: list[tuple[Phrase, float]] = field(default_factory=list)
    quoted: bool = False
    # Alternatives whose words may stand anywhere in a case, not side by side: the parts of a
    # compound (`zonnedaken`: `zonnepanelen op de daken`).
    loose: set[Phrase] = field(default_factory=set)
    thesaurus: bool = False  # the thesaurus knows these words: no dictionary translation is needed
    # Alternatives known to be of one language (a translation): looked for in that language only.
    languages: dict[Phrase, str] = field(default_factory=dict)
    # Alternatives that say the same thing in other words (thesaurus, abbreviations, translations):
    # what a results page lists as "also searched", unlike other forms or parts of the same words.
    expansions: list[Phrase] = field(default_factory=list)

    @property
    def phrases(self) -> list[Phrase]:
        return [self.typed, *(words for words, _weight in self.alternatives)]

    def weighted(self) -> list[tuple[Phrase, float]]:
        return [(self.typed, 1.0), *self.alternatives]

    def add(self, words: Phrase, weight: float, loose: bool = False, language: str | None = None,
            expansion: bool = False) -> None:
        if words and words != self.typed and all(words != w for w, _ in self.alternatives):
            self.alternatives.append((words, weight))
            if loose:
                self.loose.add(words)
            if language:
                self.languages[words] = language
            if expansion:
                self.expansions.append(words)


@dataclass
class ParsedQuery:
    # Each unit must match (or, in the fallback, any may).
    units: list[Unit] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    # Filters typed in the words (`city:Utrecht`): each must hold, beside the chosen ones.
    required: dict[str, list[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # plain folded words: the ones spelling may correct
    text: str = ""  # as typed (trimmed)
    plain_spans: list[tuple[int, int]] = field(default_factory=list)  # where in `text` the plain words stand

    @property
    def is_empty(self) -> bool:
        return not self.units


# A thesaurus equivalent is the same thing in other words (often the other language): it counts,
# but below the words as typed.
EQUIVALENT_WEIGHT = 0.7


def _unit(words: Phrase, equivalents: list[Phrase], quoted: bool = False) -> Unit:
    unit = Unit(typed=words, quoted=quoted, thesaurus=bool(equivalents))
    for other in equivalents:
        unit.add(other, EQUIVALENT_WEIGHT, expansion=True)
    return unit


def parse(text: str, thesaurus: Thesaurus, max_length: int) -> ParsedQuery:
    text = (text or "").strip()
    if len(text) > max_length:
        raise QueryProblem(f"too_long:{max_length}")
    parsed = ParsedQuery(text=text)
    plain: list[str] = []

    def flush() -> None:
        words = fold(" ".join(plain))
        parsed.words.extend(words)
        parsed.units.extend(_unit(chunk[0], chunk[1:]) for chunk in thesaurus.expand(words))
        plain.clear()

    for m in _TOKEN_RE.finditer(text):
        name = (m.group("field") or "").lower()
        if name in FACETS:
            value = (m.group("fquoted") if m.group("fquoted") is not None else m.group("fvalue")).strip()
            if value:
                parsed.filters.setdefault(name, []).append(value)
        elif m.group("field"):
            # Only facet fields take field syntax; anything else is plain text.
            plain.append(f"{m.group('field')} {m.group('fquoted') or m.group('fvalue') or ''}")
        elif m.group("phrase") is not None:
            flush()
            words = fold(m.group("phrase"))
            if words:
                parsed.units.append(_unit(words, thesaurus.lookup(words), quoted=True))
        else:
            plain.append(m.group("word"))
            parsed.plain_spans.append(m.span())
    flush()
    if len(parsed.units) > MAX_UNITS:
        raise QueryProblem(f"too_many_words:{MAX_UNITS}")
    return parsed
