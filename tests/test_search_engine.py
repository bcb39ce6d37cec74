"""The search package on its own: ranking, deleted documents, snippets."""
from __future__ import annotations

import numpy as np
from whoosh import index as whoosh_index

from app.search import Hits, IndexDocument, Query, SearchEngine, SegmentJob
from app.search.highlighting import highlight_window
from app.search.schema import language_analyzer


def doc(slug: str, title: str, body: str, published: int = 0) -> IndexDocument:
    return IndexDocument(slug=slug, language="en", title=title, summary="", lessons="", body=body,
                         places="", excerpt=body, published=published, fingerprint=slug,
                         facets={"theme": ["nature"], "city": ["Utrecht"]})


def search(engine: SearchEngine, q: str, newest: bool = False) -> Hits:
    return engine.query("public", Query(text=q, newest=newest))


def build(tmp_path, docs) -> SearchEngine:
    engine = SearchEngine(tmp_path)
    engine.rebuild([SegmentJob("all", ("public", "members"), lambda: iter(docs), len(docs))], 0)
    return engine


def test_deleted_documents_are_never_matched_even_before_a_merge(tmp_path):
    store = build(tmp_path, [doc("kept", "Kept", "otters swim"), doc("gone", "Gone", "otters and walrusmarker")])
    writer = whoosh_index.open_dir(str(store.store.current_dir() / "public")).writer()
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


def test_newest_sort_and_facets_agree_across_segments_after_changes(tmp_path):
    store = build(tmp_path, [doc("old", "Solar old", "solar", 1), doc("mid", "Solar mid", "solar", 2)])
    # Each change leaves a segment; the replaced and the removed versions stay in older ones.
    assert store.apply({"new": {"public": doc("new", "Solar new", "solar", 3)}}, 1)
    moved = doc("mid", "Solar mid", "solar", 2)
    moved.facets = {"theme": ["nature"], "city": ["Oss"]}
    assert store.apply({"mid": {"public": moved}, "old": {"public": None}}, 2)
    hits = search(store, "solar", newest=True)
    assert [h.slug for h in hits.hits] == ["new", "mid"] and hits.total == 2
    assert hits.facets["city"] == [("Oss", 1), ("Utrecht", 1)]
    assert [h.slug for h in store.query("public", Query(text="solar", filters={"city": ["utrecht"]})).hits] == ["new"]


def test_snippet_marks_stemmed_matches_and_escapes_the_rest():
    text = "Residents <b>loved</b> the water squares; " + "filler words " * 40 + "and the square stayed dry."
    snippet = highlight_window(text, language_analyzer("en"), {"squar"}, 120)
    assert "<mark>squares</mark>" in snippet and "&lt;b&gt;loved" in snippet and "<b>" not in snippet
    assert snippet.endswith(" …")


def test_snippet_marks_accented_words_and_whole_words_only():
    analyzer = language_analyzer("nl")
    wanted = {t.text for t in analyzer("coöperatie water")}
    text = "De Coöperatie en de cooperatie; drinkwater, e.water, Water-plein en 3.water."
    snippet = highlight_window(text, analyzer, wanted, 200)
    assert snippet.count("<mark>") == 3, snippet
    assert "<mark>Coöperatie</mark>" in snippet and "<mark>cooperatie</mark>" in snippet
    assert "<mark>Water</mark>-plein" in snippet and "drinkwater" in snippet and "e.water" in snippet


def test_phrases_match_in_order_across_segments_and_over_stop_words(tmp_path):
    store = build(tmp_path, [doc("a", "One", "the heat of the city rose"), doc("b", "Two", "city heat rose")])
    # A second segment, as a publish leaves behind.
    assert store.apply({"c": {"public": doc("c", "Three", "more heat of the city here")}}, 0)
    assert sorted(h.slug for h in search(store, '"heat of the city"').hits) == ["a", "c"]
    assert [h.slug for h in search(store, '"city heat"').hits] == ["b"]
    assert search(store, '"rose city"').total == 0


def test_a_longer_phrase_needs_its_words_side_by_side_not_only_its_word_pairs(tmp_path):
    store = build(tmp_path, [doc("apart", "One", "solar heat rose. Then the heat pump hummed"),
                             doc("together", "Two", "a solar heat pump hummed")])
    assert [h.slug for h in search(store, '"solar heat pump"').hits] == ["together"]
    assert sorted(h.slug for h in search(store, '"heat pump"').hits) == ["apart", "together"]
    assert [h.slug for h in search(store, '"pump solar"').hits] == []
    # The replaced version still holds the pair in its segment until a merge: never matched.
    assert store.apply({"together": {"public": doc("together", "Two", "a solar panel and a heat pump")}}, 1)
    assert [h.slug for h in search(store, '"solar heat pump"').hits] == []
    assert [h.slug for h in search(store, '"solar heat"').hits] == ["apart"]
    # Fields are one text: a phrase may run from the title into the story, as with positions.
    assert [h.slug for h in search(store, '"two solar panel"').hits] == ["together"]


def test_a_second_rebuild_waiting_for_the_first_builds_nothing_when_the_index_is_sound(tmp_path):
    engine = build(tmp_path, [doc("a", "One", "solar heat")])
    first = engine.store.current_dir()
    jobs = [SegmentJob("all", ("public", "members"), lambda: iter([doc("a", "One", "solar heat")]), 1)]
    assert engine.rebuild(jobs, 0, only_if_needed=True) is False and engine.store.current_dir() == first
    assert engine.rebuild(jobs, 0) is True and engine.store.current_dir() != first


def old_format_index(tmp_path, monkeypatch, docs) -> SearchEngine:
    """An index as the previous version built it: no word pairs, no key words, no format file."""
    from app.search import schema, store
    old_fields = ("pairs_nl", "pairs_en", "key_terms")

    def old_schema():
        built = schema.build_schema()
        for name in old_fields:
            built.remove(name)
        return built
    new_fields = IndexDocument.whoosh_fields
    with monkeypatch.context() as patch:
        patch.setattr(store, "build_schema", old_schema)
        patch.setattr(IndexDocument, "whoosh_fields",
                      lambda self: {k: v for k, v in new_fields(self).items() if k not in old_fields})
        engine = build(tmp_path, docs)
    (engine.store.current_dir() / store.FORMAT).unlink()
    return SearchEngine(tmp_path)


def test_an_index_of_the_previous_format_serves_until_it_is_rebuilt(tmp_path, monkeypatch):
    docs = [doc("a", "Heat pumps", "a solar heat pump hummed"), doc("b", "Heat nets", "a heat net and solar heat")]
    engine = old_format_index(tmp_path, monkeypatch, docs)
    assert engine.needs_rebuild() and engine.can_serve()
    assert [h.slug for h in search(engine, '"solar heat pump"').hits] == ["a"]
    assert engine.related("public", "a", "en", ["nature"], 5) == ["b"]  # themes alone, for now
    # A change arriving meanwhile is written with the fields that index knows.
    assert engine.apply({"c": {"public": doc("c", "Third", "solar heat pump again")}}, 1)
    assert sorted(h.slug for h in search(engine, '"solar heat pump"').hits) == ["a", "c"]
    engine.rebuild([SegmentJob("all", ("public", "members"), lambda: iter(docs), len(docs))], 1)
    assert not engine.needs_rebuild()
    assert [h.slug for h in search(engine, '"solar heat pump"').hits] == ["a"]


def test_an_empty_index_answers_every_kind_of_search(tmp_path):
    store = build(tmp_path, [])
    for q in ("", "water", '"water square"', "city:Utrecht", "watr"):
        hits = search(store, q)
        assert hits.total == 0 and hits.hits == []


def test_a_forked_build_gives_the_same_index_as_one_process(tmp_path, monkeypatch):
    from app.search import store
    monkeypatch.setattr(store, "PARALLEL_FROM_DOCS", 0)
    monkeypatch.setattr(store.threading, "active_count", lambda: 1)  # other tests' servers may have left threads
    forks = []
    real = store._build_in_parallel
    monkeypatch.setattr(store, "_build_in_parallel", lambda *args: forks.append(args[-1]) or real(*args))
    docs = [doc(f"case-{i}", f"Case {i} {'solar' if i % 3 else 'wind'}", f"story {i} heat {'pump ' * (i % 5)}", i)
            for i in range(60)]
    jobs = lambda: [SegmentJob("a", ("public", "members"), lambda: iter(docs[:30]), 30),  # noqa: E731
                    SegmentJob("b", ("public", "members"), lambda: iter(docs[30:]), 30)]
    alone, forked = SearchEngine(tmp_path / "alone"), SearchEngine(tmp_path / "forked")
    alone.rebuild(jobs(), 7)
    forked.rebuild(jobs(), 7, processes=2)
    assert forked.fingerprints("public") == alone.fingerprints("public") and len(alone.fingerprints("public")) == 60
    for q in ("solar", "wind heat", '"heat pump"', "pump"):
        assert [h.slug for h in search(forked, q).hits] == [h.slug for h in search(alone, q).hits]
    assert forked.position().applied == 7 and forks == [2]


