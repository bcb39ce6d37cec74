"""The search engine seam: the only package that imports Whoosh.

Two indexes per generation: `public` (what anonymous visitors may find) and `members`.
Everything else talks to `SearchEngine` (apply changes, rebuild, query, related,
fingerprints, position in the change log) and the plain data classes below.
"""
from .engine import Position, Query, SearchEngine, SearchUnavailable
from .querying import Hit, Hits
from .schema import FACETS, IndexDocument
from .store import INDEX_NAMES, SegmentJob
from .syntax import QueryProblem

__all__ = ["FACETS", "INDEX_NAMES", "Hit", "Hits", "IndexDocument", "Position", "Query", "QueryProblem",
           "SearchEngine", "SearchUnavailable", "SegmentJob"]
