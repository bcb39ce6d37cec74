"""Answering a parsed query from one index: hits, snippets and facet counts, ranked."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from . import ranking, understanding
from .highlighting import highlight_window
from .schema import FACETS, LANGUAGES, TEXT_WEIGHTS, language_analyzer, word_pairs
from .syntax import ParsedQuery, Unit
from .thesaurus import Phrase

SNIPPET_CHARS = 240


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
    filters: dict[str, list[str]] = field(default_factory=dict)  # as applied: URL filters and `city:` words
    # The share of the query's units the best case holds: 1.0 when cases hold them all.
    coverage: float = 0.0
    corrected_query: str | None = None  # the text searched instead of a misspelt one
    # The filters' values as this index holds them (a value it does not hold is left out, so a
    # value only another index holds is never named back), and the other words searched for
    # the words as typed (thesaurus, abbreviations, translations) that the cases found hold.
    applied: dict[str, list[str]] = field(default_factory=dict)
    also_searched: list[str] = field(default_factory=list)

@dataclass
class _FacetCache:
    live: set[int]
    # facet -> value -> the live documents holding it (values no live document holds are left out)
    arrays: dict[str, dict[str, np.ndarray]]
    sets: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    matrices: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)

    def docs(self, name: str, value: str) -> set[int]:
        """As a set, made when a filter first asks for it."""
        key = (name, value)
        if key not in self.sets:
            self.sets[key] = set(self.arrays[name][value].tolist())
        return self.sets[key]


# Facet documents per segment (deletions are applied through the live mask).
_SEGMENT_FACETS = ranking.SegmentCache(max_entries=256)


def _read_facets(reader) -> dict[str, dict[str, np.ndarray]]:
    facets: dict[str, dict[str, np.ndarray]] = {}
    fields = set(reader.indexed_field_names())
    for name in FACETS:
        values = facets[name] = {}
        if name not in fields:
            continue
        for term in reader.lexicon(name):
            matcher = reader.postings(name, term)
            matcher = getattr(matcher, "child", matcher)  # all postings; deletions come later
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            values[value] = np.fromiter(matcher.all_ids(), dtype=np.int64)
    return facets


def _facet_cache(searcher: Searcher) -> _FacetCache:
    """Documents of every facet value, gathered once per searcher (a new one comes with each
    change) from the segments' cached arrays, so a change costs array work, not Python loops."""
    cache = getattr(searcher, "_casebook_facets", None)
    if cache is None:
        live = ranking.live_mask(searcher)
        chunks: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in FACETS}
        for leaf, offset in searcher.leaf_searchers():
            if leaf.reader().segment() is None:
                continue  # an index with no documents at all
            for name, values in _SEGMENT_FACETS.get(leaf.reader(), (), _read_facets).items():
                for value, ids in values.items():
                    chunks[name].setdefault(value, []).append(ids + offset)
        arrays: dict[str, dict[str, np.ndarray]] = {}
        for name, by_value in chunks.items():
            arrays[name] = {}
            for value, parts in by_value.items():
                docs = np.concatenate(parts) if len(parts) > 1 else parts[0]
                docs = docs[live[docs]]
                if len(docs):
                    arrays[name][value] = docs
        cache = _FacetCache(live=set(np.flatnonzero(live).tolist()), arrays=arrays)
        searcher._casebook_facets = cache
    return cache


def _tokens(searcher: Searcher, words: Phrase, lang: str) -> list[str]:
    """The words as the index holds them (stop words out, stemmed), kept for the process: a query
    asks for them dozens of times, and the analysis is the same for every searcher."""
    return list(_analysed(lang, words))


@lru_cache(maxsize=65536)
def _analysed(lang: str, words: Phrase) -> tuple[str, ...]:
    return tuple(t.text for t in _query_analyzer(lang)(" ".join(words), mode="query"))


@cache
def _query_analyzer(lang: str):
    """The `all_<lang>` fields' analyzer (schema.build_schema), as queries use it."""
    return language_analyzer(lang)


