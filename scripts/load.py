"""Load test: locust, headless, against the production server on loopback; bounded in time and requests.

    .venv/bin/python scripts/load.py --size 10000 --users 20 --run-time 60s --max-requests 30000

Takes the kept corpus of SIZE cases (scripts/corpus.py builds it once), a working copy of it,
and gunicorn with the checkout's gunicorn.conf.py on a free loopback port; writes the plan
(request paths of every page type, the bench member) for scripts/locustfile.py, runs locust
on it and prints requests/s, p50/p95/p99 per page type and the error count (locust's own
summary and error report go to stderr). Exits non-zero when any request failed or a page type
went unmeasured.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import bench
import corpus

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PAGE_TYPES = (*bench.PAGE_TYPES, "sign-in page", "sign-in", "member search")
PATHS_PER_TYPE = 2000


def write_plan(kept: corpus.Corpus, path: Path) -> None:
    work = corpus.workload(kept)
    path.write_text(json.dumps({"paths": corpus.page_paths(work, random.Random(5), PATHS_PER_TYPE),
                                "accounts": work["accounts"]}, ensure_ascii=False))


def seconds(run_time: str) -> int:
    """locust's --run-time (`60s`, `2m`, `1h30m`, or plain seconds) in seconds."""
    if run_time.isdigit():
        return int(run_time)
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[unit] for n, unit in re.findall(r"(\d+)([hms])", run_time))


def run_locust(url: str, plan: Path, prefix: Path, args) -> int:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
               "-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", args.run_time,
               "--max-requests", str(args.max_requests), "--max-sign-ins", str(args.max_sign_ins),
               "--json-file", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"]
    return subprocess.run(command, env={**os.environ, "CASEBOOK_LOAD_PLAN": str(plan)},
                          stdout=sys.stderr, timeout=seconds(args.run_time) + 120).returncode


def _percentile(histogram: dict[int, int], p: float) -> float:
    """From locust's response-time histogram (ms, rounded as locust rounds them: 2 figures above 100)."""
    rank, seen = p / 100 * sum(histogram.values()), 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= rank:
            return float(ms)
    return 0.0


def read_stats(path: Path) -> dict[str, dict]:
    """locust's final stats (--json-file): one entry per page type, and "all" for the whole run."""
    entries = json.loads(path.read_text())
    started = min((e["start_time"] for e in entries), default=0.0)
    ended = max((e["last_request_timestamp"] or 0.0 for e in entries), default=0.0)
    duration = max(ended - started, 1e-9)
    merged: dict[int, int] = {}
    for entry in entries:
        for ms, count in entry["response_times"].items():
            merged[int(ms)] = merged.get(int(ms), 0) + count

    def figures(requests: int, failures: int, histogram: dict) -> dict:
        histogram = {int(ms): n for ms, n in histogram.items()}
        return {"requests": requests, "failures": failures, "rps": requests / duration,
                **{f"p{p}": _percentile(histogram, p) for p in (50, 95, 99)}}

    stats = {e["name"]: figures(e["num_requests"], e["num_failures"], e["response_times"]) for e in entries}
    stats["all"] = figures(sum(e["num_requests"] for e in entries), sum(e["num_failures"] for e in entries), merged)
    stats["all"]["seconds"] = duration
    return stats


def report(stats: dict[str, dict], rss: list[float], args) -> str:
    total = stats["all"]
    lines = [f"{args.size:,} cases, {args.users} users (spawned at {args.spawn_rate}/s), at most {args.run_time} "
             f"and {args.max_requests:,} requests; worker RSS after the run: "
             f"{' + '.join(f'{mb:.0f}' for mb in rss)} MB", "",
             "| page | requests | errors | requests/s | p50 ms | p95 ms | p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in [*PAGE_TYPES, "all"]:
        row = stats.get(name)
        if row is None:
            lines.append(f"| {name} | 0 | – | – | – | – | – |")
            continue
        lines.append(f"| {name} | {row['requests']:,} | {row['failures']} | {row['rps']:.1f} | "
                     f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |")
    lines += ["", f"{total['requests']:,} requests in {total['seconds']:.0f} s: {total['rps']:.1f} requests/s; "
                  f"errors: {total['failures']}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--max-requests", type=int, default=30000)
    parser.add_argument("--max-sign-ins", type=int, default=9)
    parser.add_argument("--cache-dir", type=Path, default=corpus.CACHE_DIR, help="where built corpora are kept")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    kept = corpus.ensure(args.size, cache_dir=args.cache_dir)
    folder = Path(tempfile.mkdtemp(prefix=f"load-{args.size}-", dir=args.cache_dir))
    try:
        node = kept.copy_to(folder / "node")
        plan = folder / "plan.json"
        write_plan(kept, plan)
        with corpus.serving(node) as (server,):
            code = run_locust(server.url, plan, folder / "locust", args)
            rss = [bench.rss_mb(pid) for pid in bench.worker_pids(server.process.pid)]
        stats = read_stats(folder / "locust.json")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(report(stats, rss, args))
    missing = [name for name in PAGE_TYPES if not stats.get(name, {}).get("requests")]
    if missing:
        print(f"not measured: {', '.join(missing)}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"stats": stats, "worker_rss_mb": rss, "locust_exit": code}, indent=1))
    # locust exits 1 when a request failed (its error report is above), other codes when it broke.
    return 1 if stats["all"]["failures"] or missing or code else 0


if __name__ == "__main__":
    sys.exit(main())
