"""Answering a parsed query from one index: hits, snippets, facet counts and suggestions."""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from whoosh import highlight, query as Q
from whoosh.searching import Searcher

from .schema import FACETS, LANGUAGES, TEXT_WEIGHTS, text_fields
from .syntax import ParsedQuery
from .thesaurus import Phrase

SNIPPET_CHARS = 240
SEARCH_FIELDS = [*text_fields(), "places"]


@dataclass
class Hit:
    slug: str
    snippet: str  # HTML: escaped text with <mark> around matched words


@dataclass
class Hits:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None
    any_word: bool = False  # True when no case had all the words and any word was enough


@dataclass
class _FacetCache:
    live: set[int]
    values: dict[str, dict[str, set[int]]] = field(default_factory=dict)


def _facet_cache(searcher: Searcher) -> _FacetCache:
    """Doc sets of every facet value, computed once per searcher generation, not per search."""
    cache = getattr(searcher, "_casebook_facets", None)
    if cache is None:
        reader = searcher.reader()
        cache = _FacetCache(live=set(reader.all_doc_ids()))
        for name in FACETS:
            values = {}
            if name in reader.indexed_field_names():
                for term in reader.lexicon(name):
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    values[value] = set(reader.postings(name, term).all_ids()) & cache.live
            cache.values[name] = values
        searcher._casebook_facets = cache
    return cache


def _alternative(searcher: Searcher, words: Phrase) -> Q.Query | None:
    schema, text = searcher.schema, " ".join(words)
    clauses = []
    for name in SEARCH_FIELDS:
        tokens = [t for t in schema[name].process_text(text, mode="query")]
        if len(tokens) == 1:
            clauses.append(Q.Term(name, tokens[0]))
        elif tokens:
            clauses.append(Q.Phrase(name, tokens))
    return Q.Or(clauses) if clauses else None


def _is_significant(searcher: Searcher, words: Phrase) -> bool:
    """A stop word of either language (`de`, `the`) is not required to match."""
    text = " ".join(words)
    return all(list(searcher.schema[f"title_{lang}"].process_text(text, mode="query")) for lang in LANGUAGES)


def build_query(searcher: Searcher, parsed: ParsedQuery, any_word: bool) -> Q.Query:
    units = []
    for unit in parsed.units:
        if not _is_significant(searcher, unit[0]):
            continue
        alternatives = [q for q in (_alternative(searcher, alt) for alt in unit) if q is not None]
        if alternatives:
            units.append(Q.Or(alternatives))
    if not units:
        return Q.Every() if parsed.is_empty else Q.NullQuery
    return (Q.Or if any_word else Q.And)(units)


def resolve_filters(searcher: Searcher, filters: dict[str, list[str]]) -> set[int] | None:
    """The docs that pass every filter; facet values match case-insensitively. None: no filter."""
    cache = _facet_cache(searcher)
    allowed: set[int] | None = None
    for name, wanted in filters.items():
        known = cache.values.get(name, {})
        lower = {v.lower(): docs for v, docs in known.items()}
        for value in wanted:
            docs = known.get(value) or lower.get(value.strip().lower(), set())
            allowed = docs if allowed is None else allowed & docs
    return allowed


def facet_counts(searcher: Searcher, matched: set[int]) -> dict[str, list[tuple[str, int]]]:
    cache = _facet_cache(searcher)
    counts = {}
    for name in FACETS:
        pairs = [(value, len(docs & matched)) for value, docs in cache.values[name].items()]
        counts[name] = sorted(((v, n) for v, n in pairs if n), key=lambda p: (-p[1], p[0].lower()))
    return counts


def _snippet(hit) -> str:
    text = hit.get("excerpt") or ""
    lang = hit.get("language") or "en"
    try:
        marked = hit.highlights(f"body_{lang}", text=text, top=2)
    except Exception:  # a highlighter failure must never cost the user their results
        marked = ""
    if marked:
        return marked
    short = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return escape(short)


def search(searcher: Searcher, parsed: ParsedQuery, page: int, per_page: int, newest: bool) -> Hits:
    cache = _facet_cache(searcher)
    allowed = resolve_filters(searcher, parsed.filters)
    any_word = False
    q = build_query(searcher, parsed, any_word=False)
    matched = set(searcher.docs_for_query(q)) if not isinstance(q, Q.Every) else set(cache.live)
    if allowed is not None:
        matched &= allowed
    if not matched and len(parsed.units) > 1:
        any_word = True
        q = build_query(searcher, parsed, any_word=True)
        matched = set(searcher.docs_for_query(q))
        if allowed is not None:
            matched &= allowed

    hits: list[Hit] = []
    first = (page - 1) * per_page
    if matched and first < len(matched):
        sort = {"sortedby": "published", "reverse": True} if newest or isinstance(q, Q.Every) else {}
        results = searcher.search(q, limit=first + per_page, filter=matched, terms=True, **sort)
        results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
        results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        hits = [Hit(slug=h["slug"], snippet=_snippet(h))
                for h in results[first:first + per_page]]

    suggestion = None
    if (not matched or any_word) and parsed.words:
        suggestion = suggest(searcher, parsed.words)
    return Hits(total=len(matched), hits=hits, facets=facet_counts(searcher, matched),
                suggestion=suggestion, any_word=any_word)


def _in_live_docs(searcher: Searcher, word: str) -> bool:
    # The lexicon keeps words of deleted documents until a merge: ask the live documents.
    return any(True for _ in searcher.docs_for_query(Q.Term("spelling", word)))


def suggest(searcher: Searcher, words: list[str]) -> str | None:
    """Words the index knows in place of the ones it does not, from this index alone."""
    fixed, changed = [], False
    for word in words:
        if len(word) < 3 or _in_live_docs(searcher, word):
            fixed.append(word)
            continue
        options = searcher.suggest("spelling", word, limit=5, maxdist=2, prefix=1)
        best = next((o for o in options if o != word and _in_live_docs(searcher, o)), None)
        fixed.append(best or word)
        changed = changed or best is not None
    return " ".join(fixed) if changed else None


def related(searcher: Searcher, slug: str, language: str, text: str, themes: list[str], limit: int) -> list[str]:
    """Cases like this one, found in the same index (so never one this audience may not see)."""
    docnum = searcher.document_number(slug=slug)
    if docnum is None:
        return []
    field_name = f"body_{language}"
    keys = searcher.key_terms_from_text(field_name, text, numterms=12)
    clauses = [Q.Term(field_name, word, boost=weight) for word, weight in keys]
    clauses += [Q.Term("theme", theme, boost=1.5) for theme in themes]
    if not clauses:
        return []
    results = searcher.search(Q.Or(clauses), limit=limit, mask={docnum})
    return [h["slug"] for h in results]
