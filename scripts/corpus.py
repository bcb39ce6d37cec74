"""A seeded synthetic corpus for benchmarks and load tests, built once per size and kept.

    .venv/bin/python scripts/corpus.py 10000      # build (or find) the 10,000-case corpus

A corpus is a SQLite database with N cases and two accounts (a member and a moderator) and
the search indexes built from it; its workload is what requests ask for (public case slugs,
cities, search parameters), drawn from what the corpus really holds. Cases have 400-1,200 words, half
Dutch and half English, sampled from the seed cases' own running text so that word frequencies
are natural; 15% are members-only and a fifth of the lessons are members-only.

Built corpora are kept under `.bench/` in the checkout, keyed by size, seed, this generator's
version and a fingerprint of the code that decides what the database and the index hold; a
run takes a working copy (the database copied, the index's large immutable segment files
hard-linked) so the kept one stays as built.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # live.py: gunicorn from this checkout, as the tests start it

import sqlalchemy as sa  # noqa: E402

from app import casefiles, create_app, db, gazetteer, vocabulary  # noqa: E402
from app.models import Base, Case, Lesson  # noqa: E402
from app.services import indexing, members  # noqa: E402

from live import Server  # noqa: E402

# Raise when the generator changes what it writes: kept corpora of an older version are rebuilt.
GENERATOR_VERSION = 2
DEFAULT_SEED = 11
CACHE_DIR = ROOT / ".bench"
# Besides the generator (GENERATOR_VERSION) and the migrations, these decide what the index holds.
SHAPING_FILES = ("app/search/schema.py", "app/services/indexing.py", "app/search/compounds.py", "app/gazetteer.py")
SEARCH_PARAMS = 600
SAMPLE_SLUGS = 3000
# Files at least this large are whoosh segment data, written once and never changed in place:
# a working copy hard-links them; smaller ones (TOC, lock and position files) are copied.
LINK_FROM_BYTES = 256 * 1024

CITIES = [("Amsterdam", "NL"), ("Rotterdam", "NL"), ("Utrecht", "NL"), ("Oss", "NL"), ("Groningen", "NL"),
          ("Eindhoven", "NL"), ("Nijmegen", "NL"), ("Zwolle", "NL"), ("Den Haag", "NL"), ("Tilburg", "NL"),
          ("Manila", "PH"), ("Medellín", "CO"), ("Bogotá", "CO"), ("Barcelona", "ES"), ("Wien", "AT"),
          ("Copenhagen", "DK"), ("Freiburg", "DE"), ("Seoul", "KR"), ("Curitiba", "BR"), ("Gent", "BE")]


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str
    name: str


MEMBER = Account("member@bench.example.org", "quiet-harbour-lantern-7", "member", "Bench Member")
MODERATOR = Account("moderator@bench.example.org", "amber-viaduct-meadow-3", "moderator", "Bench Moderator")
ACCOUNTS = (MEMBER, MODERATOR)


@dataclass(frozen=True)
class Corpus:
    """A built corpus in a folder: the database and the index folder."""

    folder: Path
    size: int

    @property
    def database(self) -> Path:
        return self.folder / "casebook.sqlite3"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def index_dir(self) -> Path:
        return self.folder / "search_index"

    def copy_to(self, folder: Path) -> Corpus:
        """A working copy that a server may change; this corpus stays as built."""
        folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob("casebook.sqlite3*"):  # with any WAL files
            shutil.copy2(path, folder / path.name)
        shutil.copytree(self.index_dir, folder / self.index_dir.name, symlinks=True, copy_function=_link_or_copy)
        return Corpus(folder, self.size)


@contextmanager
def serving(*corpora: Corpus, database_url: str | None = None, workers: int = 2, threads: int = 4,
            wait: float = 300, **env: str) -> Iterator[list[Server]]:
    """The production server (gunicorn with the checkout's gunicorn.conf.py) on loopback over each
    corpus's index and database (or DATABASE_URL holding the same rows), started side by side."""
    servers = [Server(database_url or c.database_url, c.index_dir, workers=workers,
                      env={"CASEBOOK_THREADS": str(threads), "CASEBOOK_SECRET_KEY": "bench-secret", **env})
               for c in corpora]
    with ThreadPoolExecutor(len(servers)) as pool:
        try:
            list(pool.map(lambda server: server.start(wait=wait), servers))
            yield servers
        finally:
            list(pool.map(Server.stop, servers))


def _link_or_copy(source: str, target: str) -> None:
    if os.path.getsize(source) >= LINK_FROM_BYTES:
        try:
            os.link(source, target)
            return
        except OSError:  # another file system: copy
            pass
    shutil.copy2(source, target)


# --- generating ----------------------------------------------------------------------------

def vocabulary_from_seed() -> dict[str, list[str]]:
    """The seed cases' running text, word by word, per language."""
    words: dict[str, list[str]] = {"nl": [], "en": []}
    for path in casefiles.case_files(ROOT / "cases"):
        case = casefiles.read_file(path)
        text = " ".join([case.title, case.summary, case.body, *[l.text for l in case.lessons]])
        words[case.language].extend(w.lower() for w in re.findall(r"[^\W\d_]{3,}", text))
    return words


def _text(rng: random.Random, words: list[str], n: int) -> str:
    # Sampling the seed's running text keeps its word frequencies (a natural Zipf curve).
    sentences, out = [], []
    while len(out) < n:
        length = rng.randint(8, 22)
        sentence = rng.choices(words, k=length)
        out.extend(sentence)
        sentences.append(" ".join(sentence).capitalize() + ".")
    paragraphs = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(["## " + " ".join(rng.choices(words, k=3)).capitalize(), *paragraphs])


def load_cases(size: int, seed: int = DEFAULT_SEED) -> None:
    """Insert SIZE published cases and their lessons into the app's database (in batches)."""
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
                summary=" ".join(rng.choices(words[lang], k=35)), body=_text(rng, words[lang], rng.randint(400, 1200)),
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
        session.execute(sa.insert(Case), cases)
        session.execute(sa.insert(Lesson), lessons)
        session.commit()


def search_params(rng: random.Random, words: dict[str, list[str]], cities: list[str], n: int) -> list[dict]:
    """Search requests as readers make them: a third each one word, two words, a quoted phrase;
    40% with a theme filter, 20% with a city filter, 20% on page 2."""
    common = {lang: sorted({w for w in ws if len(w) > 4}) for lang, ws in words.items()}
    themes = list(vocabulary.themes())
    out = []
    for i in range(n):
        lang = rng.choice(["nl", "en"])
        kind = i % 3
        if kind == 0:
            q = rng.choice(common[lang])
        elif kind == 1:
            q = " ".join(rng.sample(common[lang], 2))
        else:
            q = '"' + " ".join(rng.sample(common[lang], 2)) + '"'
        params = {"q": q}
        if rng.random() < 0.4:
            params["theme"] = rng.choice(themes)
        if rng.random() < 0.2:
            params["city"] = rng.choice(cities)
        if rng.random() < 0.2:
            params["page"] = "2"
        out.append(params)
    return out


QUESTIONS = {"en": ["how did {} work", "what went wrong with {}", "who has tried {}"],
             "nl": ["hoe werkt {}", "wat ging er mis met {}", "wie heeft {} geprobeerd"]}


def typed_params(rng: random.Random, words: dict[str, list[str]], n: int) -> list[dict]:
    """Searches as members type them: a third each a question around two words, a word with two
    letters swapped (a typo), two words run together (a compound)."""
    common = {lang: sorted({w for w in ws if len(w) > 6 and w.isalpha()}) for lang, ws in words.items()}
    out = []
    for i in range(n):
        lang = rng.choice(["nl", "en"])
        kind = i % 3
        if kind == 0:
            q = rng.choice(QUESTIONS[lang]).format(" ".join(rng.sample(common[lang], 2)))
        elif kind == 1:
            word = rng.choice(common[lang])
            at = rng.randrange(1, len(word) - 2)
            q = word[:at] + word[at + 1] + word[at] + word[at + 2:]
        else:
            q = "".join(rng.sample(common[lang], 2))
        out.append({"q": q})
    return out


def workload(corpus: Corpus, seed: int = DEFAULT_SEED) -> dict:
    """What requests may ask for, read from the corpus database: anonymous visitors find each."""
    rng = random.Random(seed + 1)
    engine = sa.create_engine(corpus.database_url)
    with engine.connect() as conn:
        public = list(conn.scalars(sa.select(Case.slug).where(Case.visibility == "public").order_by(Case.id)))
        members_only = list(conn.scalars(sa.select(Case.slug).where(Case.visibility != "public").order_by(Case.id)))
        # As the site links them: one key per city (`Wien` is /cities/Vienna).
        cities = sorted({gazetteer.place(city, country).key for city, country in
                         conn.execute(sa.select(Case.city, Case.country).where(Case.visibility == "public"))})
    engine.dispose()
    return {
        "size": corpus.size,
        "public_slugs": rng.sample(public, min(len(public), SAMPLE_SLUGS)),
        "members_slugs": rng.sample(members_only, min(len(members_only), SAMPLE_SLUGS)),
        "cities": cities,
        "themes": list(vocabulary.themes()),
        "search": search_params(rng, vocabulary_from_seed(), cities, SEARCH_PARAMS),
        "typed": typed_params(random.Random(seed + 2), vocabulary_from_seed(), SEARCH_PARAMS),
        "accounts": {a.role: {"email": a.email, "password": a.password} for a in ACCOUNTS},
    }


def page_paths(work: dict, rng: random.Random, n: int) -> dict[str, list[str]]:
    """N request paths of every page type, as visitors ask for them (filters and later pages mixed in)."""
    search, slugs, cities, themes = work["search"], work["public_slugs"], work["cities"], work["themes"]
    last_page = max(1, min(50, int(work["size"] * 0.85) // 10))  # of all cases, 10 to a page

    def later_page(path: str, share: float, last: int = 2, **params: str) -> str:
        if last > 1 and rng.random() < share:
            params["page"] = str(rng.randint(2, last))
        return f"{path}?{urlencode(params)}" if params else path

    return {
        "home": ["/"] * n,
        "search": ["/search?" + urlencode(rng.choice(search)) for _ in range(n)],
        "search api": ["/api/v1/search?" + urlencode(rng.choice(search)) for _ in range(n)],
        "search api, typed": ["/api/v1/search?" + urlencode(rng.choice(work["typed"])) for _ in range(n)],
        "case": [f"/cases/{quote(rng.choice(slugs))}" for _ in range(n)],
        "theme": [later_page(f"/themes/{rng.choice(themes)}", 0.2) for _ in range(n)],
        "city": [later_page(f"/cities/{quote(rng.choice(cities))}", 0.2) for _ in range(n)],
        "all cases": [later_page("/search", 0.5, last_page, sort="newest") for _ in range(n)],
    }


def app_for(database_url: str, index_dir: Path):
    """The app on this database and index, for scripts (no follower, no log set-up of its own)."""
    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url, "INDEX_DIR": str(index_dir),
                       "FOLLOW_CHANGES": False, "LOG_CONFIGURE": False})


def dispose(app) -> None:
    app.extensions["casebook.search"].close()
    app.extensions["casebook.db"].kw["bind"].dispose()


def build(folder: Path, size: int, seed: int = DEFAULT_SEED, processes: int = 2) -> Corpus:
    """Generate a corpus into FOLDER: database, accounts, both indexes."""
    corpus = Corpus(folder, size)
    folder.mkdir(parents=True, exist_ok=True)
    app = app_for(corpus.database_url, corpus.index_dir)
    with app.app_context():
        db.upgrade_schema()
        load_cases(size, seed)
        for account in ACCOUNTS:
            members.create_member(account.email, account.password, account.role, name=account.name)
        indexing.rebuild(processes=processes)
    dispose(app)
    return corpus


# --- the kept corpora -----------------------------------------------------------------------

def corpus_key(size: int, seed: int = DEFAULT_SEED) -> str:
    digest = hashlib.sha256()
    for name in SHAPING_FILES:
        digest.update((ROOT / name).read_bytes())
    for path in sorted((ROOT / "app" / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode())
    return f"cases-{size}-seed{seed}-v{GENERATOR_VERSION}-{digest.hexdigest()[:10]}"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder per corpus at a time, across processes (a second run waits, then reuses it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(size: int, seed: int = DEFAULT_SEED, cache_dir: Path = CACHE_DIR, processes: int = 2,
           say=lambda message: print(message, file=sys.stderr, flush=True)) -> Corpus:
    """The kept corpus of SIZE cases, built first when there is none (or only an older one)."""
    key = corpus_key(size, seed)
    folder = cache_dir / key
    with _locked(cache_dir / f"{key}.lock"):
        if (folder / "complete").exists():
            return Corpus(folder, size)
        for old in cache_dir.glob(f"cases-{size}-seed{seed}-*"):
            if old.is_dir():  # an older generator's, or a build that was cut short
                shutil.rmtree(old)
        say(f"building a corpus of {size:,} cases in {folder} (once; later runs reuse it) ...")
        started = time.monotonic()
        building = cache_dir / f"{key}.building"
        build(building, size, seed, processes)
        (building / "complete").write_text(f"{time.monotonic() - started:.1f}\n")
        building.rename(folder)
        say(f"built {size:,} cases in {time.monotonic() - started:.0f} s")
    return Corpus(folder, size)


def build_seconds(corpus: Corpus) -> float | None:
    """How long building this corpus took (database and both indexes), as recorded when it was built."""
    try:
        return float((corpus.folder / "complete").read_text())
    except (OSError, ValueError):
        return None


def copy_rows(source_url: str, target_url: str, batch: int = 1000) -> None:
    """Copy every row of a corpus database into another database that has the schema and no rows
    (PostgreSQL for several nodes); identity sequences then continue after the copied ids."""
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    with source.connect() as read, target.begin() as write:
        for table in Base.metadata.sorted_tables:
            rows = read.execute(table.select())
            while chunk := rows.fetchmany(batch):
                write.execute(table.insert(), [dict(r._mapping) for r in chunk])
            if target.dialect.name == "postgresql" and "id" in table.c:
                write.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
    source.dispose()
    target.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--processes", type=int, default=min(os.cpu_count() or 1, 4))
    args = parser.parse_args()
    for size in args.sizes:
        print(ensure(size, args.seed, processes=args.processes).folder)


if __name__ == "__main__":
    main()
