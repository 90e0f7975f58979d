"""One tag per tag element in an HTML page, however the site marks the tag box up.

``<a>肺癌</a><a>靶向治疗</a>`` used to come out as one tag, 肺癌靶向治疗: the text of
adjacent inline elements runs together.  Each variant below is a way sites write a tag
box (our own sample page around it); hypothesis varies the items, elements and
separators.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.ingest.sources import Source, read_source

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例访谈 - 示例站</title>
<link rel="canonical" href="https://news.example.cn/a/7.html"></head><body>
<div class="main"><h1>林测试教授:示例访谈（示例数据）</h1>
<p>作者:肿瘤瞭望 日期:2025/3/7 09:05:01 浏览量:12</p>
<p>《肿瘤瞭望》:免疫治疗期间需要监测哪些指标?</p>
<p>林测试教授:需要定期监测甲状腺功能、肝功能和血糖。</p>
<p>林测试教授</p><p>示例医院肿瘤内科主任</p><p>本内容仅供医学专业人士参考</p>
{tags}
</div><div class="sidebar"><a rel="tag" href="/tag/9">热门标签</a></div></body></html>"""

TAGS = ["肺癌", "靶向治疗", "KRAS G12C", "免疫治疗"]


def tags_of(tmp_path, box: str) -> tuple[list[str], object]:
    path = tmp_path / "page.html"
    path.write_text(PAGE.format(tags=box), encoding="utf-8")
    [article] = read_source(Source(path, "page.html"))
    return article.tags, article


@pytest.mark.parametrize("box", [
    '<div class="tags"><a href="/t/1">肺癌</a><a href="/t/2">靶向治疗</a><a href="/t/3">KRAS G12C</a></div>',
    '<div class="tags"><span>肺癌</span><span>靶向治疗</span><span>KRAS G12C</span></div>',
    '<div class="tag-list"><a href="/t/1">肺癌</a> | <a href="/t/2">靶向治疗</a> | <a href="/t/3">KRAS G12C</a></div>',
    '<p>标签：<a href="/t/1">肺癌</a>、<a href="/t/2">靶向治疗</a>、<a href="/t/3">KRAS G12C</a></p>',
    '<p><span>标签:</span><a href="/t/1">肺癌</a><a href="/t/2">靶向治疗</a><a href="/t/3">KRAS G12C</a></p>',
    '<div><a href="/tag/1">肺癌</a><a href="/tag/2">靶向治疗</a><a href="/tag/3">KRAS G12C</a></div>',
    '<ul class="keywords"><li>肺癌</li><li>靶向治疗</li><li>KRAS G12C</li></ul>',
    '<div><a rel="tag" href="/x/1">肺癌</a><a rel="tag" href="/x/2">靶向治疗</a><a rel="tag" href="/x/3">KRAS G12C</a></div>',
    '<div><span>肺癌</span><span>靶向治疗</span><span>KRAS G12C</span></div>',  # unmarked, where the tags go
    '<div class="tags"><span class="tag-label">标签：</span><a href="/1">肺癌</a><a href="/2">靶向治疗</a><a href="/3">KRAS G12C</a></div>',
], ids=["adjacent-links", "spans", "pipes", "label-and-commas", "label-element", "tag-hrefs", "list", "rel-tag",
        "unmarked-spans", "label-inside-tags-box"])
def test_each_tag_element_is_one_tag(tmp_path, box):
    tags, article = tags_of(tmp_path, box)
    assert tags == ["肺癌", "靶向治疗", "KRAS G12C"]
    assert article.experts[0].bio == "示例医院肿瘤内科主任"  # the box is not read as text either
    assert article.qa[0].answer == "需要定期监测甲状腺功能、肝功能和血糖。"


def test_a_traditional_label_and_traditional_tags_are_kept_as_written(tmp_path):
    tags, _ = tags_of(tmp_path, '<p>標籤：<a href="/1">肺癌</a><a href="/2">靶向治療</a></p>')
    assert tags == ["肺癌", "靶向治療"]


def test_without_a_tag_box_the_page_s_rel_tag_links_are_the_last_resort(tmp_path):
    tags, _ = tags_of(tmp_path, "")
    assert tags == ["热门标签"]


@settings(max_examples=150, deadline=None)
@given(items=st.lists(st.sampled_from(TAGS), min_size=1, max_size=4, unique=True),
       element=st.sampled_from(["a", "span", "li"]),
       separator=st.sampled_from(["", " ", "、", " | ", "，", " / ", "\n"]),
       box=st.sampled_from(['<div class="tags">{}</div>', '<p>标签：{}</p>', '<ul class="tag-list">{}</ul>',
                            '<div class="article-keywords">{}</div>']))
def test_any_items_and_separators_give_one_tag_per_element(tmp_path_factory, items, element, separator, box):
    markup = separator.join(f'<{element} href="/t/{i}">{t}</{element}>' for i, t in enumerate(items))
    tags, _ = tags_of(tmp_path_factory.mktemp("tags"), box.format(markup))
    assert tags == items


def test_the_canonical_url_is_the_source_url(tmp_path):
    _, article = tags_of(tmp_path, "")
    assert article.source_url == "https://news.example.cn/a/7.html"
