"""Relevance report: how well search finds the right case for what members really type.

    .venv/bin/python scripts/relevance.py [--queries FILE] [--json OUT] [--min-mrr 0.95]

Builds a throwaway app on a temporary SQLite database and index folder, imports the seed library
(cases/) as `flask import-cases` does, then asks every query of the query file
(scripts/relevance_queries.tsv: kind, query, expected slug(s)) through the JSON search API as an
anonymous visitor. Prints the mean reciprocal rank over the first page of ten results (MRR@10),
overall and per kind, every miss (expected case not among the first ten) with what came first
instead, the queries whose case was found below first place, and the median time a query took.

MRR@10: a query scores 1/rank of the first expected case among the first ten results, 0 when none
of them is there; the report's figure is the mean over the queries. Without --min-mrr the script
always exits 0 (`make bench` goes on to the timing run); with it, it exits 1 when MRR@10 is below.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app, db  # noqa: E402
from app.services import indexing, library  # noqa: E402

DEFAULT_QUERIES = ROOT / "scripts" / "relevance_queries.tsv"
DEFAULT_CASES = ROOT / "cases"
CUTOFF = 10  # MRR@10: the first page of results
KIND_ORDER = ("typo", "compound", "question", "crosslang", "place", "abbreviation", "keyword")


class QueryFileError(ValueError):
    """A line of the query file that is not `kind<TAB>query<TAB>slug[|slug...]`."""


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    expected: tuple[str, ...]
    line: int = 0


@dataclass
class Outcome:
    query: Query
    slugs: list[str]  # the first page of results, best first
    ms: float
    total: int = 0
    corrected_query: str | None = None
    suggestion: str | None = None
    errors: list[str] = field(default_factory=list)  # what the app logged as an error while answering

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected case within the cutoff; None when it is not there."""
        for position, slug in enumerate(self.slugs[:CUTOFF], start=1):
            if slug in self.query.expected:
                return position
        return None

    @property
    def reciprocal_rank(self) -> float:
        return reciprocal_rank(self.slugs, self.query.expected)


@dataclass
class Report:
    queries: int
    mrr: float
    found_first: int
    misses: list[dict] = field(default_factory=list)
    below_first: list[dict] = field(default_factory=list)
    per_kind: dict[str, dict] = field(default_factory=dict)
    median_ms: float = 0.0
    unknown_slugs: list[str] = field(default_factory=list)
    errors: int = 0  # queries during which the app logged an error (a broken search, not a miss)
    first_error: str | None = None


# --- the query file -------------------------------------------------------------------------

def parse_queries(text: str) -> list[Query]:
    """Queries from the TSV text: blank lines and lines starting with # are skipped."""
    queries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise QueryFileError(f"line {number}: expected 3 tab-separated fields (kind, query, slugs), "
                                 f"found {len(parts)}: {line!r}")
        kind, query, slugs = (part.strip() for part in parts)
        expected = tuple(s.strip() for s in slugs.split("|") if s.strip())
        if not kind or not query or not expected:
            raise QueryFileError(f"line {number}: empty kind, query or expected slug: {line!r}")
        queries.append(Query(kind, query, expected, number))
    return queries


def read_queries(path: Path) -> list[Query]:
    return parse_queries(Path(path).read_text(encoding="utf-8"))


# --- the arithmetic --------------------------------------------------------------------------

def reciprocal_rank(slugs: Sequence[str], expected: Iterable[str], cutoff: int = CUTOFF) -> float:
    """1/rank of the first expected slug among the first CUTOFF results, else 0."""
    wanted = set(expected)
    for position, slug in enumerate(slugs[:cutoff], start=1):
        if slug in wanted:
            return 1.0 / position
    return 0.0


def mean_reciprocal_rank(outcomes: Sequence[Outcome]) -> float:
    return sum(o.reciprocal_rank for o in outcomes) / len(outcomes) if outcomes else 0.0


def _row(outcome: Outcome) -> dict:
    return {"kind": outcome.query.kind, "query": outcome.query.text, "expected": list(outcome.query.expected),
            "rank": outcome.rank, "first": outcome.slugs[:3], "total": outcome.total,
            "corrected_query": outcome.corrected_query, "suggestion": outcome.suggestion,
            "errors": len(outcome.errors), "line": outcome.query.line}


