"""The engine's scores held to a reference: Whoosh's own ``whoosh.scoring.BM25F``.

``engine.Engine`` scores whole posting lists with numpy instead of Whoosh's matchers, so
nothing but this test keeps its arithmetic equal to Whoosh's. Where the two must agree:

- A result's score in the engine is its *raw BM25F* (the sum, over the query's units and
  the text fields, of Whoosh's BM25 of the term in the field times the field's boost, with
  ``B`` and ``K1`` from ``ranking.Ranking``), times ``coverage ** coverage_power``; and a
  result must cover ``min_coverage`` of the query. Whoosh has no coverage, so the engine is
  run with ``coverage_power=0`` and ``min_coverage=0`` (same B, K1 and boosts): its score is
  then exactly the raw BM25F sum, and its results every live document matching a unit.
- Whoosh ranks ``Or(Term(field, word, boost=field boost) for every word and text field)``
  (OR: a union sums its matching parts) and ``And(Or(... per field) per word)`` (AND: every
  word in some field) with ``scoring.BM25F(B, K1)``, every hit (``limit=None``: no block skipping).
- The engine's AND is a query of "required" units (masks that score), its OR one of "core" units.

Compared: the same documents, and each document's score to a relative 1e-5 (float32 sums in the
engine; they agree to about 4e-7 today), over queries of 1-4 words drawn by hypothesis from the
index's own vocabulary, on (a) an index of several segments with deleted and replaced
documents, (b) the same after ``optimize``, (c) a plain W3 index (Whoosh's default codec and
field formats, as Whoosh alone would write it) with deletions, and (d) one written by a codec
the engine knows nothing of (read through Whoosh's public matcher API).
"""

from __future__ import annotations

import copy
import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Characters, Positions
from whoosh.matching import ListMatcher
from whoosh.query import And, Or, Term

from searchsvc.engine import whooshformat
from searchsvc.article import Article
from searchsvc.engine.codec import CODEC
from searchsvc.engine.columns import DocColumns
from searchsvc.engine.ranker import Engine, filter_mask
from searchsvc.engine.index import TEXT_FIELDS, document, schema
from searchsvc.query.queryplan import Understanding, Unit, Words
from searchsvc.engine.ranking import RANKING, Ranking
from searchsvc.engine.search import Searcher

RAW = Ranking(coverage_power=0.0, min_coverage=0.0)
assert (RAW.B, RAW.K1) == (RANKING.B, RANKING.K1) and all(RAW.boost(f) == RANKING.boost(f) for f in TEXT_FIELDS)


class PublicOnlyCodec(W3Codec):
    """A codec the engine knows nothing of: its matchers are Whoosh's generic ListMatcher."""

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        inner = super().postings_reader(dbfile, terminfo, format_, term=term)
        ids, weights, values = [], [], []
        while inner.is_active():
            ids.append(inner.id())
            weights.append(inner.weight())
            values.append(inner.value())
            inner.next()
        return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)


def _articles(sample_index) -> list[Article]:
    ix = whoosh_index.open_dir(str(sample_index.snapshot_path(sample_index.version())))
    with ix.searcher() as s:
        return sorted((Article.from_dict(json.loads(f["article"])) for f in s.all_stored_fields()),
                      key=lambda a: a.id)


def _plain_schema():
    """The project's schema with Whoosh's own field formats (what Whoosh writes without this project's codec)."""
    plain = schema()
    for name in TEXT_FIELDS:
        field = plain[name]
        field.format = (Characters if field.format.STRIDE == 3 else Positions)(field_boost=field.format.field_boost)
    return plain


