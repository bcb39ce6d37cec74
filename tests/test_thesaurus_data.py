"""The domain thesaurus as shipped: big enough, clean, and the expansions members rely on."""
from __future__ import annotations

from collections import Counter

import pytest

from app.search.thesaurus import THESAURUS_FILE, Thesaurus, default, fold, read_pairs

# A query word a member types, and a term it must find in the other language (and back).
COUNTERPARTS = [
    ("wadi", "bioswale"),
    ("hittestress", "heat stress"),
    ("groenblauwe dooradering", "green-blue network"),
    ("warmtenet", "district heating"),
    ("netcongestie", "grid congestion"),
    ("salderen", "net metering"),
    ("warmtepomp", "heat pump"),
    ("hergebruik", "reuse"),
    ("buurtteam", "neighbourhood team"),
    ("schuldhulpverlening", "debt counselling"),
    ("burgerinitiatief", "citizen initiative"),
    ("huurtoeslag", "housing benefit"),
    ("woningcorporatie", "housing association"),
    ("fietssnelweg", "cycle superhighway"),
    ("stadslandbouw", "urban agriculture"),
    ("aanbesteding", "tender"),
    ("opschalen", "scale up"),
    ("geleerde lessen", "lessons learned"),
]


def lines() -> list[str]:
    text = THESAURUS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in text if line.strip() and not line.startswith("#")]


def finds(query: str) -> list[str]:
    return [" ".join(term) for term in default().lookup(fold(query))]


def test_the_thesaurus_has_at_least_600_pairs():
    assert len(set(lines())) >= 600


def test_every_line_is_one_dutch_and_one_english_term():
    for line in lines():
        nl, tab, en = line.partition("\t")
        assert tab and nl.strip() and en.strip() and "\t" not in en, line
        assert line == line.lower(), line


def test_no_line_is_listed_twice():
    assert [line for line, n in Counter(lines()).items() if n > 1] == []
    folded = Counter((fold(nl), fold(en)) for nl, en in read_pairs(THESAURUS_FILE))
    assert [pair for pair, n in folded.items() if n > 1] == []


def test_no_term_is_paired_with_itself():
    assert [(nl, en) for nl, en in read_pairs(THESAURUS_FILE) if fold(nl) == fold(en)] == []


def test_no_term_has_more_than_eight_equivalents_after_two_steps():
    for thesaurus in (Thesaurus(read_pairs(THESAURUS_FILE)), default()):
        crowded = {term: found for term, found in thesaurus.equivalents.items() if len(found) > 8}
        assert crowded == {}


@pytest.mark.parametrize(("nl", "en"), COUNTERPARTS)
def test_a_dutch_query_finds_the_english_term(nl, en):
    assert " ".join(fold(en)) in finds(nl)


@pytest.mark.parametrize(("nl", "en"), COUNTERPARTS)
def test_an_english_query_finds_the_dutch_term(nl, en):
    assert " ".join(fold(nl)) in finds(en)


def test_plurals_find_the_same_terms():
    assert "district heating" in finds("warmtenetten")
    assert "buurtteam" in finds("neighbourhood teams")
    assert "woningcorporatie" in finds("housing associations")


def test_the_second_step_joins_dutch_synonyms():
    assert "snelfietsroute" in finds("fietssnelweg")
    assert "ontstening" in finds("tegelwippen")
    assert "stadsverwarming" in finds("warmtenet")


def test_look_alike_words_do_not_drift_into_other_topics():
    assert "zorg" not in finds("cars")
    assert "scholing" not in finds("trains")
    assert finds("ban") == []
    assert finds("stage") == []
    assert "overstroming" not in finds("wateroverlast")
