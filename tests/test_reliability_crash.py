"""Crash safety: kill -9 the ingest at named points across parsing, writing and publishing.

Each case starts from a published index of corpus A (three snapshots, so a publish
also drops an old one), runs ``searchsvc ingest B --prune`` in a subprocess with
``SEARCHSVC_CRASH_AT=<point>:<N>`` (``searchsvc.crashpoint``: the process SIGKILLs
itself the N-th time it reaches that point), and then checks what a user sees:

- the ingest really died of SIGKILL at that point, and left no worker behind;
- the service (a Searcher opened before the crash, a fresh one, and /healthz of
  the web app) answers from the previous version, with the same totals and ids;
  or, for a kill after ``current`` was swapped, from the complete new version;
- the next ingest ends equal to a clean build of B: same article ids and content
  hashes, same counts, same hits for every test query, nothing left in tmp/,
  and a further ingest finds nothing to do.

The points inside Whoosh (before a segment is flushed, before its table of
contents is written) are hooked by the wrapper below; the rest are one-line
``checkpoint(...)`` calls in ingest.py and index.py.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.engine.index import KEEP_SNAPSHOTS, IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

QUERIES = ["KRAS G12C", "奥希替尼", "免疫治疗 不良反应", "乳腺癌", "胃癌", "expert:林晓舟", "ZEBRAFISH", ""]

# Runs the real command line; optionally lowers the streaming threshold (so a small
# corpus takes the multiprocess writer path) and hooks two places inside Whoosh.
WRAPPER = r"""
import sys
from searchsvc.crashpoint import checkpoint
import searchsvc.ingest.pipeline
from whoosh.writing import SegmentWriter

stream_after = int(sys.argv[1])
if stream_after:
    searchsvc.ingest.pipeline.STREAM_AFTER = stream_after

from whoosh.multiproc import SubWriterTask
process_file = SubWriterTask._process_file
def _batch(self, *args):
    checkpoint("whoosh.batch")  # in a writer worker: its N-th batch of documents
    return process_file(self, *args)
SubWriterTask._process_file = _batch

flush, commit_toc = SegmentWriter._flush_segment, SegmentWriter._commit_toc
def _flush(self):
    checkpoint("whoosh.flush")
    return flush(self)
def _toc(self, segments):
    checkpoint("whoosh.toc")
    return commit_toc(self, segments)
SegmentWriter._flush_segment, SegmentWriter._commit_toc = _flush, _toc

