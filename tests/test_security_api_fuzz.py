"""Hostile /api/* parameters: never a 500, never a hang, a 400 names the parameter.

Property-based through Flask's test client over every /api/* route and parameter
(random Unicode, control characters, unbalanced quotes and parentheses,
``field:`` abuse, 10,000-character values, huge or negative numbers, repeated and
unknown parameters, raw percent-encoded bytes), then a bounded run of the same
kind of requests against a real ``searchsvc serve`` (gunicorn), watching its
workers' memory.
"""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_web_support import Server

ROUTES = {  # route -> the parameters it reads
    "/api/search": ["q", "page", "per_page", "sort", "tag", "expert", "year"],
    "/api/articles": ["page", "per_page", "tag", "expert", "year"],
    "/api/articles/{id}": ["q"],
    "/api/articles/{id}/related": ["limit"],
    "/api/suggest": ["q", "limit"],
    "/healthz": [],
    "/api/openapi.json": [],
}
PIECES = ["KRAS", "G12C", "肺癌", "奥希替尼", "OR", "AND", "-", "\"", "“", "(", ")", "((", ":", "expert:", "tag:",
          "title:", "year:", "year:２０２５", "year:²⁰²⁵", "foo:bar", "*", "?", "~", "\\", "<script>", "'", "%", "&",
          "\x00", "\x01", "\x1f", "\x7f", "\t", "\n", "\u3000", "\u200b", "\ufeff", "\u202e", "\ud7ff", "𝕏", "👍🏽",
          "ＫＲＡＳ", "藥物", "a" * 60]
NUMBERS = ["0", "-1", "1", "10", "50", "51", "10000", "10001", "99999999999999999999999", "-99999999999", "1e3",
           "0x10", "1.5", " 7 ", "٣", "３", "²", "NaN", "inf", "", "+5", "00001"]
VALUE = st.one_of(
    st.text(max_size=50),
    st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join),
    st.sampled_from(NUMBERS),
    st.integers(min_value=-10**40, max_value=10**40).map(str),
    st.sampled_from(["relevance", "date", "RELEVANCE", "score", "2025", "1999", "3000", "abcd"]),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "肺", "\"", "(", "-", " OR ", "%"]), st.sampled_from([201, 1000, 10_000])),
)
LIMIT_REQUEST_LINE = 8190  # gunicorn's limit_request_line (searchsvc/web/server.py)
FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def article_id(client):
    return client.get("/api/search?q=KRAS").get_json()["hits"][0]["id"]


