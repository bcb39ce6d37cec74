"""Hostile case files: alias bombs and huge front matter are refused at once, echoes stay short."""
from __future__ import annotations

import time
import tracemalloc

import pytest

from app import casefiles
from app.casefiles import InvalidCase

from conftest import case_text
from test_web_import import IMPORT, file_report, moderator, upload  # noqa: F401 - fixtures

# The classic "billion laughs": nine levels of nine aliases, about 10^9 strings if expanded.
ALIAS_BOMB = "---\n" + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
) + "title: Bomb\n---\n\nStory.\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(InvalidCase) as info:
        casefiles.read_text("cases/bad.md", text)
    return [str(p) for p in info.value.problems]


def test_an_alias_bomb_is_refused_before_it_expands():
    tracemalloc.start()
    started = time.perf_counter()
    problems = problems_of(ALIAS_BOMB)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert problems == ["cases/bad.md: front matter: uses a YAML anchor or alias (&name, *name): write each value out"]
    assert seconds < 1 and peak < 5_000_000  # nothing was built: no minutes, no gigabytes


def test_a_single_anchor_is_refused_too():
    text = case_text().replace("title:", "title: &t", 1)
    assert problems_of(text) == ["cases/bad.md: front matter: uses a YAML anchor or alias (&name, *name): write each value out"]


def test_oversized_front_matter_is_refused_unread():
    text = case_text(summary="word " * 20_000)
    assert problems_of(text) == ["cases/bad.md: front matter: is longer than 64 kB"]


def test_echoed_values_are_cut_short():
    huge = "x" * 10_000
    problems = problems_of(case_text(country=huge, themes=[huge], sources=[huge], status=huge, **{huge: 1}))
    assert len(problems) == 5
    assert all(len(p) < 400 for p in problems), [len(p) for p in problems]
    assert any("country: must be an ISO 3166-1 alpha-2 code like NL (got 'xxx" in p and "…)" in p for p in problems)


def test_the_web_import_names_the_file_and_refuses_the_bomb(moderator):  # noqa: F811
    response = upload(moderator, ("bomb.md", ALIAS_BOMB), token_from=IMPORT)
    assert response.status_code == 400  # something failed, as the CLI exits non-zero
    report = file_report(response.get_data(as_text=True), "bomb.md")
    assert "front matter" in report and "anchor or alias" in report


def test_a_slug_longer_than_its_column_is_named_not_a_database_error():
    problems = problems_of(case_text(slug="a" * 121, copied_from="b" * 121))
    assert "cases/bad.md: slug: is longer than 120 characters" in problems
    assert "cases/bad.md: copied_from: is longer than 120 characters" in problems


def test_a_yaml_error_names_the_line_of_the_file():
    problems = problems_of("---\ntitle: a\nsummary: b\n\tbad: c\n---\n\nStory.\n")
    assert problems[0].startswith("cases/bad.md: front matter: invalid YAML at line 4:")


def test_nul_characters_are_dropped_so_every_database_stores_the_case(client, add_case):
    add_case(title="Nul\x00 case", summary="A\x00B", body="Story\x00 with a NUL.",
             lessons=[{"kind": "went_well", "text": "ok\x00"}])
    page = client.get("/cases/sample-case").get_data(as_text=True)
    assert "Nul case" in page and "Story with a NUL." in page
