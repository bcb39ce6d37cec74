"""Benchmark: index build, search latency and publish-to-searchable latency on a synthetic corpus.

    .venv/bin/python scripts/bench.py --sizes 1000 10000

Generates a seeded, realistic corpus (400-1,200 words a case, Dutch and English, vocabulary
drawn from the seed cases with a Zipf-like distribution), loads it into a fresh SQLite
database, and measures through the Flask test client. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from app import casefiles, create_app, db, vocabulary  # noqa: E402
from app.models import Case, Lesson  # noqa: E402
from app.services import indexing, library  # noqa: E402

CITIES = [("Amsterdam", "NL"), ("Rotterdam", "NL"), ("Utrecht", "NL"), ("Oss", "NL"), ("Groningen", "NL"),
          ("Eindhoven", "NL"), ("Nijmegen", "NL"), ("Zwolle", "NL"), ("Den Haag", "NL"), ("Tilburg", "NL"),
          ("Manila", "PH"), ("Medellín", "CO"), ("Bogotá", "CO"), ("Barcelona", "ES"), ("Wien", "AT"),
          ("Copenhagen", "DK"), ("Freiburg", "DE"), ("Seoul", "KR"), ("Curitiba", "BR"), ("Gent", "BE")]


def vocabulary_from_seed() -> dict[str, list[str]]:
    words: dict[str, list[str]] = {"nl": [], "en": []}
    for path in casefiles.case_files(ROOT / "cases"):
        case = casefiles.read_file(path)
        text = " ".join([case.title, case.summary, case.body, *[l.text for l in case.lessons]])
        words[case.language].extend(w.lower() for w in re.findall(r"[^\W\d_]{3,}", text))
    return words


def text(rng: random.Random, words: list[str], n: int) -> str:
    # Sampling the seed's running text keeps its word frequencies (a natural Zipf curve).
    sentences, out = [], []
    while len(out) < n:
        length = rng.randint(8, 22)
        sentence = rng.choices(words, k=length)
        out.extend(sentence)
        sentences.append(" ".join(sentence).capitalize() + ".")
    paragraphs = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(["## " + " ".join(rng.choices(words, k=3)).capitalize(), *paragraphs])


def load_corpus(size: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    words = vocabulary_from_seed()
    themes = list(vocabulary.themes())
    start = datetime(2020, 1, 1, tzinfo=UTC)
    session = db.session()
    for batch in range(0, size, 500):
        cases, lessons = [], []
        for i in range(batch, min(size, batch + 500)):
            lang = "nl" if rng.random() < 0.5 else "en"
            city, country = rng.choice(CITIES)
            cases.append(dict(
                id=i + 1, slug=f"bench-{i}", title=" ".join(rng.choices(words[lang], k=rng.randint(4, 9))).capitalize(),
                summary=" ".join(rng.choices(words[lang], k=35)), body=text(rng, words[lang], rng.randint(400, 1200)),
                city=city, country=country, language=lang,
                visibility="members" if rng.random() < 0.15 else "public", attribution="named",
                status=rng.choice(vocabulary.STATUSES), year=rng.randint(2000, 2026), copied_from=None,
                contact=None, themes=rng.sample(themes, rng.randint(1, 3)), organisations=[], sdg_targets=["11.3"],
                sources=["https://example.org"], published_at=start + timedelta(minutes=i),
                created_at=start, updated_at=start))
            for pos, kind in enumerate(["went_well", "went_badly", rng.choice(["went_well", "went_badly"])]):
                lessons.append(dict(case_id=i + 1, position=pos, kind=kind,
                                    text=" ".join(rng.choices(words[lang], k=rng.randint(25, 60))),
                                    visibility="members" if rng.random() < 0.2 else "public"))
        session.execute(insert(Case), cases)
        session.execute(insert(Lesson), lessons)
        session.commit()


def queries(rng: random.Random, words: dict[str, list[str]], n: int) -> list[dict]:
    common = {lang: [w for w in ws if len(w) > 4] for lang, ws in words.items()}
    out = []
    for i in range(n):
        lang = rng.choice(["nl", "en"])
        kind = i % 3
        if kind == 0:
            q = rng.choice(common[lang])
        elif kind == 1:
            q = " ".join(rng.sample(common[lang], 2))
        else:
            q = '"' + " ".join(rng.sample(common[lang], 1) + rng.sample(common[lang], 1)) + '"'
        params = {"q": q}
        if rng.random() < 0.4:
            params["theme"] = rng.choice(list(vocabulary.themes()))
        if rng.random() < 0.2:
            params["city"] = rng.choice(CITIES)[0]
        if rng.random() < 0.2:
            params["page"] = "2"
        out.append(params)
    return out


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(size: int, n_queries: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
                      "INDEX_DIR": str(workdir / "index")})
    client = app.test_client()
    result: dict = {"size": size}
    with app.app_context():
        db.upgrade_schema()
        load_corpus(size)
        t = time.perf_counter()
        indexing.rebuild()
        result["rebuild_s"] = time.perf_counter() - t

    rng = random.Random(7)
    words = vocabulary_from_seed()
    qs = queries(rng, words, n_queries)
    for params in qs[:20]:  # warm the searchers and facet caches, as a running worker has them
        client.get("/api/v1/search", query_string=params)
    timings, zero = [], 0
    for params in qs:
        t = time.perf_counter()
        data = client.get("/api/v1/search", query_string=params).get_json()
        timings.append((time.perf_counter() - t) * 1000)
        zero += data["total"] == 0
    result["search_p50_ms"] = statistics.median(timings)
    result["search_p95_ms"] = percentile(timings, 95)
    result["zero_hit_share"] = zero / len(qs)

    publish = []
    with app.app_context():
        template = library.export_case("bench-1")
    for i in range(30):
        marker = f"publishmarker{i}x"
        changed = template.replace("---\n\n", f"---\n\n{marker} ", 1)
        t = time.perf_counter()
        with app.app_context():
            library.import_text("bench-1.md", changed)
        found = client.get("/api/v1/search", query_string={"q": marker}).get_json()["total"]
        publish.append((time.perf_counter() - t) * 1000)
        assert found in (0, 1)
    result["publish_p50_ms"] = statistics.median(publish)
    result["publish_p95_ms"] = percentile(publish, 95)
    app.extensions["casebook.index"].close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        print(f"benchmarking {size} cases ...", file=sys.stderr, flush=True)
        rows.append(run(size, args.queries))
    print("| cases | rebuild both indexes | search p50 | search p95 | zero-hit queries | publish→searchable p50 | p95 |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['size']:,} | {r['rebuild_s']:.1f} s | {r['search_p50_ms']:.1f} ms | {r['search_p95_ms']:.1f} ms "
              f"| {r['zero_hit_share']:.0%} | {r['publish_p50_ms']:.0f} ms | {r['publish_p95_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
