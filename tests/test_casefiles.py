"""Importing `cases/` files: every problem named as file: field: reason, valid files imported anyway."""
from __future__ import annotations

import pytest

from app import casefiles
from app.casefiles import InvalidCase
from app.services import library

from conftest import case_text


def problems_of(text: str) -> list[str]:
    with pytest.raises(InvalidCase) as info:
        casefiles.read_text("cases/bad.md", text)
    return [str(p) for p in info.value.problems]


def test_a_valid_file_reads_with_defaults():
    data = casefiles.read_text("cases/x.md", case_text(visibility=None, attribution=None))
    assert data.visibility == "public" and data.attribution == "named"
    assert [l.visibility for l in data.lessons] == ["public", "public"]


def test_slug_comes_from_the_title_when_absent():
    data = casefiles.read_text("cases/x.md", case_text(slug=None, title="Coöperatie Zonnedak Overvecht!"))
    assert data.slug == "cooperatie-zonnedak-overvecht"


def test_lessons_default_to_the_case_visibility():
    data = casefiles.read_text("x.md", case_text(visibility="members", lessons=[{"kind": "went_well", "text": "t"}]))
    assert data.lessons[0].visibility == "members"


@pytest.mark.parametrize("override, expected", [
    ({"title": None}, "cases/bad.md: title: is required"),
    ({"country": "Netherlands"}, "cases/bad.md: country: must be an ISO 3166-1 alpha-2 code"),
    ({"country": "XX"}, "cases/bad.md: country: must be an ISO 3166-1 alpha-2 code"),
    ({"themes": ["energy"]}, "cases/bad.md: themes: unknown theme 'energy'"),
    ({"themes": []}, "cases/bad.md: themes: needs at least one theme"),
    ({"language": "de"}, "cases/bad.md: language: must be one of nl, en"),
    ({"language": None}, "cases/bad.md: language: is required"),
    ({"visibility": "secret"}, "cases/bad.md: visibility: must be one of public, members"),
    ({"attribution": "hidden"}, "cases/bad.md: attribution: must be one of named, anonymous"),
    ({"status": "done"}, "cases/bad.md: status: must be one of idea, pilot"),
    ({"year": "last year"}, "cases/bad.md: year: must be a year like 2015"),
    ({"sdg_targets": [11.5]}, None),  # a float YAML value is accepted as text "11.5"
    ({"sdg_targets": ["eleven"]}, "cases/bad.md: sdg_targets: 'eleven' is not an SDG target"),
    ({"sources": ["javascript:alert(1)"]}, "cases/bad.md: sources[1]: 'javascript:alert(1)' is not an http(s) address"),
    ({"slug": "Bad Slug"}, "cases/bad.md: slug: must be lowercase letters, digits and hyphens"),
    ({"colour": "red"}, "cases/bad.md: colour: is not a known field"),
    ({"lessons": [{"kind": "so-so", "text": "x"}]}, "cases/bad.md: lessons[1].kind: must be went_well or went_badly"),
    ({"lessons": [{"kind": "went_well"}]}, "cases/bad.md: lessons[1].text: is required"),
    ({"lessons": [{"kind": "went_well", "text": "x", "visibility": "all"}]},
     "cases/bad.md: lessons[1].visibility: must be public or members"),
    ({"copied_from": "sample-case"}, "cases/bad.md: copied_from: a case cannot copy itself"),
])
def test_each_problem_names_file_field_and_reason(override, expected):
    if expected is None:
        assert casefiles.read_text("cases/bad.md", case_text(**override)).sdg_targets == ["11.5"]
        return
    assert any(p.startswith(expected) for p in problems_of(case_text(**override))), problems_of(case_text(**override))


def test_all_problems_of_a_file_are_reported_at_once():
    found = problems_of(case_text(title=None, country="Holland", themes=["x"]))
    assert {p.split(": ")[1] for p in found} >= {"title", "country", "themes"}


def test_broken_yaml_is_reported_with_its_line():
    found = problems_of("---\ntitle: [unclosed\n---\nbody\n")
    assert found[0].startswith("cases/bad.md: front matter: invalid YAML")


def test_a_file_without_front_matter_is_reported():
    assert problems_of("# Just markdown\n") == [
        "cases/bad.md: front matter: missing: the file must start with --- and YAML keys"]


def test_export_gives_back_a_file_that_imports_to_the_same_case(app, add_case):
    add_case(visibility="public", organisations=["Gemeente Utrecht"], sdg_targets=["11.6"],
             copied_from="another-case", contact="Gemeente Utrecht, afdeling Energie",
             transfer={"needs": ["A roof"], "costs": [{"amount": 12000.5, "currency": "EUR", "covers": "panels"}],
                       "duration_months": 6},
             lessons=[{"kind": "went_well", "text": "**Good**"},
                      {"kind": "went_badly", "text": "Hidden lesson", "visibility": "members"}])
    with app.app_context():
        exported = library.export_case("sample-case")
        again = casefiles.read_text("exported.md", exported)
        from sqlalchemy import select

        from app import db
        from app.models import Case
        stored = db.session().scalar(select(Case).where(Case.slug == "sample-case"))
        assert again == library.case_data(stored)
        _case, outcome = library.import_text("exported.md", exported)
    assert outcome == "unchanged"
