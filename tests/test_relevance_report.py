"""The relevance report (scripts/relevance.py, part of `make bench`): its query file is well formed,
its arithmetic is right, and end to end it finds a case by its own words and lists a miss.
It never asserts the relevance goal itself: that is the report's figure, not a test."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import relevance  # noqa: E402

SMALL_LIBRARY = ("rotterdam-benthemplein-water-square", "vienna-social-housing", "houten-fietsstad")


def outcome(kind: str, expected: str, slugs: list[str]) -> relevance.Outcome:
    return relevance.Outcome(relevance.Query(kind, f"query for {expected}", tuple(expected.split("|"))), slugs, ms=1.0)


def test_the_query_file_is_parsed_skipping_comments_and_blank_lines():
    queries = relevance.parse_queries("# a comment\n\ntypo\tfietsstat\thouten-fietsstad\n"
                                      "place\tMedellin\tmedellin-a|medellin-b\n")
    assert [(q.kind, q.text, q.expected, q.line) for q in queries] == [
        ("typo", "fietsstat", ("houten-fietsstad",), 3),
        ("place", "Medellin", ("medellin-a", "medellin-b"), 4),
    ]


def test_a_malformed_line_is_refused_with_its_line_number():
    with pytest.raises(relevance.QueryFileError, match="line 2"):
        relevance.parse_queries("keyword\twater square\trotterdam-benthemplein-water-square\nkeyword water square\n")


def test_reciprocal_rank_counts_the_first_expected_case_on_the_first_page_only():
    page = [f"case-{i}" for i in range(1, 13)]
    assert relevance.reciprocal_rank(page, ["case-1"]) == 1.0
    assert relevance.reciprocal_rank(page, ["case-4"]) == 0.25
    assert relevance.reciprocal_rank(page, ["case-9", "case-3"]) == pytest.approx(1 / 3)  # either slug counts
    assert relevance.reciprocal_rank(page, ["case-11"]) == 0.0  # rank 11: beyond @10
    assert relevance.reciprocal_rank([], ["case-1"]) == 0.0


def test_the_summary_averages_per_kind_and_lists_misses_and_lower_ranks():
    outcomes = [
        outcome("typo", "a", ["a", "b"]),          # 1
        outcome("typo", "a", ["b", "a"]),          # 1/2
        outcome("place", "c", ["a", "b"]),         # 0: a miss
        outcome("place", "c|d", ["x", "y", "d"]),  # 1/3
    ]
    report = relevance.summarise(outcomes, known_slugs=["a", "b", "c", "x", "y"])
    assert report.queries == 4 and report.found_first == 1
    assert report.mrr == pytest.approx((1 + 0.5 + 0 + 1 / 3) / 4)
    assert report.per_kind["typo"] == {"queries": 2, "mrr": 0.75, "misses": 0}
    assert report.per_kind["place"]["mrr"] == pytest.approx(1 / 6) and report.per_kind["place"]["misses"] == 1
    assert list(report.per_kind) == ["typo", "place"]  # kinds in the order of the query file's header
    assert [(m["expected"], m["first"]) for m in report.misses] == [(["c"], ["a", "b"])]
    assert [r["rank"] for r in report.below_first] == [2, 3]
    assert report.unknown_slugs == ["d"]
    text = relevance.format_report(report, goal=0.95)
    assert "MRR@10 0.458 over 4 queries" in text and "NOT met" in text
    assert "| typo | 2 | 0.750 | 0 |" in text
    assert "'query for c' -> c: got a, b" in text


@pytest.fixture(scope="module")
def small_library(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cases")
    for slug in SMALL_LIBRARY:
        shutil.copy(ROOT / "cases" / f"{slug}.md", folder / f"{slug}.md")
    return folder


def test_end_to_end_a_case_found_by_its_own_words_ranks_first_and_a_missing_case_is_a_miss(small_library):
    queries = relevance.parse_queries("keyword\tBenthemplein water square\trotterdam-benthemplein-water-square\n"
                                      "keyword\tGemeindebau\tvienna-social-housing\n"
                                      "keyword\tBenthemplein\tno-such-case\n")
    with relevance.library_app(small_library) as app:
        assert sorted(relevance.library_slugs(app)) == sorted(SMALL_LIBRARY)
        outcomes = relevance.run(app, queries)
        report = relevance.summarise(outcomes, relevance.library_slugs(app))
    assert [o.rank for o in outcomes] == [1, 1, None]
    assert outcomes[2].slugs[0] == "rotterdam-benthemplein-water-square"  # what came first instead
    assert all(o.ms > 0 for o in outcomes) and report.median_ms > 0
    assert report.mrr == pytest.approx(2 / 3) and report.errors == 0
    assert [m["query"] for m in report.misses] == ["Benthemplein"]
    assert report.unknown_slugs == ["no-such-case"]


def test_the_command_writes_the_figures_and_fails_only_below_the_minimum_asked(small_library, tmp_path, capsys):
    query_file = tmp_path / "queries.tsv"
    query_file.write_text("# tiny\nkeyword\tGemeindebau\tvienna-social-housing\n"
                          "place\tWenen\tno-such-case\n", encoding="utf-8")
    out = tmp_path / "relevance.json"
    common = ["--queries", str(query_file), "--cases", str(small_library)]
    assert relevance.main([*common, "--json", str(out)]) == 0  # no minimum: `make bench` goes on
    printed = capsys.readouterr().out
    assert "MRR@10 0.500 over 2 queries" in printed and "'Wenen' -> no-such-case" in printed
    figures = json.loads(out.read_text())
    assert figures["queries"] == 2 and figures["mrr"] == 0.5 and figures["per_kind"]["keyword"]["mrr"] == 1.0
    assert [(r["query"], r["rank"]) for r in figures["results"]] == [("Gemeindebau", 1), ("Wenen", None)]
    assert relevance.main([*common, "--min-mrr", "0.95"]) == 1
    assert relevance.main([*common, "--min-mrr", "0.5"]) == 0


def test_the_shipped_query_file_covers_every_kind_in_both_languages_with_real_slugs():
    queries = relevance.read_queries(relevance.DEFAULT_QUERIES)
    seed = {p.stem for p in (ROOT / "cases").glob("*.md")}
    assert len(queries) >= 70
    assert {kind: sum(q.kind == kind for q in queries) >= 8 for kind in relevance.KIND_ORDER} == \
        dict.fromkeys(relevance.KIND_ORDER, True)
    assert {s for q in queries for s in q.expected} <= seed
    assert len({(q.kind, q.text.lower()) for q in queries}) == len(queries), "a query is listed twice"
