"""Decompounding: a compound also finds its parts written apart, and ordinary words stay whole."""
from __future__ import annotations

import pytest

from app.search import compounds
from app.search.schema import language_analyzer


@pytest.mark.parametrize("word, parts", [
    ("regenwateropvang", ("regenwater", "opvang")),
    ("zonnepanelen", ("zonne", "panelen")),
    ("stadsverwarming", ("stad", "verwarming")),
    ("warmtenet", ("warmte", "net")),
    ("klimaatadaptatie", ("klimaat", "adaptatie")),
    ("hittestress", ("hitte", "stress")),
    ("woningcorporatie", ("woning", "corporatie")),
    ("aardgasvrij", ("aardgas", "vrij")),
    ("fietssnelweg", ("fiets", "snelweg")),
    ("buurtbewoners", ("buurt", "bewoners")),
    ("energiecooperatie", ("energie", "cooperatie")),
    ("gemeenteraad", ("gemeente", "raad")),
])
def test_dutch_compounds_split_into_their_parts(word, parts):
    assert compounds.split(word) == parts


@pytest.mark.parametrize("word, parts", [
    ("watersquare", ("water", "square")),
    ("greenroofs", ("green", "roofs")),
    ("raingardens", ("rain", "gardens")),
])
def test_english_run_togethers_split(word, parts):
    assert compounds.split(word) == parts


@pytest.mark.parametrize("word, parts", [
    ("stadsvernieuwing", ("stad", "vernieuwing")),  # s: dropped, the stemmer drops it too
    ("gebiedsontwikkeling", ("gebied", "ontwikkeling")),
    ("zonnepaneel", ("zonne", "paneel")),  # e: kept, as written apart (`zonne- en windenergie`)
    ("huizenbouw", ("huizen", "bouw")),  # en: kept, the plural
    ("fietsenstalling", ("fietsen", "stalling")),
])
def test_linking_morphemes(word, parts):
    assert compounds.split(word) == parts


def test_a_linking_s_is_one_the_index_drops_anyway():
    analyse = language_analyzer("nl")
    assert [t.text for t in analyse("stads verwarming")] == [t.text for t in analyse("stad verwarming")]


@pytest.mark.parametrize("word, parts", [
    ("klimaatadaptatiestrategie", ("klimaat", "adaptatie", "strategie")),
    ("regenwateropvangsysteem", ("regenwater", "opvang", "systeem")),
    ("groendakensubsidie", ("groen", "daken", "subsidie")),
])
def test_three_parts_when_two_will_not_do(word, parts):
    assert compounds.split(word) == parts


def test_two_parts_are_preferred_to_three():
    # `regen water opvang` has commoner parts, but `regenwater` is a word: two parts suffice.
    assert compounds.split("regenwateropvang") == ("regenwater", "opvang")
    assert compounds.split("zonnepanelenproject") == ("zonnepanelen", "project")


ORDINARY_WORDS = str.split("""
    verwarming bewoners opvang gemeente betrokkenheid aanbesteding overheid samenwerking
    participatie ontwikkeling duurzaamheid bereikbaarheid leefbaarheid voorzieningen inwoners
    vergunning onderzoek verduurzaming uitvoering mogelijkheden belangrijk ondernemers huurders
    veiligheid gezondheid maatschappelijk voorbeeld vertrouwen kinderen iedereen bijvoorbeeld
    participation neighbourhood neighborhood information sustainable sustainability community
    resilience stakeholders waterfront understanding together something background walkability
    development government
""")


@pytest.mark.parametrize("word", ORDINARY_WORDS)
def test_ordinary_words_do_not_split(word):
    # Prefixes (ver-, be-, aan-, samen-), suffixes (-heid, -lijk, -hood, -able) and chance words
    # (`kind|eren`) are no compound parts; closed English words (`neighbourhood` = neighbour +
    # the suffix -hood, `stakeholders`) are written closed.
    assert compounds.split(word) is None


@pytest.mark.parametrize("word", ["wegen", "zonnen", "dakpan", "fietsen", "warmte", "square", "zonnet"])
def test_words_under_seven_letters_never_split(word):
    assert compounds.split(word) is None


def test_parts_are_at_least_three_letters():
    for word in ["zonnepanelen", "warmtenet", "aardgasvrij", "klimaatadaptatiestrategie", "greenroofs"]:
        parts = compounds.split(word)
        assert parts and all(len(p) >= compounds.MIN_PART for p in parts)


def test_not_words_and_unknown_words_do_not_split():
    for word in ["", "x" * 20, "qwzrtplk", "2024-2030", "co2uitstoot"]:
        assert compounds.split(word) is None
