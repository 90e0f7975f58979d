"""The parser reads every layout variant the site's pages come in.

Each test builds a small page of our own in the site's layout (breadcrumb, title,
作者/日期/浏览量 line, copyright, lead, 编者按, Q&A, name line + bio, disclaimer,
tags, share line), varies one thing, and checks the fields that come out.
"""

from __future__ import annotations

import json

import pytest

from searchsvc.names import to_simplified
from searchsvc.ingest.parse import ParseError, parse_text
from searchsvc.ingest.sources import Source, SourceError, decode, read_source

from conftest import SAMPLES

QUESTION_1 = "请您介绍一下KRAS G12C抑制剂在非小细胞肺癌中的进展?"
ANSWER_1A = "KRAS曾被认为不可成药,G12C抑制剂改变了这一局面。"
ANSWER_1B = "二线治疗中,索托拉西布和阿达格拉西布均已获批。"
QUESTION_2 = "联合治疗的方向有哪些?"
ANSWER_2 = "与抗EGFR单抗或免疫治疗联合是主要的探索方向。"


def page(
    colon=":",
    interviewer="《肿瘤瞭望》",
    answer_label="林测试教授",
    name_line="林测试教授",
    tags=("肺癌",),
    noise="\u00a0",
    extra_expert=None,
) -> str:
    """A test page in the site's layout (our own text, not a real article)."""
    c = colon
    lines = [
        f"当前位置{c}肿瘤瞭望>资讯>研究>正文",
        "",
        f"林测试教授{c}KRAS G12C抑制剂的新进展丨测试大会",
        "",
        f"作者{c}肿瘤瞭望\u00a0 \u00a0日期{c}2025/3/7 09:05:01\u00a0\u00a0浏览量{c}1,234",
        "",
        "肿瘤瞭望版权所有,谢绝任何形式转载。",
        "",
        "测试大会期间,本刊采访了林测试教授。",
        "",
        f"编者按{c}这是一篇用于测试的示例访谈。",
        noise,
        f"{interviewer}{c}{QUESTION_1}",
        "",
        f"{answer_label}{c}{ANSWER_1A}",
        noise,
        ANSWER_1B,
        noise,
        f"{interviewer}{c}{QUESTION_2}",
        "",
        f"{answer_label}{c}{ANSWER_2}",
    ]
    if extra_expert:
        lines += ["", f"{extra_expert}{c}补充一点:联合方案需要关注毒性叠加。"]
    lines += ["", name_line, "测试医院胸部肿瘤内科主任", "主要研究方向为肺癌精准治疗"]
    if extra_expert:
        lines += ["", extra_expert, "测试医院放疗科主任"]
    lines += ["", "本内容仅供医学专业人士参考", "", "", *tags, "", f"分享到{c} 更多"]
    return "\n".join(lines)


def test_the_site_layout_gives_every_field():
    fields = parse_text(page())
    assert fields["title"] == "林测试教授:KRAS G12C抑制剂的新进展丨测试大会"
    assert fields["date"] == "2025-03-07T09:05:01"
    assert fields["outlet"] == "肿瘤瞭望"
    assert fields["views"] == 1234
    assert fields["lead"] == "测试大会期间,本刊采访了林测试教授。"
    assert fields["editor_note"] == "这是一篇用于测试的示例访谈。"
    assert [(e.name, e.title) for e in fields["experts"]] == [("林测试", "教授")]
    assert fields["experts"][0].bio == "测试医院胸部肿瘤内科主任\n主要研究方向为肺癌精准治疗"
    assert fields["tags"] == ["肺癌"]
    assert [(q.question, q.expert) for q in fields["qa"]] == [(QUESTION_1, "林测试"), (QUESTION_2, "林测试")]


def test_an_answer_runs_over_several_paragraphs():
    qa = parse_text(page())["qa"]
    assert qa[0].answer == f"{ANSWER_1A}\n\n{ANSWER_1B}"
    assert qa[1].answer == ANSWER_2


def test_the_copyright_line_and_the_disclaimer_stay_out_of_the_fields():
    fields = parse_text(page())
    text = json.dumps([fields["lead"], fields["editor_note"], fields["tags"], [e.bio for e in fields["experts"]]], ensure_ascii=False)
    assert "版权所有" not in text and "仅供医学专业人士参考" not in text and "分享到" not in text


def test_full_width_colons_parse_like_ascii_ones():
    full_width = parse_text(page(colon="："))
    assert full_width["title"] == "林测试教授：KRAS G12C抑制剂的新进展丨测试大会"  # the title keeps its own text
    assert _summary(full_width)[1:] == _summary(parse_text(page()))[1:]


