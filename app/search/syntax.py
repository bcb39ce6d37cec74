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
class ParsedQuery:
    # Each unit must match (or, in the fallback, any may); a unit lists alternatives.
    units: list[list[Phrase]] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # plain folded words, for "did you mean"

    @property
    def is_empty(self) -> bool:
        return not self.units


def parse(text: str, thesaurus: Thesaurus, max_length: int) -> ParsedQuery:
    text = (text or "").strip()
    if len(text) > max_length:
        raise QueryProblem(f"too_long:{max_length}")
    parsed = ParsedQuery()
    plain: list[str] = []

    def flush() -> None:
        words = fold(" ".join(plain))
        parsed.words.extend(words)
        parsed.units.extend(thesaurus.expand(words))
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
                parsed.units.append([words, *thesaurus.lookup(words)])
        else:
            plain.append(m.group("word"))
    flush()
    if len(parsed.units) > MAX_UNITS:
        raise QueryProblem(f"too_many_words:{MAX_UNITS}")
    return parsed
