"""Markup in a page or in a query comes back inert: escaped text, with only our <mark> added."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from test_web_listings import listed
from test_web_support import (EVIL_ATTR, EVIL_SCRIPT, assert_inert_page, assert_only_marks, build_index,
                              evil_sources)


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory):
    """An index of pages whose every field holds markup."""
    root = tmp_path_factory.mktemp("evil")
    return build_index(root / "index", evil_sources(root / "pages"))


@pytest.fixture
def client(make_app, evil_store):
    """This module's client serves the evil index, not the sample one."""
    return make_app(evil_store).test_client()


@pytest.fixture
def ids(client):
    body = client.get("/api/articles").get_json()
    assert body["total"] == 2
    return [h["id"] for h in body["hits"]]


def html_fields(value):
    """Every string under a key ending in _html, anywhere in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_html") and isinstance(item, str):
                yield item
            else:
                yield from html_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from html_fields(item)


QUERIES = ["胸膜肿瘤", EVIL_SCRIPT, EVIL_ATTR, f"胸膜肿瘤 {EVIL_SCRIPT}", "script alert", f'"{EVIL_ATTR}"',
           f"expert:{EVIL_SCRIPT}", f"tag:{EVIL_SCRIPT}"]


@pytest.mark.parametrize("q", QUERIES)
def test_search_pages_and_api_stay_inert(client, q):
    page = client.get("/search", query_string={"q": q})
    assert page.status_code == 200
    assert_inert_page(page.get_data(as_text=True))
    api = client.get("/api/search", query_string={"q": q})
    assert api.status_code == 200
    body = api.get_json()
    assert body["query"] == q  # plain text in JSON, as typed
    fields = list(html_fields(body))
    for fragment in fields:
        assert_only_marks(fragment)
    if q == "胸膜肿瘤":
        assert body["total"] == 2 and any("<mark>胸膜肿瘤</mark>" in f for f in fields)
        assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in f for f in fields)
        assert any("&quot; onerror=alert(1) x=&quot;" in f for f in fields)


def test_the_evil_strings_are_shown_as_text(client, ids):
    html = client.get("/search", query_string={"q": "胸膜肿瘤"}).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=alert(1)" in html  # visible as text ...
    assert_inert_page(html)  # ... but never an attribute
    # experts' names, titles and affiliations (from their bios) read back as the text they are
    shown = sorted(e for card in listed(client, "/search?q=胸膜肿瘤") for e in card["experts"])
    assert shown == sorted([["贾斌", "教授", f"{EVIL_SCRIPT}医院胸外科"], [EVIL_SCRIPT, EVIL_ATTR, f"{EVIL_ATTR}研究所"]])


@pytest.mark.parametrize("q", ["", "胸膜肿瘤", EVIL_SCRIPT, EVIL_ATTR])
def test_article_pages_stay_inert(client, ids, q):
    for article_id in ids:
        page = client.get(f"/articles/{article_id}", query_string={"q": q} if q else None)
        assert page.status_code == 200
        assert_inert_page(page.get_data(as_text=True))
        api = client.get(f"/api/articles/{article_id}", query_string={"q": q} if q else None).get_json()
        for fragment in html_fields(api):
            assert_only_marks(fragment)
        if q == "胸膜肿瘤":
            assert "<mark>胸膜肿瘤</mark>" in page.get_data(as_text=True)


def test_expert_and_tag_pages_stay_inert(client):
    for url in (f"/experts/{quote(EVIL_SCRIPT, safe='')}", f"/tags/{quote(EVIL_SCRIPT, safe='')}",
                f"/tags/{quote(EVIL_ATTR, safe='')}", "/tags/胸膜肿瘤"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert_inert_page(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_facet_and_filter_values_stay_inert(client):
    for params in ({"q": "胸膜肿瘤", "tag": EVIL_SCRIPT}, {"q": "胸膜肿瘤", "expert": EVIL_SCRIPT},
                   {"q": "胸膜肿瘤", "tag": EVIL_ATTR}):
        page = client.get("/search", query_string=params)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert_inert_page(html)
        assert "找到 <strong>1</strong> 篇相关访谈" in html
        body = client.get("/api/search", query_string=params).get_json()
        assert body["total"] == 1
        assert EVIL_SCRIPT in json.dumps(body, ensure_ascii=False)  # plain fields keep the text as it is


def test_error_pages_echoing_the_query_stay_inert(client):
    for params in ({"q": EVIL_SCRIPT, "page": "x"}, {"q": EVIL_ATTR, "sort": EVIL_SCRIPT}, {"q": EVIL_SCRIPT * 20}):
        page = client.get("/search", query_string=params)
        assert page.status_code == 400
        assert_inert_page(page.get_data(as_text=True))
        api = client.get("/api/search", query_string=params)
        assert api.status_code == 400 and api.mimetype == "application/json"
    missing = client.get(f"/articles/{quote(EVIL_SCRIPT, safe='')}")
    assert missing.status_code == 404
    assert_inert_page(missing.get_data(as_text=True))


def test_suggestions_are_plain_text(client):
    body = client.get("/api/suggest", query_string={"q": "<"}).get_json()
    assert all(set(s) == {"text", "kind"} for s in body["suggestions"])
    assert client.get("/api/suggest", query_string={"q": EVIL_SCRIPT}).status_code == 200