from searchsvc.cli import main
main(sys.argv[2:], prog_name="searchsvc")
"""

IN_MEMORY, STREAMING = 0, 4  # STREAM_AFTER for the run: default (200) or 4 changed articles
# (point, N, writer path, extra flags); points after the swap of `current` publish B.
KILL_POINTS = [
    # parsing
    ("ingest.locked", 1, IN_MEMORY, ()),
    ("ingest.source", 1, IN_MEMORY, ()),
    ("ingest.source", 9, IN_MEMORY, ()),
    ("ingest.source", 27, IN_MEMORY, ()),
    ("ingest.parsed", 1, IN_MEMORY, ()),
    # writing (one writer, documents held in memory)
    ("build.created", 1, IN_MEMORY, ()),
    ("build.ready", 1, IN_MEMORY, ()),
    ("write.deleted", 1, IN_MEMORY, ()),
    ("write.doc", 1, IN_MEMORY, ()),
    ("write.doc", 9, IN_MEMORY, ()),
    ("write.commit", 1, IN_MEMORY, ()),
    ("whoosh.flush", 1, IN_MEMORY, ()),
    ("whoosh.toc", 1, IN_MEMORY, ()),
    ("write.committed", 1, IN_MEMORY, ()),
    ("manifest.unsynced", 1, IN_MEMORY, ()),
    ("whoosh.toc", 1, IN_MEMORY, ("--rebuild",)),
    # writing (streaming to the multiprocess writer while parsing)
    ("stream.doc", 1, STREAMING, ()),
    ("stream.doc", 10, STREAMING, ()),
    ("ingest.source", 20, STREAMING, ()),
    ("stream.commit", 1, STREAMING, ()),
    ("whoosh.toc", 1, STREAMING, ()),
    ("stream.committed", 1, STREAMING, ()),
    # publishing
    ("publish.synced", 1, IN_MEMORY, ()),
    ("publish.renamed", 1, IN_MEMORY, ()),
    ("publish.linked", 1, IN_MEMORY, ()),
    ("publish.swapped", 1, IN_MEMORY, ()),
    ("publish.dropping", 1, IN_MEMORY, ()),
    ("ingest.published", 1, IN_MEMORY, ()),
    ("publish.renamed", 1, STREAMING, ()),
    ("publish.swapped", 1, STREAMING, ()),
]
AFTER_SWAP = {"publish.swapped", "publish.dropping", "ingest.published"}


def answers(searcher: Searcher) -> dict[str, tuple[int, frozenset[str]]]:
    out = {}
    for q in QUERIES:
        result = searcher.search(q, per_page=50)
        out[q] = (result.total, frozenset(h.id for h in result.hits))
    return out


def content(store: IndexStore) -> dict[str, dict[str, str]]:
    """identity -> {article id: content hash}, from the published manifest."""
    return {key: dict(entry["articles"]) for key, entry in store.manifest().sources.items()}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    corpus_a = root / "corpus"  # the corpus as the base index saw it; then edited in place into corpus_b
    shutil.copytree(SAMPLES, corpus_a)
    base = IndexStore(root / "base")
    assert ingest([corpus_a], base).failed == 0
    for _ in range(KEEP_SNAPSHOTS - 1):  # three snapshots: the next publish drops the oldest
        ingest([corpus_a], base, rebuild=True)
    assert len(list(base.snapshots.iterdir())) == KEEP_SNAPSHOTS

    corpus_b = corpus_a
    page = corpus_b / "01-kras-g12c-nsclc.txt"  # changed
    text = page.read_text("utf-8")
    page.write_text(text.replace(text.splitlines()[2], "林晓舟教授:测试用新标题ZEBRAFISH"), "utf-8")
    (corpus_b / "06-sbrt-oligometastasis.txt").unlink()  # gone: --prune removes it
    for n in range(4):  # new pages (distinct ids: distinct relative paths)
        for name in ("02-es-sclc-immunotherapy.txt", "03-egfr-osimertinib.txt", "09-her2-breast-tdxd.txt"):
            (corpus_b / "extra" / f"copy{n}").mkdir(parents=True, exist_ok=True)
            shutil.copy(SAMPLES / name, corpus_b / "extra" / f"copy{n}" / name)

    clean = IndexStore(root / "clean")
    assert ingest([corpus_b], clean).failed == 0
    reference = dict(content=content(clean), articles=Searcher(clean).health()["articles"],
                     answers=answers(Searcher(clean)))
    assert reference["answers"]["ZEBRAFISH"][0] == 1
    return dict(corpus_b=corpus_b, base=base, reference=reference, before=answers(Searcher(base)))


def run_crashing_ingest(point: str, n: int, stream_after: int, flags, corpus: Path, index: Path) -> subprocess.Popen:
    env = {**os.environ, "SEARCHSVC_CRASH_AT": f"{point}:{n}", "SEARCHSVC_INGEST_PROCS": "2"}
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, str(stream_after), "ingest", str(corpus), "--index",
                             str(index), "--prune", "--no-progress", *flags],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the ingest hung at {point}:{n}: {err.decode()[-2000:]}")
    assert proc.returncode == -signal.SIGKILL, (
        f"the ingest was not killed at {point}:{n} (exit {proc.returncode}): {out.decode()[-500:]} {err.decode()[-2000:]}")
    return proc


def group_gone(pgid: int, timeout: float = 60) -> bool:
    """Wait until every process of the group has exited: the kernel signals each one's pidfd at its
    exit (no polling; the timeout only bounds a test that would otherwise hang)."""
    pidfds = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    pidfds.append(os.pidfd_open(int(entry.name)))
            except (OSError, IndexError, ValueError):  # gone meanwhile
                continue
    try:
        return all(select.select([fd], [], [], timeout)[0] for fd in pidfds)
    finally:
        for fd in pidfds:
            os.close(fd)


@pytest.mark.parametrize("point,n,stream_after,flags", KILL_POINTS,
                         ids=[f"{p}:{n}{'-stream' if s else ''}{''.join(f)}" for p, n, s, f in KILL_POINTS])
def test_kill_9_at(make_app, setup, tmp_path, point, n, stream_after, flags):
    store = IndexStore(tmp_path / "index")
    shutil.copytree(setup["base"].root, store.root, symlinks=True)
    before_version = store.version()
    service = Searcher(store)  # the running service, opened before the crash
    assert answers(service) == setup["before"]
    web = make_app(store).test_client()

    proc = run_crashing_ingest(point, n, stream_after, flags, setup["corpus_b"], store.root)
    assert group_gone(proc.pid), "a writer process outlived the killed ingest"

    reference = setup["reference"]
    health = web.get("/healthz")
    assert health.status_code == 200, health.get_data(as_text=True)
    if point in AFTER_SWAP:  # the new snapshot was already live: it is the whole of B
        assert store.version() != before_version
        assert content(store) == reference["content"]
        assert answers(service) == answers(Searcher(store)) == reference["answers"]
    else:  # the previous version, untouched
        assert store.version() == before_version
        assert answers(service) == answers(Searcher(store)) == setup["before"]
        assert health.get_json()["index_version"] == before_version
        response = web.get("/api/search?q=ZEBRAFISH")
        assert response.status_code == 200 and response.get_json()["total"] == 0

    recovered = ingest([setup["corpus_b"]], store, prune=True, rebuild="--rebuild" in flags)
    assert recovered.failed == 0, recovered.failures
    assert content(store) == reference["content"]
    assert Searcher(store).health()["articles"] == reference["articles"]
    assert answers(Searcher(store)) == answers(service) == reference["answers"]
    assert web.get("/healthz").get_json()["articles"] == reference["articles"]
    assert not list(store.tmp.glob("*")), list(store.tmp.glob("*"))
    assert (store.snapshots / store.version()).is_dir()
    again = ingest([setup["corpus_b"]], store, prune=True)
    assert again.version is None and (again.added, again.updated, again.removed) == (0, 0, 0)


def test_there_are_at_least_20_kill_points_across_parsing_writing_and_publishing():
    names = {p for p, *_ in KILL_POINTS}
    assert len(KILL_POINTS) >= 20
    assert {"ingest.source", "write.doc", "stream.doc", "whoosh.toc", "publish.renamed", "publish.swapped"} <= names


@pytest.mark.parametrize("point", ["whoosh.batch", "whoosh.flush"])
def test_a_writer_worker_killed_fails_the_ingest_instead_of_publishing_without_its_documents(setup, tmp_path, point):
    """Regression: Whoosh's MpWriter skipped a dead worker's results after a 1 s timeout and
    published a snapshot without its documents (0 of 47 articles, the manifest listing all 47),
    so later ingests called them unchanged and never indexed them."""
    store = IndexStore(tmp_path / "index")
    shutil.copytree(setup["base"].root, store.root, symlinks=True)
    before = store.version()
    env = {**os.environ, "SEARCHSVC_CRASH_AT": f"{point}:1", "SEARCHSVC_INGEST_PROCS": "2"}
    run = subprocess.run([sys.executable, "-c", WRAPPER, str(STREAMING), "ingest", str(setup["corpus_b"]), "--index",
                          str(store.root), "--prune", "--no-progress"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, start_new_session=True)
    assert run.returncode == 2, (run.stdout, run.stderr[-2000:])
    assert run.stderr.strip() == (f"error: cannot write the new index under {store.root}: a writer process died "
                                  f"(killed by SIGKILL); nothing was published; the live index is still {before}")
    assert store.version() == before and answers(Searcher(store)) == setup["before"]
    recovered = ingest([setup["corpus_b"]], store, prune=True)
    assert recovered.failed == 0 and content(store) == setup["reference"]["content"]
    assert answers(Searcher(store)) == setup["reference"]["answers"]
    assert Searcher(store).health()["articles"] == setup["reference"]["articles"]
