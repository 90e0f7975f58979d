"""ETags, 304s, Cache-Control, the shared result cache, and picking up a newly published index."""

from __future__ import annotations

import shutil

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.web.resultcache import DiskStore, ResultCache, open_result_cache
from test_web_support import MESOTHELIOMA, THYMOMA, build_index, write_page

CACHED_URLS = ("/", "/search?q=KRAS", "/api/search?q=KRAS", "/api/articles", "/api/suggest?q=林",
               "/tags/肺癌", "/experts/林晓舟", "/api/openapi.json")


@pytest.fixture
def client(make_app):
    """This module's client announces max-age=120."""
    return make_app(SEARCHSVC_CACHE_MAX_AGE=120).test_client()


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


def test_a_repeat_is_served_from_the_cache_every_worker_shares(make_app, tmp_path):
    """Two apps on one state folder stand for two worker processes of one server."""
    first, second = (make_app(SEARCHSVC_STATE_DIR=str(tmp_path / "state")) for _ in range(2))
    answered = first.test_client().get("/api/search?q=奥希替尼").get_json()
    cache = second.extensions["searchsvc"]["cache"]
    again = second.test_client().get("/api/search?q=奥希替尼").get_json()
    assert (cache.hits, cache.misses) == (1, 0)
    assert again["hits"] == answered["hits"] and again["total"] == answered["total"]
    second.test_client().get("/search?q=奥希替尼")  # the page shares the API's cached result
    assert (cache.hits, cache.misses) == (2, 0)


def test_the_cache_is_keyed_by_index_version_and_release(tmp_path):
    calls = []

    def compute(value):
        calls.append(value)
        return value

    store = DiskStore(tmp_path / "cache", megabytes=1)
    cache = ResultCache(store, namespace="release-1")
    assert cache.get_or_compute("v1", ("a",), lambda: compute("a1")) == "a1"
    assert cache.get_or_compute("v1", ("a",), lambda: compute("never")) == "a1"
    assert cache.get_or_compute("v2", ("a",), lambda: compute("a2")) == "a2"  # a new index: recomputed
    other_release = ResultCache(store, namespace="release-2")
    assert other_release.get_or_compute("v1", ("a",), lambda: compute("a1-new-code")) == "a1-new-code"
    assert calls == ["a1", "a2", "a1-new-code"]
    off = open_result_cache("", tmp_path, megabytes=0)
    assert not off.enabled and off.get_or_compute("v1", ("a",), lambda: compute("off")) == "off"


def test_the_cache_is_bounded_in_size(tmp_path):
    cache = ResultCache(DiskStore(tmp_path / "cache", megabytes=1))
    for n in range(60):  # 60 results of 100 KB: six times the bound
        cache.get_or_compute("v1", ("big", n), lambda: "x" * 100_000)
    volume = cache.store.cache.volume()
    assert volume <= 2**20 * 1.2, volume  # within one cull of the bound (diskcache culls on write)
    assert cache.get_or_compute("v1", ("big", 59), lambda: "recomputed") == "x" * 100_000  # the newest stays
    assert cache.get_or_compute("v1", ("big", 0), lambda: "recomputed") == "recomputed"  # the oldest went


def test_a_cache_that_fails_answers_without_it(make_app, tmp_path, caplog):
    app = make_app(SEARCHSVC_STATE_DIR=str(tmp_path / "state"))
    app.extensions["searchsvc"]["cache"].store.close()
    shutil.rmtree(tmp_path / "state")  # the store's files are gone from under it
    (tmp_path / "state").write_text("not a folder")
    response = app.test_client().get("/api/search?q=KRAS")
    assert response.status_code == 200 and response.get_json()["total"] >= 1
    assert any("result cache" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_a_running_app_picks_up_a_newly_published_index(make_app, tmp_path):
    pages = tmp_path / "pages"
    store = build_index(tmp_path / "index", [write_page(pages, "thymoma.txt", **THYMOMA)])
    client = make_app(store).test_client()
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


def test_without_an_index_the_app_starts_and_says_why(make_app, tmp_path):
    client = make_app(IndexStore(tmp_path / "missing")).test_client()
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
