"""/metrics for operators (issue 21, item 5), through Flask's test client (single-process mode).

What a scrape says (requests by route and status, the search's stages, cache hits and misses,
429s and budget 503s, the index, the last ingest) and who may read it (loopback, or the
configured bearer token; a request forwarded from outside is not loopback). The real gunicorn,
promtool and Prometheus are in test_metrics_gunicorn.py.

The counters belong to the process (prometheus_client's names are global), so each test
compares a scrape taken before with one taken after.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from prometheus_client.parser import text_string_to_metric_families

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest

from conftest import SAMPLES

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}
TOKEN = "s3cret-metrics-token-for-tests"


def samples_of(text: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value, from Prometheus's text format."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def scrape(client, **environ) -> dict:
    response = client.get("/metrics", environ_base=environ)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    return samples_of(response.get_data(as_text=True))


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_by_route(samples: dict) -> Counter:
    counts = Counter()
    for (name, labels), v in samples.items():
        if name == "searchsvc_http_requests_total":
            counts[dict(labels)["route"]] += v
    return counts


@pytest.fixture(scope="module")
def known(sample_index):
    from searchsvc.engine.search import Searcher
    hit = Searcher(sample_index).search("奥希替尼").hits[0]
    return hit.id


# -- what is counted -----------------------------------------------------------------------

def test_requests_are_counted_by_route_rule_method_and_status_never_by_path_or_query(make_app, known):
    client = make_app().test_client()
    before = scrape(client)
    sent = {"/api/search": 0, "/api/articles/<article_id>": 0, "/search": 0, "<unmatched>": 0}
    for q in ("KRAS", "奥希替尼", "KRAS"):
        assert client.get("/api/search", query_string={"q": q}).status_code == 200
        sent["/api/search"] += 1
    assert client.get("/api/search?page=abc").status_code == 400
    sent["/api/search"] += 1
    assert client.get(f"/api/articles/{known}").status_code == 200
    assert client.get("/api/articles/000000000000").status_code == 404
    sent["/api/articles/<article_id>"] += 2
    assert client.get("/search?q=%E8%82%BA%E7%99%8C").status_code == 200
    sent["/search"] += 1
    assert client.get("/wp-login.php?user=admin").status_code == 404
    assert client.delete("/api/search").status_code == 405
    sent["<unmatched>"] += 2
    after = scrape(client)
    grown = requests_by_route(after) - requests_by_route(before)
    assert grown == Counter({**sent, "/metrics": 1})  # the first scrape is counted too
    assert value(after, "searchsvc_http_requests_total", route="/api/search", method="GET", status="400") - value(
        before, "searchsvc_http_requests_total", route="/api/search", method="GET", status="400") == 1
    # the histogram counts what the counter counts, by the same labels
    labels = dict(route="/api/articles/<article_id>", method="GET", status="404")
    assert (value(after, "searchsvc_http_request_duration_seconds_count", **labels)
            - value(before, "searchsvc_http_request_duration_seconds_count", **labels)) == 1
    assert value(after, "searchsvc_http_request_duration_seconds_bucket", **labels, le="+Inf") == value(
        after, "searchsvc_http_request_duration_seconds_count", **labels)
    every_label = {v for (_, labels), _ in after.items() for _, v in labels}
    assert not [v for v in every_label if "?" in v or "KRAS" in v or "wp-login" in v or known in v]


def test_an_unknown_method_is_counted_as_other_never_by_its_name(make_app):
    client = make_app().test_client()
    before = scrape(client)
    for method in ("FOOBAR", "BAZQUUX", "PROPFIND"):
        assert client.open("/api/search?q=KRAS", method=method).status_code in (400, 405)
    after = scrape(client)
    grown = sum(v - before.get(k, 0.0) for k, v in after.items()
                if k[0] == "searchsvc_http_requests_total" and dict(k[1])["method"] == "other")
    assert grown == 3
    methods = {dict(labels).get("method") for (_, labels) in after}
    assert not methods & {"FOOBAR", "BAZQUUX", "PROPFIND"}


def test_each_search_stage_is_timed_once_per_search_and_cache_hits_and_misses_are_counted(make_app):
    client = make_app().test_client()
    before = scrape(client)
    query = f"EGFR 耐药 {time.monotonic_ns()}"  # a query this process never searched: not cached
    assert client.get("/api/search", query_string={"q": query}).status_code == 200
    middle = scrape(client)
    for stage in ("understanding", "ranking", "highlighting"):
        assert value(middle, "searchsvc_search_stage_duration_seconds_count", stage=stage) - value(
            before, "searchsvc_search_stage_duration_seconds_count", stage=stage) == 1
    assert value(middle, "searchsvc_result_cache_misses_total", kind="search") - value(
        before, "searchsvc_result_cache_misses_total", kind="search") == 1
    assert client.get("/api/search", query_string={"q": query}).status_code == 200  # the same: from the cache
    after = scrape(client)
    assert value(after, "searchsvc_result_cache_hits_total", kind="search") - value(
        middle, "searchsvc_result_cache_hits_total", kind="search") == 1
    assert value(after, "searchsvc_search_stage_duration_seconds_count", stage="ranking") == value(
        middle, "searchsvc_search_stage_duration_seconds_count", stage="ranking")  # a hit ranks nothing


def test_rate_limited_requests_are_counted_by_route(make_app):
    client = make_app(SEARCHSVC_RATE_LIMIT="3/minute").test_client()
    before = scrape(client)
    statuses = [client.get("/api/suggest?q=%E6%9E%97", environ_base=OUTSIDE).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    after = scrape(client)
    assert value(after, "searchsvc_rate_limited_requests_total", route="/api/suggest") - value(
        before, "searchsvc_rate_limited_requests_total", route="/api/suggest") == 2
    assert value(after, "searchsvc_http_requests_total", route="/api/suggest", method="GET", status="429") - value(
        before, "searchsvc_http_requests_total", route="/api/suggest", method="GET", status="429") == 2


def test_requests_over_the_time_budget_are_counted_apart_from_a_missing_index(make_app, tmp_path):
    client = make_app(SEARCHSVC_TIME_BUDGET="0.000001", SEARCHSVC_CACHE_MB=0).test_client()
    before = scrape(client)
    assert client.get("/api/search?q=KRAS").status_code == 503
    assert client.get("/search?q=KRAS").status_code == 503
    middle = scrape(client)
    assert value(middle, "searchsvc_over_budget_requests_total", route="/api/search") - value(
        before, "searchsvc_over_budget_requests_total", route="/api/search") == 1
    assert value(middle, "searchsvc_over_budget_requests_total", route="/search") - value(
        before, "searchsvc_over_budget_requests_total", route="/search") == 1
    empty = make_app(store=IndexStore(tmp_path / "nothing")).test_client()
    assert empty.get("/api/search?q=KRAS").status_code == 503  # no index: a 503, but not over budget
    after = scrape(empty)
    assert value(after, "searchsvc_over_budget_requests_total", route="/api/search") == value(
        middle, "searchsvc_over_budget_requests_total", route="/api/search")
    assert value(after, "searchsvc_index_up") == 0 and ("searchsvc_index_documents", ()) not in after


def sample_pages() -> int:
    """Interviews in samples/ (a .jsonl export holds one per line)."""
    return sum(len(p.read_text("utf-8").splitlines()) if p.suffix == ".jsonl" else 1
               for p in SAMPLES.iterdir() if p.suffix in (".txt", ".html", ".jsonl"))


def test_the_index_version_age_and_size_are_the_published_ones(make_app, sample_index, client):
    published = os.lstat(sample_index.current).st_mtime
    start = time.time()
    samples = scrape(client)
    end = time.time()
    health = client.get("/healthz").get_json()
    assert value(samples, "searchsvc_index_up") == 1
    assert value(samples, "searchsvc_index_info", version=sample_index.version()) == 1
    assert value(samples, "searchsvc_index_documents") == health["articles"] == sample_pages()
    assert start - published <= value(samples, "searchsvc_index_age_seconds") <= end - published


def test_the_last_ingest_counts_are_its_reports(make_app, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLES, corpus)
    # one page loses a question (nothing answers it), one export is broken
    (corpus / "lost-question.txt").write_text("\n".join([
        "当前位置:肿瘤瞭望>资讯>正文", "林测试教授:示例数据：一篇丢了一个问题的访谈", "作者:肿瘤瞭望 日期:2025/3/7",
        "示例数据：虚构访谈。", "《肿瘤瞭望》:第一个问题?", "林测试教授:第一个回答。",
        "《肿瘤瞭望》:这个问题没有回答?",
        "《肿瘤瞭望》:第三个问题?", "林测试教授:第三个回答。", "林测试教授", "示例医院", "肺癌"]), "utf-8")
    (corpus / "broken.jsonl").write_text('{"id": "x", "title": \n', "utf-8")
    store = IndexStore(tmp_path / "index")
    report = ingest([corpus], store)
    assert report.failed == 1 and report.lost >= 1
    assert json.loads(store.last_report.read_text("utf-8"))["added"] == report.added
    client = make_app(store=store).test_client()
    samples = scrape(client)
    assert (value(samples, "searchsvc_last_ingest_added"), value(samples, "searchsvc_last_ingest_failed"),
            value(samples, "searchsvc_last_ingest_lost")) == (report.added, 1, report.lost)
    assert report.added == sample_pages() + 1
    (corpus / "broken.jsonl").unlink()
    again = ingest([corpus], store, prune=True)
    samples = scrape(client)
    assert (value(samples, "searchsvc_last_ingest_added"), value(samples, "searchsvc_last_ingest_failed"),
            value(samples, "searchsvc_last_ingest_removed")) == (0, 0, again.removed)
    assert value(samples, "searchsvc_last_ingest_lost") == again.lost
    store.last_report.write_text("{not json", "utf-8")  # damaged: the scrape goes on without those gauges
    samples = scrape(client)
    assert not [name for name, _ in samples if name.startswith("searchsvc_last_ingest_")]
    assert value(samples, "searchsvc_index_up") == 1


# -- who may read it -----------------------------------------------------------------------

def test_closed_to_a_client_from_outside_like_any_unknown_url(make_app):
    client = make_app().test_client()
    refused = client.get("/metrics", environ_base=OUTSIDE)
    unknown = client.get("/no-such-page", environ_base=OUTSIDE)
    assert refused.status_code == 404 and refused.get_data() == unknown.get_data()
    assert b"searchsvc_" not in refused.get_data()
    assert client.get("/metrics").status_code == 200  # the test client's own address is 127.0.0.1


def test_the_token_opens_it_from_anywhere_and_is_kept_only_hashed(make_app):
    app = make_app(SEARCHSVC_METRICS_TOKEN=TOKEN)
    client = app.test_client()
    assert TOKEN not in json.dumps({k: str(v) for k, v in app.config.items()})
    ok = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and b"searchsvc_http_requests_total" in ok.get_data()
    assert TOKEN.encode() not in ok.get_data()
    assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": f"bearer  {TOKEN} "}).status_code == 200
    for wrong in (f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer ", ""):
        assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": wrong}).status_code == 404, wrong


def test_wrong_tokens_are_limited_per_client(make_app):
    app = make_app(SEARCHSVC_METRICS_TOKEN=TOKEN, SEARCHSVC_SIGNIN_RATE_LIMIT="3/minute")
    app.extensions["searchsvc"]["attempt_limiter"][0].storage.clock = lambda: 1_800_000_000.0  # no window rolls
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    guesses = [client.get("/metrics", headers={"Authorization": f"Bearer guess-{n:016d}"}, environ_base=outside)
               for n in range(4)]
    assert [r.status_code for r in guesses] == [404, 404, 404, 429]
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=outside).status_code == 429
    other = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=other).status_code == 200


@pytest.mark.parametrize("short", ["tok-q", "123456789012345"])
def test_a_short_token_is_refused_at_startup_without_echoing_it(make_app, short):
    with pytest.raises(ValueError) as raised:
        make_app(SEARCHSVC_METRICS_TOKEN=short)
    assert "SEARCHSVC_METRICS_TOKEN=(the value is secret)" in str(raised.value)
    assert "at least 16 random characters" in str(raised.value)
    assert short not in str(raised.value).replace("16 random characters", "")


def test_without_a_configured_token_no_bearer_opens_it(make_app):
    client = make_app(SEARCHSVC_METRICS_TOKEN="").test_client()
    for presented in ("Bearer ", "Bearer x", "Bearer  "):
        assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": presented}).status_code == 404


@pytest.mark.parametrize("proxies, peer, forwarded_for, status", [
    (0, "127.0.0.1", "203.0.113.7", 404),        # nginx on this host passing on an outsider: not loopback
    (0, "127.0.0.1", "127.0.0.1", 404),          # nobody trusted to say so
    (1, "127.0.0.1", "203.0.113.7", 404),        # the resolved client is outside
    (1, "127.0.0.1", "127.0.0.1, 203.0.113.7", 404),  # a forged first hop: the proxy's own entry counts
    (1, "127.0.0.1", "127.0.0.1", 200),          # a client on this host, through the proxy
    (2, "127.0.0.1", "127.0.0.1", 404),          # fewer hops than trusted proxies: unresolved
    (1, "127.0.0.1", None, 200),                 # straight to the app from this host (Prometheus beside it)
    (1, "203.0.113.7", None, 404),
])
def test_a_forwarded_request_counts_as_loopback_only_when_its_resolved_client_is(make_app, proxies, peer,
                                                                                 forwarded_for, status):
    client = make_app(SEARCHSVC_TRUSTED_PROXIES=proxies).test_client()
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": peer}, headers=headers).status_code == status


@pytest.mark.parametrize("header", [{"Forwarded": "for=203.0.113.7"}, {"X-Real-IP": "203.0.113.7"}])
def test_other_forwarding_headers_from_a_local_proxy_close_it_too(make_app, header):
    assert make_app().test_client().get("/metrics", headers=header).status_code == 404


@pytest.fixture(scope="module")
def access_client(make_app):
    return make_app(SEARCHSVC_METRICS_TOKEN=TOKEN).test_client()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=st.ip_addresses())
def test_any_address_may_read_it_exactly_when_it_is_loopback(access_client, address):
    loopback = address.is_loopback or (address.version == 6 and address.ipv4_mapped is not None
                                       and address.ipv4_mapped.is_loopback)
    got = access_client.get("/metrics", environ_base={"REMOTE_ADDR": str(address)}).status_code
    assert got == (200 if loopback else 404), str(address)
    with_token = access_client.get("/metrics", environ_base={"REMOTE_ADDR": str(address)},
                                   headers={"Authorization": f"Bearer {TOKEN}"})
    assert with_token.status_code == 200


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_every_loopback_form_may_read_it(access_client, address):
    assert access_client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200