def _write_segmented(folder, articles: list[Article], codec, plain: bool = False):
    """Three segments, two replaced documents and three deleted: every case a live index has."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), _plain_schema() if plain else schema())
    third = len(articles) // 3
    batches = [articles[:third], articles[third:2 * third], articles[2 * third:] + articles[1:3]]
    for batch in batches:
        writer = ix.writer(codec=codec)
        for article in batch:
            writer.update_document(**document(article))
        writer.commit(merge=False)
    writer = ix.writer(codec=codec)
    for article in (articles[0], articles[third + 1], articles[-2]):
        writer.delete_by_term("id", article.id)
    writer.commit(merge=False)
    return ix


@pytest.fixture(scope="module")
def indexes(sample_index, tmp_path_factory):
    """name -> a Whoosh index over the samples, written in each of the four ways."""
    articles = _articles(sample_index)
    root = tmp_path_factory.mktemp("reference")
    segmented = _write_segmented(root / "segmented", articles, CODEC)
    shutil.copytree(root / "segmented", root / "optimized")
    optimized = whoosh_index.open_dir(str(root / "optimized"))
    optimized.writer(codec=CODEC).commit(optimize=True)
    out = {
        "segmented": segmented,
        "optimized": optimized,
        "plain-w3": _write_segmented(root / "plain-w3", articles, W3Codec(), plain=True),
        "public-only": _write_segmented(root / "public-only", articles, PublicOnlyCodec()),
    }
    return out


@pytest.fixture(scope="module")
def opened(indexes):
    """name -> (Whoosh searcher with BM25F, the engine's columns, the index's vocabulary)."""
    out = {}
    for name, ix in indexes.items():
        searcher = ix.searcher(weighting=RAW.weighting())
        reader = searcher.reader()
        vocabulary = sorted({t for f in TEXT_FIELDS for t in reader.field_terms(f)})
        out[name] = (searcher, DocColumns(reader, TEXT_FIELDS), vocabulary)
    return out


def test_the_indexes_are_what_the_comparison_needs(indexes):
    """Several segments and deletions where claimed, one segment after optimize, and each read the way named."""
    segmented, optimized = indexes["segmented"], indexes["optimized"]
    with segmented.reader() as r:
        assert len(list(r.leaf_readers())) >= 3 and r.has_deletions()
        assert r.doc_count() < r.doc_count_all()
    with optimized.reader() as r:
        assert len(list(r.leaf_readers())) == 1 and not r.has_deletions()
    assert set(whooshformat.read_paths(segmented).values()) == {whooshformat.SPLIT_BLOCKS}
    assert set(whooshformat.read_paths(indexes["plain-w3"]).values()) == {whooshformat.W3_BLOCKS}
    assert set(whooshformat.read_paths(indexes["public-only"]).values()) == {whooshformat.PUBLIC}
    with indexes["plain-w3"].reader() as r:
        assert type(r.schema["answer"].format) is Characters  # Whoosh's own format, not CharacterArray


def engine_scores(searcher, columns, words: list[str], mode: str) -> dict[int, float]:
    role = "core" if mode == "or" else "required"
    understood = Understanding(query=" ".join(words), searched=" ".join(words),
                               units=[Unit(text=w, node=Words((w,)), role=role) for w in words])
    ranked = Engine(columns, searcher, RAW, TEXT_FIELDS).rank(understood, filter_mask(columns), by_date=False)
    return dict(zip(ranked.order.tolist(), ranked.scores.tolist()))


def whoosh_scores(searcher, words: list[str], mode: str) -> dict[int, float]:
    per_word = [Or([Term(f, w, boost=RAW.boost(f)) for f in TEXT_FIELDS]) for w in words]
    query = Or([t for q in per_word for t in q.subqueries]) if mode == "or" else And(per_word)
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


@pytest.mark.parametrize("name", ["segmented", "optimized", "plain-w3", "public-only"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_engine_scores_as_whoosh_bm25f(opened, name, data):
    searcher, columns, vocabulary = opened[name]
    words = data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=4, unique=True), label="words")
    mode = data.draw(st.sampled_from(["or", "and"]), label="mode")
    ours, reference = engine_scores(searcher, columns, words, mode), whoosh_scores(searcher, words, mode)
    assert sorted(ours) == sorted(reference)
    for doc, score in reference.items():
        assert ours[doc] == pytest.approx(score, rel=1e-5), (doc, words, mode)


def test_a_common_word_is_scored_in_many_documents(opened):
    """The comparison is not vacuous: a word of most interviews scores many documents, each the same."""
    searcher, columns, vocabulary = opened["segmented"]
    common = max(vocabulary, key=lambda w: searcher.reader().doc_frequency("answer", w))
    reference = whoosh_scores(searcher, [common], "or")
    assert len(reference) >= 8
    assert engine_scores(searcher, columns, [common], "or") == pytest.approx(reference, rel=1e-5)


@pytest.fixture(scope="module")
def sample_searcher(sample_index):
    return Searcher(sample_index)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_ranking_leaves_the_understood_query_as_it_was(sample_searcher, data):
    """``Engine.rank`` works on a copy: the query it is given is unchanged (no caller needs to copy it),
    and what ranking found (a unit no interview holds, reported as absent) is on the result."""
    searcher = sample_searcher
    _, whoosh_searcher = searcher.snapshots.current()
    vocabulary = sorted(t for t in whoosh_searcher.reader().field_terms("answer") if t.isascii() and t.isalpha())
    words = data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=3, unique=True), label="words")
    missing = data.draw(st.sampled_from(["qzxv", "vvkjq", "xqzzy"]), label="missing")
    understood = searcher.understand(" ".join(words), whoosh_searcher)
    understood.units.append(Unit(text=missing, node=Words((missing,))))  # a unit ranking finds in no interview
    before = copy.deepcopy(understood)
    columns = searcher.snapshots.columns(whoosh_searcher)
    ranked = Engine(columns, whoosh_searcher, searcher.ranking, TEXT_FIELDS).rank(understood, filter_mask(columns),
                                                                                   by_date=False)
    assert understood == before
    assert ranked.total > 0
    assert {"text": missing, "reason": "absent"} in ranked.understood.to_dict()["ignored"]
    assert understood.units[-1].role == "core" and ranked.understood.units[-1].role == "absent"
    assert ranked.understood.to_dict()["words"] != understood.to_dict()["words"]