def summarise(outcomes: Sequence[Outcome], known_slugs: Iterable[str] | None = None) -> Report:
    """The figures: MRR@10 overall and per kind, misses, found below first place, median time."""
    kinds = sorted({o.query.kind for o in outcomes},
                   key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
    per_kind = {}
    for kind in kinds:
        of_kind = [o for o in outcomes if o.query.kind == kind]
        per_kind[kind] = {"queries": len(of_kind), "mrr": mean_reciprocal_rank(of_kind),
                          "misses": sum(1 for o in of_kind if o.rank is None)}
    unknown: list[str] = []
    if known_slugs is not None:
        known = set(known_slugs)
        unknown = sorted({s for o in outcomes for s in o.query.expected if s not in known})
    return Report(
        queries=len(outcomes),
        mrr=mean_reciprocal_rank(outcomes),
        found_first=sum(1 for o in outcomes if o.rank == 1),
        misses=[_row(o) for o in outcomes if o.rank is None],
        below_first=[_row(o) for o in outcomes if o.rank is not None and o.rank > 1],
        per_kind=per_kind,
        median_ms=statistics.median(o.ms for o in outcomes) if outcomes else 0.0,
        unknown_slugs=unknown,
        errors=sum(1 for o in outcomes if o.errors),
        first_error=next((o.errors[0] for o in outcomes if o.errors), None),
    )


def format_report(report: Report, goal: float | None = None) -> str:
    lines = [f"## Relevance: MRR@{CUTOFF} {report.mrr:.3f} over {report.queries} queries "
             f"({report.found_first} found first, {len(report.below_first)} lower on the first page, "
             f"{len(report.misses)} missed)", ""]
    if goal is not None:
        lines += [f"Goal: MRR@{CUTOFF} >= {goal:.2f}: {'met' if report.mrr >= goal else 'NOT met'}", ""]
    lines += ["| kind | queries | MRR@10 | misses |", "|---|---:|---:|---:|"]
    lines += [f"| {kind} | {f['queries']} | {f['mrr']:.3f} | {f['misses']} |" for kind, f in report.per_kind.items()]
    lines += ["", f"Median time a query: {report.median_ms:.1f} ms", ""]
    if report.errors:
        lines += [f"WARNING: the app logged an error while answering {report.errors} of the queries, so their "
                  f"figures measure a broken search, not its relevance. First: {report.first_error}", ""]
    if report.unknown_slugs:
        lines += [f"Expected slugs that are not in the library (check the query file): "
                  f"{', '.join(report.unknown_slugs)}", ""]

    def describe(row: dict) -> str:
        got = ", ".join(row["first"]) if row["first"] else "nothing"
        notes = []
        if row["corrected_query"]:
            notes.append(f"corrected to {row['corrected_query']!r}")
        if row["suggestion"]:
            notes.append(f"suggests {row['suggestion']!r}")
        if row["errors"]:
            notes.append("error logged")
        note = f" ({'; '.join(notes)})" if notes else ""
        rank = f"rank {row['rank']}: " if row["rank"] else ""
        return f"- [{row['kind']}] {row['query']!r} -> {' | '.join(row['expected'])}: {rank}got {got}{note}"

    lines.append(f"### Misses ({len(report.misses)}): expected case not in the first {CUTOFF}")
    lines += [describe(row) for row in report.misses] or ["- none"]
    lines += ["", f"### Found below first place ({len(report.below_first)})"]
    lines += [describe(row) for row in report.below_first] or ["- none"]
    return "\n".join(lines)


# --- asking the app --------------------------------------------------------------------------

@contextmanager
def library_app(cases: Path = DEFAULT_CASES) -> Iterator:
    """A throwaway app on a temporary SQLite database and index folder with CASES imported."""
    folder = Path(tempfile.mkdtemp(prefix="casebook-relevance-"))
    app = create_app({"SECRET_KEY": "relevance", "DATABASE_URL": f"sqlite:///{folder / 'casebook.sqlite3'}",
                      "INDEX_DIR": str(folder / "search_index"), "FOLLOW_CHANGES": False,
                      "LOG_CONFIGURE": False})
    try:
        with app.app_context():
            db.upgrade_schema()
            report = library.import_path(Path(cases))
            # One index built in one go, as `reindex` or a node's first start leaves it: the import's
            # one segment a case would make the timings those of an index no server keeps.
            indexing.rebuild()
        if not report.ok:
            raise RuntimeError("importing the cases failed: " + "; ".join(str(p) for p in report.problems))
        yield app
    finally:
        app.extensions["casebook.search"].close()
        app.extensions["casebook.db"].kw["bind"].dispose()
        shutil.rmtree(folder, ignore_errors=True)


def library_slugs(app) -> list[str]:
    from app.models import Case
    with app.app_context():
        return [c.slug for c in db.session().query(Case).all()]


class ErrorLog(logging.Handler):
    """Collects what the app logs at ERROR or above (instead of printing a traceback per query)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message += f" ({type(error).__name__}: {error})"
        self.messages.append(message)

    def take(self) -> list[str]:
        taken, self.messages = self.messages, []
        return taken


@contextmanager
def collecting_errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def ask(client, query: Query, errors: ErrorLog | None = None) -> Outcome:
    if errors is not None:
        errors.take()
    started = time.perf_counter()
    response = client.get("/api/v1/search", query_string={"q": query.text})
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{query.text!r}: the search API answered {response.status_code}")
    data = response.get_json()
    return Outcome(query, [r["slug"] for r in data.get("results", [])], ms, total=data.get("total", 0),
                   corrected_query=data.get("corrected_query"), suggestion=data.get("suggestion"),
                   errors=errors.take() if errors is not None else [])


def run(app, queries: Sequence[Query]) -> list[Outcome]:
    """Every query through the JSON API as an anonymous visitor (after one untimed warm-up)."""
    client = app.test_client()
    with collecting_errors() as errors:
        client.get("/api/v1/search", query_string={"q": "warm-up"})
        return [ask(client, q, errors) for q in queries]


def report_dict(report: Report, outcomes: Sequence[Outcome] = ()) -> dict:
    """The figures as JSON: the summary, and every query with its rank (None: missed) and time."""
    return {"cutoff": CUTOFF, **asdict(report),
            "results": [{**_row(o), "reciprocal_rank": o.reciprocal_rank, "ms": round(o.ms, 2)} for o in outcomes]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="the query file (TSV)")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="the library to import")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--min-mrr", type=float, help="exit 1 when MRR@10 is below this")
    args = parser.parse_args(argv)
    try:
        queries = read_queries(args.queries)
    except (OSError, QueryFileError) as error:
        print(f"{args.queries}: {error}", file=sys.stderr)
        return 2
    if not queries:
        print(f"{args.queries}: no queries", file=sys.stderr)
        return 2
    with library_app(args.cases) as app:
        outcomes = run(app, queries)
        report = summarise(outcomes, library_slugs(app))
    print(format_report(report, args.min_mrr))
    if args.json:
        args.json.write_text(json.dumps(report_dict(report, outcomes), indent=2, ensure_ascii=False) + "\n")
    if args.min_mrr is not None and report.mrr < args.min_mrr:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
