"""The JSON API through Flask's test client: shapes (checked against our OpenAPI), ranking, errors, CORS."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest



@pytest.fixture
def openapi(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def conforms(value, schema: dict, doc: dict, where: str = "$") -> None:
    """A small JSON Schema check (the subset our OpenAPI uses): $ref, type, enum, properties, required, items."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return conforms(value, doc["components"]["schemas"][name], doc, where)
    types = schema.get("type")
    if types:
        types = types if isinstance(types, list) else [types]
        python = {"string": str, "integer": int, "number": (int, float), "object": dict, "array": list,
                  "null": type(None), "boolean": bool}
        assert any(isinstance(value, python[t]) and not (t in ("integer", "number") and isinstance(value, bool))
                   for t in types), f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict) and "properties" in schema:
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key!r}"
        for key, sub in schema["properties"].items():
            if key in value:
                conforms(value[key], sub, doc, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            conforms(item, schema["items"], doc, f"{where}[{i}]")


def check(client, openapi, url: str, path: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    content = openapi["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]
    conforms(body, content["schema"], openapi)
    return body


def test_openapi_documents_every_api_route(client, openapi):
    rules = {r.rule.replace("<article_id>", "{id}").replace("<path:tag>", "{tag}").replace("<path:name>", "{name}")
             for r in client.application.url_map.iter_rules()
             if r.rule.startswith("/api/") or r.rule == "/healthz" or r.rule.endswith(".atom")}
    rules.discard("/api/openapi.json")
    assert rules == set(openapi["paths"])
    assert openapi["openapi"].startswith("3.1")
    assert openapi["servers"] == [{"url": "http://localhost"}]


def test_search_shape_and_ranking(client, openapi):
    body = check(client, openapi, "/api/search?q=KRAS%20G12C", "/api/search")
    assert body["query"] == "KRAS G12C" and body["page"] == 1 and body["per_page"] == 10
    assert body["total"] == len(body["hits"]) >= 2 and body["mode"] == "and"
    first = body["hits"][0]
    assert "林晓舟" in first["experts"] and "KRAS" in first["title"]
    assert first["url"] == f"http://localhost/articles/{first['id']}"
    assert [h["score"] for h in body["hits"]] == sorted((h["score"] for h in body["hits"]), reverse=True)
    best = first["matches"][0]
    # KRAS G12C is one lexicon term: marked whole, as the page writes it
    assert best["qa"] >= 1 and re.search(r"<mark>KRAS[ -]?G12C</mark>", best["question_html"] + best["snippet_html"])
    assert best["url"] == f"{first['url']}#qa-{best['qa']}"
    assert isinstance(first["experts"], list) and all(isinstance(e, str) for e in first["experts"])
    tags = {f["value"]: f["count"] for f in body["facets"]["tags"]}
    assert tags["肺癌"] == sum("肺癌" in h["tags"] for h in body["hits"])
    assert sum(f["count"] for f in body["facets"]["years"]) == body["total"]


def test_search_filters_sort_and_paging(client, openapi):
    tagged = check(client, openapi, "/api/search?q=治疗&tag=肺癌&per_page=50", "/api/search")
    assert tagged["total"] >= 2 and all("肺癌" in h["tags"] for h in tagged["hits"])
    by_date = check(client, openapi, "/api/search?q=治疗&sort=date&per_page=50", "/api/search")
    dates = [h["date"] for h in by_date["hits"]]
    assert dates == sorted(dates, reverse=True)
    year = check(client, openapi, "/api/search?q=治疗&year=2024&per_page=50", "/api/search")
    assert year["total"] >= 1 and all(h["date"].startswith("2024") for h in year["hits"])
    expert = check(client, openapi, "/api/search?q=&expert=林晓舟", "/api/search")
    assert expert["total"] == 1 and expert["mode"] == "all"
    two = check(client, openapi, "/api/search?q=治疗&per_page=2", "/api/search")
    one = check(client, openapi, "/api/search?q=治疗&per_page=1&page=2", "/api/search")
    assert one["per_page"] == 1 and one["page"] == 2 and one["pages"] == one["total"]
    assert [h["id"] for h in one["hits"]] == [two["hits"][1]["id"]]
    last = check(client, openapi, f"/api/search?q=治疗&per_page=2&page={two['pages']}", "/api/search")
    assert 1 <= len(last["hits"]) <= 2 and last["page"] == last["pages"] == two["pages"]


@pytest.mark.parametrize("path, params", [("/api/search", {"q": "治疗"}), ("/api/articles", {}),
                                           ("/api/articles", {"tag": "肺癌"}), ("/api/search", {"expert": "林晓舟"})])
def test_a_page_past_the_end_is_a_404_naming_page_and_saying_how_many_pages_there_are(client, openapi, path, params):
    def url(**more):
        return f"{path}?{urlencode({**params, **more})}"

    for per_page in (1, 3, 50):
        pages = check(client, openapi, url(per_page=per_page), path)["pages"]
        assert pages >= 1
        assert check(client, openapi, url(per_page=per_page, page=pages), path)["hits"]  # the last page has results
        for page in (pages + 1, pages + 7, 10_000):
            error = check(client, openapi, url(per_page=per_page, page=page), path, status=404)["error"]
            assert error["param"] == "page" and error["pages"] == pages
            assert error["message"].startswith(f"page {page} is past the end")
            assert (f"there are {pages} pages" if pages > 1 else "there is 1 page") in error["message"]


def test_an_empty_result_is_page_1_with_nothing_and_any_later_page_is_a_404(client, openapi):
    empty = check(client, openapi, "/api/search?q=zzqqxxyy", "/api/search")
    assert empty["total"] == 0 and empty["pages"] == 0 and empty["hits"] == [] and empty["page"] == 1
    error = check(client, openapi, "/api/search?q=zzqqxxyy&page=2", "/api/search", status=404)["error"]
    assert error == {"code": 404, "param": "page", "pages": 0,
                     "message": "page 2 is past the end: there are no results, so only page 1 exists (empty)"}
    none = check(client, openapi, "/api/articles?year=1999", "/api/articles")
    assert none["total"] == 0 and none["hits"] == []
    assert check(client, openapi, "/api/articles?year=1999&page=3", "/api/articles", status=404)["error"]["pages"] == 0
    # the page count is the published version's: the 404 names it, and is never cached
    past = client.get("/api/search?q=zzqqxxyy&page=2")
    assert past.headers["X-Index-Version"] == client.get("/healthz").get_json()["index_version"]
    assert past.headers["Cache-Control"] == "no-store" and "ETag" not in past.headers


def test_partial_matches_are_reported_and_ranked_after_full_ones(client, openapi):
    """KRAS and 多发性骨髓瘤 never meet in one interview: each appears, and the response says so."""
    body = check(client, openapi, "/api/search?q=KRAS%20多发性骨髓瘤", "/api/search")
    assert body["mode"] == "or" and body["total"] >= 2
    assert body["understood"]["results_matching_everything"] == 0
    assert {c["canonical"] for c in body["understood"]["concepts"]} == {"KRAS", "多发性骨髓瘤"}


def test_articles_newest_first_without_matches(client, openapi):
    body = check(client, openapi, "/api/articles?per_page=50", "/api/articles")
    assert body["total"] == len(body["hits"]) >= 15
    dates = [h["date"] for h in body["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert all("matches" not in h and h["url"].startswith("http://localhost/articles/") for h in body["hits"])
    tagged = check(client, openapi, "/api/articles?tag=肺癌&per_page=50", "/api/articles")
    assert tagged["filters"] == {"tag": "肺癌", "expert": None, "year": None, "year_from": None, "year_to": None}
    assert 0 < tagged["total"] < body["total"] and all("肺癌" in h["tags"] for h in tagged["hits"])


def test_article_shape(client, openapi):
    hit = client.get("/api/search?q=KRAS%20G12C").get_json()["hits"][0]
    body = check(client, openapi, f"/api/articles/{hit['id']}", "/api/articles/{id}")
    assert body["id"] == hit["id"] and body["title"] == hit["title"] and body["url"] == hit["url"]
    assert body["experts"][0]["name"] == "林晓舟" and "江南医科大学" in body["experts"][0]["bio"]
    assert len(body["qa"]) >= 5 and all(q["question"] and q["answer"] for q in body["qa"])
    assert body["views"] == 347 and body["outlet"] == "肿瘤瞭望" and body["date"] == "2025-11-18T16:42:07"
    assert "source" not in body  # the server's file paths stay private
    assert "title_html" not in body and "answer_html" not in body["qa"][0]
    marked = check(client, openapi, f"/api/articles/{hit['id']}?q=KRAS", "/api/articles/{id}")
    assert "<mark>KRAS</mark>" in marked["title_html"]
    assert any("<mark>KRAS</mark>" in q["answer_html"] for q in marked["qa"])


def test_related(client, openapi):
    hit = client.get("/api/search?q=奥希替尼").get_json()["hits"][0]
    body = check(client, openapi, f"/api/articles/{hit['id']}/related?limit=3", "/api/articles/{id}/related")
    assert body["id"] == hit["id"] and 1 <= len(body["related"]) <= 3
    assert hit["id"] not in {r["id"] for r in body["related"]}
    assert all(r["url"] == f"http://localhost/articles/{r['id']}" for r in body["related"])
    scores = [r["score"] for r in body["related"]]
    assert scores == sorted(scores, reverse=True)


def test_suggest(client, openapi):
    body = check(client, openapi, "/api/suggest?q=林", "/api/suggest")
    assert body["query"] == "林"
    assert {"text": "林晓舟", "kind": "expert"} in body["suggestions"]
    assert check(client, openapi, "/api/suggest?q=", "/api/suggest")["suggestions"] == []
    assert len(check(client, openapi, "/api/suggest?q=肺&limit=2", "/api/suggest")["suggestions"]) <= 2


def test_healthz(client, openapi, sample_index):
    body = check(client, openapi, "/healthz", "/healthz")
    assert body["status"] == "ok" and body["articles"] >= 15 and body["index_version"] == sample_index.version()


@pytest.mark.parametrize("url, param", [
    ("/api/search?q=KRAS&page=abc", "page"),
    ("/api/search?q=KRAS&page=0", "page"),
    ("/api/search?q=KRAS&page=-1", "page"),
    ("/api/search?q=KRAS&page=1.5", "page"),
    ("/api/search?q=KRAS&page=10001", "page"),
    ("/api/search?q=KRAS&per_page=51", "per_page"),
    ("/api/search?q=KRAS&per_page=0", "per_page"),
    ("/api/search?q=" + "a" * 201, "q"),
    ("/api/search?q=KRAS&sort=popular", "sort"),
    ("/api/search?q=KRAS&year=abcd", "year"),
    ("/api/search?q=KRAS&tag=" + "x" * 101, "tag"),
    ("/api/articles?per_page=100", "per_page"),
    ("/api/suggest?q=KRAS&limit=x", "limit"),
    ("/api/suggest?q=" + "a" * 201, "q"),
])
def test_bad_requests_are_json_400_naming_the_parameter(client, openapi, url, param):
    path = url.split("?")[0]
    body = check(client, openapi, url, path, status=400)
    assert body["error"]["code"] == 400 and body["error"]["param"] == param and body["error"]["message"]


def test_unknown_article_is_json_404(client, openapi):
    body = check(client, openapi, "/api/articles/000000000000", "/api/articles/{id}", status=404)
    assert body["error"]["code"] == 404 and "000000000000" in body["error"]["message"]
    body = check(client, openapi, "/api/articles/000000000000/related", "/api/articles/{id}/related", status=404)
    assert body["error"]["code"] == 404
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.get_json() == {"error": {"code": 404, "message": "not found"}}


def test_wrong_method_is_json_405(client):
    response = client.post("/api/search?q=KRAS")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_json_is_utf8_application_json_with_security_headers(client):
    response = client.get("/api/search?q=肺癌")
    assert response.headers["Content-Type"] == "application/json"
    assert "肺癌".encode() in response.data  # real UTF-8, not \\u escapes
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_html_pages_have_a_self_only_csp(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and directives["frame-ancestors"] == "'none'"


def test_cors_allows_any_origin_by_default_get_only(client):
    response = client.get("/api/search?q=KRAS", headers={"Origin": "https://hospital.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/search", headers={"Origin": "https://hospital.example",
                                                       "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = client.get("/search?q=KRAS", headers={"Origin": "https://hospital.example"})
    assert "Access-Control-Allow-Origin" not in page.headers  # only /api/*


def test_cors_allowlist_from_config(make_app, sample_index):
    client = make_app(sample_index, SEARCHSVC_CORS_ORIGINS="https://a.example, https://b.example").test_client()
    allowed = client.get("/api/search?q=KRAS", headers={"Origin": "https://b.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/search?q=KRAS", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers
