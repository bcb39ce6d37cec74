"""The search engine seam: the only package that imports Whoosh.

Two indexes per generation: `public` (what anonymous visitors may find) and `members`.
Everything else talks to `store.IndexStore` and `querying.search`.
"""
