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

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from searchsvc.index import IndexStore
from searchsvc.ingest import ingest

from conftest import ROOT, SAMPLES
from test_web_support import Server, free_port, write_page

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
HOST = "search.example.org"
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
    def __init__(self, folder: Path, upstreams: list[int]):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        assert "127.0.0.1:8001" in site and "127.0.0.1:8002" in site and "listen 80;" in site
        site = (site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
                    .replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
                    .replace("listen 80;", f"listen 127.0.0.1:{self.port};")
                    .replace("/var/cache/nginx/searchsvc", str(folder / "cache")))
        (folder / "searchsvc.conf").write_text(site)
        user = "user root root;" if os.geteuid() == 0 else ""
        temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(f"""
daemon off; worker_processes 1; {user}
pid {folder / 'nginx.pid'}; error_log {folder / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$status $upstream_addr $upstream_cache_status "$request"';
    access_log {folder / 'access.log'} upstream;
    {temp}
    include {folder / 'searchsvc.conf'};
}}
""")
        check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if get(self.base, "/healthz")[0] in (200, 503):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not start: {(folder / 'error.log').read_text()[-2000:]}")

    def upstreams_used(self) -> set[str]:
        return {line.split()[1] for line in (self.folder / "access.log").read_text().splitlines()
                if line.split()[1] != "-"}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


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
    env = {"SEARCHSVC_TRUSTED_PROXIES": "1", "SEARCHSVC_CACHE_MAX_AGE": "1"}
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
        assert get(nginx.base, "/api/search?q=" + quote(f"肺癌 {n}"))[0] == 200
    assert {f"127.0.0.1:{r.port}" for r in cluster["replicas"]} <= nginx.upstreams_used()
    path = "/api/search?q=" + quote("EGFR")
    first = get(nginx.base, path)
    second = get(nginx.base, path)
    assert first[0] == second[0] == 200 and second[1]["X-Cache-Status"] == "HIT"
    assert second[1]["ETag"] == first[1]["ETag"] and second[2] == first[2]
    assert get(nginx.base, path, {"If-None-Match": first[1]["ETag"]})[0] == 304
    time.sleep(1.5)  # past max-age: nginx revalidates upstream with the ETag and keeps its copy
    third = get(nginx.base, path)
    assert third[0] == 200 and third[1]["X-Cache-Status"] in ("REVALIDATED", "EXPIRED", "UPDATING", "STALE", "HIT")
    assert get(nginx.base, "/healthz")[1].get("X-Cache-Status") in (None, "")  # never cached
    security = get(nginx.base, "/search?q=EGFR")[1]
    assert security["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in security["Content-Security-Policy"]


def test_both_replicas_pick_up_a_new_snapshot(cluster):
    store, nginx = cluster["store"], cluster["nginx"]
    before = store.version()
    report = ingest([SAMPLES, write_page(cluster["root"] / "new", "meso.txt", **NEW_PAGE)], store)
    assert report.added == 1 and report.version != before
    assert sync(store.root, cluster["index_b"]).endswith(report.version)
    path = "/api/search?q=" + quote("间皮瘤")
    answers = [get(r.base, path) for r in cluster["replicas"] for _ in range(3)]  # every worker of each replica
    assert {a[1]["X-Index-Version"] for a in answers} == {report.version}
    assert {a[1]["ETag"] for a in answers} == {answers[0][1]["ETag"]}
    assert all(json.loads(a[2])["total"] == 1 for a in answers)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # through nginx once its cached copies expire (max-age 1 s here)
        status, headers, body = get(nginx.base, path)
        if status == 200 and headers["X-Index-Version"] == report.version:
            break
        time.sleep(0.3)
    assert headers["X-Index-Version"] == report.version and json.loads(body)["hits"][0]["title"] == NEW_PAGE["title"]


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
    time.sleep(2.5)  # the bucket refills
    assert get(nginx.base, "/api/suggest?q=" + quote("林"))[0] == 200


def test_with_one_replica_down_nginx_still_answers(cluster):
    nginx, replicas = cluster["nginx"], cluster["replicas"]
    replicas[0].stop()
    statuses = [get(nginx.base, "/api/search?q=" + quote(f"胃癌 {n}"))[0] for n in range(10)]
    statuses += [get(nginx.base, "/healthz")[0] for _ in range(4)]
    assert statuses == [200] * 14, statuses
