"""ETags, 304s, Cache-Control, the in-process LRU, and picking up a newly published index."""

from __future__ import annotations

import pytest

from searchsvc.index import IndexStore
from searchsvc.ingest import ingest
from searchsvc.web.caching import ResultCache
from test_web_support import MESOTHELIOMA, THYMOMA, build_index, client_for, write_page

CACHED_URLS = ("/", "/search?q=KRAS", "/api/search?q=KRAS", "/api/articles", "/api/suggest?q=林",
               "/tags/肺癌", "/experts/林晓舟", "/api/openapi.json")


@pytest.fixture(scope="module")
def client(sample_index):
    return client_for(sample_index, SEARCHSVC_CACHE_MAX_AGE=120)


@pytest.mark.parametrize("url", CACHED_URLS)
def test_get_responses_carry_a_weak_etag_and_public_cache_control(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Cache-Control"] == "public, max-age=120"
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == response.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=120"


def test_etag_follows_index_version_and_url(client, sample_index):
    a = client.get("/api/search?q=KRAS")
    b = client.get("/api/search?q=EGFR")
    assert a.headers["ETag"] != b.headers["ETag"]
    assert a.headers["X-Index-Version"] == sample_index.version()
    assert client.get("/api/search?q=KRAS").headers["ETag"] == a.headers["ETag"]  # stable for the same index
    stale = client.get("/api/search?q=KRAS", headers={"If-None-Match": 'W/"0123456789abcdef01234567"'})
    assert stale.status_code == 200 and stale.get_json()["query"] == "KRAS"


def test_errors_and_health_are_not_cached(client):
    for url in ("/api/search?page=x", "/api/articles/000000000000", "/articles/000000000000", "/healthz"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "ETag" not in response.headers, url


def test_repeated_queries_hit_the_lru(sample_index):
    client = client_for(sample_index)
    cache = client.application.extensions["searchsvc"]["cache"]
    first = client.get("/api/search?q=奥希替尼").get_json()
    hits = cache.hits
    second = client.get("/api/search?q=奥希替尼").get_json()
    assert cache.hits == hits + 1
    assert second["hits"] == first["hits"] and second["total"] == first["total"]
    client.get("/search?q=奥希替尼")  # the page shares the API's cached result
    assert cache.hits == hits + 2


def test_lru_is_bounded_keyed_by_version_and_cleared_on_a_new_one():
    cache = ResultCache(maxsize=2)
    calls = []

    def compute(value):
        calls.append(value)
        return value

    assert cache.get_or_compute("v1", ("a",), lambda: compute("a1")) == "a1"
    assert cache.get_or_compute("v1", ("a",), lambda: compute("never")) == "a1"
    cache.get_or_compute("v1", ("b",), lambda: compute("b1"))
    cache.get_or_compute("v1", ("c",), lambda: compute("c1"))  # evicts a, the least recently used
    assert len(cache) == 2
    assert cache.get_or_compute("v1", ("a",), lambda: compute("a1-again")) == "a1-again"
    assert cache.get_or_compute("v2", ("a",), lambda: compute("a2")) == "a2"  # new index: recomputed
    assert len(cache) == 1
    assert calls == ["a1", "b1", "c1", "a1-again", "a2"]
    off = ResultCache(maxsize=0)
    assert off.get_or_compute("v1", ("a",), lambda: 1) == 1 and len(off) == 0


def test_a_running_app_picks_up_a_newly_published_index(tmp_path):
    pages = tmp_path / "pages"
    store = build_index(tmp_path / "index", [write_page(pages, "thymoma.txt", **THYMOMA)])
    client = client_for(store)
    before = client.get("/api/search?q=间皮瘤")
    assert before.status_code == 200 and before.get_json()["total"] == 0
    etag = before.headers["ETag"]
    page_before = client.get("/search?q=间皮瘤")
    assert "没有找到" in page_before.get_data(as_text=True)
    assert client.get("/api/articles").get_json()["total"] == 1
    old_version = store.version()

    report = ingest([write_page(pages, "meso.txt", **MESOTHELIOMA)], store)
    assert report.failed == 0 and store.version() != old_version

    after = client.get("/api/search?q=间皮瘤", headers={"If-None-Match": etag})
    assert after.status_code == 200  # the old ETag no longer matches
    body = after.get_json()
    assert body["total"] == 1 and body["hits"][0]["title"] == MESOTHELIOMA["title"]
    assert body["index_version"] == store.version() == after.headers["X-Index-Version"]
    assert after.headers["ETag"] != etag
    assert MESOTHELIOMA["title"] in client.get("/search?q=间皮瘤").get_data(as_text=True)
    assert client.get("/api/articles").get_json()["total"] == 2
    assert client.get("/healthz").get_json()["index_version"] == store.version()


def test_without_an_index_the_app_starts_and_says_why(tmp_path):
    client = client_for(IndexStore(tmp_path / "missing"))
    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.get_json()
    assert body["status"] == "unavailable" and "does not exist" in body["reason"]
    assert health.headers["Retry-After"] == "30"
    api = client.get("/api/search?q=KRAS")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == 503
    assert api.headers["Cache-Control"] == "no-store"
    page = client.get("/search?q=KRAS")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "搜索服务暂不可用" in page.get_data(as_text=True)
    assert client.get("/api/openapi.json").status_code == 200  # the contract is still readable
    assert client.get("/static/style.css").status_code == 200
