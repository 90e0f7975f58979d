"""The HTML pages through Flask's test client, over the sample corpus."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from test_web_support import audit


def get_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def alternate_json(html: str) -> str:
    links = [a for tag, a in audit(html).tags if tag == "link" and a.get("rel") == "alternate"
             and a.get("type") == "application/json"]
    assert len(links) == 1
    return links[0]["href"]


def kras_id(client) -> str:
    return client.get("/api/search?q=KRAS%20G12C").get_json()["hits"][0]["id"]


def test_home_lists_newest_interviews_with_a_labelled_search_box(client):
    html = get_ok(client, "/")
    assert '<html lang="zh-CN">' in html
    assert '<label for="q" class="search-label">搜索专家访谈</label>' in html
    assert 'id="q" name="q"' in html and 'role="search"' in html
    total = client.get("/api/articles").get_json()["total"]
    assert total >= 15 and f"最新访谈，共 <strong>{total}</strong> 篇" in html
    dates = re.findall(r'<time datetime="([^"]+)">', html)
    assert len(dates) == 10 and dates == sorted(dates, reverse=True)
    assert alternate_json(html) == "/api/articles"


def test_every_page_has_landmarks_a_skip_link_and_no_inline_code(client):
    article = kras_id(client)
    for url in ("/", "/search?q=KRAS", f"/articles/{article}", "/tags/肺癌", "/experts/林晓舟", "/no-such-page"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert html.index('class="skip-link" href="#main"') < html.index('<main id="main"'), url
        for landmark in ("<header", "<main", "<footer"):
            assert html.count(landmark) >= 1, (url, landmark)
        found = audit(html)
        assert [a["src"].split("?")[0] for t, a in found.tags if t == "script"] == ["/static/app.js"]
        assert not "".join(found.script_text).strip()
        assert not any("style" in a or any(k.startswith("on") for k in a) for _, a in found.tags), url
        assert "<h1" in html, url


def test_search_shows_one_result_per_interview_with_highlighted_best_match(client):
    html = get_ok(client, "/search?q=KRAS%20G12C")
    assert "<title>KRAS G12C - 搜索 - " in html
    assert 'value="KRAS G12C"' in html
    hits = re.findall(r'<article class="hit">(.*?)</article>', html, re.S)
    assert len(hits) == int(re.search(r"找到 <strong>(\d+)</strong> 篇相关访谈", html).group(1)) >= 2
    ids = [re.search(r'href="/articles/(\w+)\?q=', h).group(1) for h in hits]
    assert len(ids) == len(set(ids))
    first = hits[0]
    assert "林晓舟" in first and "KRAS" in first.split("</h2>")[0]
    assert re.search(r"<mark>KRAS[ -]?G12C</mark>", first)  # one lexicon term, marked whole
    assert re.search(r'<span class="qa-label">问\d+</span>', first)
    assert re.search(r'href="/articles/\w+\?q=KRAS\+G12C#qa-\d+"', first)
    assert "另有" in first and "<details" in first  # further matching Q&As expand without JavaScript
    assert re.search(r"用时 (\d+|不到 1) 毫秒", html)
    assert alternate_json(html) == "/api/search?q=KRAS+G12C"


def test_sort_by_date_orders_newest_first_and_marks_the_current_sort(client):
    html = get_ok(client, "/search?q=免疫治疗&sort=date")
    dates = re.findall(r'<time datetime="([^"]+)">', html)
    assert len(dates) >= 2 and dates == sorted(dates, reverse=True)
    assert '<strong aria-current="true">时间</strong>' in html
    assert 'href="/search?q=%E5%85%8D%E7%96%AB%E6%B2%BB%E7%96%97">相关度</a>' in html


def test_facets_link_to_filtered_searches_and_filters_apply(client):
    html = get_ok(client, "/search?q=免疫治疗")
    aside = html[html.index('<details id="filters"'):html.index('<section class="results"')]
    assert "<h3 id=\"facet-tag\">标签</h3>" in aside and "<h3 id=\"facet-year\">年份</h3>" in aside
    tag_links = re.findall(r'<a href="(/search\?[^"]*tag=[^"]*)">([^<]+) <span class="count">'
                           r'<span class="visually-hidden">（</span>(\d+)<span class="visually-hidden"> 篇）', aside)
    assert tag_links
    href, value, count = tag_links[0]
    filtered = get_ok(client, href.replace("&amp;", "&"))
    assert f"找到 <strong>{count}</strong> 篇相关访谈" in filtered
    assert f"标签：{value.strip()}" in filtered  # the active filter, removable
    for hit in re.findall(r'<article class="hit">(.*?)</article>', filtered, re.S):
        assert f">{value.strip()}</a></li>" in hit


def test_year_filter_keeps_only_that_year(client):
    html = get_ok(client, "/search?q=肺癌&year=2024")
    dates = re.findall(r'<time datetime="([^"]+)">', html)
    assert dates and all(d.startswith("2024") for d in dates)


def test_pagination_links_carry_the_query_and_pages_differ(client):
    first = get_ok(client, "/search?per_page=4")
    assert '<nav class="pagination" aria-label="分页">' in first
    assert 'href="/search?per_page=4&amp;page=2" rel="next">下一页</a>' in first
    second = get_ok(client, "/search?per_page=4&page=2")
    ids1 = set(re.findall(r'href="/articles/(\w+)[?"]', first))
    ids2 = set(re.findall(r'href="/articles/(\w+)[?"]', second))
    assert ids1 and ids2 and not ids1 & ids2
    assert 'aria-current="page"><span class="visually-hidden">第</span>2<' in second
    pages = client.get("/api/search?per_page=4").get_json()["pages"]
    past = client.get("/search?per_page=4&page=99")  # past the end: the last page, not "第 99/5 页"
    assert past.status_code == 302 and past.headers["Location"] == f"/search?per_page=4&page={pages}"
    last = get_ok(client, past.headers["Location"])
    assert f"第 {pages}/{pages} 页" in last and re.findall(r'<article class="hit">', last)


def test_empty_state_helps(client):
    html = get_ok(client, "/search?q=zzqqxxyy")
    assert "没有找到与“<strong>zzqqxxyy</strong>”相关的访谈" in html
    assert "检查错别字" in html and "按标签浏览" in html
    assert 'href="/tags/' in html


def test_partial_matches_are_explained(client):
    html = get_ok(client, "/search?q=KRAS%20多发性骨髓瘤")
    assert "没有访谈同时包含所有关键词" in html
    assert len(re.findall(r'<article class="hit">', html)) >= 2


def test_the_page_says_how_a_question_was_read(client):
    html = get_ok(client, "/search?q=奥希替尼耐药怎么办")
    line = re.search(r'<p class="understood" id="understood">(.*?)</p>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", line).strip()
    assert text.startswith("已搜索：奥希替尼（osimertinib、AZD9291、泰瑞沙等）")
    assert "· 耐药" in text and text.endswith("已忽略：怎么办")
    assert re.findall(r'<article class="hit">', html)


def test_an_unknown_field_is_searched_as_text_and_the_reader_is_told(client):
    html = get_ok(client, "/search?q=qustion:肺癌")
    assert "“qustion:”不是可用的字段" in html and "<code>question:</code>" in html
    body = client.get("/api/search?q=qustion:肺癌").get_json()
    assert body["understood"]["notices"] and "question:" in body["understood"]["notices"][0]


def test_a_misspelling_shows_the_corrected_results_and_says_so(client):
    api = client.get("/api/search?q=奥西替尼").get_json()
    assert api["suggestion"] == "奥希替尼" and api["total"] >= 1
    assert api["understood"]["corrections"] == [{"from": "奥西替尼", "to": "奥希替尼"}]
    assert api["total"] == client.get("/api/search?q=奥希替尼").get_json()["total"]
    html = get_ok(client, "/search?q=奥西替尼")
    assert f'已按“<a href="/search?q={quote("奥希替尼")}">奥希替尼</a>”搜索（您输入的是“<strong>奥西替尼</strong>”）' in html
    assert "已更正：奥西替尼 → 奥希替尼" in re.sub(r"<[^>]+>", "", html)
    assert len(re.findall(r'<article class="hit">', html)) == api["total"]


def test_a_misspelt_word_beside_a_correct_one_is_corrected_alone(client):
    api = client.get("/api/search?q=索托拉西布%20奥西替尼").get_json()
    assert api["suggestion"] == "索托拉西布 奥希替尼"
    assert {c["canonical"] for c in api["understood"]["concepts"]} == {"索托拉西布", "奥希替尼"}

def test_article_page_shows_the_whole_interview(client):
    article_id = kras_id(client)
    data = client.get(f"/api/articles/{article_id}").get_json()
    html = get_ok(client, f"/articles/{article_id}")
    assert f"<title>{data['title']}" in html
    for n in range(1, len(data["qa"]) + 1):
        assert f'id="qa-{n}"' in html and f'href="#qa-{n}"' in html
    assert "<mark>" not in html  # nothing highlighted without a query
    assert "专家简介" in html and data["experts"][0]["bio"].split("\n")[0] in html
    assert all(f'href="/tags/{quote(t)}"' in html for t in data["tags"])
    assert 'href="/experts/%E6%9E%97%E6%99%93%E8%88%9F"' in html
    related = html[html.index('<aside class="related"'):]
    assert "相关访谈" in related and len(re.findall(r'href="/articles/\w+"', related)) >= 1
    assert alternate_json(html) == f"/api/articles/{article_id}"


def test_article_page_highlights_the_query_when_arriving_from_search(client):
    article_id = kras_id(client)
    html = get_ok(client, f"/articles/{article_id}?q=KRAS%20-阿达格拉西布")
    assert "<mark>KRAS</mark>" in html
    assert "<mark>阿达格拉西布</mark>" not in html  # negated terms are not highlighted
    assert "返回“KRAS -阿达格拉西布”的搜索结果" in html
    assert alternate_json(html) == f"/api/articles/{article_id}?q=KRAS+-%E9%98%BF%E8%BE%BE%E6%A0%BC%E6%8B%89%E8%A5%BF%E5%B8%83"


def test_expert_page_lists_their_interviews_newest_first_with_bio(client):
    html = get_ok(client, "/experts/林晓舟")
    assert "<h1>林晓舟" in html and "江南医科大学" in html
    assert "共 <strong>1</strong> 篇访谈" in html
    assert alternate_json(html) == "/api/articles?expert=%E6%9E%97%E6%99%93%E8%88%9F&per_page=20"


def test_tag_page_lists_every_interview_of_the_tag_newest_first(client):
    api = client.get("/api/articles?tag=肺癌&per_page=50").get_json()
    html = get_ok(client, "/tags/肺癌")
    assert f"共 <strong>{api['total']}</strong> 篇访谈" in html
    dates = re.findall(r'<time datetime="([^"]+)">', html)
    assert dates == [h["date"] for h in api["hits"]][:20]
    assert dates == sorted(dates, reverse=True)


def test_unknown_things_are_friendly_404_pages(client):
    for url in ("/articles/000000000000", "/experts/无此专家", "/tags/无此标签", "/no/such/page"):
        response = client.get(url)
        assert response.status_code == 404, url
        html = response.get_data(as_text=True)
        assert "找不到页面" in html and response.mimetype == "text/html"
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("query, message", [
    ("page=abc", "页码必须是 1 到 10000 之间的整数"),
    ("page=0", "页码必须是"),
    ("per_page=51", "每页条数必须是 1 到 50 之间的整数"),
    ("sort=popular", "排序方式只能是"),
    ("year=20x5", "年份必须是四位数字"),
    ("q=" + "肺" * 201, "搜索词太长了"),
])
def test_bad_parameters_are_400_pages_in_chinese(client, query, message):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "请求有误" in html
    assert 'role="search"' in html  # the reader can search again from there


def test_search_form_keeps_filters_when_searching_again(client):
    html = get_ok(client, "/search?q=治疗&tag=肺癌&sort=date")
    form = html[html.index('<form class="search-form"'):html.index("</form>")]
    assert '<input type="hidden" name="tag" value="肺癌">' in form
    assert '<input type="hidden" name="sort" value="date">' in form


def test_links_from_results_are_well_formed(client):
    html = get_ok(client, "/search?q=奥希替尼")
    for href in re.findall(r'href="(/articles/[^"]+)"', html):
        parts = urlsplit(href.replace("&amp;", "&"))
        assert re.fullmatch(r"/articles/\w+", parts.path)
        assert parse_qs(parts.query).get("q") == ["奥希替尼"]


def test_long_facet_lists_fold_behind_more_but_keep_the_active_value_visible(client):
    experts = client.get("/api/search?q=").get_json()["facets"]["experts"]
    assert len(experts) > 8
    html = get_ok(client, "/")
    assert f"<summary>更多专家（{len(experts) - 8}）</summary>" in html
    last = experts[-1]["value"]
    filtered = get_ok(client, f"/search?expert={quote(last)}")
    visible = filtered[filtered.index('id="facet-expert"'):]
    visible = visible[:visible.index("</ul>")]
    assert 'aria-current="true" class="active">' + last in visible


def test_an_article_reached_by_a_name_of_several_words_says_what_is_marked(client):
    """RET融合 has only multi-word names (RET fusion, ...): it is marked as one span, and the notice names it."""
    hit = client.get("/api/search?q=RET融合").get_json()["hits"][0]
    html = get_ok(client, f"/articles/{hit['id']}?q=RET融合")
    assert re.search(r"<mark>RET ?融合</mark>", html, re.I)
    assert "已用<mark>黄色</mark>标出“RET融合”的匹配词" in html
