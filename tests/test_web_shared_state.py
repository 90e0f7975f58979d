"""What the workers of one server share: the rate limit's budget and the result cache.

A real ``searchsvc serve`` (gunicorn, several worker processes) on a loopback port, with
the embedded stores in its state folder: a client's requests count into one budget
whichever worker answers, a burst of concurrent requests is counted exactly (none lost,
none refused twice, no 500), loopback is not exempt unless configured, and every worker
reads the results any other process of the server cached.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter

import pytest

from test_web_support import Server

pytestmark = pytest.mark.slow


def fetch(port: int, path: str) -> int:
    return fetch_body(port, path)[0]


def fetch_body(port: int, path: str) -> tuple[int, bytes]:
    """One request on a connection of its own (as browsers and proxies spread them)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_one_budget_per_client_across_the_workers_and_processes_of_a_server(make_app, sample_index, tmp_path):
    state = tmp_path / "state"
    settings = {"SEARCHSVC_RATE_LIMIT": "6/hour", "SEARCHSVC_STATE_DIR": str(state)}
    server = Server(sample_index.root, workers=3, env=settings)
    try:
        server.wait_ready()
        statuses = [fetch(server.port, f"/api/search?q=KRAS&per_page={n}") for n in range(1, 10)]
    finally:
        server.stop()
    # loopback is a client like any other: 6 an hour, then 429 (it was exempt, and each worker counted apart)
    assert statuses == [200] * 6 + [429] * 3
    # another process on the same state folder (one more worker, in effect) finds the budget spent
    other_worker = make_app(**settings).test_client()
    assert other_worker.get("/api/articles").status_code == 429
    assert other_worker.get("/api/articles", environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 200


def test_a_burst_of_concurrent_requests_is_counted_exactly(sample_index):
    limit, burst = 10, 32
    server = Server(sample_index.root, workers=2, threads=8, env={"SEARCHSVC_RATE_LIMIT": f"{limit}/hour"})
    statuses: list[int] = []
    start = threading.Barrier(burst)

    def one(n: int) -> None:
        start.wait()  # every thread sends at once
        statuses.append(fetch(server.port, f"/api/suggest?q=K{n}"))

    try:
        server.wait_ready()
        threads = [threading.Thread(target=one, args=(n,)) for n in range(burst)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = server.log_text()
    finally:
        server.stop()
    assert Counter(statuses) == {200: limit, 429: burst - limit}, Counter(statuses)
    assert "Traceback" not in log and "RuntimeError" not in log


def test_every_worker_reads_what_another_process_cached(make_app, sample_index, tmp_path):
    settings = {"SEARCHSVC_STATE_DIR": str(tmp_path / "state"), "SEARCHSVC_RATE_LIMIT": "off"}
    app = make_app(**settings)  # the test process: one more worker of the server, in effect
    version = app.extensions["searchsvc"]["searcher"].version()
    planted = [{"text": "共享缓存里的建议", "kind": "term"}]  # no search would ever suggest this for "zz"
    assert app.extensions["searchsvc"]["cache"].get_or_compute(version, ("suggest", "zz", 8), lambda: planted) == planted
    server = Server(sample_index.root, workers=3, env=settings)
    try:
        server.wait_ready()
        answers = [fetch_body(server.port, "/api/suggest?q=zz") for _ in range(9)]
    finally:
        server.stop()
    assert all(status == 200 and json.loads(body)["suggestions"] == planted for status, body in answers), answers
