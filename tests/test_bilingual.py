"""The general Dutch-English word list: what a search can rely on when the thesaurus is silent."""
from __future__ import annotations

from whoosh.lang import stopwords_for_language

from app.search import bilingual, thesaurus
from app.search.thesaurus import fold

# Everyday words of the seed cases that the domain thesaurus does not know, and a counterpart
# each must find in the other language (Dutch first, then English).
COUNTERPARTS = {
    "straat": "street",
    "dak": "roof",
    "regen": "rain",
    "tuin": "garden",
    "huur": "rent",
    "plein": "square",
    "overheid": "government",
    "stad": "city",
    "bodem": "soil",
    "energie": "energy",
    "gebouw": "building",
    "rivier": "river",
    "eiland": "island",
    "geld": "money",
}
STOP_WORDS = ["de", "het", "van", "en", "niet", "the", "and", "of", "with", "about"]
IDENTICAL = ["hotel", "water", "park", "plan", "project", "team", "station"]


def _data_lines() -> list[str]:
    lines = bilingual.BILINGUAL_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_the_chosen_words_are_not_in_the_thesaurus():
    # Otherwise these tests would check the thesaurus, not the word list.
    known = thesaurus.default()
    for nl, en in COUNTERPARTS.items():
        assert known.lookup(fold(nl)) == [], nl
        assert known.lookup(fold(en)) == [], en


def test_dutch_words_find_their_english_counterparts():
    for nl, en in COUNTERPARTS.items():
        assert en in bilingual.translations(nl), nl


def test_english_words_find_their_dutch_counterparts():
    for nl, en in COUNTERPARTS.items():
        assert nl in bilingual.translations(en), en


def test_the_best_counterpart_comes_first():
    assert bilingual.translations("straat")[0] == "street"
    assert bilingual.translations("street")[0] == "straat"
    assert bilingual.translations("dak")[0] == "roof"


def test_at_most_three_counterparts_a_word():
    assert all(len(bilingual.translations(line.split("\t")[0])) <= 3 for line in _data_lines())


def test_plurals_find_the_counterparts_of_the_singular():
    assert "roof" in bilingual.translations("daken")
    assert "street" in bilingual.translations("straten")
    assert "neighbour" in bilingual.translations("buren")
    assert "dak" in bilingual.translations("roofs")
    assert "straat" in bilingual.translations("streets")


def test_unknown_words_have_no_counterparts():
    assert bilingual.translations("xyzzyq") == []
    assert bilingual.translations("") == []


def test_stop_words_have_no_entry():
    for word in STOP_WORDS:
        assert bilingual.translations(word) == [], word
    stop = {w for lang in ("nl", "en") for w in stopwords_for_language(lang)}
    for line in _data_lines():
        nl, en = line.split("\t")
        assert nl not in stop and not set(en.split(" ")) & stop, line


def test_words_spelled_the_same_in_both_languages_are_not_translated():
    for word in IDENTICAL:
        assert word not in bilingual.translations(word), word
    for line in _data_lines():
        nl, en = line.split("\t")
        assert nl != en.replace(" ", ""), line


def test_lines_are_lower_case_folded_pairs():
    for line in _data_lines():
        nl, en = line.split("\t")
        assert nl == " ".join(fold(nl)) and en == " ".join(fold(en)), line
        assert " " not in nl and len(en.split(" ")) <= 2, line


def test_the_file_names_its_source_and_licence():
    header = bilingual.BILINGUAL_FILE.read_text(encoding="utf-8").split("\n#\n")[0:3]
    text = "\n".join(header)
    assert "FreeDict" in text and "nld-eng" in text and "eng-nld" in text
    assert "License: GPL-2+" in text
    assert "either version 2 of" in text and "(at your option) any later version" in text
    assert "scripts/build_bilingual.py" in text


def test_the_file_has_thousands_of_pairs():
    assert len(_data_lines()) >= 8000
    assert bilingual.pair_count() == len(set(_data_lines()))