@pytest.mark.parametrize("noise", ["\u00a0", "\u3000", "\u3000\u3000", " \u00a0 "])
def test_nbsp_and_ideographic_space_lines_are_noise(noise):
    assert _summary(parse_text(page(noise=noise))) == _summary(parse_text(page()))


def test_crlf_and_a_bom_change_nothing(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + page().replace("\n", "\r\n").encode("utf-8"))
    [article] = read_source(Source(path, "crlf.txt"))
    assert article.title.startswith("林测试教授")  # no BOM glued to the breadcrumb or title
    assert _summary(article.__dict__) == _summary(parse_text(page()))


@pytest.mark.parametrize(
    "interviewer, outlet",
    [("《肿瘤瞭望》", "肿瘤瞭望"), ("肿瘤瞭望", "肿瘤瞭望"), ("《临床肿瘤观察》", "肿瘤瞭望"), ("记者", "肿瘤瞭望"), ("问", "肿瘤瞭望")],
)
def test_every_interviewer_label_opens_a_question(interviewer, outlet):
    fields = parse_text(page(interviewer=interviewer))
    assert [q.question for q in fields["qa"]] == [QUESTION_1, QUESTION_2]
    assert fields["outlet"] == outlet  # the 作者 line names the publishing outlet


def test_another_outlet_is_taken_from_its_label_when_the_page_names_no_author():
    text = page(interviewer="《临床肿瘤观察》").replace("作者:肿瘤瞭望\u00a0 \u00a0", "")
    assert parse_text(text)["outlet"] == "临床肿瘤观察"


@pytest.mark.parametrize("title", ["教授", "主任", "医生", "博士", "院士", "研究员", "主任医师", "副主任医师"])
def test_an_answer_label_is_a_name_plus_any_title(title):
    fields = parse_text(page(answer_label=f"林测试{title}", name_line=f"林测试{title}"))
    assert [(e.name, e.title) for e in fields["experts"]] == [("林测试", title)]
    assert fields["qa"][0].answer.startswith(ANSWER_1A)


def test_question_and_answer_labels_问_答_take_the_expert_from_the_bio():
    fields = parse_text(page(interviewer="问", answer_label="答"))
    assert [q.expert for q in fields["qa"]] == ["林测试", "林测试"]
    assert fields["qa"][0].answer == f"{ANSWER_1A}\n\n{ANSWER_1B}"


def test_a_name_line_with_a_space_before_the_title_is_the_same_expert():
    fields = parse_text(page(name_line="林测试 教授"))
    assert len(fields["experts"]) == 1 and fields["experts"][0].bio.startswith("测试医院")


def test_several_experts_alternate_and_each_has_a_bio():
    fields = parse_text(page(extra_expert="周示例主任"))
    assert [(e.name, e.title) for e in fields["experts"]] == [("林测试", "教授"), ("周示例", "主任")]
    assert [q.expert for q in fields["qa"]] == ["林测试", "林测试", "周示例"]
    assert fields["qa"][2].question == QUESTION_2  # both answered the second question
    assert fields["experts"][1].bio == "测试医院放疗科主任"


def test_several_tag_lines_and_several_tags_on_a_line():
    fields = parse_text(page(tags=("肺癌", "", "靶向治疗 免疫治疗", "KRAS")))
    assert fields["tags"] == ["肺癌", "靶向治疗", "免疫治疗", "KRAS"]


def test_a_traditional_chinese_page_parses_and_keeps_its_own_text():
    import opencc

    traditional = opencc.OpenCC("s2t").convert(page())
    fields = parse_text(traditional)
    assert fields["title"].startswith("林測試教授")
    assert fields["date"] == "2025-03-07T09:05:01" and fields["views"] == 1234
    assert len(fields["qa"]) == 2 and fields["experts"][0].name == "林測試"
    assert fields["editor_note"] == "這是一篇用於測試的示例訪談。"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_gbk_and_gb18030_pages_are_detected_and_decoded(tmp_path, encoding):
    path = tmp_path / "page.txt"
    path.write_bytes(page(noise=" ").replace("\u00a0", " ").encode(encoding))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    [article] = read_source(Source(path, "page.txt"))
    assert article.title == "林测试教授:KRAS G12C抑制剂的新进展丨测试大会"
    assert article.qa[1].answer == ANSWER_2


def test_bytes_that_decode_to_nothing_sensible_are_reported_not_garbled():
    with pytest.raises(SourceError, match="cannot decode|binary"):
        decode(bytes(range(128, 256)) * 40, "noise.txt")


