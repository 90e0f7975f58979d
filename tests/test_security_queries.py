"""Hostile queries straight against ``Searcher``: a result or a BadRequest naming the parameter.

Property-based (hypothesis) over the query language and every parameter of
``search``, ``articles``, ``suggest``, ``article`` and ``related``: random Unicode,
control characters, unbalanced quotes and parentheses, ``field:`` abuse,
10,000-character queries, huge or negative numbers, wildcard characters.  Never
an exception other than BadRequest, never slower than a bound, bounded memory.
"""

from __future__ import annotations

import tracemalloc
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc import analysis
from searchsvc.query.querylang import parse_query
from searchsvc.engine.search import MAX_PER_PAGE, MAX_QUERY_CHARS, BadRequest, Searcher, SearchResult

PIECES = ["KRAS", "G12C", "肺癌", "奥希替尼", "阿美替尼", "EGFR", "PD-1", "OR", "or", "AND", "|", "或", "-", "－",
          "\"", "“", "”", "(", ")", "((", "))", ":", "：", "expert:", "tag:", "title:", "year:", "YEAR:", "foo:",
          "expert:\"", "year:2025", "year:２０２５", "year:²⁰²⁵", "year:99999999999999999999", "year:-1", "year:0",
          "*", "?", "~", "^", "\\", "a*", "肺*", "*癌", "**", "%", "_", "[", "]", "{", "}", "<script>", "</mark>",
          "&amp;", "'", "\x00", "\x07", "\x1b[31m", "\t", "\n", "\r", " ", "\u3000", "\u200b", "\ufeff", "\u202e",
          "𝕏", "👍🏽", "ＫＲＡＳ", "藥物", "丨", "ﬁ", "İ", "ß", "\u0301", "a" * 60, "王" * 30]
