"""More than one machine: the rate limit and the result cache in a real Redis.

Each test starts its own ``redis-server`` (Debian's package) on a free loopback port and
waits for it to say it is ready.  Two apps with separate state folders stand for two
machines: with ``SEARCHSVC_RATE_LIMIT_STORAGE`` and ``SEARCHSVC_CACHE_STORAGE`` pointing
at the same Redis, a client has one budget and a repeat is one cache hit, whichever
machine answers.  When Redis goes away mid-run, requests are answered as before, unlimited
and uncached, with a warning in the log, never a 500; when it comes back, the limit holds
again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from test_web_support import free_port, terminate

pytestmark = pytest.mark.redis

REDIS_SERVER = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
CLIENT = {"REMOTE_ADDR": "203.0.113.7"}
OTHER = {"REMOTE_ADDR": "198.51.100.9"}

if REDIS_SERVER is None:
    if os.environ.get("CI"):
        raise RuntimeError("the Redis tests need Debian's redis-server (apt-get install redis-server; scripts/setup.sh --test)")
    pytest.skip("redis-server is not installed (apt-get install -y redis-server)", allow_module_level=True)


class RedisServer:
    """``redis-server`` on a loopback port, in memory only; ``start`` returns once it is ready."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> "RedisServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--daemonize", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        ready = threading.Event()
        lines: list[str] = []

        def watch():
            for line in self.proc.stdout:
                lines.append(line)
                if "Ready to accept connections" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=watch, daemon=True).start()
        if not ready.wait(60) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError("redis-server did not start: " + "".join(lines)[-2000:])
        return self

    def stop(self) -> None:
        terminate(self.proc)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


def machine(make_app, url: str, limit: str):
    """An app as a machine of its own would run it (its own state folder), sharing Redis."""
    return make_app(SEARCHSVC_RATE_LIMIT=limit, SEARCHSVC_RATE_LIMIT_STORAGE=url, SEARCHSVC_CACHE_STORAGE=url)


def test_two_machines_share_one_budget_per_client_and_one_result_cache(make_app, redis_server):
    one, two = (machine(make_app, redis_server.url, "4/hour") for _ in range(2))
    assert one.extensions["searchsvc"]["state_dir"] != two.extensions["searchsvc"]["state_dir"]
    clients = [one.test_client(), two.test_client()]
    statuses = [clients[n % 2].get(f"/api/search?q=EGFR&per_page={n + 1}", environ_base=CLIENT).status_code
                for n in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert clients[1].get("/api/articles", environ_base=OTHER).status_code == 200

    first = clients[0].get("/api/search?q=EGFR", environ_base=OTHER).get_json()
    cache = two.extensions["searchsvc"]["cache"]
    hits, misses = cache.hits, cache.misses
    again = clients[1].get("/api/search?q=EGFR", environ_base=OTHER).get_json()
    assert (cache.hits - hits, cache.misses - misses) == (1, 0)  # computed on one machine, read on the other
    assert again["hits"] == first["hits"]


def test_when_redis_goes_away_requests_are_answered_unlimited_with_a_warning(make_app, tmp_path, caplog):
    redis = RedisServer(tmp_path / "redis").start()
    try:
        app = machine(make_app, redis.url, "3/hour")
        client = app.test_client()
        assert [client.get("/api/articles", environ_base=CLIENT).status_code for _ in range(4)] == [200] * 3 + [429]
        expected = client.get("/api/search?q=KRAS", environ_base=OTHER).get_json()

        redis.stop()  # mid-run
        caplog.clear()
        for _ in range(5):  # the spent budget is not enforced, nothing fails
            response = client.get("/api/search?q=KRAS", environ_base=CLIENT)
            assert response.status_code == 200
            assert response.get_json()["hits"] == expected["hits"]
        assert client.get("/search?q=KRAS", environ_base=CLIENT).status_code == 200
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any(m.startswith("rate limit storage failed") and "without a limit" in m for m in warnings), warnings
        assert any(m.startswith("result cache read failed") for m in warnings), warnings
        assert not any(r.levelname == "ERROR" for r in caplog.records), [r.getMessage() for r in caplog.records]

        redis = RedisServer(tmp_path / "redis", port=redis.port).start()  # back, empty
        statuses = [client.get("/api/articles", environ_base=CLIENT).status_code for _ in range(4)]
        assert statuses == [200] * 3 + [429]  # the limit holds again
    finally:
        redis.stop()


def test_a_storage_setting_that_is_not_redis_is_refused_with_its_name(make_app):
    for name in ("SEARCHSVC_RATE_LIMIT_STORAGE", "SEARCHSVC_CACHE_STORAGE"):
        with pytest.raises(ValueError, match=rf"{name}='memcached://x' \(create_app's config\): expected empty "
                                             r"\(the embedded store in the state folder\) or a redis://host:port/db URL"):
            make_app(**{name: "memcached://x"})