def test_postings_read_a_block_at_a_time_equal_postings_read_one_by_one(tmp_path):
    """The fast reader uses Whoosh's block internals; any other matcher takes the plain path. Both agree."""
    from whoosh.matching import ListMatcher

    from app.search import ranking
    engine = build(tmp_path, [doc(f"d{i}", "Title", "heat " * (1 + i % 4) + "other words", i) for i in range(300)])
    with engine._reading("public") as searcher:
        reader = searcher.reader()
        ids, tfs = [], []
        ranking._read_leaf(reader.postings("all_en", "heat"), 0, ids, tfs)
        assert len(ids) > 1  # several blocks of postings
        block_ids, block_tfs = np.concatenate(ids).tolist(), np.concatenate(tfs).tolist()
        reference = list(reader.postings("all_en", "heat").items_as("weight"))
        plain_ids, plain_tfs = [], []
        ranking._read_leaf(ListMatcher([d for d, _w in reference], [w for _d, w in reference]), 0,
                           plain_ids, plain_tfs)
    assert block_ids == [d for d, _w in reference] == plain_ids[0].tolist()
    assert block_tfs == [w for _d, w in reference] == plain_tfs[0].tolist()
    assert len(block_ids) == 300 and set(block_tfs) == {1.0, 2.0, 3.0, 4.0}


def test_warming_reads_the_longest_posting_lists_once_and_changes_no_answer(tmp_path, monkeypatch):
    from app.search import ranking
    monkeypatch.setattr(ranking, "WARM_FROM_DOCS", 50)
    monkeypatch.setattr(ranking, "_SEGMENT_POSTINGS", ranking.OrderedDict())
    monkeypatch.setattr(ranking, "_segment_bytes", 0)
    docs = [doc(f"d{i}", f"Case {i}", "heat " * (1 + i % 3) + ("rare" if i == 7 else "pump"), i) for i in range(120)]
    monkeypatch.setattr(ranking, "_WARMED", set())
    monkeypatch.setattr(ranking, "WARM_MIN_DOCS", 2)
    engine = build(tmp_path, docs)
    cold = [(h.slug, h.snippet) for h in search(engine, "heat pump").hits]
    ranking._SEGMENT_POSTINGS.clear()  # what that search read
    assert engine.warm() is False  # read the big segment's lists
    cached = {(field, token) for (_segment, field, token) in ranking._SEGMENT_POSTINGS}
    assert {("all_en", "heat"), ("all_en", "pump"), ("title_en", "case")} <= cached
    assert ("all_en", "rare") not in cached  # one case: quick to read when asked
    assert engine.warm() is True  # nothing new: no work
    fresh = SearchEngine(tmp_path)  # a new searcher over the warmed segment
    assert [(h.slug, h.snippet) for h in search(fresh, "heat pump").hits] == cold
    assert search(fresh, "rare").total == 1


def test_the_postings_cache_drops_the_least_recently_used_lists_first(tmp_path, monkeypatch):
    from app.search import ranking
    monkeypatch.setattr(ranking, "_SEGMENT_POSTINGS", ranking.OrderedDict())
    monkeypatch.setattr(ranking, "_segment_bytes", 0)
    engine = build(tmp_path, [doc(f"d{i}", "Title", f"alpha beta gamma word{i}", i) for i in range(100)])
    with engine._reading("public") as searcher:
        reader = searcher.leaf_searchers()[0][0].reader()
        size = ranking._entry_bytes(ranking._segment_postings(reader, "all_en", "alpha"))
        monkeypatch.setattr(ranking, "SEGMENT_CACHE_BYTES", 2 * size)
        ranking._segment_postings(reader, "all_en", "beta")
        ranking._segment_postings(reader, "all_en", "alpha")  # used again: now the most recent
        ranking._segment_postings(reader, "all_en", "gamma")
    assert [token for (_s, _f, token) in ranking._SEGMENT_POSTINGS] == ["alpha", "gamma"]
    assert ranking._segment_bytes == 2 * size


def test_words_no_case_holds_count_towards_the_postings_cache(tmp_path, monkeypatch):
    from app.search import ranking
    monkeypatch.setattr(ranking, "_SEGMENT_POSTINGS", ranking.OrderedDict())
    monkeypatch.setattr(ranking, "_segment_bytes", 0)
    monkeypatch.setattr(ranking, "SEGMENT_CACHE_BYTES", 100 * ranking.ENTRY_OVERHEAD)
    engine = build(tmp_path, [doc(f"d{i}", "Title", f"alpha word{i}", i) for i in range(10)])
    with engine._reading("public") as searcher:
        reader = searcher.leaf_searchers()[0][0].reader()
        for i in range(1000):  # a visitor typing nonsense
            ranking._segment_postings(reader, "all_en", f"nosuchword{i}")
    assert len(ranking._SEGMENT_POSTINGS) <= 100
