"""A damaged index fails loudly: a posting block that does not decode never becomes "fewer results".

The postings file of a real index (the samples, ingested) is damaged where a term's posting
block is laid out (``whooshformat.SplitBlockWriter``): its header, its scoring head, or its
length. A search that reads that term must then fail as a reader and an operator can see: an
``IndexDamaged`` naming the snapshot folder and the segment, a 503 response that says so
(JSON under /api, a Chinese page elsewhere), the reason in the log, and ``/healthz``
degraded; never a 200 with the term's interviews missing. The term, the block's part and
the bytes written are drawn by hypothesis.
"""

from __future__ import annotations

import io
import logging
import pickle
import shutil
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from searchsvc.engine.index import IndexStore
from searchsvc.engine.search import IndexDamaged, Searcher

PARTS = ("block header", "scoring head", "block length")


@pytest.fixture(scope="module")
def candidates(sample_index):
    """(field, word, offset of its postings in the .pst file) for words whose postings are a block of
    their own (in two interviews or more) and which a search for the word itself reads."""
    searcher = Searcher(sample_index)
    path = sample_index.snapshot_path(sample_index.version())
    ix = whoosh_index.open_dir(str(path))
    out = []
    with ix.reader() as reader:
        (leaf, _), = list(reader.leaf_readers())  # a rebuilt index: one segment
        for field in ("title", "answer", "question"):
            for word in leaf.field_terms(field):
                info = leaf.term_info(field, word)
                if info.is_inlined() or not word.isascii() or not word.isalnum() or len(word) < 3:
                    continue
                if word in searcher.understand(word).words(True):
                    out.append((field, word, info.extent()[0]))
    assert len(out) >= 20
    return out


def damage(pst: Path, start: int, part: str, garbage: bytes) -> None:
    """Overwrite a structural part of the first posting block of the term whose postings begin at ``start``."""
    data = bytearray(pst.read_bytes())
    block = start + 4  # after the W3 header magic
    info_at = block + 4  # after the block's length
    info_size = _pickle_size(bytes(data[info_at:]))
    head_at = info_at + info_size + 4  # after the info and the head's length
    if part == "block header":
        data[info_at:info_at + 1] = garbage[:1]
    elif part == "scoring head":
        data[head_at:head_at + 1] = garbage[:1]
    else:  # a length pointing far past the end of the file
        data[block:block + 4] = struct.pack("!i", len(data) * 4)
    pst.write_bytes(bytes(data))


def _pickle_size(data: bytes) -> int:
    stream = io.BytesIO(data)
    pickle.load(stream)
    return stream.tell()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_search_reading_a_damaged_block_fails_loudly(sample_index, candidates, make_app, caplog, data):
    field, word, start = data.draw(st.sampled_from(candidates), label="term")
    part = data.draw(st.sampled_from(PARTS), label="part")
    # a byte that is no pickle opcode (0x80 would be PROTO again)
    garbage = bytes([data.draw(st.sampled_from([0x00, 0x01, 0x09, 0xAB, 0xF0, 0xFF]), label="byte")])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "index"
        shutil.copytree(sample_index.root, root, symlinks=True)
        store = IndexStore(root)
        snapshot = store.snapshot_path(store.version())
        intact = Searcher(store).search(word)
        assert intact.total >= 1  # the word's interviews, before the damage

        (pst,) = snapshot.glob("*.pst")
        damage(pst, start, part, garbage)
        segment = pst.name.split(".")[0]  # MAIN_<id>: the segment's own name

        with pytest.raises(IndexDamaged) as raised:
            Searcher(store).search(word)
        assert raised.value.index == str(snapshot) and raised.value.segment == segment
        assert word in raised.value.reason

        client = make_app(store).test_client()
        assert client.get("/healthz").json["status"] == "ok"  # nothing has read the block yet
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="searchsvc"):
            api = client.get("/api/search", query_string={"q": word})
            page = client.get("/search", query_string={"q": word})
        assert api.status_code == 503, api.json
        assert api.json["error"]["index"] == str(snapshot) and api.json["error"]["segment"] == segment
        assert "damaged" in api.json["error"]["message"] and "ingest --rebuild" in api.json["error"]["message"]
        assert page.status_code == 503
        html = page.get_data(as_text=True)
        assert "已损坏" in html and segment in html and "searchsvc ingest --rebuild" in html
        assert any(r.levelno == logging.ERROR and segment in r.getMessage() and word in r.getMessage()
                   for r in caplog.records)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json["status"] == "degraded" and segment in health.json["reason"]
        # another worker of the same server (its own Searcher, the shared state folder) reports it too
        other = make_app(store, SEARCHSVC_STATE_DIR=str(client.application.extensions["searchsvc"]["state_dir"]))
        assert other.test_client().get("/healthz").json["status"] == "degraded"


def test_a_word_in_no_segment_is_still_just_absent(sample_index, make_app):
    """Only Whoosh's TermNotFound means "absent": a word no interview holds is a 200 saying so, not an error."""
    client = make_app(sample_index).test_client()
    response = client.get("/api/search", query_string={"q": "qzxvkj"})
    assert response.status_code == 200
    assert response.json["total"] == 0
    assert client.get("/healthz").json["status"] == "ok"
