"""Searches at full rate while an ingest of 1,000 interviews runs and publishes.

A real ``searchsvc serve`` (3 gunicorn workers x 4 threads) over the sample
index; 6 client threads send searches back to back (keep-alive, no think time)
while four ingests run one after the other: 1,000 generated interviews
(``bench/gen.py``), 30 of them changed, 30 deleted with --prune, 30 changed
again, so ``current`` is swapped four times and the oldest snapshot is deleted.
After each ingest returns (and before the next one may delete it) the test hard-links
the snapshot it published, so that afterwards every response can be checked against
the very version it names.  Every step waits on an event, not a clock: the clients
start, each version in turn is answered a number of times, every worker has answered
its share (counted from gunicorn's access log, which names the worker), then the
clients stop.  Nothing measures seconds: how fast it went is bench/'s business.

- every gunicorn worker answered searches (the load reached all three, not one or two);
- no connection error, no status other than 200;
- the X-Index-Version header equals the body's index_version;
- total and hit ids equal what that version answers to the same URL (so no
  response mixes two versions).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

from conftest import ROOT, SAMPLES
from test_web_support import Server

sys.path.insert(0, str(ROOT / "bench"))
import gen  # noqa: E402  (the deterministic corpus generator)

CLIENTS = 6
WORKERS = 3
PER_WORKER = 30  # searches each worker must have answered before the clients stop
QUERIES = ["q=" + quote(q) for q in ("KRAS G12C", "奥希替尼", "免疫治疗", "肺癌 -小细胞肺癌", "PD-L1", "乳腺癌 OR 胃癌",
                                      "expert:林晓舟", "靶向治疗 耐药", "ORR", "脑转移")]
LOG = [line.split("\t")[1] for line in (ROOT / "bench" / "queries.tsv").read_text("utf-8").splitlines() if "\t" in line]
PATHS = ([f"/api/search?{q}" for q in QUERIES] + [f"/api/search?{q}&page=2" for q in QUERIES[:4]]
         + [f"/api/search?{q}&sort=date&per_page=20" for q in QUERIES[:3]]
         + ["/api/search?q=" + quote("治疗") + "&tag=" + quote("肺癌"), "/api/articles?per_page=20", "/api/articles?page=3"]
         + ["/api/search?q=" + quote(q) for q in LOG])  # the benchmark's mixed query log: ~200 more, mostly cache misses


def write_pages(folder: Path, numbers, salt: str = "") -> None:
    for i in numbers:
        path = folder / f"{i // 100:02d}" / f"{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(gen.page_text(gen.DEFAULT_SEED, i, salt), "utf-8")


def keep(store: IndexStore, folder: Path) -> str:
    """Hard-link the published snapshot into ``folder`` (later ingests delete old ones); its version."""
    version = store.version()
    target = folder / version
    (target / "snapshots" / version).mkdir(parents=True)
    for item in store.snapshot_path(version).iterdir():
        os.link(item, target / "snapshots" / version / item.name)
    os.symlink(f"snapshots/{version}", target / "current")
    return version


class Responses:
    """What the clients got, and a way to wait until some version has been answered n times."""

    def __init__(self):
        self.items: list = []
        self.by_version: dict[str | None, int] = {}
        self.changed = threading.Condition()

    def append(self, item) -> None:
        with self.changed:
            self.items.append(item)
            self.by_version[item[2]] = self.by_version.get(item[2], 0) + 1
            self.changed.notify_all()

    def wait_for(self, version: str, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.by_version.get(version, 0) >= count, timeout=300), \
                (version, self.by_version)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def client_loop(port: int, paths: list[str], stop: threading.Event, out: list, offset: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = offset
    while not stop.is_set():
        path = paths[n % len(paths)]
        n += 1
        if n % 25 == 0:  # a new connection now and then: gunicorn hands it to whichever worker accepts first
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            out.append((path, response.status, response.getheader("X-Index-Version"), body))
        except (OSError, http.client.HTTPException) as exc:
            out.append((path, None, None, f"{type(exc).__name__}: {exc}".encode()))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


class AnsweredBy:
    """Searches answered per gunicorn worker, counted from the server's log as it is written: access
    lines end in the worker's <pid>, and gunicorn logs each worker booting and exiting (workers are
    recycled after max_requests).  ``wait_for`` waits until, at one moment, that many live workers
    have each answered that many searches: the load reached all of them, not one recycled thrice."""

    ACCESS = re.compile(r'"GET /api/\S+ HTTP/1\.1" \d{3} .* <(\d+)>\s*$')
    BOOTED = re.compile(r"Booting worker with pid: (\d+)")
    EXITED = re.compile(r"Worker exiting \(pid: (\d+)\)")

    def __init__(self, workers: int, count: int):
        self.workers, self.count = workers, count
        self.counts: dict[str, int] = {}
        self.live: set[str] = set()
        self.reached: list[str] = []  # the live workers that had each answered ``count`` when it happened
        self.changed = threading.Condition()

    def __call__(self, line: str) -> None:
        with self.changed:
            if match := self.ACCESS.search(line):
                self.counts[match.group(1)] = self.counts.get(match.group(1), 0) + 1
            elif match := self.BOOTED.search(line):
                self.live.add(match.group(1))
            elif match := self.EXITED.search(line):
                self.live.discard(match.group(1))
            else:
                return
            busy = sorted(pid for pid in self.live if self.counts.get(pid, 0) >= self.count)
            if not self.reached and len(busy) >= self.workers:
                self.reached = busy
            self.changed.notify_all()

    def wait(self) -> list[str]:
        with self.changed:
            assert self.changed.wait_for(lambda: self.reached, timeout=300), (self.live, self.counts)
            return self.reached


def run_ingest(*paths: Path, index: Path, prune: bool = False) -> str:
    command = [sys.executable, "-m", "searchsvc.cli", "ingest", *map(str, paths), "--index", str(index), "--no-progress"]
    done = subprocess.run(command + (["--prune"] if prune else []), capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def expected(store: IndexStore, path: str) -> tuple[int, list[str]]:
    """What the version in ``store`` answers to an /api/search or /api/articles URL."""
    parts = urlsplit(path)
    args = {k: v[0] for k, v in parse_qs(parts.query).items()}
    searcher = Searcher(store)
    page, per_page = int(args.get("page", 1)), int(args.get("per_page", 10))
    if parts.path == "/api/articles":
        result = searcher.articles(page=page, per_page=per_page)
    else:
        result = searcher.search(args.get("q", ""), page=page, per_page=per_page, sort=args.get("sort", "relevance"),
                                 tag=args.get("tag"))
    pages = -(-result.total // per_page) if result.total else 0
    return result.total, [h.id for h in result.hits] if page <= pages else []


@pytest.mark.slow
def test_searches_at_full_rate_while_1000_interviews_are_ingested_and_published(tmp_path):
    store = IndexStore(tmp_path / "index")
    assert ingest([SAMPLES], store).failed == 0
    kept = tmp_path / "kept"
    seen = [keep(store, kept)]
    pages = tmp_path / "pages"
    write_pages(pages, range(1000))
    answered_by = AnsweredBy(WORKERS, PER_WORKER)
    server = Server(store.root, workers=WORKERS, env={"SEARCHSVC_RATE_LIMIT": "off"},  # six clients on one address
                    access_log=True, on_line=answered_by)
    responses = Responses()
    stop = threading.Event()
    summaries = []

    def publish(*paths, prune: bool = False) -> None:
        summaries.append(run_ingest(*paths, index=store.root, prune=prune))
        seen.append(keep(store, kept))
        responses.wait_for(seen[-1], 20)  # the clients are being answered from the new version

    try:
        server.wait_ready()
        clients = [threading.Thread(target=client_loop, args=(server.port, PATHS, stop, responses, i * 7))
                   for i in range(CLIENTS)]
        for thread in clients:
            thread.start()
        responses.wait_for(seen[0], 50)  # searches are running before the first ingest starts
        publish(SAMPLES, pages)                                                      # +1,000
        write_pages(pages, range(0, 300, 10), salt="changed")
        publish(SAMPLES, pages)                                                      # 30 changed
        for i in range(500, 530):
            (pages / f"{i // 100:02d}" / f"{i:05d}.txt").unlink()
        publish(SAMPLES, pages, prune=True)                                          # 30 removed
        write_pages(pages, range(1, 301, 10), salt="again")
        publish(SAMPLES, pages)                                                      # 30 changed again
        answered_by.wait()  # the load reached every worker, not one or two
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
    finally:
        stop.set()
        server.stop()
    assert len(answered_by.reached) >= WORKERS, (answered_by.reached, answered_by.counts)

    assert summaries[0].startswith("added 1000, updated 0"), summaries
    assert summaries[1].startswith("added 0, updated 30"), summaries
    assert "removed 30" in summaries[2], summaries
    assert summaries[3].startswith("added 0, updated 30"), summaries
    assert len(set(seen)) == 5, seen  # the samples, then four publishes
    assert not (store.snapshots / seen[0]).exists()  # the oldest was deleted while searches ran

    # a page past the end of the version that answered is a 404 naming page, labelled with that version
    errors = [(p, s, b[:200]) for p, s, _, b in responses if s != 200 and not (s == 404 and b'"param":"page"' in b)]
    assert not errors, (len(errors), errors[:5])
    versions: dict[str, int] = {}
    checked: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for path, status, header, body in responses:
        data = json.loads(body)
        version = header if status == 404 else data["index_version"]
        assert header == version, (path, header, version)
        assert version in seen, version
        versions[version] = versions.get(version, 0) + 1
        key = (version, path)
        if key not in checked:
            checked[key] = expected(IndexStore(kept / version), path)
        total, ids = checked[key]
        if status == 404:  # that version has fewer pages than the one asked for, and says how many
            page, per_page = (int(parse_qs(urlsplit(path).query).get(k, [d])[0]) for k, d in (("page", 1), ("per_page", 10)))
            assert data["error"]["pages"] == -(-total // per_page) < page and not ids, (path, version, data)
            continue
        assert (data["total"], [h["id"] for h in data["hits"]]) == (total, ids), (path, version)
    assert set(seen) <= set(versions), versions  # every version was answered (the test waited for it)
    print(f"\n{len(responses)} searches over {len(versions)} versions: {versions}; per worker: {answered_by.counts}")


def test_a_publish_between_the_version_check_and_the_search_is_labelled_with_the_version_served(make_app, tmp_path):
    """Deterministic form of a race the run above found: X-Index-Version and the ETag named the version
    read when the request began while the body came from the version published a moment later."""
    store = IndexStore(tmp_path / "index")
    assert ingest([SAMPLES], store).failed == 0
    first = store.version()
    client = make_app(store).test_client()
    extra = tmp_path / "extra"
    write_pages(extra, range(3))
    published = []

    @client.application.before_request
    def publish_after_the_version_check():  # runs after caching's conditional_get has read the version
        if not published:
            published.append(ingest([SAMPLES, extra], store).version)

    response = client.get("/api/search?q=" + quote("治疗"))
    body = response.get_json()
    assert published[0] != first and body["index_version"] == published[0]
    assert response.headers["X-Index-Version"] == published[0]
    again = client.get("/api/search?q=" + quote("治疗"))
    assert again.headers["ETag"] == response.headers["ETag"]  # the ETag of the version actually served
    assert client.get("/api/search?q=" + quote("治疗"), headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