def _phrase_docs(searcher: Searcher, field_name: str, tokens: list[str], candidates: set[int]) -> set[int]:
    """The candidates holding the tokens side by side, checked one document at a time.

    Reads positions only for the given documents, where a Phrase query would read them for
    every document holding all the words.
    """
    found = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        local = sorted(d - offset for d in candidates if offset <= d < offset + reader.doc_count_all())
        if not local:
            continue
        try:
            matchers = [reader.postings(field_name, token) for token in tokens]
        except TermNotFound:
            continue
        for doc in local:
            positions = []
            for m in matchers:
                if m.is_active() and m.id() < doc:
                    m.skip_to(doc)
                if not m.is_active() or m.id() != doc:
                    break
                positions.append(set(m.value_as("positions")))
            else:
                if any(all(p + i in positions[i] for i in range(1, len(positions))) for p in positions[0]):
                    found.add(doc + offset)
    return found


def _alternative_docs(searcher: Searcher, words: Phrase, within: set[int] | None, loose: bool = False,
                      languages: tuple[str, ...] = LANGUAGES) -> set[int]:
    """Documents with these words (in this order when several, unless `loose`), in these languages.

    `within`, when given, bounds the answer: phrases are only checked there.
    """
    docs: set[int] = set()
    for lang in languages:
        field_name = f"all_{lang}"
        tokens = _tokens(searcher, words, lang)
        if len(tokens) == 1:
            docs |= ranking.postings(searcher, field_name, tokens[0]).docs
        elif tokens and loose:
            docs |= set.intersection(*(ranking.postings(searcher, field_name, t).docs for t in tokens))
        elif tokens:
            docs |= _phrase_in(searcher, lang, tokens, within)
    return docs


def _languages(unit: Unit, words: Phrase) -> tuple[str, ...]:
    """Where to look for one of a unit's forms: a translation in its own language only."""
    language = unit.languages.get(words)
    return (language,) if language else LANGUAGES


def _unit_docs(searcher: Searcher, unit: Unit, within: set[int] | None) -> set[int]:
    """Documents holding the unit in any of its forms."""
    return set().union(*(_alternative_docs(searcher, words, within, words in unit.loose, _languages(unit, words))
                         for words in unit.phrases))


def _phrase_in(searcher: Searcher, lang: str, tokens: list[str], within: set[int] | None) -> set[int]:
    """Documents holding the analysed tokens side by side, from the word-pair postings: two
    words are one posting list; for more, positions are read only where every pair occurs."""
    field_name, pairs_field = f"all_{lang}", f"pairs_{lang}"
    has_pairs = pairs_field in searcher.schema  # not in an index of the previous format, until its rebuild
    terms = [(pairs_field, pair) for pair in word_pairs(tokens)] if has_pairs else [(field_name, t) for t in tokens]
    candidates = set.intersection(*(ranking.postings(searcher, f, t).docs for f, t in terms))
    if within is not None:
        candidates &= within
    if not candidates or (has_pairs and len(tokens) == 2):
        return candidates
    return _phrase_docs(searcher, field_name, tokens, candidates)


def _is_significant(searcher: Searcher, words: Phrase) -> bool:
    """A stop word of either language (`de`, `the`) is not required to match."""
    return all(_tokens(searcher, words, lang) for lang in LANGUAGES)


def _known(searcher: Searcher) -> Callable[[str], bool]:
    """Does this index hold the word (in either language's analysis)? Asked of the term
    dictionary alone: a word only deleted cases held merely adds a form that finds nothing."""
    def known(word: str) -> bool:
        for lang in LANGUAGES:
            tokens = _tokens(searcher, (word,), lang)
            if len(tokens) == 1 and ranking.doc_frequency(searcher, f"all_{lang}", tokens[0]):
                return True
        return False
    return known


def significant_units(searcher: Searcher, parsed: ParsedQuery) -> list[Unit]:
    """The units a case must hold, after every step of understanding.py."""
    units = [u for u in parsed.units if _is_significant(searcher, u.typed)]
    return understanding.understand(units, _known(searcher))