def check(response, path: str, sent: list[tuple[str, str]]) -> None:
    """200, 400 naming a parameter sent, or 404.  The tests calling this run on the frozen deadline
    clock (``clock``): no request runs out of time because the machine is slow."""
    status = response.status_code
    assert status in (200, 400, 404), (path, sent, status, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Type"] == "application/json", (path, response.headers["Content-Type"])
    body = response.get_json()
    if status == 400:
        error = body["error"]
        names = {name for name, _ in sent}
        assert error["code"] == 400 and error["param"] in names, (error, sent)
        assert error["message"].startswith(error["param"]) or "query" in error["message"], error
    elif status == 404:
        assert body["error"]["code"] == 404
        if path in ("/api/search", "/api/articles"):  # only a page past the end: it says how many there are
            assert body["error"]["param"] == "page" and body["error"]["pages"] >= 0, (sent, body)
            page = next((value for name, value in sent if name == "page"), "").strip()
            assert not page.isdecimal() or body["error"]["pages"] < int(page), (sent, body)
    elif "hits" in body:
        assert 0 <= len(body["hits"]) <= body["per_page"] <= 50 and body["total"] >= 0
        assert 1 <= body["page"] <= 10_000


@FUZZ
@given(route=st.sampled_from(list(ROUTES)), data=st.data())
def test_every_api_parameter_answers_200_400_or_404(client, clock, article_id, route, data):
    names = ROUTES[route] + ["unknown", "callback", "q[]"]
    sent = data.draw(st.lists(st.tuples(st.sampled_from(names), VALUE), max_size=6))
    path = route.format(id=article_id) if data.draw(st.booleans()) else route.format(id=data.draw(st.text(max_size=20)) or "x")
    path = path.replace("/api/articles/" + path.split("/")[3], "/api/articles/" + quote(path.split("/")[3], safe=""), 1) \
        if path.startswith("/api/articles/") else path
    response = client.get(path, query_string=sent)
    check(response, path, sent)


@FUZZ
@given(route=st.sampled_from(["/api/search", "/api/articles", "/api/suggest"]),
       name=st.sampled_from(["q", "page", "per_page", "sort", "tag", "expert", "year", "limit"]),
       raw=st.binary(max_size=40))
def test_raw_percent_encoded_bytes_in_any_parameter(client, clock, route, name, raw):
    path = f"{route}?{name}={''.join(f'%{b:02X}' for b in raw)}"
    response = client.get(path)
    check(response, path, [(name, "")])


@pytest.mark.parametrize("name,value,param", [
    ("q", "肺" * 10_000, "q"), ("page", "-1", "page"), ("page", "99999999999999999999", "page"),
    ("per_page", "0", "per_page"), ("per_page", "51", "per_page"), ("per_page", "1e3", "per_page"),
    ("sort", "score", "sort"), ("year", "99999", "year"), ("year", "-2025", "year"), ("tag", "标" * 101, "tag"),
    ("expert", "x" * 10_000, "expert"),
])
def test_each_out_of_range_parameter_is_a_400_naming_it(client, clock, name, value, param):
    response = client.get("/api/search", query_string={name: value})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == param and param in error["message"]


# -- the same against a real gunicorn -------------------------------------------------

def _random_requests(article_id: str, count: int, seed: int = 20251127) -> list[str]:
    rng = random.Random(seed)

    def value() -> str:
        kind = rng.randrange(5)
        if kind == 0:
            return "".join(rng.choice(PIECES) + rng.choice([" ", ""]) for _ in range(rng.randrange(8)))
        if kind == 1:
            return rng.choice(NUMBERS)
        if kind == 2:
            return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x4E00, 0x9FFF), rng.randrange(0, 32),
                                           rng.randrange(0x10000, 0x10FFFF)])) for _ in range(rng.randrange(30)))
        if kind == 3:
            return rng.choice(["肺", "\"", "(", "a"]) * rng.choice([201, 2000])
        return str(rng.randrange(-10**12, 10**12))

    out = []
    for _ in range(count):
        route = rng.choice(list(ROUTES)).format(id=article_id if rng.random() < 0.7 else quote(value()[:20], safe="") or "x")
        params = [(rng.choice(ROUTES.get(route, ["q", "limit"]) or ["x"]), value()) for _ in range(rng.randrange(4))]
        query = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in params])
        out.append(f"{route}?{query}" if query else route)
    return out


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _workers(server: Server) -> list[int]:
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.mark.slow
def test_a_bounded_random_run_against_gunicorn_never_gives_a_5xx(sample_index):
    # one client, 1,400 requests; no time budget: a 503 here must not depend on how loaded the machine is
    # (the budget has its own tests, on the test's clock: test_security_http.py)
    server = Server(sample_index.root, workers=2, env={"SEARCHSVC_RATE_LIMIT": "off", "SEARCHSVC_TIME_BUDGET": "0"})
    try:
        server.wait_ready()
        status, _, body = server.get("/api/search?q=KRAS")
        article_id = json.loads(body)["hits"][0]["id"]
        warm = _random_requests(article_id, 200, seed=1)
        requests = _random_requests(article_id, 1200)
        statuses: dict[int, int] = {}
        failures: list[str] = []
        lock = threading.Lock()

        def run(paths):
            for path in paths:
                try:
                    code, headers, payload = server.get(path)
                except OSError as exc:  # a reset or a timeout: the server hung up or hung
                    with lock:
                        failures.append(f"{path}: {exc}")
                    continue
                with lock:
                    statuses[code] = statuses.get(code, 0) + 1
                    if len(f"GET {path} HTTP/1.1") > LIMIT_REQUEST_LINE:  # gunicorn refuses it before the app
                        if code != 414:
                            failures.append(f"{path[:80]}...: {code}, expected 414 URI Too Long")
                    elif code >= 500 or headers["Content-Type"] != "application/json":
                        failures.append(f"{path}: {code} {headers['Content-Type']} {payload[:200]!r}")

        for path in warm:
            server.get(path)
        before = sum(_rss_kb(pid) for pid in _workers(server))
        threads = [threading.Thread(target=run, args=(requests[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        after = sum(_rss_kb(pid) for pid in _workers(server))
        assert not failures, failures[:10]
        assert sum(statuses.values()) == len(requests) and set(statuses) <= {200, 400, 404, 414}, statuses
        assert statuses.get(200, 0) > 100 and statuses.get(400, 0) > 100
        assert after - before < 60 * 1024, f"workers grew by {(after - before) / 1024:.0f} MB"
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text()
