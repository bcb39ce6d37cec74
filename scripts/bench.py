"""Benchmark: every page type over HTTP against the production server, worker memory, and how
soon a change is searchable in every worker of a node and on another node.

    .venv/bin/python scripts/bench.py --sizes 1000 10000 50000

For each size: the kept corpus of that many cases (scripts/corpus.py builds it once), a working
copy of it, and gunicorn with the checkout's gunicorn.conf.py on a free loopback port (2 workers,
4 threads each). After a warm-up, requests of every page type are timed one at a time over
keep-alive connections, one to each worker. Then the workers' memory is read, and a moderator
changes a case through the web import 20 times; each time the script asks every worker (over
the connection that worker holds, found through /proc) until all of them find the change.
With PostgreSQL (127.0.0.1:5432 unless --postgres says otherwise) the corpus is copied into a
database of the script's own, two nodes with an index folder each serve it, and a change made
on node A is timed until every worker of node B finds it. Prints Markdown tables and checks
each figure against its target (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import corpus
import sqlalchemy as sa

from app import db

from live import own_database

PAGE_TYPES = ("home", "search", "search api", "search api, typed", "case", "theme", "city", "all cases")
# Targets (the issue "Run it for real", item 10): page p95 at a size, and for every size the
# time until a change is searchable in every worker of its node and on another node.
PAGE_P95_MS = {10_000: 30.0, 50_000: 80.0}
SEARCH_API_P95_MS = {10_000: 20.0}
WORKER_RSS_MB = {10_000: 300.0}
IN_NODE_P95_MS = 500.0
CROSS_NODE_P95_MS = 2000.0
# A change not found by every worker within this long counts as an error.
CHANGE_TIMEOUT_S = 10.0
DEFAULT_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95),
            "p99": percentile(values, 99)} if values else {"n": 0, "p50": None, "p95": None, "p99": None}


# --- the server's worker processes, read from /proc -------------------------------------------

def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the children of its master process."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(after_name[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _socket_inode(server_port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            local, remote = parts[1].rsplit(":", 1)[1], parts[2].rsplit(":", 1)[1]
            if int(local, 16) == server_port and int(remote, 16) == client_port:
                return parts[9]
    return None


def _holder(pids: list[int], inode: str) -> int | None:
    """Which of these processes holds the socket with this inode."""
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


# --- HTTP -----------------------------------------------------------------------------------

@dataclass
class Connection:
    """A keep-alive connection to the server, and the worker process holding its other end."""

    port: int
    worker: int | None = None
    http: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def get(self, path: str) -> tuple[int, bytes, float]:
        """Status, body and milliseconds from sending the request to reading the whole answer."""
        started = time.perf_counter()
        self.http.request("GET", path)
        response = self.http.getresponse()
        body = response.read()
        return response.status, body, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.http.close()


def connect_each_worker(server, attempts: int = 60) -> list[Connection]:
    """One open connection held by each worker of SERVER (the kernel chooses who accepts: open
    connections until every worker holds one)."""
    pids = worker_pids(server.process.pid)
    held: dict[int, Connection] = {}
    for _attempt in range(attempts):
        conn = Connection(server.port)
        conn.get("/healthz")  # answered: a worker has accepted it and keeps it open
        inode = _socket_inode(server.port, conn.http.sock.getsockname()[1])
        conn.worker = _holder(pids, inode) if inode else None
        if conn.worker is None or conn.worker in held:
            conn.close()
        else:
            held[conn.worker] = conn
        if len(held) == len(pids):
            return list(held.values())
    for conn in held.values():
        conn.close()
    raise RuntimeError(f"could not reach every worker of {pids} in {attempts} connections")


def wait_until_warm(conns: list[Connection], timeout: float = 120.0) -> None:
    """Until every worker says it has read its index's longest posting lists (as a server that
    has been running a while has): timing a worker still busy warming would time the warming."""
    deadline = time.monotonic() + timeout
    waiting = list(conns)
    while waiting and time.monotonic() < deadline:
        time.sleep(0.2)
        # Every connection asked each round: an idle one would be closed after gunicorn's keepalive.
        waiting = [conn for conn in waiting if not json.loads(conn.get("/healthz")[1]).get("follower", {}).get("warm")]
        for conn in conns:
            if conn not in waiting:
                conn.get("/healthz")
    if waiting:
        print(f"note: worker(s) {[c.worker for c in waiting]} still warming up after {timeout:.0f} s; "
              "their first timings include it", file=sys.stderr)


def time_pages(server, paths: dict[str, list[str]], warmup: int) -> tuple[dict[str, list[float]], list[str]]:
    """Each path once, page types interleaved, spread over the workers; the first WARMUP of each
    type go to every worker untimed (a running worker has its searchers and caches warm)."""
    conns = connect_each_worker(server)
    errors: list[str] = []
    try:
        wait_until_warm(conns)
        for kind_paths in paths.values():
            for path in kind_paths[:warmup]:
                for conn in conns:
                    conn.get(path)
        work = [(kind, path) for kind, kind_paths in paths.items() for path in kind_paths[warmup:]]
        random.Random(3).shuffle(work)
        timings: dict[str, list[float]] = {kind: [] for kind in paths}
        for i, (kind, path) in enumerate(work):
            status, _body, ms = conns[i % len(conns)].get(path)
            if status != 200:
                errors.append(f"{status} {path}")
            timings[kind].append(ms)
    finally:
        for conn in conns:
            conn.close()
    return timings, errors


def _finds(conn: Connection, marker: str, slug: str) -> bool:
    status, body, _ms = conn.get(f"/api/v1/search?q={quote(marker)}")
    return status == 200 and any(r["slug"] == slug for r in json.loads(body)["results"])


def change_propagation(writer, readers, slug: str, changes: int) -> tuple[list[float], list[str]]:
    """CHANGES edits of one case, uploaded by a moderator through WRITER's web import; each timed
    from sending the upload until every worker of READERS finds the new word."""
    moderator = writer.client()
    moderator.sign_in(corpus.MODERATOR.email, corpus.MODERATOR.password)
    template = moderator.get(f"/cases/{slug}/export").text
    assert "---\n\n" in template, template[:300]
    run = uuid.uuid4().hex[:6]
    timings, errors, pause = [], [], random.Random(changes)
    for server in {id(writer): writer, id(readers): readers}.values():  # just started: let them warm up first
        conns = connect_each_worker(server)
        wait_until_warm(conns)
        for conn in conns:
            conn.close()
    for i in range(changes):
        marker = f"zqx{run}n{i}k"  # a word no case has: no hit until the change arrives
        conns = connect_each_worker(readers)
        moderator.get("/moderate/import")
        started = time.perf_counter()
        answer = moderator.upload("/moderate/import", {f"{slug}.md": template.replace("---\n\n", f"---\n\n{marker} ", 1)})
        waiting = list(conns)
        while waiting and time.perf_counter() - started < CHANGE_TIMEOUT_S:
            waiting = [conn for conn in waiting if not _finds(conn, marker, slug)]
            if waiting:
                time.sleep(0.005)
        took = (time.perf_counter() - started) * 1000
        for conn in conns:
            conn.close()
        if answer.status != 200:
            errors.append(f"import answered {answer.status}")
        elif waiting:
            errors.append(f"change {i} not found by worker(s) {[c.worker for c in waiting]} in {CHANGE_TIMEOUT_S:.0f} s")
        else:
            timings.append(took)
        time.sleep(pause.uniform(0, 0.5))  # changes land at any moment of the followers' half-second round
    return timings, errors


# --- several nodes on PostgreSQL --------------------------------------------------------------

def postgres_reachable(url: str) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return True
    except Exception:  # noqa: BLE001 - any failure means: no cross-node figures
        return False
    finally:
        engine.dispose()


@contextmanager
def postgres_copy(admin_url: str, kept: corpus.Corpus, folder: Path) -> Iterator[str]:
    """A database of our own on the PostgreSQL server holding the corpus's rows; dropped afterwards."""
    with own_database(admin_url, f"casebook_bench_{os.getpid()}") as database_url:
        app = corpus.app_for(database_url, folder / "setup-index")
        with app.app_context():
            db.upgrade_schema()
        corpus.dispose(app)
        corpus.copy_rows(kept.database_url, database_url)
        yield database_url


