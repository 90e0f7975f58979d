"""What a reader sees of a page that is not a Q&A (issue 19): the article page says it is a report,
shows answers-only subheadings as headings (not as 问N), marks a derived title; the JSON twin carries
``kind`` and ``title_derived``; an article stored before these fields existed still reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from searchsvc.article import Article
from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


@pytest.fixture(scope="module")
def kinds_client(make_app, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("kinds") / "corpus"
    corpus.mkdir()
    for name in ("news-report.txt", "subheadings.txt", "no-title.txt", "outlet-other.txt"):
        (corpus / name).write_bytes((PAGES / name).read_bytes())
    # a report whose subheading is markup: it must come out escaped
    (corpus / "markup.txt").write_text(
        "示例报道:<b>标记</b>\n\n示例数据：本文为虚构报道。\n\n第一段讲肺癌筛查。\n\n"
        "<script>alert(1)</script>小标题\n\n温某某教授:低剂量CT筛查适用于高危人群。\n", "utf-8")
    store = IndexStore(corpus.parent / "index")
    report = ingest([corpus], store)
    assert report.failed == 0, [f.reason for f in report.failures]
    ids = {hit.title: hit.id for hit in Searcher(store).search("", per_page=20).hits}
    return make_app(store).test_client(), ids


def _page(client, ids, title_start):
    [aid] = [aid for title, aid in ids.items() if title.startswith(title_start)]
    html = client.get(f"/articles/{aid}").get_data(as_text=True)
    data = client.get(f"/api/articles/{aid}").get_json()
    return html, data


def test_a_report_says_it_is_one_and_its_json_carries_the_kind(kinds_client):
    html, data = _page(*kinds_client, "北滨医院开设食管癌多学科门诊")
    assert '<span class="badge">报道</span>' in html and "问1" not in html
    assert (data["kind"], data["title_derived"]) == ("prose", False)
    assert any("梁北辰教授指出" in q["answer"] for q in data["qa"])


def test_answers_under_subheadings_show_them_as_headings_not_questions(kinds_client):
    html, data = _page(*kinds_client, "2025南湾淋巴瘤大会")
    assert '<span class="badge">专题报道</span>' in html
    heading = re.search(r'<h2 id="qa-1-q">(.*?)</h2>', html, re.S).group(1)
    assert "第1节" in heading and "CAR-T细胞治疗的患者选择" in heading and "问1" not in heading
    assert data["kind"] == "answers" and data["qa"][0]["question"] == "CAR-T细胞治疗的患者选择"


def test_a_derived_title_is_marked_and_an_interview_has_no_badge(kinds_client):
    html, data = _page(*kinds_client, "甲状腺结节越来越常见")
    assert "标题取自正文" in html and data["title_derived"] is True and data["kind"] == "interview"
    html, data = _page(*kinds_client, "支慕言教授")
    assert 'class="page-kind"' not in html and "问1" in html
    assert (data["kind"], data["title_derived"]) == ("interview", False)


def test_markup_in_a_report_is_escaped(kinds_client):
    html, data = _page(*kinds_client, "示例报道")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>标记</b>" not in html and data["kind"] == "answers"


def test_an_article_stored_before_kinds_existed_reads_as_an_interview():
    old = {"id": "abc", "title": "旧文章", "qa": [{"question": "问?", "answer": "答。", "expert": "林某"}],
           "experts": [{"name": "林某", "title": "教授", "bio": ""}]}
    article = Article.from_dict(json.loads(json.dumps(old)))
    assert (article.kind, article.title_derived, article.qa[0].answer) == ("interview", False, "答。")
