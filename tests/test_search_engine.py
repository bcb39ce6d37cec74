"""The search package on its own: ranking, deleted documents, snippets."""
from __future__ import annotations

from whoosh import index as whoosh_index

from app.search import querying, syntax, thesaurus
from app.search.highlighting import highlight_window
from app.search.schema import IndexDocument, language_analyzer
from app.search.store import IndexStore, SegmentJob


def doc(slug: str, title: str, body: str, published: int = 0) -> IndexDocument:
    return IndexDocument(slug=slug, language="en", title=title, summary="", lessons="", body=body,
                         places="", excerpt=body, published=published, fingerprint=slug,
                         facets={"theme": ["nature"], "city": ["Utrecht"]})


def search(store: IndexStore, q: str, newest: bool = False) -> querying.Hits:
    parsed = syntax.parse(q, thesaurus.default(), 200)
    return querying.search(store.searcher("public"), parsed, 1, 10, newest)


def build(tmp_path, docs) -> IndexStore:
    store = IndexStore(tmp_path)
    store.rebuild([SegmentJob("all", ("public", "members"), lambda: iter(docs), len(docs))], 0)
    return store


def test_deleted_documents_are_never_matched_even_before_a_merge(tmp_path):
    store = build(tmp_path, [doc("kept", "Kept", "otters swim"), doc("gone", "Gone", "otters and walrusmarker")])
    writer = whoosh_index.open_dir(str(store.current_dir() / "public")).writer()
    writer.delete_by_term("slug", "gone")
    writer.commit(merge=False)  # the deleted posting stays in the segment
    assert [h.slug for h in search(store, "otters").hits] == ["kept"]
    hits = search(store, "walrusmarker")
    assert hits.total == 0 and hits.hits == [] and hits.facets["city"] == []


def test_title_words_outrank_body_words_and_frequency_counts(tmp_path):
    store = build(tmp_path, [
        doc("body-once", "Something else", "a heat pump story"),
        doc("title", "Heat pumps for all", "a story"),
        doc("body-often", "Another thing", "heat heat heat heat heat, heat everywhere"),
    ])
    assert [h.slug for h in search(store, "heat").hits] == ["title", "body-often", "body-once"]


def test_newest_sort_uses_publication_time(tmp_path):
    store = build(tmp_path, [doc("old", "Solar old", "solar", 1), doc("new", "Solar new", "solar", 3),
                             doc("mid", "Solar mid", "solar", 2)])
    assert [h.slug for h in search(store, "solar", newest=True).hits] == ["new", "mid", "old"]


def test_snippet_marks_stemmed_matches_and_escapes_the_rest():
    text = "Residents <b>loved</b> the water squares; " + "filler words " * 40 + "and the square stayed dry."
    snippet = highlight_window(text, language_analyzer("en"), {"squar"}, 120)
    assert "<mark>squares</mark>" in snippet and "&lt;b&gt;loved" in snippet and "<b>" not in snippet
    assert snippet.endswith(" …")


def test_phrases_match_in_order_across_segments_and_over_stop_words(tmp_path):
    store = build(tmp_path, [doc("a", "One", "the heat of the city rose"), doc("b", "Two", "city heat rose")])
    with store.writing(0) as writer:  # a second segment, as a publish leaves behind
        writer.put("public", doc("c", "Three", "more heat of the city here"), "c")
    assert sorted(h.slug for h in search(store, '"heat of the city"').hits) == ["a", "c"]
    assert [h.slug for h in search(store, '"city heat"').hits] == ["b"]
    assert search(store, '"rose city"').total == 0


def test_an_empty_index_answers_every_kind_of_search(tmp_path):
    store = build(tmp_path, [])
    for q in ("", "water", '"water square"', "city:Utrecht", "watr"):
        hits = search(store, q)
        assert hits.total == 0 and hits.hits == []
