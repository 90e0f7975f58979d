"""The streaming, multiprocess write path gives the same index as the one-writer path."""

from __future__ import annotations

import pytest

from searchsvc.ingest import build as build_module
from searchsvc.ingest import pipeline as ingest_module
from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

QUERIES = ["KRAS G12C", "免疫治疗", "奥希替尼", "肺癌 -小细胞肺癌", "\"广泛期 小细胞肺癌\"", "tag:肺癌"]


def _snapshot(store: IndexStore) -> dict:
    searcher = Searcher(store)
    out = {"articles": searcher.health()["articles"]}
    for q in QUERIES:
        result = searcher.search(q, per_page=50)
        out[q] = sorted(h.id for h in result.hits)
    return out


@pytest.fixture
def streaming(monkeypatch):
    monkeypatch.setattr(ingest_module, "STREAM_AFTER", 4)
    monkeypatch.setenv("SEARCHSVC_INGEST_PROCS", "2")


def test_parallel_build_matches_serial_build(corpus, tmp_path, monkeypatch, streaming):
    parallel = IndexStore(tmp_path / "parallel")
    report = ingest([corpus], parallel)
    assert report.failed == 0 and report.added > 4 and report.version
    monkeypatch.setattr(ingest_module, "STREAM_AFTER", 10**9)
    serial = IndexStore(tmp_path / "serial")
    ingest([corpus], serial)
    assert _snapshot(parallel) == _snapshot(serial)


def test_parallel_build_then_updates_and_prune(corpus, tmp_path, streaming):
    store = IndexStore(tmp_path / "index")
    first = ingest([corpus], store)
    again = ingest([corpus], store)
    assert again.version is None and again.unchanged == first.added
    page = corpus / "01-kras-g12c-nsclc.txt"
    page.write_text(page.read_text("utf-8").replace("索托拉西布", "索托拉西布 zqparallelmark"), "utf-8")
    (corpus / "06-sbrt-oligometastasis.txt").unlink()
    changed = ingest([corpus], store, prune=True)
    assert (changed.updated, changed.removed) == (1, 1)
    searcher = Searcher(store)
    assert searcher.search("zqparallelmark").total == 1
    assert searcher.health()["articles"] == first.added - 1
    # A rebuild through the streaming writer gives the same index as the incremental one.
    before = _snapshot(store)
    ingest([corpus], store, rebuild=True)
    assert _snapshot(store) == before


def test_a_failing_streaming_ingest_publishes_nothing(corpus, tmp_path, monkeypatch, streaming):
    store = IndexStore(tmp_path / "index")
    ingest([corpus], store)
    version = store.version()
    calls = {"n": 0}
    real = build_module.StreamingBuild.add

    def boom(self, article):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(self, article)

    monkeypatch.setattr(build_module.StreamingBuild, "add", boom)
    for page in corpus.glob("*.txt"):
        data = page.read_bytes()
        if "。".encode() in data:
            head, _, tail = data.rpartition("。".encode())  # in the last answer
            page.write_bytes(head + "。zqchanged".encode() + tail)
    with pytest.raises(KeyboardInterrupt):
        ingest([corpus], store)
    assert store.version() == version
    monkeypatch.setattr(build_module.StreamingBuild, "add", real)
    assert ingest([corpus], store).version  # the lock was released; the next ingest works