def matching_docs(searcher: Searcher, units: list[Unit], any_word: bool, within: set[int]) -> set[int]:
    """Set algebra on posting lists: every unit (or any, in the fallback) must match, within `within`."""
    if any_word:
        return set().union(*(_unit_docs(searcher, unit, within) for unit in units)) & within
    found = within
    # Single words first: they narrow down where phrases need their positions read.
    for unit in sorted(units, key=lambda u: any(len(alt) > 1 for alt in u.phrases)):
        found = found & _unit_docs(searcher, unit, found)
        if not found:
            return set()
    return set(found)


ALTERNATIVE_PARTS = {part: TEXT_WEIGHTS[part] for part in ("title", "all")}


def scoring_terms(searcher: Searcher, units: list[Unit]) -> list[tuple[str, str, float]]:
    """Every word of the query in every weighted field of both languages; words as typed count
    most, alternatives (thesaurus, compounds, translations) by their weight."""
    terms: dict[tuple[str, str], float] = {}
    for unit in units:
        for words, alt_weight in unit.weighted():
            # Alternatives count in the title and the whole text only: each field is a posting list
            # to read, and a query has many alternatives.
            parts = TEXT_WEIGHTS if words == unit.typed else ALTERNATIVE_PARTS
            for lang in _languages(unit, words):
                tokens = _tokens(searcher, words, lang)
                for token in tokens:
                    for part, weight in parts.items():
                        # The words of a phrase share its weight: `heat network` counts as one thing.
                        key = (f"{part}_{lang}", token)
                        terms[key] = max(terms.get(key, 0.0), weight * alt_weight / len(tokens))
    return [(field_name, token, weight) for (field_name, token), weight in terms.items()]


def unit_rarity(searcher: Searcher, unit: Unit) -> float:
    """How rare what the unit stands for is, whatever way it is written: the idf of its most common
    form. A translation is then never rarer, and so never weightier, than the words as typed."""
    df = 0
    for words in unit.phrases:
        for lang in _languages(unit, words):
            tokens = _tokens(searcher, words, lang)
            if tokens:
                df = max(df, min(ranking.doc_frequency(searcher, f"all_{lang}", t) for t in tokens))
    return ranking.idf(searcher, df)


def rarities(searcher: Searcher, units: list[Unit], of_units: list[float] | None = None) -> dict[str, float]:
    """token -> the rarity of the unit it belongs to (the rarest, for a token in several);
    `of_units`: each unit's rarity, when known already."""
    found: dict[str, float] = {}
    for i, unit in enumerate(units):
        rarity = of_units[i] if of_units is not None else unit_rarity(searcher, unit)
        for words in unit.phrases:
            for lang in _languages(unit, words):
                for token in _tokens(searcher, words, lang):
                    found[token] = max(found.get(token, 0.0), rarity)
    return found


PLACE_BONUS = 0.5  # a word in the title counts 3 times one in the body, in the summary twice


def _unit_strength(searcher: Searcher, unit: Unit, matched: set[int], rarity: float) -> np.ndarray:
    """Per document: how rare this unit is (the important words are the rare ones), more where
    the case holds it in its title, summary or lessons; 0 where the case does not hold it."""
    best = np.zeros(searcher.doc_count_all(), dtype=np.float64)
    holding = np.zeros(searcher.doc_count_all(), dtype=bool)
    holding[np.fromiter(_unit_docs(searcher, unit, matched), dtype=np.int64)] = True
    for words, alt_weight in unit.weighted():
        parts = TEXT_WEIGHTS if words == unit.typed else ALTERNATIVE_PARTS
        for lang in _languages(unit, words):
            tokens = _tokens(searcher, words, lang)
            if not tokens:
                continue
            for part, field_weight in parts.items():
                docs = ranking.postings(searcher, f"{part}_{lang}", tokens[0]).ids
                for token in tokens[1:]:
                    docs = np.intersect1d(docs, ranking.postings(searcher, f"{part}_{lang}", token).ids)
                docs = docs[holding[docs]]  # a phrase's words in the field, where the case holds the phrase
                if len(docs):
                    # How many of the important words first, where they stand second.
                    where = 1 + PLACE_BONUS * (field_weight - 1)
                    best[docs] = np.maximum(best[docs], where * alt_weight * rarity)
    return best


