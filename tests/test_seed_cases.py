"""The alliance's seed cases in cases/: valid, complete, and covering what members look for."""
from __future__ import annotations

from app import casefiles

from conftest import ROOT

SEED = [casefiles.read_file(p) for p in casefiles.case_files(ROOT / "cases")]


def test_there_are_at_least_30_real_cases():
    assert len(SEED) >= 30
    assert len({c.slug for c in SEED}) == len(SEED)


def test_every_case_has_a_lesson_that_went_well_and_one_that_went_badly_and_sources():
    for case in SEED:
        kinds = {l.kind for l in case.lessons}
        assert kinds == {"went_well", "went_badly"}, case.slug
        assert case.sources, case.slug


def test_the_three_cases_the_alliance_names_are_there():
    text = {c.slug: (c.title + c.summary + c.body).lower() for c in SEED}
    assert any("benthemplein" in t for t in text.values())
    assert any("utrecht" in s and "global" in t for s, t in text.items())
    assert any(s.startswith("oss") for s in text)


def test_the_seed_mixes_languages_themes_and_places():
    assert {c.language for c in SEED} == {"nl", "en"}
    themes = [set(c.themes) for c in SEED]
    for theme in ("energy-transition", "circular-economy", "social-inclusion", "climate-adaptation",
                  "mobility", "housing"):
        assert any(theme in t for t in themes), theme
    focus = {"energy-transition", "circular-economy", "social-inclusion"}
    assert any(len(t & focus) >= 2 for t in themes), "no case combines focus themes"
    assert {"NL", "PH", "CO"} <= {c.country for c in SEED}


def test_the_seed_imports_and_is_searchable(client, seeded):
    assert len(seeded.created) == len(SEED)
    data = client.get("/api/v1/search?q=water+square").get_json()
    assert "rotterdam-benthemplein-water-square" in [r["slug"] for r in data["results"]][:3]
    assert client.get("/api/v1/search?q=waterplein").get_json()["total"] >= 1
