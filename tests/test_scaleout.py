"""Scale-out: two ``searchsvc serve`` replicas behind nginx (Debian's package), on loopback.

One ingest publishes a snapshot into index A; ``deploy/sync_index.py`` copies it
(same version name) into index B.  Replica 1 reads A, replica 2 reads B, and
nginx runs ``deploy/nginx.conf`` itself, only its ports and paths substituted.
Checked: both replicas give the same answers and the same ETags (a 304 from one
for the other's ETag); nginx spreads requests over both, caches, revalidates and
answers 304; both pick up a new snapshot; one replica down, nginx still answers;
nginx's own API rate limit answers JSON 429 with Retry-After.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest

from conftest import ROOT, SAMPLES
from test_web_support import Server, free_port, write_page

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
HOST = "search.example.org"
MAX_AGE = 1  # seconds the replicas let nginx keep a response before it revalidates
NEW_PAGE = dict(title="顾岚教授:恶性间皮瘤免疫治疗进入新时代", date="2025/06/01 10:00:00", expert="顾岚",
                qa=[("恶性间皮瘤的一线治疗有哪些变化?", "双免疫治疗已经成为不可手术恶性间皮瘤的一线选择之一。")],
                tags=["胸部肿瘤"])


def sync(source: Path, target: Path) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "deploy" / "sync_index.py"), str(source), str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def get(base: str, path: str, headers: dict | None = None):
    request = urllib.request.Request(base + path, headers={"Host": HOST, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def comparable(headers, body: bytes):
    """The body without the parts that differ per request (time taken)."""
    if headers["Content-Type"] == "application/json":
        data = json.loads(body)
        if isinstance(data, dict):
            data.pop("took_ms", None)
        return data
    return re.sub(r'<span class="took">.*?</span>', "", body.decode())


class Nginx:
    """nginx in the foreground; its error and access logs come back on its stderr, read line by line,
    so the test waits on what nginx reports (listening, a request done) instead of on a clock."""

    def __init__(self, folder: Path, upstreams: list[int]):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        assert "127.0.0.1:8001" in site and "127.0.0.1:8002" in site and "listen 80;" in site
        site = (site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
                    .replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
                    .replace("listen 80;", f"listen 127.0.0.1:{self.port};")
                    .replace("/var/cache/nginx/searchsvc", str(folder / "cache"))
                    # the site's private log to a file here, and the test's own (with upstreams) beside it
                    .replace("access_log /var/log/nginx/searchsvc-access.log searchsvc_private;",
                             f"access_log {folder / 'private.log'} searchsvc_private; access_log /dev/stderr upstream;"))
        self.private_log = folder / "private.log"
        (folder / "searchsvc.conf").write_text(site)
        user = "user root root;" if os.geteuid() == 0 else ""
        temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(f"""