def coverage_documents(searcher: Searcher, units: list[Unit], matched: set[int], limit: int) -> tuple[list[int], float]:
    """When no case holds every word: the cases holding most of the important words (rare ones
    count more), where it matters most, first; BM25 only breaks ties. Also the share of the
    units the best case holds."""
    rarity = [unit_rarity(searcher, unit) for unit in units]
    strengths = [_unit_strength(searcher, unit, matched, r) for unit, r in zip(units, rarity)]
    candidates = np.fromiter(matched, dtype=np.int64, count=len(matched))
    held = sum((s[candidates] > 0).astype(np.float64) for s in strengths)
    scores = sum(s[candidates] for s in strengths)
    bm25 = ranking.scores(searcher, scoring_terms(searcher, units), rarities(searcher, units, rarity))[candidates]
    top = bm25.max() if len(bm25) else 0.0
    combined = np.asarray(scores, dtype=np.float64) + (0.01 * bm25 / top if top else 0.0)
    coverage = float(np.max(held)) / len(units) if len(candidates) else 0.0
    return ranking.best(candidates, combined, limit), coverage


def facet_filters(searcher: Searcher, filters: dict[str, list[str]]) -> tuple[dict[str, set[int]], dict[str, list[str]]]:
    """Per filtered facet, the docs holding any of its wanted values (values of one facet widen,
    facets narrow), and the wanted values as the index holds them. Values match case-insensitively;
    a facet none of whose values the index holds lets no document through."""
    cache = _facet_cache(searcher)
    passing: dict[str, set[int]] = {}
    applied: dict[str, list[str]] = {}
    for name, wanted in filters.items():
        known = cache.arrays.get(name, {})
        lower = {v.lower(): v for v in known}
        docs: set[int] = set()
        for value in wanted:
            found = value if value in known else lower.get(value.strip().lower())
            if found is not None and found not in applied.get(name, ()):
                docs |= cache.docs(name, found)
                applied.setdefault(name, []).append(found)
        passing[name] = docs
    return passing, applied


def _intersection(sets: Iterable[set[int]], start: set[int] | None = None) -> set[int] | None:
    found = start
    for docs in sets:
        found = docs if found is None else found & docs
    return found


def _facet_matrix(searcher: Searcher, name: str) -> tuple[list[str], np.ndarray]:
    """One facet as a (values x documents) table of booleans: counting is then one array operation."""
    cache = _facet_cache(searcher)
    if name not in cache.matrices:
        values = list(cache.arrays[name])
        matrix = np.zeros((len(values), searcher.doc_count_all()), dtype=bool)
        for row, value in enumerate(values):
            matrix[row, cache.arrays[name][value]] = True
        cache.matrices[name] = (values, matrix)
    return cache.matrices[name]


def _counts(searcher: Searcher, name: str, mask: np.ndarray) -> list[tuple[str, int]]:
    values, matrix = _facet_matrix(searcher, name)
    per_value = np.count_nonzero(matrix & mask, axis=1).tolist() if values else []
    return [(v, n) for v, n in zip(values, per_value) if n]


def _mask(searcher: Searcher, docs: set[int]) -> np.ndarray:
    mask = np.zeros(searcher.doc_count_all(), dtype=bool)
    mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
    return mask


