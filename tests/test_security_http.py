"""Abuse at the HTTP layer: rate limit, time budget, size limits, methods, headers, content types.

Through Flask's test client (the same app gunicorn serves); tests/test_web_gunicorn.py
repeats the essentials against a real ``searchsvc serve``.

Nothing here measures time.  Rate limits are per hour, or counted on a frozen clock
(``frozen_rate_clock``), so no window rolls over however slow the machine; the time
budget runs on the test's clock (the ``clock`` fixture), so a deadline passes when the
test says so and never because a search happened to be slow.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.engine.search import OutOfTime, Searcher
from searchsvc.settings import BY_NAME

from conftest import frozen_rate_clock


CLIENT = {"REMOTE_ADDR": "203.0.113.7"}
OTHER = {"REMOTE_ADDR": "198.51.100.9"}

API_ROUTES = ["/api/search?q=KRAS", "/api/articles", "/api/articles/{id}", "/api/articles/{id}/related",
              "/api/suggest?q=K", "/api/openapi.json"]
PAGE_ROUTES = ["/", "/search?q=KRAS", "/articles/{id}", "/experts/{expert}", "/tags/{tag}", "/embed"]
OTHER_ROUTES = ["/healthz", "/widget.js", "/static/style.css", "/static/app.js"]


@pytest.fixture(scope="module")
def known(make_app, sample_index):
    client = make_app(sample_index).test_client()
    hit = client.get("/api/search?q=KRAS").get_json()["hits"][0]
    return {"id": hit["id"], "expert": hit["experts"][0], "tag": hit["tags"][0]}


def routes(known, *groups):
    return [r.format(**known) for group in groups for r in group]


def index_state(store: IndexStore) -> dict:
    """Every file under the index folder with its size and mtime, and the live version."""
    files = {str(p.relative_to(store.root)): (p.stat().st_size, p.stat().st_mtime_ns)
             for p in store.root.rglob("*") if p.is_file()}
    return {"version": store.version(), "files": files}


# -- rate limit ------------------------------------------------------------------

def test_a_client_over_the_limit_gets_429_with_retry_after_and_others_do_not(make_app, sample_index):
    client = make_app(sample_index, SEARCHSVC_RATE_LIMIT="5/hour").test_client()
    frozen_rate_clock(client.application)  # every hit at one instant: the sixth is over 5/hour, whenever it comes
    for n in range(5):
        response = client.get(f"/api/search?q=KRAS&per_page={n + 1}", environ_base=CLIENT)  # distinct URLs
        assert response.status_code == 200
        assert "Retry-After" not in response.headers and not any(h.startswith("X-RateLimit") for h in response.headers.keys())
    refused = client.get("/api/search?q=EGFR", environ_base=CLIENT)
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.get_json() == {"error": {"code": 429, "message":
                                            "rate limit exceeded (5 per 1 hour); retry after the time in Retry-After"}}
    # the moving window: when the oldest hit leaves it, an hour after it on the frozen clock
    # (flask-limiter's reset_at rounds that up to the next whole second)
    assert int(refused.headers["Retry-After"]) in (3600, 3601)
    assert refused.headers["Cache-Control"] == "no-store"
    for path in ("/api/articles", "/api/suggest?q=K"):  # every /api/* route shares the client's budget
        assert client.get(path, environ_base=CLIENT).status_code == 429
    assert client.get("/api/search?q=EGFR", environ_base=OTHER).status_code == 200
    # pages, /healthz and the widget are not rate-limited
    for path in ("/search?q=EGFR", "/healthz", "/widget.js", "/embed"):
        assert client.get(path, environ_base=CLIENT).status_code == 200, path
    # nobody is exempt by default, not even loopback (an nginx on the same host without
    # SEARCHSVC_TRUSTED_PROXIES must not switch the limit off): it has a budget of its own
    assert [client.get("/api/search?q=EGFR").status_code for _ in range(6)] == [200] * 5 + [429]


def test_the_limit_counts_the_forwarded_client_behind_a_trusted_proxy(make_app, sample_index):
    client = make_app(sample_index, SEARCHSVC_RATE_LIMIT="2/hour", SEARCHSVC_TRUSTED_PROXIES=1,
                        SEARCHSVC_RATE_LIMIT_EXEMPT="").test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(2):
        assert client.get("/api/articles", environ_base=proxy, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    assert client.get("/api/articles", environ_base=proxy, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    assert client.get("/api/articles", environ_base=proxy, headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 200


def test_the_rate_limit_can_be_turned_off_or_exempt_listed_addresses(make_app, sample_index):
    off = make_app(sample_index, SEARCHSVC_RATE_LIMIT="off").test_client()
    assert all(off.get("/api/articles", environ_base=CLIENT).status_code == 200 for _ in range(30))
    listed = make_app(sample_index, SEARCHSVC_RATE_LIMIT="3/hour", SEARCHSVC_RATE_LIMIT_EXEMPT="127.0.0.1").test_client()
    assert all(listed.get("/api/articles").status_code == 200 for _ in range(6))
    assert [listed.get("/api/articles", environ_base=CLIENT).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_default_limit_refuses_the_601st_request_of_a_minute(make_app, sample_index):
    default = BY_NAME["SEARCHSVC_RATE_LIMIT"].default
    assert default == "600/minute"
    client = make_app(sample_index, SEARCHSVC_RATE_LIMIT=default).test_client()
    frozen_rate_clock(client.application)  # the 601 requests fall in one minute by construction, not by speed
    statuses = [client.get("/api/suggest?q=K", environ_base=CLIENT).status_code for _ in range(601)]
    assert statuses == [200] * 600 + [429]


# -- time budget -----------------------------------------------------------------

def test_a_request_past_its_time_budget_is_a_clear_503(make_app, sample_index, known, clock):
    client = make_app(sample_index, SEARCHSVC_TIME_BUDGET="0.5", SEARCHSVC_CACHE_MB=0).test_client()
    clock.step = 1.0  # each reading a second after the last: the guard's first check is past the deadline
    for path in routes(known, API_ROUTES[:5]):
        response = client.get(path)
        assert response.status_code == 503 and response.mimetype == "application/json", path
        assert response.get_json()["error"]["message"] == (
            "the request took longer than its time budget of 0.5 s; try a shorter query, or retry in a moment")
        assert response.headers["Retry-After"] == "1"
    page = client.get("/search?q=KRAS")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "用时太长" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # health is not index work: it still answers


def test_the_service_log_names_the_path_never_the_readers_query(make_app, sample_index, clock, caplog):
    client = make_app(sample_index, SEARCHSVC_TIME_BUDGET="0.5", SEARCHSVC_CACHE_MB=0).test_client()
    clock.step = 1.0  # every request runs past its budget, and is logged
    with caplog.at_level(logging.DEBUG):
        assert client.get("/api/search?q=secret-reader-query&tag=secret-tag").status_code == 503
        assert client.get("/search?q=secret-reader-query").status_code == 503
    logged = [r.getMessage() for r in caplog.records]
    assert any("/api/search" in m for m in logged) and any("/search" in m for m in logged)
    assert not [m for m in logged if "secret" in m or "?" in m]


def test_with_the_pool_saturated_a_request_waits_within_its_own_budget_and_gets_503(make_app, sample_index, clock):
    """Runaway work holds the only pool thread: a request is answered 503 at its deadline, never hangs."""
    client = make_app(sample_index, SEARCHSVC_TIME_BUDGET="0.3", SEARCHSVC_BUDGET_THREADS=1,
                      SEARCHSVC_CACHE_MB=0).test_client()
    pool = client.application.extensions["searchsvc"]["budget_pool"]
    release = threading.Event()
    blocker = pool.submit(release.wait)
    clock.step = 0.1  # the deadline passes at the guard's third look at the clock while it waits
    try:
        assert client.get("/api/search?q=KRAS").status_code == 503
        assert clock.readings >= 4  # the clock, read while waiting, ended the wait, not a lucky timeout
    finally:
        release.set()
        blocker.result()
    clock.step = 0.0  # time stands still: the next request cannot run out of it, however slow the machine
    response = client.get("/api/search?q=KRAS")
    assert response.status_code == 200 and response.get_json()["total"] >= 1


class SlowMatching:
    """Makes the first search in the threads started from now on slow, where the ranking engine reads
    a posting list (``searchsvc.engine.postings.read_postings``): each read waits for a permit from the
    test.  A trace hook in those threads; the search and its deadline checks are the real ones."""

    def __init__(self):
        self.permits = threading.Semaphore(0)
        self.searches = 0
        self.waiting = threading.Event()  # a read is waiting for a permit

    def __enter__(self):
        threading.settrace(self.hook)
        return self

    def __exit__(self, *exc):
        threading.settrace(None)
        self.permits.release(10_000)  # whatever still waits finishes now

    def hook(self, frame, event, arg):
        code = frame.f_code
        if code.co_name == "search" and code.co_filename.endswith("searchsvc/engine/search.py"):
            self.searches += 1
        elif code.co_name == "read_postings" and code.co_filename.endswith("searchsvc/engine/postings.py") \
                and self.searches == 1:
            self.waiting.set()
            self.permits.acquire()
        return None


def test_a_slow_search_stops_at_its_budget_and_the_next_request_is_served(make_app, sample_index, clock):
    """The work stops, not only the wait: with one pool thread, the request after a slow one is
    served normally (before, the slow search kept the thread and the next request got 503 too).

    The clock stands still until the search is held at a posting list; then the test moves it past
    the deadline: the request is answered 503, and once the held read finishes the search finds
    its deadline passed and stops, freeing the only pool thread."""
    client = make_app(sample_index, SEARCHSVC_TIME_BUDGET="0.2", SEARCHSVC_BUDGET_THREADS=1,
                      SEARCHSVC_CACHE_MB=0).test_client()
    pool = client.application.extensions["searchsvc"]["budget_pool"]
    with SlowMatching() as slow:
        # three words in three fields: nine posting lists to read, each held until the test allows it
        answers: list[int] = []
        slow_request = threading.Thread(target=lambda: answers.append(
            client.get("/api/search?q=" + quote("奥希替尼 耐药 免疫治疗")).status_code))
        slow_request.start()
        assert slow.waiting.wait(60), "the search never reached a posting list"
        clock.advance(10)  # past the deadline, while the search is held
        slow_request.join(60)
        assert answers == [503]
        slow.permits.release()  # the list being read when time ran out may finish; no other starts
        assert pool.submit(lambda: "free").result(timeout=60) == "free"  # the search stopped: the thread is free
        response = client.get("/api/search?q=KRAS")
        assert response.status_code == 200 and response.get_json()["total"] >= 1
        assert slow.searches == 2


def test_a_search_past_its_deadline_stops_with_out_of_time(sample_index, clock):
    searcher = Searcher(sample_index)
    for call in (lambda d: searcher.search("KRAS", deadline=d), lambda d: searcher.articles(deadline=d)):
        with pytest.raises(OutOfTime):
            call(clock.now)  # already reached: not one document is matched
        assert call(clock.now + 1).total >= 1  # the clock stands still: this deadline never comes


def test_with_the_default_budget_ordinary_and_heavy_queries_answer(make_app, sample_index, clock):
    """Heavy queries within the limits are accepted and answered (how fast: bench/, not a test)."""
    client = make_app(sample_index, SEARCHSVC_CACHE_MB=0,
                      SEARCHSVC_TIME_BUDGET=BY_NAME["SEARCHSVC_TIME_BUDGET"].default).test_client()
    assert client.application.extensions["searchsvc"]["budget"] == 5.0
    for q in ("KRAS G12C", " OR ".join(["奥希替尼", "阿美替尼", "吉非替尼", "厄洛替尼"] * 6)[:200],
              " ".join(f"w{i:03d}x" for i in range(40))[:200]):
        assert client.get("/api/search", query_string={"q": q}).status_code == 200


# -- size limits, methods, nothing writes ---------------------------------------------

@pytest.mark.parametrize("path", API_ROUTES[:3] + PAGE_ROUTES[:2])
def test_a_request_body_over_the_limit_is_413(make_app, sample_index, known, path):
    client = make_app(sample_index).test_client()
    response = client.get(path.format(**known), data=b"x" * (16 * 1024 + 1))
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert response.mimetype == "application/json" and response.get_json()["error"]["code"] == 413
    else:
        assert "请求太大了" in response.get_data(as_text=True)
    assert client.get(path.format(**known), data=b"x" * 100).status_code == 200  # a small stray body is ignored


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND", "MKCOL"])
def test_only_get_and_head_on_every_public_route_and_nothing_writes_the_index(make_app, sample_index, known, method):
    before = index_state(sample_index)
    client = make_app(sample_index).test_client()
    for path in routes(known, API_ROUTES, PAGE_ROUTES, OTHER_ROUTES):
        response = client.open(path, method=method, data=b'{"q": "x"}', content_type="application/json")
        assert response.status_code == 405, (method, path, response.status_code)
        assert set(response.headers["Allow"].split(", ")) <= {"GET", "HEAD", "OPTIONS"}, response.headers["Allow"]
        if path.startswith("/api/") or path == "/healthz":
            assert response.mimetype == "application/json" and response.get_json()["error"]["code"] == 405
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for path in routes(known, API_ROUTES, PAGE_ROUTES, OTHER_ROUTES):
        head = client.head(path)
        assert head.status_code == 200 and head.data == b"", path
    assert index_state(sample_index) == before


# The only routes that take a POST (issue 21): the insight beacons (they write counts to the insight
# store), the editors' sign-in and sign-out, and related interviews for a draft (read-only).
POST_ROUTES = {"/api/insights/search", "/api/insights/open", "/desk/signin", "/desk/signout", "/desk/related",
               "/api/related"}


def test_no_route_writes_the_index(make_app, sample_index):
    """The URL map: every rule answers GET/HEAD(/OPTIONS) only, but the few POSTs above, which leave
    the index as it was; no rule mentions ingest, upload or admin."""
    app = make_app(sample_index, SEARCHSVC_EDITOR_TOKENS="editor-token-4f7a9c2e81",
                   SEARCHSVC_SECRET_KEY="k" * 40).test_client().application
    before = index_state(sample_index)
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.rule in POST_ROUTES:
            assert rule.methods <= {"POST", "OPTIONS"} or rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
            response = client.post(rule.rule, data={"q": "EGFR", "position": "1", "text": "EGFR"},
                                   headers={"Authorization": "Bearer editor-token-4f7a9c2e81"})
            assert response.status_code < 500, rule.rule
        else:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, (rule.rule, rule.methods)
        assert not any(word in rule.rule for word in ("ingest", "upload", "admin", "reindex", "publish")), rule.rule
    app.extensions["searchsvc"]["insights"].flush()
    assert index_state(sample_index) == before


# -- headers and content types ------------------------------------------------------

def _responses(client, known):
    """(path, response) for every route in every status a user can reach."""
    out = [(p, client.get(p)) for p in routes(known, API_ROUTES, PAGE_ROUTES, OTHER_ROUTES)]
    out += [(p, client.get(p)) for p in ("/api/search?page=0", "/api/articles/nope", "/nope", "/articles/nope",
                                         "/search?per_page=99", "/api/nope")]
    out += [(p, client.post(p)) for p in ("/api/search", "/search")]
    etag = client.get("/api/search?q=KRAS").headers["ETag"]
    out.append(("/api/search?q=KRAS (304)", client.get("/api/search?q=KRAS", headers={"If-None-Match": etag})))
    return out


def test_security_headers_on_every_route_and_status(make_app, sample_index, known):
    client = make_app(sample_index).test_client()
    for path, response in _responses(client, known):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin"), path
        csp = headers["Content-Security-Policy"]
        if path.startswith("/embed"):
            assert "frame-ancestors *" in csp and "X-Frame-Options" not in headers, (path, csp)
            assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        else:
            assert "frame-ancestors 'none'" in csp, (path, csp)
            assert path.startswith("/widget.js") or headers["X-Frame-Options"] == "DENY", path
        if response.mimetype == "text/html":
            assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, path
            assert "object-src 'none'" in csp or "default-src 'none'" in csp, path


def test_json_is_served_as_application_json_on_every_api_status(make_app, sample_index, known):
    client = make_app(sample_index, SEARCHSVC_RATE_LIMIT="1000/minute").test_client()
    seen = set()
    for path, response in _responses(client, known):
        if path.startswith("/api/") or path == "/healthz":
            seen.add(response.status_code)
            if response.status_code == 304:
                assert response.data == b""
                continue
            assert response.headers["Content-Type"] == "application/json", (path, response.headers["Content-Type"])
            assert response.get_json() is not None
    assert {200, 304, 400, 404, 405} <= seen
    missing = make_app(IndexStore(sample_index.root / "nope")).test_client()
    for path in ("/healthz", "/api/search?q=KRAS"):
        response = missing.get(path)
        assert response.status_code == 503 and response.headers["Content-Type"] == "application/json"


def test_html_is_never_served_for_an_api_path_even_for_unknown_ones(make_app, sample_index):
    client = make_app(sample_index).test_client()
    for path in ("/api/", "/api/nope", "/api/articles/a/b/c", "/api/search/extra"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["Content-Type"] == "application/json", path


def test_a_forwarded_host_or_prefix_never_reaches_an_absolute_url(make_app, sample_index, known):
    """Behind a trusted proxy only the client's address and scheme are taken from X-Forwarded-*: a
    client's X-Forwarded-Host would otherwise write its origin into feeds and the OpenAPI document
    (and into a shared cache, for every reader after it)."""
    client = make_app(sample_index, SEARCHSVC_TRUSTED_PROXIES=1, SEARCHSVC_RATE_LIMIT="off").test_client()
    forged = {"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Prefix": "/evil-prefix"}
    paths = ["/api/openapi.json", "/search.atom?q=KRAS", f"/tags/{quote(known['tag'])}.atom",
             f"/experts/{quote(known['expert'])}.atom", "/api/search?q=KRAS"]
    for path in paths:
        response = client.get(path, headers=forged, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 200, path
        assert "https://localhost" in response.text, path  # the absolute URLs are there, on our own origin
        assert "evil" not in response.text, path
