"""Nothing a user can type gives a 500: random query strings on every page and endpoint."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


PATHS = ["/", "/search", "/api/search", "/api/articles", "/api/suggest", "/api/articles/{id}",
         "/api/articles/{id}/related", "/articles/{id}", "/experts/{id}", "/tags/{id}"]
PARAMS = ["q", "page", "per_page", "sort", "tag", "expert", "year", "limit"]

# Text a person might type or paste, plus query syntax and hostile pieces.
PIECES = st.sampled_from(["KRAS", "G12C", "肺癌", "奥希替尼", "OR", "AND", "-", "\"", "“", ":", "expert:", "tag:",
                          "year:", "title:", "year:20x5", "(", ")", "*", "?", "~", "^", "\\", "<script>", "&", "%",
                          "0", "-1", "1e3", "10001", "50", "date", "relevance", " ", "　", "\t", "\n", "\x00", "\ufeff",
                          "𝕏", "👍", "\u202e", "丨", "ＫＲＡＳ", "藥物", "a" * 60])
TEXT = st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=8).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), ident=TEXT, params=st.dictionaries(st.sampled_from(PARAMS), TEXT, max_size=4))
def test_never_a_500(client, clock, path, ident, params):
    url = path.replace("{id}", quote(ident.replace("/", ""), safe="") or "x")
    response = client.get(url, query_string=params)
    assert response.status_code in (200, 400, 404), (url, params, response.status_code,
                                                     response.get_data(as_text=True)[:500])
    if response.status_code != 200 and (url.startswith("/api/")):
        assert response.get_json()["error"]["code"] == response.status_code


@pytest.mark.parametrize("raw", [
    "/search?q=%ED%A0%80",            # a lone surrogate, percent-encoded
    "/search?q=%FF%FE",               # not UTF-8
    "/api/search?q=%00",
    "/api/search?page=%00",
    "/api/search?q=KRAS&page=99999999999999999999999",
    "/api/search?q=KRAS&per_page=-0",
    "/api/search?q=a&q=b",            # the first value wins
    "/search?year=0000",
    "/articles/%2e%2e",
    "/tags/%00",
])
def test_odd_urls(client, clock, raw):
    response = client.get(raw)
    assert response.status_code in (200, 400, 404), (raw, response.status_code)
