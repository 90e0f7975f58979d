"""The index's on-disk names and format version (``searchsvc._format``).

- A new index pickles every class of its own under ``searchsvc._format`` and records its format.
- An index written before this change (format 1: ``tests/fixtures/index-7b3f7ff/``, built with
  commit 7b3f7ff's code from the fictional sample beside it) opens, searches, and an update
  of it is written in the current format.
- With the modules that format 1 named (``searchsvc.codec``, ``searchsvc.index``,
  ``searchsvc.analysis``) really gone from the package, both an old and a new index still open;
  without the legacy names, the old one says to rebuild instead of raising a pickle error.
- A snapshot recording a format this release does not read, or a format record that cannot be
  read, says "rebuild with searchsvc ingest --rebuild" (to the opener, the API and the CLI).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import searchsvc
from searchsvc import _format
from searchsvc.engine.index import IndexStore, IndexUnavailable
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "index-7b3f7ff"
FIXTURE_TITLE = "祁慕远教授:晚期胃癌二线治疗的选择丨示例访谈"
LEGACY_MODULES = ("searchsvc.codec", "searchsvc.index", "searchsvc.analysis")


def pickled_modules(snapshot: Path) -> set[str]:
    """The searchsvc modules a snapshot's table of contents names (pickle protocol 2 writes them as text)."""
    (toc,) = snapshot.glob("_MAIN_*.toc")
    return {m.decode() for m in re.findall(rb"searchsvc(?:\.[A-Za-z_]+)+", toc.read_bytes())}


def old_store(tmp_path: Path) -> IndexStore:
    """A writable copy of the format-1 fixture index, published as an index folder's current snapshot."""
    root = tmp_path / "old-index"
    (root / "snapshots").mkdir(parents=True)
    shutil.copytree(FIXTURE / "snapshot", root / "snapshots" / "20250101T000000000000")
    (root / "current").symlink_to("snapshots/20250101T000000000000")
    return IndexStore(root)


def test_a_new_index_pickles_its_classes_under_the_stable_names_and_records_its_format(sample_index):
    snapshot = sample_index.snapshot_path(sample_index.version())
    assert pickled_modules(snapshot) == {"searchsvc._format"}
    assert json.loads((snapshot / _format.FORMAT_FILE).read_text())["format"] == _format.FORMAT_VERSION


def test_the_fixture_is_an_index_written_before_the_stable_names(tmp_path):
    store = old_store(tmp_path)
    snapshot = store.snapshot_path(store.version())
    assert not (snapshot / _format.FORMAT_FILE).exists()
    assert pickled_modules(snapshot) == set(LEGACY_MODULES)


def test_an_index_written_before_this_change_opens_and_searches(tmp_path):
    searcher = Searcher(old_store(tmp_path))
    result = searcher.search("胃癌 二线治疗")
    assert [hit.title for hit in result.hits] == [FIXTURE_TITLE]
    assert searcher.health()["status"] == "ok"


def test_an_update_of_an_old_index_is_written_in_the_current_format(tmp_path):
    store = old_store(tmp_path)
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE / "source", corpus)
    shutil.copy(Path(searchsvc.__file__).parent.parent / "samples" / "01-kras-g12c-nsclc.txt", corpus)
    # the fixture's corpus root (the folder it was written from, on another machine) is gone: say where it is now
    report = ingest([corpus], store, root=corpus)
    assert report.failed == 0 and report.added >= 1
    snapshot = store.snapshot_path(store.version())
    assert pickled_modules(snapshot) == {"searchsvc._format"}
    assert _format.read_format(snapshot) == _format.FORMAT_VERSION
    searcher = Searcher(store)
    assert FIXTURE_TITLE in [hit.title for hit in searcher.search("胃癌").hits]
    assert any("KRAS" in hit.title for hit in searcher.search("KRAS G12C").hits)


@pytest.fixture
def modules_moved(tmp_path, monkeypatch):
    """The package as a deployment without the old paths sees it (codec.py, index.py and analysis.py moved into subfolders):
    the package's path holds none of them, and none is imported."""
    moved = tmp_path / "package-without-the-old-modules"
    moved.mkdir()
    monkeypatch.setattr(searchsvc, "__path__", [str(moved)])
    # a development install's finder maps the package to its checkout whatever __path__ says: not in a deployment
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path
                                           if "__editable__" not in str(getattr(f, "__module__", ""))])
    for name in LEGACY_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
        monkeypatch.delattr(searchsvc, name.rsplit(".", 1)[1], raising=False)
    finder = importlib.util.find_spec("searchsvc.codec")
    assert finder is not None and isinstance(finder.loader, _format.LegacyNames)  # no file answers any more
    yield
    for name in LEGACY_MODULES:  # the aliases made while moved are not the real modules
        sys.modules.pop(name, None)


def test_after_the_modules_move_an_old_index_and_a_new_one_both_open(tmp_path, sample_index, modules_moved):
    store = old_store(tmp_path)
    version, ix = store.open()
    assert type(ix.schema["answer"].format) is _format.CharacterArray
    assert type(ix.schema["expert"]).__name__ == "ListKEYWORD"
    assert [hit.title for hit in Searcher(store).search("胃癌").hits] == [FIXTURE_TITLE]
    assert Searcher(sample_index).search("KRAS").total > 0
    for name in LEGACY_MODULES:
        assert sys.modules[name].__doc__.startswith("format-1 names")


def test_without_the_legacy_names_an_old_index_says_to_rebuild(tmp_path, sample_index, modules_moved, monkeypatch):
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, _format.LegacyNames)])
    with pytest.raises(IndexUnavailable, match=r"searchsvc ingest --rebuild") as raised:
        old_store(tmp_path).open()
    assert "searchsvc.codec" in str(raised.value) or "searchsvc.index" in str(raised.value) \
        or "searchsvc.analysis" in str(raised.value)
    assert Searcher(sample_index).search("KRAS").total > 0  # a new index never needed them


def _with_format(tmp_path: Path, sample_index, content: str | None) -> IndexStore:
    root = tmp_path / "index"
    shutil.copytree(sample_index.root, root, symlinks=True)
    store = IndexStore(root)
    snapshot = store.snapshot_path(store.version())
    record = snapshot / _format.FORMAT_FILE
    inventory = json.loads((snapshot / "files.json").read_text())  # as if the snapshot had been written so
    if content is None:
        record.unlink()
        del inventory[_format.FORMAT_FILE]
    else:
        record.write_text(content)
        inventory[_format.FORMAT_FILE] = record.stat().st_size
    (snapshot / "files.json").write_text(json.dumps(inventory))
    return store


FORMAT_RECORDS = st.one_of(
    st.one_of(st.sampled_from(_format.READABLE_FORMATS), st.integers(-5, 1000)).map(lambda n: json.dumps({"format": n})),
    st.sampled_from(["", "{", "[]", "null", '"2"', '{"format": "2"}', '{"format": 2.5}', '{"version": 2}']),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=FORMAT_RECORDS)
def test_a_format_this_release_cannot_read_says_to_rebuild(tmp_path_factory, sample_index, record):
    store = _with_format(tmp_path_factory.mktemp("format"), sample_index, record)
    try:
        version = json.loads(record).get("format")
    except (ValueError, AttributeError):
        version = None
    if isinstance(version, int) and not isinstance(version, bool) and version in _format.READABLE_FORMATS:
        assert store.open()[1].doc_count() > 0
        return
    with pytest.raises(IndexUnavailable) as raised:
        store.open()
    message = str(raised.value)
    assert "searchsvc ingest --rebuild" in message and str(store.snapshot_path(store.version())) in message
    if isinstance(version, int):
        assert f"format {version}" in message
        assert ("newer release" in message) == (version > _format.FORMAT_VERSION)
    else:
        assert _format.FORMAT_FILE in message


def test_an_unknown_format_reaches_the_reader_and_the_operator_as_a_rebuild(tmp_path, sample_index, make_app,
                                                                             runner):
    store = _with_format(tmp_path, sample_index, json.dumps({"format": 99}))
    client = make_app(store).test_client()
    response = client.get("/api/search", query_string={"q": "KRAS"})
    assert response.status_code == 503 and "format 99" in response.json["error"]["message"]
    assert client.get("/healthz").json["status"] == "unavailable"
    result = runner.invoke(["search", "KRAS", "--index", str(store.root)])
    assert result.exit_code != 0 and "searchsvc ingest --rebuild" in result.output
    assert "Traceback" not in result.output


def test_a_snapshot_without_a_format_record_is_format_1(tmp_path, sample_index):
    store = _with_format(tmp_path, sample_index, None)
    assert _format.read_format(store.snapshot_path(store.version())) == 1
    assert store.open()[1].doc_count() > 0
