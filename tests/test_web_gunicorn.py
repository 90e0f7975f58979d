"""Against a real ``searchsvc serve`` (gunicorn) on a loopback port."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from urllib.parse import quote

import pytest

from searchsvc.ingest.pipeline import ingest
from test_web_support import (EVIL_SCRIPT, MESOTHELIOMA, THYMOMA, Server, assert_inert_page, assert_only_marks,
                              build_index, evil_sources, write_page)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(sample_index):
    srv = Server(sample_index.root)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def get_json(server, path, status=200, headers=None):
    code, response_headers, body = server.get(path, headers)
    assert code == status, (path, code, body[:300])
    assert response_headers["Content-Type"] == "application/json"
    return json.loads(body), response_headers


def test_healthz_and_server_header(server, sample_index):
    body, headers = get_json(server, "/healthz")
    assert body == {"status": "ok", "articles": body["articles"], "documents": body["documents"],
                    "index_version": sample_index.version(), "lexicon": "current"}
    assert body["articles"] >= 15
    assert headers["Cache-Control"] == "no-store"


def test_search_page_and_json_twin(server):
    code, headers, body = server.get("/search?q=" + quote("KRAS G12C"))
    html = body.decode("utf-8")
    assert code == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert re.search(r"<mark>KRAS[ -]?G12C</mark>", html) and "林晓舟" in html  # one lexicon term, marked whole
    assert '<link rel="alternate" type="application/json" href="/api/search?q=KRAS+G12C"' in html
    assert headers["X-Content-Type-Options"] == "nosniff" and "script-src 'self'" in headers["Content-Security-Policy"]
    data, _ = get_json(server, "/api/search?q=KRAS+G12C")
    assert data["hits"][0]["url"] == f"{server.base}/articles/{data['hits'][0]['id']}"
    assert len(re.findall(r'<article class="hit">', html)) == len(data["hits"])


def test_every_page_and_endpoint_answers(server):
    data, _ = get_json(server, "/api/search?q=" + quote("奥希替尼"))
    article_id = data["hits"][0]["id"]
    for path in ("/", f"/articles/{article_id}?q=" + quote("奥希替尼"), "/experts/" + quote("林晓舟"),
                 "/tags/" + quote("肺癌"), "/static/style.css", "/static/app.js"):
        code, headers, _ = server.get(path)
        assert code == 200, path
    article, _ = get_json(server, f"/api/articles/{article_id}")
    assert article["id"] == article_id and article["qa"]
    related, _ = get_json(server, f"/api/articles/{article_id}/related?limit=2")
    assert 1 <= len(related["related"]) <= 2
    suggest, _ = get_json(server, "/api/suggest?q=" + quote("林"))
    assert {"text": "林晓舟", "kind": "expert"} in suggest["suggestions"]
    listing, _ = get_json(server, "/api/articles?per_page=3")
    assert len(listing["hits"]) == 3 and "matches" not in listing["hits"][0]
    spec, _ = get_json(server, "/api/openapi.json")
    assert spec["servers"] == [{"url": server.base}]


def test_errors(server):
    body, headers = get_json(server, "/api/search?q=KRAS&page=abc", status=400)
    assert body["error"]["param"] == "page"
    body, _ = get_json(server, "/api/search?per_page=51", status=400)
    assert body["error"]["param"] == "per_page"
    body, _ = get_json(server, "/api/search?q=" + "a" * 201, status=400)
    assert body["error"]["param"] == "q"
    body, _ = get_json(server, "/api/search?sort=x", status=400)
    assert body["error"]["param"] == "sort"
    body, _ = get_json(server, "/api/articles/000000000000", status=404)
    assert body["error"]["code"] == 404
    code, headers, page = server.get("/articles/000000000000")
    assert code == 404 and "找不到页面" in page.decode()


def test_etag_and_304(server):
    code, headers, body = server.get("/api/search?q=EGFR")
    assert code == 200 and headers["ETag"].startswith('W/"') and headers["Cache-Control"].startswith("public")
    # Any worker answers the same ETag (it depends on the index, the release and the URL only).
    for _ in range(4):
        code, again, empty = server.get("/api/search?q=EGFR", {"If-None-Match": headers["ETag"]})
        assert code == 304 and empty == b"" and again["ETag"] == headers["ETag"]
    code, _, _ = server.get("/search?q=EGFR", {"If-None-Match": headers["ETag"]})
    assert code == 200  # another URL, another ETag


def test_cors_on_the_api(server):
    _, headers, _ = server.get("/api/search?q=EGFR", {"Origin": "https://hospital.example"})
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_escaping_and_reload_and_missing_index(tmp_path):
    """One server over a private index: no index at first, then an evil page, then a new interview."""
    root = tmp_path / "index"
    srv = Server(root)
    try:
        srv.wait_ready()
        body, headers = get_json(srv, "/healthz", status=503)
        assert body["status"] == "unavailable" and "ingest" in body["reason"]
        code, _, page = srv.get("/search?q=KRAS")
        assert code == 503 and "搜索服务暂不可用" in page.decode()

        pages = tmp_path / "pages"
        store = build_index(root, [*evil_sources(pages), write_page(pages, "thymoma.txt", **THYMOMA)])
        body, _ = get_json(srv, "/healthz")
        assert body["status"] == "ok" and body["articles"] == 3 and body["index_version"] == store.version()

        for path in ("/search?q=" + quote("胸膜肿瘤"), "/search?q=" + quote(EVIL_SCRIPT),
                     "/tags/" + quote(EVIL_SCRIPT, safe="")):
            code, _, page = srv.get(path)
            assert code == 200
            assert_inert_page(page.decode())
        data, _ = get_json(srv, "/api/search?q=" + quote("胸膜肿瘤"))
        # both evil interviews have every word (the thymoma page follows, with 肿瘤 only)
        assert data["understood"]["results_matching_everything"] == 2
        assert all("胸膜肿瘤" in h["title"] for h in data["hits"][:2])
        for hit in data["hits"]:
            assert_only_marks(hit["title_html"])
            for m in hit["matches"]:
                assert_only_marks(m["question_html"])
                assert_only_marks(m["snippet_html"])

        before, headers = get_json(srv, "/api/search?q=" + quote("间皮瘤"))
        assert before["total"] == 0
        etag = headers["ETag"]
        report = ingest([write_page(pages, "meso.txt", **MESOTHELIOMA)], store)
        assert report.failed == 0
        # published before this request was sent: whichever worker answers reads the new snapshot
        code, headers, body = srv.get("/api/search?q=" + quote("间皮瘤"), {"If-None-Match": etag})
        assert code == 200 and headers["X-Index-Version"] == store.version() and headers["ETag"] != etag
        after = json.loads(body)
        assert after["hits"][0]["title"] == MESOTHELIOMA["title"]
        for _ in range(4):
            data, _ = get_json(srv, "/api/search?q=" + quote("间皮瘤"))
            assert data["total"] == 1 and data["index_version"] == store.version()
    finally:
        srv.stop()


def test_head_requests_get_headers_only(server):
    req = urllib.request.Request(server.base + "/api/search?q=EGFR", method="HEAD")
    with urllib.request.urlopen(req, timeout=20) as response:
        assert response.status == 200 and response.read() == b""
        assert response.headers["ETag"].startswith('W/"')


def test_dev_server(sample_index):
    srv = Server(sample_index.root, dev=True)
    try:
        srv.wait_ready()
        code, headers, body = srv.get("/api/search?q=KRAS")
        assert code == 200 and "Werkzeug" in headers["Server"] and json.loads(body)["total"] >= 1
    finally:
        srv.stop()
    assert srv.proc.poll() is not None


def test_the_access_log_keeps_no_reader_address_browser_or_query(sample_index):
    lines: list[str] = []
    logged = threading.Condition()

    def on_line(line: str) -> None:
        with logged:
            lines.append(line)
            logged.notify_all()

    server = Server(sample_index.root, workers=1, access_log=True, on_line=on_line)
    try:
        server.wait_ready()
        path = "/api/search?q=" + quote("奥希替尼")
        assert server.get(path, headers={"User-Agent": "reader-phone/1.0", "Referer": "https://a.example/x"})[0] == 200
        with logged:  # wait for the event: the request's access line
            assert logged.wait_for(lambda: any('"GET /api/search ' in line for line in lines), timeout=60)
        access = next(line for line in lines if '"GET /api/search ' in line)
        assert '"GET /api/search HTTP/1.1" 200 ' in access
        for private in ("127.0.0.1", "reader-phone", "a.example", "q=", "奥希替尼", quote("奥希替尼")):
            assert private not in access, access
    finally:
        server.stop()
