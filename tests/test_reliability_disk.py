"""A full disk during ingest: a clear message, the previous index stays live, the space is given back.

Real ENOSPC from a small tmpfs mounted by the test (root only; skipped with the
reason otherwise), and real EFBIG from RLIMIT_FSIZE in a subprocess (any user),
on both writer paths: documents held in memory and written by one writer, and
the streaming multiprocess writer.  After space is freed, the next ingest ends
equal to a clean build.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow
QUERIES = ["KRAS G12C", "奥希替尼", "乳腺癌", "expert:林晓舟", ""]


def copies(folder: Path, count: int) -> Path:
    """``count`` copies of the sample text pages in sub-folders (distinct ids: distinct paths)."""
    for n in range(count):
        target = folder / f"copy{n:02d}"
        target.mkdir(parents=True)
        for page in SAMPLES.glob("*.txt"):
            shutil.copy(page, target / page.name)
    return folder


def answers(store: IndexStore) -> dict:
    """Totals and the titles on the first page (copies of one page tie, so their ids may swap places)."""
    searcher = Searcher(store)
    return {q: (r.total, sorted(h.title for h in r.hits)) for q in QUERIES for r in [searcher.search(q, per_page=50)]}


def content(store: IndexStore) -> dict:
    return {key: entry["articles"] for key, entry in store.manifest().sources.items()}


def run_ingest(corpus: Path, index: Path, procs: int, preexec=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEARCHSVC_INGEST_PROCS": str(procs)}
    return subprocess.run([sys.executable, "-m", "searchsvc.cli", "ingest", str(corpus), "--index", str(index),
                           "--no-progress"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
                          preexec_fn=preexec)


@pytest.fixture
def small_disk(tmpfs):
    """A 3 MB tmpfs (the RLIMIT_FSIZE test covers a write failure without root)."""
    return tmpfs(3)


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


# (pages in the new batch, writer processes): 182 changed articles stay in memory (one writer);
# 210 stream to the multiprocess writer (2 processes) or to a single streaming writer.
WRITERS = {"in-memory": (13, 2), "streaming, 2 processes": (15, 2), "streaming, 1 process": (15, 1)}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_full_disk_fails_clearly_and_keeps_the_previous_index_live(make_app, small_disk, tmp_path, writer):
    count, procs = WRITERS[writer]
    root = small_disk / "index"
    store = IndexStore(root)
    assert ingest([SAMPLES], store).failed == 0
    before, expected = store.version(), answers(store)
    service = make_app(store).test_client()
    free_before = free_bytes(small_disk)
    big = copies(tmp_path / "big", count)

    run = run_ingest(big, root, procs)
    assert run.returncode == 2, (run.stdout, run.stderr[-3000:])
    assert run.stderr.strip() == (f"error: cannot write the new index under {root}: No space left on device; "
                                  f"nothing was published; the live index is still {before}"), run.stderr[-3000:]
    assert run.stdout == ""
    assert store.version() == before and answers(store) == expected
    health = service.get("/healthz")
    assert health.status_code == 200 and health.get_json()["index_version"] == before
    assert not store.tmp.exists() or not any(store.tmp.iterdir())
    assert free_bytes(small_disk) >= free_before - 64 * 1024  # the failed build's space is given back

    subprocess.run(["mount", "-o", "remount,size=128m", str(small_disk)], check=True)
    again = run_ingest(big, root, procs)
    assert again.returncode == 0, again.stderr[-3000:]
    clean = IndexStore(tmp_path / "clean")
    ingest([SAMPLES], clean)
    ingest([big], clean)
    assert content(store) == content(clean)
    assert answers(store) == answers(clean)
    assert service.get("/healthz").get_json()["articles"] == Searcher(clean).health()["articles"]


def test_a_full_disk_on_the_first_ingest_leaves_no_index_and_says_so(make_app, small_disk, tmp_path):
    root = small_disk / "index"
    run = run_ingest(copies(tmp_path / "big", 26), root, 2)  # ~5.5 MB of index: twice the disk
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip() == (f"error: cannot write the new index under {root}: No space left on device; "
                                  "nothing was published; there is no index yet")
    health = make_app(IndexStore(root)).test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["reason"] == f"no index at {root}: nothing has been published yet (run an ingest first)"


def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_file_size_limit_fails_clearly_and_keeps_the_previous_index_live(tmp_path, writer):
    count, procs = WRITERS[writer]
    store = IndexStore(tmp_path / "index")
    assert ingest([SAMPLES], store).failed == 0
    before, expected = store.version(), answers(store)
    run = run_ingest(copies(tmp_path / "big", count), store.root, procs, preexec=_file_size_limit(1 << 20))
    assert run.returncode == 2, (run.stdout, run.stderr[-3000:])
    message = run.stderr.strip()
    assert message.startswith(f"error: cannot write the new index under {store.root}: File too large"), message
    assert message.endswith(f"; nothing was published; the live index is still {before}") and "\n" not in message
    assert store.version() == before and answers(store) == expected
    assert not store.tmp.exists() or not any(store.tmp.iterdir())