def cross_node(kept: corpus.Corpus, folder: Path, admin_url: str, slug: str, changes: int) -> dict:
    started = time.perf_counter()
    with postgres_copy(admin_url, kept, folder) as database_url:
        copy_s = time.perf_counter() - started
        node_a, node_b = kept.copy_to(folder / "node-a"), kept.copy_to(folder / "node-b")
        with corpus.serving(node_a, node_b, database_url=database_url) as (a, b):
            timings, errors = change_propagation(a, b, slug, changes)
    return {**summary(timings), "errors": errors, "copy_s": copy_s}


# --- one size ---------------------------------------------------------------------------------

def run(size: int, args) -> dict:
    say(f"{size:,} cases: corpus ...")
    kept = corpus.ensure(size, cache_dir=args.cache_dir)
    work = corpus.workload(kept)
    folder = Path(tempfile.mkdtemp(prefix=f"run-{size}-", dir=args.cache_dir))
    result: dict = {"size": size, "build_s": corpus.build_seconds(kept)}
    try:
        node = kept.copy_to(folder / "node")
        paths = corpus.page_paths(work, random.Random(size), args.requests + args.warmup)
        with corpus.serving(node) as (server,):
            say(f"{size:,} cases: timing {len(PAGE_TYPES)} page types x {args.requests} requests ...")
            timings, errors = time_pages(server, paths, args.warmup)
            result["pages"] = {kind: summary(values) for kind, values in timings.items()}
            result["page_errors"] = errors
            result["requests"] = sum(len(v) for v in timings.values())
            say(f"{size:,} cases: {args.changes} changes through the web import ...")
            slug = work["public_slugs"][0]
            in_node, change_errors = change_propagation(server, server, slug, args.changes)
            result["in_node"] = {**summary(in_node), "errors": change_errors}
            result["worker_rss_mb"] = [round(rss_mb(pid), 1) for pid in worker_pids(server.process.pid)]
        if args.postgres and postgres_reachable(args.postgres):
            say(f"{size:,} cases: two nodes on PostgreSQL ...")
            result["cross_node"] = cross_node(kept, folder, args.postgres, slug, args.changes)
        else:
            result["cross_node"] = None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