def _by_count(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(pairs, key=lambda p: (-p[1], p[0].lower()))


def facet_counts(searcher: Searcher, matched: set[int]) -> dict[str, list[tuple[str, int]]]:
    mask = _mask(searcher, matched)
    return {name: _by_count(_counts(searcher, name, mask)) for name in FACETS}


def disjunctive_counts(searcher: Searcher, name: str, found: set[int], fallback: set[int] | None) -> list[tuple[str, int]]:
    """A filtered facet's counts among the cases the search finds with every other facet's filter
    but not its own: what choosing one more of its values adds. `fallback`: the cases holding
    some of the words, when the page shows those; a value that has cases holding all the words
    counts those, as the search would then show only them."""
    counts = dict(_counts(searcher, name, _mask(searcher, found)))
    if fallback is not None:
        for value, n in _counts(searcher, name, _mask(searcher, fallback)):
            counts.setdefault(value, n)
    return _by_count(counts.items())


def _with_selected(counts: list[tuple[str, int]], selected: list[str]) -> list[tuple[str, int]]:
    """A chosen value stays in the list (at 0 when nothing has it now), so it can be taken away."""
    have = {value for value, _n in counts}
    return counts + [(value, 0) for value in selected if value not in have]


def _also_searched(searcher: Searcher, units: list[Unit], matched: set[int], limit: int = 6) -> list[str]:
    """The thesaurus and translation alternatives the found cases hold, in the order they were added."""
    found: list[str] = []
    for unit in units:
        for words in unit.expansions:
            text = " ".join(words)
            if text not in found and _alternative_docs(searcher, words, matched, words in unit.loose,
                                                       _languages(unit, words)) & matched:
                found.append(text)
                if len(found) == limit:
                    return found
    return found


def _snippet(searcher: Searcher, hit, units: list[Unit]) -> str:
    """A window of the case's text around the words that matched, those words marked."""
    text = hit.get("excerpt") or ""
    lang = hit.get("language") or "en"
    wanted = {tok for unit in units for alt in unit.phrases for tok in _tokens(searcher, alt, lang)}
    return highlight_window(text, searcher.schema[f"all_{lang}"].analyzer, wanted, SNIPPET_CHARS)


def slug_docs(searcher: Searcher, slugs: Iterable[str]) -> set[int]:
    """The documents of these cases (replaced versions too: the live mask drops those)."""
    reader = searcher.reader()
    docs: set[int] = set()
    for slug in slugs:
        try:
            docs.update(reader.postings("slug", slug).all_ids())
        except TermNotFound:
            continue
    return docs


def _matches(searcher: Searcher, parsed: ParsedQuery, units: list[Unit], candidates: set[int],
             any_word: bool) -> set[int]:
    if units:
        return matching_docs(searcher, units, any_word, candidates)
    return set(candidates) if parsed.is_empty else set()  # else: only stop words


def search(searcher: Searcher, parsed: ParsedQuery, page: int, per_page: int, newest: bool,
           only: Iterable[str] | None = None) -> Hits:
    cache = _facet_cache(searcher)
    passing, applied = facet_filters(searcher, parsed.filters)
    # Posting lists still hold replaced and deleted versions until a merge: live ones only.
    scope = cache.live if only is None else cache.live & slug_docs(searcher, only)
    for name, values in parsed.required.items():
        for value in values:
            scope = scope & facet_filters(searcher, {name: [value]})[0][name]
    candidates = _intersection(passing.values(), scope) or set()
    units = significant_units(searcher, parsed)
    any_word = False
    matched = _matches(searcher, parsed, units, candidates, False)
    if units and not matched and len(units) > 1:
        any_word = True
        matched = matching_docs(searcher, units, True, candidates)

    hits: list[Hit] = []
    first = (page - 1) * per_page
    coverage = 1.0 if matched and not any_word else 0.0
    docnums: list[int] = []
    if matched and any_word:
        docnums, coverage = coverage_documents(searcher, units, matched, first + per_page)
        if newest:
            docnums = ranking.newest_documents(searcher, matched, first + per_page)
    elif matched and first < len(matched):
        if newest or not units:
            docnums = ranking.newest_documents(searcher, matched, first + per_page)
        else:
            docnums = ranking.top_documents(searcher, scoring_terms(searcher, units), matched, first + per_page,
                                              rarities(searcher, units))
    for docnum in docnums[first:]:
        stored = searcher.stored_fields(docnum)
        hits.append(Hit(slug=stored["slug"], snippet=_snippet(searcher, stored, units)))
    facets = facet_counts(searcher, matched)
    facets.update(_filtered_facet_counts(searcher, parsed, units, passing, scope, any_word))
    for name, values in applied.items():
        facets[name] = _with_selected(facets.get(name, []), values)
    return Hits(total=len(matched), hits=hits, facets=facets, any_word=any_word, filters=parsed.filters,
                coverage=coverage, applied=applied, also_searched=_also_searched(searcher, units, matched))


def _filtered_facet_counts(searcher: Searcher, parsed: ParsedQuery, units: list[Unit], passing: dict[str, set[int]],
                           scope: set[int], any_word: bool) -> dict[str, list[tuple[str, int]]]:
    """Counts of the filtered facets, each without its own filter (disjunctive facets). The words
    are matched once, among the cases that pass all filters but one."""
    if not passing:
        return {}
    others = {name: _intersection((docs for other, docs in passing.items() if other != name), scope) or set()
              for name in passing}
    wider = set().union(*others.values())
    found = _matches(searcher, parsed, units, wider, False)
    fallback = matching_docs(searcher, units, True, wider) if any_word else None
    return {name: disjunctive_counts(searcher, name, found & within, fallback & within if fallback is not None else None)
            for name, within in others.items()}


def is_weak(hits: Hits) -> bool:
    """Nothing found, or only cases holding some of the words: worth trying a correction."""
    return hits.total == 0 or hits.any_word


def finds_clearly_more(typed: Hits, corrected: Hits) -> bool:
    """Show the corrected results at once: they hold more of what was asked than the typed words found."""
    return corrected.total > 0 and corrected.coverage > typed.coverage


KEY_TERMS = 12
COMMON_SHARE = 0.1
FEW_CASES = 20  # below this, any shared word is worth reading
THEME_WEIGHT = 1.5  # a shared theme counts about as much as one shared distinctive word
RELATED_CACHE_SIZE = 2048


def _key_terms(searcher: Searcher, field_name: str, counts: list[tuple[str, int]]) -> list[tuple[str, float]]:
    """The words that set this case apart: frequent in it, rare in the index (tf x idf).

    `counts` are the case's most frequent words, kept in the index with it (schema.key_counts).
    """
    live = max(searcher.doc_count(), 1)
    weighted = []
    for token, tf in counts:
        df = ranking.doc_frequency(searcher, field_name, token)
        if df < 2 or df > max(live * COMMON_SHARE, FEW_CASES):
            continue  # only this case has it, or so many do that it tells little (and costs most)
        weighted.append((token, tf * math.log(live / df)))
    weighted.sort(key=lambda pair: (-pair[1], pair[0]))
    top = weighted[:KEY_TERMS]
    most = top[0][1] if top else 1.0
    return [(token, weight / most) for token, weight in top if weight > 0]


def related(searcher: Searcher, slug: str, language: str, themes: list[str], limit: int) -> list[str]:
    """Cases like this one, found in the same index (so never one this audience may not see).

    Scored with the NumPy postings of `ranking` and kept per searcher: a case page reads no
    posting list twice, and Whoosh's own scorer (which walks every match in Python) never runs.
    """
    cache = searcher.__dict__.setdefault("_casebook_related", {})
    key = (slug, limit)
    if key not in cache:
        docnum = searcher.document_number(slug=slug)
        if docnum is None:
            return []
        field_name = f"all_{language}"
        # An index of the previous format has no key words: themes alone until it is rebuilt.
        counts = searcher.stored_fields(docnum).get("key_terms") or []
        terms = [(field_name, token, weight) for token, weight in _key_terms(searcher, field_name, counts)]
        terms += [("theme", theme, THEME_WEIGHT) for theme in themes]
        docnums = ranking.similar_documents(searcher, terms, ranking.live_mask(searcher), docnum, limit)
        if len(cache) >= RELATED_CACHE_SIZE:
            cache.clear()
        cache[key] = [searcher.stored_fields(d)["slug"] for d in docnums]
    return cache[key]
