"""Where a page's time goes: cProfile over requests to one path, in-process, on a kept corpus.

    .venv/bin/python scripts/profile_page.py --size 10000 / /cases/bench-1

Takes a working copy of the kept corpus (scripts/corpus.py), warms up with a few requests,
then profiles REQUESTS requests to each path through the Flask test client and prints the
functions with the most cumulative time, and the milliseconds a request took.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import corpus


def profile(app, path: str, requests: int, top: int) -> None:
    client = app.test_client()
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    ms = (time.perf_counter() - started) * 1000 / requests
    print(f"\n## {path}: {ms:.1f} ms a request (mean of {requests}, under the profiler)\n")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cache-dir", type=Path, default=corpus.CACHE_DIR)
    args = parser.parse_args()
    kept = corpus.ensure(args.size, cache_dir=args.cache_dir)
    folder = Path(tempfile.mkdtemp(prefix=f"profile-{args.size}-", dir=args.cache_dir))
    try:
        node = kept.copy_to(folder)
        app = corpus.app_for(node.database_url, node.index_dir)
        for path in args.paths:
            profile(app, path, args.requests, args.top)
        corpus.dispose(app)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
