"""The safe-space matrix: who sees what, on every surface that exists so far."""
from __future__ import annotations

import pytest

from conftest import sign_in

PUBLIC, CLOSED, LESSON = "zebrapublicword", "quokkaclosedword", "axolotllessonword"
SURFACES = ["/", "/search?q={w}", "/api/v1/search?q={w}", "/search", "/api/v1/search",
            "/themes/nature", "/themes/energy-transition", "/cities/Zwolle", "/cases/open-case",
            "/cases/closed-case", "/api/v1/cases/open-case", "/api/v1/cases/closed-case"]


@pytest.fixture
def library(add_case):
    add_case(slug="open-case", title=f"Open case {PUBLIC}", city="Zwolle", lessons=[
        {"kind": "went_well", "text": "Public lesson"},
        {"kind": "went_badly", "text": f"Hidden failure {LESSON}", "visibility": "members"}])
    add_case(slug="closed-case", title=f"Closed case {CLOSED}", city="Zwolle", themes=["nature"],
             visibility="members", summary=f"Summary {CLOSED}")


def seen(client, word: str) -> bool:
    """Whether `word` shows anywhere a visitor of this client looks."""
    for url in SURFACES:
        text = client.get(url.format(w=word)).get_data(as_text=True)
        # What the visitor typed comes back to them (search box, heading, links): not a leak.
        for echo in (f"q={word}", f"q%3D{word}", f"“{word}”", f'value="{word}"', f'"query": "{word}"',
                     f'"query":"{word}"', f"Search: {word}"):
            text = text.replace(echo, "")
        if word in text:
            return True
    return False


@pytest.mark.parametrize("role", [None, "member", "moderator"])
def test_each_audience_sees_exactly_its_share(app, library, make_member, role):
    client = app.test_client()
    if role:
        sign_in(client, make_member(f"{role}@example.org", role))
    assert seen(client, PUBLIC)
    assert seen(client, CLOSED) is bool(role)
    assert seen(client, LESSON) is bool(role)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_counts_follow_the_audience(app, library, make_member, role):
    anonymous, signed_in = app.test_client(), app.test_client()
    sign_in(signed_in, make_member(f"{role}@example.org", role))
    assert anonymous.get("/api/v1/search").get_json()["total"] == 1
    assert signed_in.get("/api/v1/search").get_json()["total"] == 2
    assert anonymous.get("/api/v1/search?city=Zwolle").get_json()["facets"]["lesson"] == [
        {"value": "went_well", "label": "Went well", "count": 1}]
