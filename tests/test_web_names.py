"""Tags and expert names in either script are one tag and one expert, through Flask's test client.

Pages show what the interview wrote (免疫治療, 邵聞笙 on a Traditional page); facets,
filters, ``tag:``/``expert:``, listings and their URLs use the Simplified key, so
``/tags/免疫治療`` and ``/tags/免疫治疗`` reach one page and every count agrees.
Also: the original article's URL (``source_url``, 原文) and a lead never shown twice.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote, urlsplit

import opencc
import pytest

from test_web_support import build_index, page_text

TO_TRADITIONAL = opencc.OpenCC("s2t").convert

# (Simplified expert, Simplified tag): fictional names whose Traditional form differs
PAIRS = [("邵闻笙", "免疫治疗"), ("陈晓东", "靶向治疗"), ("刘云涛", "肝细胞癌")]


def corpus(make_app, tmp_path, expert: str, tag: str, simplified: int, traditional: int):
    pages = []
    for i in range(simplified + traditional):
        text = page_text(title=f"{expert}教授:示例访谈第{i + 1}篇", date=f"2025/0{i + 1}/02 10:00:00", expert=expert,
                         qa=[("免疫治疗的不良反应如何管理?", f"需要早期识别并分级处理（示例数据第{i + 1}篇）。")],
                         tags=[tag, "示例"])
        if i >= simplified:
            text = TO_TRADITIONAL(text)
        path = tmp_path / "pages" / f"{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        pages.append(path)
    other = tmp_path / "pages" / "other.txt"
    other.write_text(page_text(title="顾虚构教授:另一位专家", date="2024/01/01 10:00:00", expert="顾虚构",
                               qa=[("问题?", "回答（示例数据）。")], tags=["肺癌"]), "utf-8")
    return make_app(build_index(tmp_path / "ix", [*pages, other])).test_client()


@pytest.fixture(params=PAIRS, ids=[p[0] for p in PAIRS])
def pair(request):
    return request.param


def facet(body: dict, name: str) -> dict:
    return {f["value"]: f["count"] for f in body["facets"][name]}


def test_facets_count_both_scripts_as_one_tag_and_one_expert(make_app, tmp_path, pair):
    expert, tag = pair
    client = corpus(make_app, tmp_path, expert, tag, simplified=3, traditional=2)
    body = client.get("/api/search?q=").get_json()
    assert facet(body, "tags")[tag] == 5 and TO_TRADITIONAL(tag) not in facet(body, "tags")
    assert facet(body, "experts")[expert] == 5 and TO_TRADITIONAL(expert) not in facet(body, "experts")


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_tag_and_expert_filters_agree_in_either_script(make_app, tmp_path, pair, script):
    expert, tag = pair
    client = corpus(make_app, tmp_path, expert, tag, simplified=2, traditional=3)
    asked_tag, asked_expert = (tag, expert) if script == "simplified" else (TO_TRADITIONAL(tag), TO_TRADITIONAL(expert))
    totals = [
        client.get(f"/api/search?q={quote('tag:' + asked_tag)}").get_json()["total"],
        client.get(f"/api/search?q=&tag={quote(asked_tag)}").get_json()["total"],
        client.get(f"/api/articles?tag={quote(asked_tag)}").get_json()["total"],
        client.get(f"/api/search?q={quote('expert:' + asked_expert)}").get_json()["total"],
        client.get(f"/api/articles?expert={quote(asked_expert)}").get_json()["total"],
    ]
    assert totals == [5] * 5


def test_listings_in_either_script_reach_one_page_at_the_simplified_url(make_app, tmp_path, pair):
    expert, tag = pair
    client = corpus(make_app, tmp_path, expert, tag, simplified=1, traditional=2)
    for kind, simplified in (("tags", tag), ("experts", expert)):
        moved = client.get(f"/{kind}/{quote(TO_TRADITIONAL(simplified))}")
        assert moved.status_code == 301
        assert unquote(urlsplit(moved.headers["Location"]).path) == f"/{kind}/{simplified}"
        html = client.get(f"/{kind}/{quote(simplified)}").get_data(as_text=True)
        assert "共 <strong>3</strong> 篇访谈" in html
    newest = client.get(f"/experts/{quote(expert)}").get_data(as_text=True)
    assert f"<h1>{TO_TRADITIONAL(expert)} " in newest  # the heading as the newest interview writes the name


def test_an_article_shows_what_it_wrote_and_links_to_the_key(make_app, tmp_path, pair):
    expert, tag = pair
    client = corpus(make_app, tmp_path, expert, tag, simplified=0, traditional=1)
    hit = next(h for h in client.get("/api/articles").get_json()["hits"] if h["experts"] != ["顾虚构"])
    assert hit["tags"][0] == TO_TRADITIONAL(tag) and hit["experts"] == [TO_TRADITIONAL(expert)]
    html = client.get(f"/articles/{hit['id']}").get_data(as_text=True)
    assert f'href="/tags/{quote(tag)}">{TO_TRADITIONAL(tag)}</a>' in html
    assert f'href="/experts/{quote(expert)}">{TO_TRADITIONAL(expert)}</a>' in html


def test_an_unknown_name_is_a_404_in_either_script_not_a_redirect(make_app, tmp_path):
    client = corpus(make_app, tmp_path, *PAIRS[0], simplified=1, traditional=0)
    assert client.get(f"/experts/{quote('無此人')}").status_code == 404
    assert client.get(f"/experts/{quote('无此人')}").status_code == 404


def test_the_original_url_is_in_the_api_and_linked_as_原文_and_a_repeated_lead_shows_once(make_app, tmp_path):
    lead = "示例会议期间，本刊采访了一位虚构的专家（示例数据）。"
    record = {"id": "rec-1", "url": "https://news.example.cn/a/1.html", "title": "示例记录", "lead": lead,
              "editor_note": lead, "experts": [{"name": "林测试", "title": "教授"}],
              "qa": [{"question": "问题?", "answer": "回答。", "expert": "林测试"}]}
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "export.jsonl").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    text = page_text(title="周示例教授:文本页", date="2025/01/02 10:00:00", expert="周示例", qa=[("问?", "答。")],
                     tags=["肺癌"], lead=lead)
    (folder / "page.txt").write_text(text.replace(lead, f"{lead}\n\n编者按:{lead}"), "utf-8")
    client = make_app(build_index(tmp_path / "ix", [folder])).test_client()
    ids = {h["title"]: h["id"] for h in client.get("/api/articles").get_json()["hits"]}
    article = client.get(f"/api/articles/{ids['示例记录']}").get_json()
    assert article["source_url"] == "https://news.example.cn/a/1.html"
    html = client.get(f"/articles/{ids['示例记录']}").get_data(as_text=True)
    assert '<a class="source-link" href="https://news.example.cn/a/1.html"' in html and ">原文</a>" in html
    plain = client.get(f"/api/articles/{ids['周示例教授:文本页']}").get_json()
    assert plain["source_url"] is None
    page = client.get(f"/articles/{ids['周示例教授:文本页']}").get_data(as_text=True)
    assert "原文</a>" not in page
    for html in (html, page):
        assert html.count(lead) == 1  # the 编者按 repeats the lead: shown once