daemon off; worker_processes 1; {user}
pid {folder / 'nginx.pid'}; error_log stderr notice;
events {{ worker_connections 256; }}
http {{
    log_format upstream 'ACCESS $status $upstream_addr $upstream_cache_status "$request"';
    access_log /dev/stderr upstream;
    log_subrequest on;
    {temp}
    include {folder / 'searchsvc.conf'};
}}
""")
        check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.lines: list[str] = []
        self.logged = threading.Condition()
        self.proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(lambda line: "start worker process" in line, "nginx did not start")  # bound and serving

    def _read(self) -> None:
        for line in self.proc.stderr:
            with self.logged:
                self.lines.append(line.rstrip("\n"))
                self.logged.notify_all()
        with self.logged:
            self.lines.append("EXIT")
            self.logged.notify_all()

    def wait_for(self, match, what: str, after: int = 0) -> str:
        """The first log line from index ``after`` on that ``match``es (waits for nginx to write it)."""
        found = []

        def seen() -> bool:
            found[:] = [line for line in self.lines[after:] if match(line) or line == "EXIT"]
            return bool(found)

        with self.logged:
            assert self.logged.wait_for(seen, timeout=60) and found[0] != "EXIT", f"{what}: {self.lines[-20:]}"
        return found[0]

    def access(self) -> list[list[str]]:
        with self.logged:
            return [line.split(" ", 4)[1:] for line in self.lines if line.startswith("ACCESS ")]

    def upstreams_used(self) -> set[str]:
        return {fields[1] for fields in self.access() if fields[1] != "-"}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wait_until_expired(headers, max_age: int) -> None:
    """max-age is a clock: sleep until the instant a copy stored with these headers has expired for
    nginx (its Date, plus max-age, plus nginx's one-second time resolution), not for a guessed pause."""
    expires = parsedate_to_datetime(headers["Date"]).timestamp() + max_age + 2
    time.sleep(max(0.0, expires - time.time()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    root = tmp_path_factory.mktemp("scaleout")
    root.chmod(0o755)
    index_a, index_b = root / "index-a", root / "index-b"
    store = IndexStore(index_a)
    assert ingest([SAMPLES], store).failed == 0
    sync(index_a, index_b)
    env = {"SEARCHSVC_TRUSTED_PROXIES": "1", "SEARCHSVC_CACHE_MAX_AGE": str(MAX_AGE)}
    replicas = [Server(index_a, workers=2, env=env), Server(index_b, workers=2, env=env)]
    nginx = None
    try:
        for replica in replicas:
            replica.wait_ready()
        (root / "nginx").mkdir()
        nginx = Nginx(root / "nginx", [r.port for r in replicas])
        yield dict(root=root, store=store, index_b=index_b, replicas=replicas, nginx=nginx)
    finally:
        if nginx is not None:
            nginx.stop()
        for replica in replicas:
            replica.stop()


def urls(base: str) -> list[str]:
    status, _, body = get(base, "/api/search?q=" + quote("KRAS G12C"))
    hit = json.loads(body)["hits"][0]
    return ["/api/search?q=" + quote("KRAS G12C"), "/api/search?q=" + quote("奥希替尼") + "&page=1&sort=date",
            "/api/articles?per_page=5", f"/api/articles/{hit['id']}", f"/api/articles/{hit['id']}/related",
            "/api/suggest?q=" + quote("林"), "/search?q=" + quote("免疫治疗"), f"/articles/{hit['id']}",
            "/experts/" + quote(hit["experts"][0]), "/tags/" + quote(hit["tags"][0])]


def test_both_replicas_give_the_same_answers_and_the_same_etags(cluster):
    one, two = (r.base for r in cluster["replicas"])
    for path in urls(one):
        a, b = get(one, path), get(two, path)
        assert a[0] == b[0] == 200, path
        assert a[1]["ETag"] and a[1]["ETag"] == b[1]["ETag"], path
        assert a[1]["X-Index-Version"] == b[1]["X-Index-Version"] == cluster["store"].version()
        assert comparable(a[1], a[2]) == comparable(b[1], b[2]), path
        # a client (or a cache) holding one replica's response revalidates against the other
        assert get(two, path, {"If-None-Match": a[1]["ETag"]})[0] == 304, path
        assert get(one, path, {"If-None-Match": b[1]["ETag"]})[0] == 304, path


def test_nginx_spreads_caches_and_revalidates(cluster):
    nginx = cluster["nginx"]
    for n in range(12):  # distinct URLs: cache misses, so they go upstream
        path = "/api/search?q=" + quote(f"肺癌 {n}")
        assert get(nginx.base, path)[0] == 200
        nginx.wait_for(lambda line, path=path: line.startswith("ACCESS ") and f"GET {path} " in line, path)
    assert {f"127.0.0.1:{r.port}" for r in cluster["replicas"]} <= nginx.upstreams_used()
    path = "/api/search?q=" + quote("EGFR")
    first = get(nginx.base, path)
    second = get(nginx.base, path)
    assert first[0] == second[0] == 200 and second[1]["X-Cache-Status"] == "HIT"
    assert second[1]["ETag"] == first[1]["ETag"] and second[2] == first[2]
    assert get(nginx.base, path, {"If-None-Match": first[1]["ETag"]})[0] == 304
    wait_until_expired(first[1], MAX_AGE)  # then nginx revalidates upstream with the ETag and keeps its copy
    third = get(nginx.base, path)
    assert third[0] == 200 and third[1]["X-Cache-Status"] in ("REVALIDATED", "EXPIRED", "UPDATING", "STALE")
    assert third[1]["ETag"] == first[1]["ETag"] and third[2] == first[2]
    assert get(nginx.base, "/healthz")[1].get("X-Cache-Status") in (None, "")  # never cached
    # the site's own log has every request, and no reader's address or browser
    private = nginx.private_log.read_text("utf-8")
    assert '"GET /api/search HTTP/1.1" 200' in private and "127.0.0.1" not in private and "Python-urllib" not in private
    assert "q=" not in private and "EGFR" not in private and "肺癌" not in private  # no reader's search either
    security = get(nginx.base, "/search?q=EGFR")[1]
    assert security["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in security["Content-Security-Policy"]


def test_both_replicas_pick_up_a_new_snapshot(cluster):
    store, nginx = cluster["store"], cluster["nginx"]
    path = "/api/search?q=" + quote("间皮瘤")
    cached_before = get(nginx.base, path)  # nginx keeps the old answer (nothing found) for max-age
    assert json.loads(cached_before[2])["total"] == 0
    before = store.version()
    report = ingest([SAMPLES, write_page(cluster["root"] / "new", "meso.txt", **NEW_PAGE)], store)
    assert report.added == 1 and report.version != before
    assert sync(store.root, cluster["index_b"]).endswith(report.version)
    answers = [get(r.base, path) for r in cluster["replicas"] for _ in range(3)]  # every worker of each replica
    assert {a[1]["X-Index-Version"] for a in answers} == {report.version}
    assert {a[1]["ETag"] for a in answers} == {answers[0][1]["ETag"]}
    assert all(json.loads(a[2])["total"] == 1 for a in answers)
    wait_until_expired(cached_before[1], MAX_AGE)
    logged = len(nginx.lines)
    status, headers, body = get(nginx.base, path)  # expired: a stale answer now, the update in the background
    if headers["X-Cache-Status"] in ("STALE", "UPDATING"):
        nginx.wait_for(lambda line: line.startswith("ACCESS ") and f"GET {path} " in line
                       and line.split()[2] != "-", "the background update", after=logged)
        status, headers, body = get(nginx.base, path)
    assert status == 200 and headers["X-Index-Version"] == report.version
    assert json.loads(body)["hits"][0]["title"] == NEW_PAGE["title"]


def test_nginx_rate_limit_answers_json_429_with_retry_after(cluster):
    nginx = cluster["nginx"]
    statuses = []
    refused = None
    for n in range(120):
        status, headers, body = get(nginx.base, "/api/suggest?q=" + quote(f"林{n}"))
        statuses.append(status)
        if status == 429 and refused is None:
            refused = (headers, body)
    assert statuses.count(200) >= 40 and refused is not None, statuses
    headers, body = refused
    assert headers["Content-Type"] == "application/json" and headers["Retry-After"] == "1"
    assert json.loads(body)["error"]["code"] == 429
    other = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=20, source_address=("127.0.0.2", 0))
    other.request("GET", "/api/suggest?q=" + quote("林"), headers={"Host": HOST})
    assert other.getresponse().status == 200  # another client address has a budget of its own
    other.close()


def test_with_one_replica_down_nginx_still_answers(cluster):
    nginx, replicas = cluster["nginx"], cluster["replicas"]
    replicas[0].stop()
    statuses = [get(nginx.base, "/api/search?q=" + quote(f"胃癌 {n}"))[0] for n in range(10)]
    statuses += [get(nginx.base, "/healthz")[0] for _ in range(4)]
    assert statuses == [200] * 14, statuses
