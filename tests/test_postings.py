"""The numpy readers of the index agree with Whoosh's own, posting for posting.

The sample corpus is too small for a posting list to span blocks, so this builds an index
of its own: four segments (one of a single document), deletions in several, lists of
hundreds of postings over several blocks, a word that occurs once (inlined postings),
positions with and without character offsets, in the project's codec and formats.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.query import Phrase

from searchsvc.engine.codec import CODEC
from searchsvc.engine.columns import DocColumns
from searchsvc.engine.ranker import Engine
from searchsvc.engine.index import TEXT_FIELDS, schema
from searchsvc.engine.postings import TermCache, read_occurrences, read_postings
from searchsvc.query.queryplan import Words
from searchsvc.engine.ranking import Ranking

VOCABULARY = ["a", "b", "c", "d", "rare", "x"]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """A four-segment index of space-separated words in `answer` (offsets) and `lead` (positions)."""
    fields = schema()
    for name in ("answer", "lead"):
        fields._fields[name].analyzer = SpaceSeparatedTokenizer()
    folder = tmp_path_factory.mktemp("postings")
    ix = whoosh_index.create_in(str(folder), fields)
    rng = random.Random(5)
    live: dict[str, str] = {}
    n = 0
    for batch in range(4):
        writer = ix.writer(codec=CODEC)
        for _ in range(1 if batch == 2 else 300):
            text = " ".join(rng.choices(VOCABULARY, [50, 30, 10, 5, 0.05, 1], k=rng.randint(0, 12)))
            writer.add_document(id=str(n), answer=text, lead=text)
            live[str(n)] = text
            n += 1
        for gone in rng.sample(sorted(live), 40) if batch else ():
            writer.delete_by_term("id", gone)
            live.pop(gone)
        writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(folder))
    searcher = ix.searcher()
    assert len(list(searcher.reader().leaf_readers())) == 4
    yield searcher
    searcher.close()


def whoosh_postings(searcher, fieldname: str, token: str) -> tuple[list[int], list[float]]:
    try:
        matcher = searcher.postings(fieldname, token)
    except Exception:  # not in the index
        return [], []
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


@pytest.mark.parametrize("fieldname", ["answer", "lead"])
@pytest.mark.parametrize("token", VOCABULARY + ["absent"])
def test_every_posting_and_every_occurrence_is_read_as_whoosh_reads_it(index, fieldname, token):
    cache = TermCache()
    ids, weights = whoosh_postings(index, fieldname, token)
    assert len(ids) > 256 or token in ("d", "rare", "x", "absent")  # the common words span several blocks
    for _ in range(2):  # read, then from the cache
        postings = read_postings(index.reader(), fieldname, token, cache)
        assert postings.docs.tolist() == ids and np.allclose(postings.tf, weights)
        wanted = np.asarray(sorted(random.Random(len(ids)).sample(ids, min(len(ids), 37))), np.int64)
        chars = fieldname == "answer"
        found = read_occurrences(index.reader(), fieldname, token, wanted, chars=chars, cache=cache)
        expected = []
        if len(wanted):
            matcher = index.postings(fieldname, token)
            for docnum in wanted.tolist():
                matcher.skip_to(docnum)
                if chars:
                    expected += [(docnum, p, s, e) for p, s, e in matcher.value_as("characters")]
                else:
                    expected += [(docnum, p) for p in matcher.value_as("positions")]
        columns = [found.docs.tolist(), found.positions.tolist()]
        if chars:
            columns += [found.starts.tolist(), found.ends.tolist()]
        assert sorted(zip(*columns)) == sorted(expected)


@pytest.mark.parametrize("phrase", [("a", "a"), ("a", "b", "a"), ("b", "a", "b", "a"), ("x", "a"), ("rare", "a"),
                                    ("a", "rare"), ("c", "c", "c"), ("a", "absent")])
def test_phrases_find_what_whoosh_s_phrase_query_finds(index, phrase):
    columns = DocColumns(index.reader(), TEXT_FIELDS)
    engine = Engine(columns, index, Ranking(), ("answer",), terms=TermCache())
    found = set(np.flatnonzero(engine.node(Words(phrase), ("answer",)).matched & columns.live).tolist())
    assert found == {hit.docnum for hit in index.search(Phrase("answer", list(phrase)), limit=None)}
