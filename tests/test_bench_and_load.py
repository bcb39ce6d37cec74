"""`make bench` and `make load` run end to end on a tiny corpus, so the scripts cannot silently rot:
every page type measured, no request failed, both runs bounded."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE_TYPES = ("home", "search", "search api", "case", "theme", "city", "all cases")
LOAD_TYPES = (*PAGE_TYPES, "sign-in page", "sign-in", "member search")
CASES = 50


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """Where both runs keep the tiny corpus: the second reuses the first's."""
    return tmp_path_factory.mktemp("bench-cache")


def run_script(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, f"scripts/{name}", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_the_load_test_measures_every_page_type_without_errors_and_stops_at_its_request_count(cache_dir):
    out = cache_dir / "load.json"
    done = run_script("load.py", "--size", str(CASES), "--users", "6", "--spawn-rate", "6", "--run-time", "30s",
                      "--max-requests", "80", "--cache-dir", str(cache_dir), "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    figures = json.loads(out.read_text())
    stats = figures["stats"]
    assert {name: stats.get(name, {}).get("requests", 0) > 0 for name in LOAD_TYPES} == dict.fromkeys(LOAD_TYPES, True)
    assert stats["all"]["failures"] == 0 and figures["locust_exit"] == 0
    assert 80 <= stats["all"]["requests"] <= 80 + 6 * 2  # stopped by count (users' last requests finish)
    assert all(mb > 0 for mb in figures["worker_rss_mb"])
    assert "| member search |" in done.stdout and "errors: 0" in done.stdout


def test_the_benchmark_times_every_page_type_and_how_soon_a_change_is_searchable(cache_dir):
    out = cache_dir / "bench.json"
    postgres = os.environ.get("CASEBOOK_TEST_DATABASE_URL", "")
    done = run_script("bench.py", "--sizes", str(CASES), "--requests", "3", "--warmup", "1", "--changes", "2",
                      "--postgres", postgres, "--cache-dir", str(cache_dir), "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    result = json.loads(out.read_text())["results"][0]
    assert result["page_errors"] == [] and result["in_node"]["errors"] == []
    assert {kind: result["pages"][kind]["n"] for kind in PAGE_TYPES} == dict.fromkeys(PAGE_TYPES, 3)
    assert result["in_node"]["n"] == 2 and len(result["worker_rss_mb"]) == 2
    if postgres:
        assert result["cross_node"]["n"] == 2 and result["cross_node"]["errors"] == []
    else:
        assert result["cross_node"] is None and "Cross-node: skipped" in done.stdout
    assert "| all cases |" in done.stdout and "Targets:" in done.stdout