# --- the report -------------------------------------------------------------------------------

@dataclass
class Check:
    what: str
    value: float | None
    limit: float
    unit: str

    @property
    def met(self) -> bool:
        return self.value is not None and self.value <= self.limit

    def line(self) -> str:
        value = "not measured" if self.value is None else f"{self.value:,.1f} {self.unit}"
        return f"- {'met' if self.met else 'MISSED'}: {self.what}: {value} (target ≤ {self.limit:,.0f} {self.unit})"


def checks(results: list[dict]) -> list[Check]:
    out = []
    for r in results:
        size = r["size"]
        if size in PAGE_P95_MS:
            out += [Check(f"{kind} p95 at {size:,} cases", r["pages"][kind]["p95"], PAGE_P95_MS[size], "ms")
                    for kind in PAGE_TYPES]
        if size in SEARCH_API_P95_MS:
            out.append(Check(f"search api p95 at {size:,} cases", r["pages"]["search api"]["p95"],
                             SEARCH_API_P95_MS[size], "ms"))
        if size in WORKER_RSS_MB:
            out.append(Check(f"worker memory at {size:,} cases", max(r["worker_rss_mb"]), WORKER_RSS_MB[size], "MB"))
        out.append(Check(f"change searchable in every worker of the node, p95 at {size:,} cases",
                         r["in_node"]["p95"], IN_NODE_P95_MS, "ms"))
        if r["cross_node"] is not None:
            out.append(Check(f"change searchable on another node, p95 at {size:,} cases",
                             r["cross_node"]["p95"], CROSS_NODE_P95_MS, "ms"))
    return out


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def report(results: list[dict]) -> str:
    sizes = [f"{r['size']:,}" for r in results]
    lines = ["p50 / p95 in ms, one request at a time over keep-alive connections:", "",
             "| page | " + " | ".join(f"{s} cases" for s in sizes) + " |",
             "|---|" + "---:|" * len(results)]
    for kind in PAGE_TYPES:
        cells = [f"{_ms(r['pages'][kind]['p50'])} / {_ms(r['pages'][kind]['p95'])}" for r in results]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", "| cases | requests | errors | worker RSS | change in every worker p50 / p95 "
                  "| on another node p50 / p95 | corpus build |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        cross = r["cross_node"]
        cross_cell = "not measured" if cross is None else f"{_ms(cross['p50'])} / {_ms(cross['p95'])} ms"
        errors = len(r["page_errors"]) + len(r["in_node"]["errors"]) + (len(cross["errors"]) if cross else 0)
        build = "–" if r["build_s"] is None else f"{r['build_s']:.0f} s"
        lines.append(f"| {r['size']:,} | {r['requests']:,} | {errors} | "
                     f"{' + '.join(f'{mb:.0f}' for mb in r['worker_rss_mb'])} MB | "
                     f"{_ms(r['in_node']['p50'])} / {_ms(r['in_node']['p95'])} ms | {cross_cell} | {build} |")
    if any(r["cross_node"] is None for r in results):
        lines += ["", "Cross-node: skipped (no PostgreSQL reachable)."]
    lines += ["", "Targets:"] + [c.line() for c in checks(results)]
    return "\n".join(lines)


def all_errors(results: list[dict]) -> list[str]:
    return [e for r in results for e in
            r["page_errors"] + r["in_node"]["errors"] + (r["cross_node"]["errors"] if r["cross_node"] else [])]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page type")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page type and worker")
    parser.add_argument("--changes", type=int, default=20, help="changes timed until searchable")
    parser.add_argument("--postgres", default=os.environ.get("CASEBOOK_BENCH_POSTGRES", DEFAULT_POSTGRES),
                        help="a PostgreSQL server to create the cross-node database on ('' to skip)")
    parser.add_argument("--cache-dir", type=Path, default=corpus.CACHE_DIR, help="where built corpora are kept")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = [run(size, args) for size in args.sizes]
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "checks": [c.__dict__ | {"met": c.met} for c in checks(results)]},
                                        indent=1))
    errors = all_errors(results)
    for error in errors[:20]:
        say(f"error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