def test_a_page_without_questions_and_answers_is_indexed_as_prose():
    # issue 19: a page with text is never rejected (it used to fail with "no question/answer pairs")
    fields = parse_text("当前位置:肿瘤瞭望>资讯\n\n一个标题\n\n作者:肿瘤瞭望 日期:2025/1/1\n\n只有一段正文。")
    assert (fields["kind"], fields["title"], fields["title_derived"]) == ("prose", "一个标题", False)
    assert [(q.question, q.answer) for q in fields["qa"]] == [("", "只有一段正文。")]


def test_only_a_page_without_readable_text_is_an_error_saying_why():
    with pytest.raises(ParseError, match="no readable text"):
        parse_text("……\n\n——   ——\n。。。")


HTML_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{title} - 肿瘤瞭望</title><link rel="canonical" href="https://news.example.cn/a/42.html">
<script>var hot = ['热门推荐: 小细胞肺癌新药'];</script><style>p {{ color: red }}</style></head>
<body><div id="header"><a href="/">肿瘤瞭望</a><form><input name="q"></form></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/news">资讯</a></li></ul></div>
<div class="breadcrumb">当前位置:肿瘤瞭望&gt;资讯&gt;正文</div>
<div class="wrap"><div class="article"><h1>{title}</h1>
<div class="info"><span>作者:肿瘤瞭望</span>&nbsp;<span>日期:2025/3/7 09:05:01</span>&nbsp;<span>浏览量:1234</span></div>
<p>测试大会期间,本刊采访了林测试教授。</p><p>编者按:这是一篇用于测试的示例访谈。</p>
<div class="content"><p><strong>《肿瘤瞭望》:</strong>{q1}</p><p><strong>林测试教授:</strong>{a1a}</p><p>{a1b}</p>
<!-- an editor's comment that must not leak -->
<p><strong>《肿瘤瞭望》:{q2}</strong></p><p><strong>林测试教授:</strong>{a2}</p>
<p><strong>林测试教授</strong></p><p>测试医院胸部肿瘤内科主任</p><p>本内容仅供医学专业人士参考</p></div>
<div class="tags"><a href="/tag/1">肺癌</a> <a href="/tag/2">靶向治疗</a></div>
<div class="share">分享到: 微信 微博</div></div>
<div class="sidebar"><h3>热点资讯</h3><ul><li><a href="/x">某某教授:小细胞肺癌的免疫治疗</a></li></ul></div></div>
<div class="footer">Copyright 肿瘤瞭望 京ICP备00000000号</div><script>track('page')</script></body></html>"""


def test_an_html_page_gives_the_same_fields_and_nothing_from_around_the_article(tmp_path):
    title = "林测试教授:KRAS G12C抑制剂的新进展丨测试大会"
    path = tmp_path / "42.html"
    path.write_text(HTML_PAGE.format(title=title, q1=QUESTION_1, a1a=ANSWER_1A, a1b=ANSWER_1B, q2=QUESTION_2, a2=ANSWER_2))
    [article] = read_source(Source(path, "42.html"))
    assert article.title == title
    assert article.date == "2025-03-07T09:05:01" and article.views == 1234
    assert [q.question for q in article.qa] == [QUESTION_1, QUESTION_2]
    assert article.qa[0].answer == f"{ANSWER_1A}\n\n{ANSWER_1B}"
    assert article.tags == ["肺癌", "靶向治疗"]
    assert article.experts[0].bio == "测试医院胸部肿瘤内科主任"
    everything = json.dumps(article.to_dict(), ensure_ascii=False)
    for leaked in ("热点资讯", "热门推荐", "首页", "ICP备", "track(", "editor's comment", "color: red", "微博"):
        assert leaked not in everything


def test_an_html_page_s_id_comes_from_its_canonical_url_not_its_file_name(tmp_path):
    body = HTML_PAGE.format(title="标题", q1=QUESTION_1, a1a=ANSWER_1A, a1b=ANSWER_1B, q2=QUESTION_2, a2=ANSWER_2)
    (tmp_path / "a.html").write_text(body)
    (tmp_path / "b.html").write_text(body)
    [a] = read_source(Source(tmp_path / "a.html", "a.html"))
    [b] = read_source(Source(tmp_path / "b.html", "b.html"))
    assert a.id == b.id


def test_json_lines_records_become_articles_and_a_bad_line_is_reported_alone(tmp_path):
    good = {"id": "x-1", "title": "JSON标题", "date": "2025-11-03T09:20:00", "outlet": "肿瘤瞭望", "views": 7,
            "lead": "导语", "editor_note": "编者按文字", "experts": [{"name": "林测试", "title": "教授", "bio": "简介"}],
            "tags": ["淋巴瘤"], "qa": [{"question": "问题?", "answer": "回答。", "expert": "林测试"}]}
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([json.dumps(good, ensure_ascii=False), "{not json", json.dumps({"title": "无id"}, ensure_ascii=False),
                               json.dumps({**good, "id": "x-2", "title": "第二篇"}, ensure_ascii=False)]))
    items = list(read_source(Source(path, "export.jsonl")))
    articles = [i for i in items if not isinstance(i, SourceError)]
    errors = [i for i in items if isinstance(i, SourceError)]
    assert [a.title for a in articles] == ["JSON标题", "第二篇"]
    assert articles[0].experts[0].bio == "简介" and articles[0].qa[0].expert == "林测试"
    assert articles[0].date == "2025-11-03T09:20:00" and articles[0].views == 7
    assert [(e.source.rsplit(":", 1)[1], "JSON" in e.reason or "id" in e.reason) for e in errors] == [("2", True), ("3", True)]


def test_ids_are_stable_across_machines_and_do_not_depend_on_order(tmp_path):
    (tmp_path / "a.txt").write_text(page())
    [first] = read_source(Source(tmp_path / "a.txt", "lung/a.txt"))
    [again] = read_source(Source(tmp_path / "a.txt", "lung/a.txt"))
    assert first.id == again.id and len(first.id) == 12
    [elsewhere] = read_source(Source(tmp_path / "a.txt", "breast/a.txt"))
    assert elsewhere.id != first.id


def _summary(fields: dict) -> tuple:
    return (fields["title"], fields["date"], fields["views"], fields["lead"], fields["editor_note"],
            [(e.name, e.title, e.bio) for e in fields["experts"]], fields["tags"],
            [(q.question, q.answer, q.expert) for q in fields["qa"]])


# -- the sample corpus -------------------------------------------------------------

def _sample_articles():
    from searchsvc.ingest.sources import find_sources

    scan = find_sources([SAMPLES])
    assert not scan.errors
    for source in scan.sources:
        for item in read_source(source):
            yield source.identity, item


def test_the_samples_cover_at_least_16_interviews_and_every_format():
    articles = list(_sample_articles())
    assert len(articles) >= 16
    assert {item.kind for _, item in articles} == {"interview", "answers", "prose"}  # every kind (issue 19)
    names = {identity.rsplit(".", 1)[-1] for identity, _ in articles}
    assert {"txt", "html", "jsonl"} <= names


@pytest.mark.parametrize("identity, item", list(_sample_articles()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_sample_parses_with_every_field_filled(identity, item):
    assert not isinstance(item, SourceError), item
    if to_simplified(item.outlet) != "肿瘤瞭望":  # the pages of other outlets and kinds (issue 19)
        assert item.title and item.lead and item.experts and all(e.name and e.bio for e in item.experts)
        assert item.qa and all(q.answer for q in item.qa)
        if item.kind == "prose":
            assert item.title_derived or item.title
        else:
            assert all(q.question and q.expert for q in item.qa) and item.outlet and item.tags
            assert {q.expert for q in item.qa} <= {e.name for e in item.experts}
        return
    assert item.title and item.outlet and item.lead and item.editor_note and item.tags
    assert item.date[:2] == "20" and item.views and item.views > 0
    assert item.experts and all(e.name and e.title and e.bio for e in item.experts)
    assert len(item.qa) >= 3 and all(q.question and q.answer and q.expert for q in item.qa)
    assert {q.expert for q in item.qa} <= {e.name for e in item.experts}


def test_every_sample_file_says_it_is_sample_data():
    from searchsvc.ingest.sources import find_sources

    for source in find_sources([SAMPLES]).sources:
        text = decode(source.path.read_bytes(), source.identity)
        assert "示例" in text or "示範" in text or "sample_data" in text, source.identity


def test_a_comma_in_a_json_tag_splits_it_as_on_a_tag_line(tmp_path):
    record = {"id": "c1", "title": "标题", "tags": ["肺癌,免疫治疗", "靶向治疗"],
              "experts": [{"name": "林,测试", "title": "教授"}], "qa": [{"question": "问?", "answer": "答。"}]}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    [article] = read_source(Source(path, "c.jsonl"))
    assert article.tags == ["肺癌", "免疫治疗", "靶向治疗"]
    assert article.experts[0].name == "林 测试"