QUERY = st.one_of(st.text(max_size=MAX_QUERY_CHARS + 20),
                  st.lists(st.sampled_from(PIECES), max_size=30).map(" ".join),
                  st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
NUMBER = st.one_of(st.integers(-3, 60), st.integers(-10**30, 10**30), st.sampled_from([0, 1, 10_000, 10_001, 2**31, 2**63]))
FILTER = st.one_of(st.none(), st.text(max_size=120), st.sampled_from(PIECES))
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def searcher(sample_index) -> Searcher:
    return Searcher(sample_index)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def only_marks(fragment: str) -> bool:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return all(tag == "mark" and not attrs for tag, attrs in parser.tags)


def check_result(result: SearchResult, page: int, per_page: int) -> None:
    assert isinstance(result, SearchResult)
    assert result.total >= 0 and len(result.hits) <= per_page
    assert result.page == page and result.per_page == per_page
    if result.hits:
        assert result.total >= (page - 1) * per_page + len(result.hits)
    assert len({h.id for h in result.hits}) == len(result.hits)
    for hit in result.hits:
        assert only_marks(hit.title_html), hit.title_html
        for match in hit.matches:
            assert only_marks(match.question_html) and only_marks(match.snippet_html)
    for name, values in result.facets.items():
        assert all(v["count"] >= 1 for v in values), name


def timed(call):
    """(result, None) or (None, BadRequest).  How long a call may take is the web layer's time
    budget (tests/test_security_http.py) and the benchmarks' business, not a timer's here."""
    try:
        return call(), None
    except BadRequest as exc:
        return None, exc


@FUZZ
@given(q=QUERY, page=NUMBER, per_page=NUMBER, sort=st.one_of(st.sampled_from(["relevance", "date"]), st.text(max_size=10)),
       tag=FILTER, expert=FILTER, year=st.one_of(st.none(), NUMBER))
def test_search_is_a_result_or_a_bad_request_naming_the_parameter(searcher, q, page, per_page, sort, tag, expert, year):
    result, error = timed(lambda: searcher.search(q, page=page, per_page=per_page, tag=tag, expert=expert,
                                                  year=year, sort=sort))
    bad = []
    if len(q) > MAX_QUERY_CHARS:
        bad.append("q")
    if not 1 <= page <= 10_000:
        bad.append("page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        bad.append("per_page")
    if sort not in ("relevance", "date"):
        bad.append("sort")
    if bad:
        assert error is not None and error.param == bad[0], (bad, error)
        assert str(error).startswith(error.param) or error.param == "q" and "query" in str(error)
    else:
        assert error is None, error
        check_result(result, page, per_page)


@FUZZ
@given(q=QUERY)
def test_the_query_language_parses_anything_into_clauses(q):
    parsed = parse_query(q)
    for clause in parsed.clauses:
        assert clause.text and clause.field in (None, "expert", "tag", "title", "question", "answer", "year")
    assert all(parsed.groups)
    assert all(f"{name}:" in q or f"{name}：" in q for name in parsed.unknown_fields)


@FUZZ
@given(prefix=st.one_of(st.text(max_size=80), st.sampled_from(PIECES)), limit=st.integers(1, 20))
def test_suggest_returns_a_bounded_list(searcher, prefix, limit):
    found, error = timed(lambda: searcher.suggest(prefix, limit=limit))
    assert error is None and len(found) <= limit
    assert all(set(s) == {"text", "kind"} and s["text"] for s in found)


@FUZZ
@given(ident=st.one_of(st.text(max_size=300), st.sampled_from(["", "..", "../../etc/passwd", "*", "0" * 12, "\x00"])),
       limit=st.integers(1, 20))
def test_article_and_related_of_any_id_is_the_article_or_none(searcher, sample_index, ident, limit):
    article, error = timed(lambda: searcher.article(ident))
    assert error is None
    assert article is None or article.id == ident
    related, error = timed(lambda: searcher.related(ident, limit=limit))
    assert error is None
    assert (related is None) == (article is None)


@FUZZ
@given(page=NUMBER, per_page=NUMBER, tag=FILTER, expert=FILTER, year=st.one_of(st.none(), NUMBER))
def test_articles_listing_is_a_result_or_a_bad_request(searcher, page, per_page, tag, expert, year):
    result, error = timed(lambda: searcher.articles(page=page, per_page=per_page, tag=tag, expert=expert, year=year))
    if not 1 <= page <= 10_000:
        assert error is not None and error.param == "page"
    elif not 1 <= per_page <= MAX_PER_PAGE:
        assert error is not None and error.param == "per_page"
    else:
        assert error is None
        check_result(result, page, per_page)


@pytest.mark.parametrize("length", [201, 1_000, 10_000, 100_000])
def test_a_long_query_is_refused_naming_q_and_the_limit(searcher, length):
    query = "肺" * length
    tracemalloc.start()
    try:
        with pytest.raises(BadRequest) as caught:
            searcher.search(query)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024, peak  # refused up front: the text was never cut into words
    assert caught.value.param == "q"
    assert str(caught.value) == f"the query is {length} characters long; the limit is {MAX_QUERY_CHARS}"


@pytest.mark.parametrize("text", ["KRAS", "G12C", "EGFR", "肺癌", "奥希替尼", "K", "a", "免疫"])
@pytest.mark.parametrize("wild", ["{}*", "{}?", "*{}", "{}**", "{}~", "*{}*", "{}.*"])
def test_wildcard_characters_never_expand_to_more_terms(searcher, text, wild):
    """There is no wildcard syntax: '*' and friends are dropped, never expanded over the term list."""
    plain = searcher.search(text, per_page=50)
    starred = searcher.search(wild.format(text), per_page=50)
    assert starred.total <= plain.total
    assert plain.total <= 50  # the sample index: every hit is on the one page compared
    assert {h.id for h in starred.hits} <= {h.id for h in plain.hits}


@pytest.mark.parametrize("q", ["year:２０２５", "year:²⁰²⁵", "year:2025"])
def test_a_year_written_in_any_digits_filters_by_that_year(searcher, q):
    """Regression: year:²⁰²⁵ raised ValueError (str.isdigit accepts superscripts, int() does not)."""
    result = searcher.search(q, per_page=50)
    assert result.total == searcher.search("", year=2025, per_page=50).total > 0
    assert all(h.date.startswith("2025") for h in result.hits)


@pytest.mark.parametrize("q", ["year:٢٠٢٥x", "year:፩፪፫፬", "year:①②③④", "year:99999999999999999999", "year:-2025", "year:"])
def test_a_year_that_is_not_four_digits_matches_nothing_or_is_ignored(searcher, q):
    result = searcher.search(q)
    assert result.total in (0, searcher.search("").total)


def _heavy_queries() -> list[str]:
    drugs = [t for t, kind in analysis.iter_terms() if kind == "drug"][:60]
    ors = " OR ".join(drugs)[:MAX_QUERY_CHARS]
    words = " ".join(f"w{i:03d}x" for i in range(40))[:MAX_QUERY_CHARS]
    return [ors, words, "肺" * MAX_QUERY_CHARS, ("KRAS G12C " * 30)[:MAX_QUERY_CHARS],
            ("\"" + "免疫治疗 " * 50)[:MAX_QUERY_CHARS], ("-肺癌 " * 50)[:MAX_QUERY_CHARS],
            ("expert:林晓舟 OR " * 20)[:MAX_QUERY_CHARS], "a" * MAX_QUERY_CHARS]


@pytest.mark.parametrize("q", _heavy_queries())
def test_the_heaviest_queries_stay_within_memory(searcher, q):
    searcher.search("KRAS")  # warm
    tracemalloc.start()
    try:
        result = searcher.search(q, per_page=MAX_PER_PAGE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB for {q[:40]!r}"
    check_result(result, 1, MAX_PER_PAGE)
