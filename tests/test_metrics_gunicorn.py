"""/metrics from a real ``searchsvc serve`` (gunicorn, several workers) under load from several threads,
checked by Debian's ``promtool`` and scraped by a real Prometheus server.

The counts add up across workers: every request sent is counted exactly once, whichever
worker answered it, and a worker that exits keeps its counts.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from test_metrics import requests_by_route, sample_pages, samples_of, value
from test_web_support import Server, free_port, terminate

pytestmark = pytest.mark.slow

PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
THREADS = 6
ROUNDS = 10  # each thread sends every path this many times over (under the 600/minute rate limit on /api/*)


def _needed(tool: str | None, name: str) -> str:
    """The tool's path; under CI a missing one fails the test, locally it is skipped with the reason."""
    if tool:
        return tool
    if os.environ.get("CI"):
        raise RuntimeError(f"{name} is missing: Debian's prometheus package provides it "
                           "(apt-get install prometheus; scripts/setup.sh --test)")
    pytest.skip(f"{name} is not installed (apt-get install -y prometheus)")


@pytest.fixture(scope="module")
def multiproc_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prometheus-multiproc")
    (folder / "counter_1.db").write_bytes(b"a previous run's counts")  # emptied when the server starts
    return folder


@pytest.fixture(scope="module")
def server(sample_index, multiproc_dir):
    srv = Server(sample_index.root, workers=3, threads=2, env={"PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir)})
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def _paths(article_id: str) -> dict[str, list[str]]:
    """route -> the paths sent for it (distinct queries, repeats for the cache, an unknown URL)."""
    q = urllib.parse.quote
    return {
        "/api/search": ["/api/search?q=" + q(t) for t in ("KRAS", "奥希替尼", "免疫治疗 肺癌", "KRAS")],
        "/search": ["/search?q=" + q("肝细胞癌")],
        "/api/articles/<article_id>": [f"/api/articles/{article_id}", "/api/articles/000000000000"],
        "/api/suggest": ["/api/suggest?q=" + q("林")],
        "/healthz": ["/healthz"],
        "<unmatched>": ["/no/such/page?x=1"],
    }


@pytest.fixture(scope="module")
def loaded(server) -> Counter:
    """Sends THREADS x ROUNDS rounds of every path at once; returns how many requests each route got."""
    status, _, body = server.get("/api/search?q=" + urllib.parse.quote("奥希替尼"))
    assert status == 200
    article_id = json.loads(body)["hits"][0]["id"]
    paths = _paths(article_id)
    work = [p for _ in range(ROUNDS) for ps in paths.values() for p in ps]

    def send(path: str) -> int:
        return server.get(path)[0]

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(send, work * THREADS))
    assert set(statuses) <= {200, 404} and statuses.count(200) > len(statuses) // 2
    sent = Counter({route: len(ps) * ROUNDS * THREADS for route, ps in paths.items()})
    sent["/api/search"] += 1  # the search that found the article id
    assert sum(sent.values()) >= 300
    return sent


def _scrape(server) -> str:
    status, headers, body = server.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return body.decode("utf-8")


def test_the_counts_from_every_worker_add_up_to_the_requests_sent(server, loaded, multiproc_dir):
    before = requests_by_route(samples_of(_scrape(server)))
    assert before - Counter({"/metrics": before["/metrics"]}) == loaded
    # several workers answered: each wrote its own file (the stale one from "a previous run" is gone)
    writers = sorted(multiproc_dir.glob("counter_*.db"))
    assert len(writers) >= 2 and "counter_1.db" not in {p.name for p in writers}
    # a worker that exits keeps its counts (gunicorn starts another)
    pid = int(writers[0].stem.split("_")[1])
    exited = os.pidfd_open(pid)  # wait on the event (the worker's exit), no polling
    try:
        os.kill(pid, signal.SIGTERM)
        assert select.select([exited], [], [], 60)[0] == [exited], "the worker did not exit"
    finally:
        os.close(exited)
    after = requests_by_route(samples_of(_scrape(server)))
    assert after - Counter({"/metrics": after["/metrics"]}) == loaded
    assert after["/metrics"] == before["/metrics"] + 1


def test_a_scrape_under_load_passes_promtool(server, loaded):
    promtool = _needed(PROMTOOL, "promtool")
    with ThreadPoolExecutor(THREADS) as pool:  # scraped while other requests run
        busy = [pool.submit(server.get, "/api/search?q=KRAS") for _ in range(30)]
        text = _scrape(server)
        assert all(f.result()[0] == 200 for f in busy)
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    samples = samples_of(text)
    for stage in ("understanding", "ranking", "highlighting"):
        assert value(samples, "searchsvc_search_stage_duration_seconds_count", stage=stage) >= 3
    assert value(samples, "searchsvc_result_cache_hits_total", kind="search") > 0
    assert value(samples, "searchsvc_index_documents") == sample_pages() and value(samples, "searchsvc_index_up") == 1


class Prometheus:
    """``prometheus`` scraping one target every second, on a loopback port, with its data in ``folder``."""

    def __init__(self, binary: str, folder: Path, target: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = folder / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: searchsvc\n    metrics_path: /metrics\n"
            f"    static_configs:\n      - targets: ['{target}']\n", "utf-8")
        self.log = open(folder / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, promql: str) -> list[dict]:
        url = f"{self.base}/api/v1/query?query=" + urllib.parse.quote(promql)
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def wait_for(self, promql: str, limit: float = 60.0) -> list[dict]:
        """Polls the query until it has a result (bounded); the server not answering yet counts as none."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "prometheus exited"
            try:
                result = self.query(promql)
                if result:
                    return result
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
        raise AssertionError(f"no result for {promql} within {limit} s")

    def stop(self) -> None:
        terminate(self.proc)
        self.log.close()


def test_a_real_prometheus_scrapes_the_server_and_queries_the_series(server, loaded, tmp_path):
    binary = _needed(PROMETHEUS, "prometheus")
    prometheus = Prometheus(binary, tmp_path, f"127.0.0.1:{server.port}")
    try:
        up = prometheus.wait_for('up{job="searchsvc"} == 1')
        assert up[0]["metric"]["instance"] == f"127.0.0.1:{server.port}"
        searches = prometheus.wait_for('sum(searchsvc_http_requests_total{route="/api/search"})')
        # what the server says itself (the load, and the promtool test's searches when it ran)
        direct = requests_by_route(samples_of(_scrape(server)))["/api/search"]
        assert float(searches[0]["value"][1]) == direct >= loaded["/api/search"]
        documents = prometheus.wait_for("searchsvc_index_documents")
        assert float(documents[0]["value"][1]) == sample_pages()
        stages = prometheus.wait_for("searchsvc_search_stage_duration_seconds_count")
        assert {s["metric"]["stage"] for s in stages} == {"understanding", "ranking", "highlighting"}
    finally:
        prometheus.stop()
