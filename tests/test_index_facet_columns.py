"""Expert and tag values kept in list columns give the same facets as counting postings."""

from __future__ import annotations

from collections import Counter

from searchsvc.names import key
from searchsvc.engine.search import Searcher


def test_facet_columns_match_the_articles(sample_index):
    searcher = Searcher(sample_index)
    _, whoosh_searcher = searcher._current()
    reader = whoosh_searcher.reader()
    assert reader.has_column("tag") and reader.has_column("expert")
    for q in ("", "肺癌", "免疫治疗", "KRAS G12C"):
        result = searcher.search(q, per_page=50)
        ids = {h.id for h in result.hits}
        tags, experts = Counter(), Counter()
        for aid in ids:
            article = searcher.article(aid)
            tags.update(key(t).replace(",", " ").strip() for t in article.tags)  # facets count canonical keys
            experts.update(key(n).replace(",", " ").strip() for n in article.expert_names)
        if result.total <= 50:
            for name, expected in (("tags", tags), ("experts", experts)):
                got = {f["value"]: f["count"] for f in result.facets[name]}
                assert len(got) == min(len(expected), 20)
                assert all(expected[k] == v for k, v in got.items()), name
