"""Injection: markup in page text, titles, expert names, tags and queries renders inert everywhere.

An index whose every field holds one of 16 payloads (JSON Lines records, a text page
and an HTML page), then every page and every JSON document a reader can reach with
those payloads in the URL too: search (q, tag, expert), article pages (with and
without a highlighted query), expert and tag listings, /embed with hostile
attributes, error pages.  On pages: no element, attribute, URL scheme or
template output that was not ours.  In JSON: plain fields are the text exactly
as written (markup kept as text), ``*_html`` fields are escaped text with only
bare ``<mark>`` added.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.web import TEMPLATE_DIR


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\"><svg onload=alert(3)>",
    "'><iframe src=javascript:alert(4)></iframe>",
    "</title><script>alert(5)</script>",
    "</textarea><script>alert(6)</script>",
    "<a href=\"javascript:alert(7)\">x</a>",
    "{{7*7}}{% if 1 %}ssti{% endif %}",
    "<!-- ]]> --!>",
    "<mark onclick=alert(8)>m</mark>",
    "&lt;script&gt;alert(9)&lt;/script&gt;",
    "<style>*{display:none}</style>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=//evil.example/>",
    "\u2028</script>\u2029<script>alert(10)</script>",
    "javascript:alert(11)",
]
WORD = "胸膜肿瘤"  # in every record, so one search finds them all
OUR_SCRIPTS = ("/static/app.js", "/widget.js")
ROOT = Path(__file__).resolve().parent.parent
# Every element our templates can emit: anything else on a page was injected.
ALLOWED_TAGS = {m.lower() for t in TEMPLATE_DIR.glob("*.html")
                for m in re.findall(r"<([a-zA-Z][a-zA-Z0-9-]*)", t.read_text("utf-8"))}
assert {"mark", "a", "p", "form"} <= ALLOWED_TAGS, TEMPLATE_DIR  # the templates were found


def records() -> list[dict]:
    out = []
    for n, evil in enumerate(PAYLOADS):
        out.append({
            "id": f"evil-{n}",
            "url": f"javascript:alert({n})",
            "title": f"{WORD}{evil}标题",
            "date": "2025-03-01 10:00:00",
            "outlet": f"刊物{evil}",
            "lead": f"{WORD}导语{evil}",
            "editor_note": f"编者{evil}按",
            "experts": [{"name": f"专家{n}{evil}", "title": f"教授{evil}", "bio": f"简介{evil}医院肿瘤科主任\n第二行{evil}"}],
            "tags": [f"标签{n}{evil}", WORD],
            "qa": [{"question": f"{WORD}问题{evil}?", "answer": f"{WORD}回答{evil}。\n\n第二段{evil}{WORD}",
                    "expert": f"专家{n}{evil}"}],
        })
    return out


def text_page() -> str:
    evil = PAYLOADS[0] + PAYLOADS[1]
    return "\n".join([
        "当前位置:肿瘤瞭望>资讯>正文", "", f"王小明教授:{WORD}{evil}文本页", "", "作者:肿瘤瞭望   日期:2025/04/01  浏览量:12", "",
        f"导语{evil}", "", f"《肿瘤瞭望》:{WORD}{evil}?", "", f"王小明教授:{WORD}的回答{evil}。", "",
        "王小明教授", f"简介{evil}", "", "本内容仅供医学专业人士参考", "", f"标签{PAYLOADS[2]}", "", "分享到: 更多"])


def html_page() -> str:
    """An HTML page whose text carries markup (escaped in the source) and whose source carries live markup."""
    esc = PAYLOADS[0].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"""<!DOCTYPE html><html><head><title>x</title>
<link rel="canonical" href="https://news.example.cn/a/evil.html"><meta property="og:title" content="{esc}">
<script>alert('page script')</script></head><body>
<h1>李四教授:{WORD}{esc}网页<script>alert('h1')</script><img src=x onerror=alert('h1img')></h1>
<div class="meta">作者:肿瘤瞭望 日期:2025/05/01</div>
<p>《肿瘤瞭望》:{WORD}{esc}<iframe src="javascript:alert('q')"></iframe>?</p>
<p>李四教授:{WORD}回答{esc}<a href="javascript:alert('a')" onclick="alert('b')">链接</a>。</p>
<p>李四教授</p><p>简介</p><p>本内容仅供医学专业人士参考</p><p>{WORD}</p>
</body></html>"""


@pytest.fixture(scope="module")
def evil(make_app, tmp_path_factory):
    root = tmp_path_factory.mktemp("injection")
    pages = root / "pages"
    pages.mkdir()
    (pages / "evil.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records()) + "\n", "utf-8")
    (pages / "evil.txt").write_text(text_page(), "utf-8")
    (pages / "evil.html").write_text(html_page(), "utf-8")
    store = IndexStore(root / "index")
    report = ingest([pages], store)
    assert report.failed == 0, [f.reason for f in report.failures]
    assert report.added == len(PAYLOADS) + 2
    client = make_app(store, SEARCHSVC_RATE_LIMIT="off").test_client()
    listing = client.get("/api/articles?per_page=50").get_json()
    return client, {h["id"]: h for h in listing["hits"]}


class Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not one of ours")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "content") and value and \
                    value.strip().lower().replace("\x00", "").startswith(("javascript:", "data:", "vbscript:", "//evil")):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "http-equiv":
                self.problems.append(f"<{tag} http-equiv>")
        if tag == "script" and not attrs.get("src", "").startswith(OUR_SCRIPTS):
            self.problems.append(f"inline or foreign <script {attrs}>")
        if tag == "base" or (tag == "style" and not self.embed):
            self.problems.append(f"<{tag}>")
        if tag == "mark" and attrs:
            self.problems.append(f"<mark {attrs}>")
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"script text {data[:60]!r}")

    embed = False


def assert_inert(html: str, where: str, embed: bool = False) -> None:
    audit = Audit()
    audit.embed = embed
    audit.feed(html)
    audit.close()
    assert not audit.problems, (where, audit.problems[:5])
    for evil in PAYLOADS:
        if any(c in evil for c in "<>\"'"):
            assert evil not in html, (where, evil)  # every such payload arrives escaped, never raw


def assert_only_marks(fragment: str, where: str) -> None:
    audit = Audit()
    audit.feed(fragment)
    audit.close()
    tags = [t for t in _tags(fragment)]
    assert all(t == "mark" for t in tags), (where, tags, fragment[:200])
    assert not audit.problems, (where, audit.problems)


def _tags(fragment: str) -> list[str]:
    found: list[str] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(tag if not attrs else f"{tag}+attrs")

    P().feed(fragment)
    return found


def html_fields(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from html_fields(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from html_fields(v, key)
    elif isinstance(value, str) and key.endswith("_html"):
        yield key, value


def get_page(client, path, status=200, embed=False):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    assert response.mimetype == "text/html"
    assert_inert(response.get_data(as_text=True), path, embed=embed)
    return response.get_data(as_text=True)


def get_json(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    for key, fragment in html_fields(body):
        assert_only_marks(fragment, f"{path} {key}")
    return body


def test_search_for_the_shared_word_shows_every_evil_record_inert(evil):
    client, articles = evil
    body = get_json(client, "/api/search?per_page=50&q=" + quote(WORD))
    assert body["total"] == len(PAYLOADS) + 2
    titles = {h["title"] for h in body["hits"]}
    for record in records():
        assert record["title"] in titles  # the exact text, markup and all, as plain JSON text
    fields = [f for _, f in html_fields(body)]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in f for f in fields)
    assert any("<mark>" in f for f in fields)
    page = get_page(client, "/search?per_page=50&q=" + quote(WORD))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{7*7}}" in unescape(page)  # shown literally


@pytest.mark.parametrize("n", range(len(PAYLOADS)))
def test_every_payload_as_query_tag_and_expert(evil, n):
    client, _ = evil
    evil_text = PAYLOADS[n]
    q = quote(evil_text, safe="")
    for path in (f"/search?q={q}", f"/search?q={quote(WORD)}+{q}", f"/search?tag={quote(f'标签{n}{evil_text}', safe='')}",
                 f"/search?expert={quote(f'专家{n}{evil_text}', safe='')}", f"/?q={q}&sort=date"):
        get_page(client, path)
    for path in (f"/api/search?q={q}", f"/api/search?q={quote(WORD)}+{q}", f"/api/articles?tag={quote(f'标签{n}{evil_text}', safe='')}",
                 f"/api/suggest?q={quote(evil_text[:50], safe='')}"):
        body = get_json(client, path)
        if path.startswith("/api/search"):
            assert body["query"] == unescape_query(path)
    listing = get_json(client, f"/api/articles?expert={quote(f'专家{n}{evil_text}', safe='')}")
    assert listing["total"] == 1 and listing["hits"][0]["experts"] == [f"专家{n}{evil_text}"]
    expert_page = get_page(client, f"/experts/{quote(f'专家{n}{evil_text}', safe='')}")
    tag_page = get_page(client, f"/tags/{quote(f'标签{n}{evil_text}', safe='')}")
    # the name is shown as written: markup as text, template syntax unevaluated (no "49")
    assert unescape(re.search(r"<h1>(.*?)</h1>", expert_page, re.S)[1]).startswith(f"专家{n}{evil_text}")
    assert unescape(re.search(r"<h1>(.*?)</h1>", tag_page, re.S)[1]) == f"标签：标签{n}{evil_text}"


def unescape_query(path: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(path).query)["q"][0].strip()


def test_every_article_page_and_json_with_and_without_a_highlighted_query(evil):
    client, articles = evil
    for article_id in articles:
        for q in ("", WORD, PAYLOADS[0], f"{WORD} {PAYLOADS[1]}"):
            suffix = f"?q={quote(q, safe='')}" if q else ""
            get_page(client, f"/articles/{article_id}{suffix}")
            body = get_json(client, f"/api/articles/{article_id}{suffix}")
            assert body["id"] == article_id
        related = get_json(client, f"/api/articles/{article_id}/related")
        assert all(r["url"].startswith("http://localhost/articles/") for r in related["related"])


def test_plain_json_fields_are_the_text_as_written(evil):
    client, _ = evil
    by_id = {f"evil-{n}": r for n, r in enumerate(records())}
    body = get_json(client, "/api/search?per_page=50&q=" + quote(WORD))
    for hit in body["hits"]:
        article = get_json(client, f"/api/articles/{hit['id']}")
        assert article["url"].startswith("http://localhost/articles/")  # never the record's javascript: url
        match = next((r for r in by_id.values() if r["title"] == article["title"]), None)
        if match is None:
            continue  # the text and HTML pages
        assert article["outlet"] == match["outlet"] and article["lead"] == match["lead"]
        assert [{k: e[k] for k in ("name", "title", "bio")} for e in article["experts"]] == match["experts"]
        assert article["tags"] == match["tags"]
        # the affiliation listings show: the bio's first line up to its role words, markup and all, as text
        bio = match["experts"][0]["bio"].split("\n")[0].removesuffix("主任")
        shown = article["experts"][0]["affiliation"]
        assert shown and shown.removesuffix("…") in bio and shown.endswith(("医院肿瘤科", "…"))
        assert [q["answer"] for q in article["qa"]] == [q["answer"] for q in match["qa"]]


def test_live_markup_in_an_html_page_never_reaches_the_text(evil):
    client, articles = evil
    [page_id] = [i for i, h in articles.items() if "网页" in h["title"]]
    article = get_json(client, f"/api/articles/{page_id}")
    text = json.dumps(article, ensure_ascii=False)
    for live in ("alert('page script')", "alert('h1')", "onerror", "javascript:alert('q')", "onclick"):
        assert live not in text, live
    assert PAYLOADS[0] in article["title"]  # the escaped source text is the page's text: kept, as text


@pytest.mark.parametrize("n", range(len(PAYLOADS)))
def test_embed_attributes_and_error_pages(evil, n):
    client, _ = evil
    q = quote(PAYLOADS[n], safe="")
    html = get_page(client, f"/embed?tag={q}&placeholder={q}&target={q}&limit={q}", embed=True)
    assert 'target="_blank"' in html
    get_page(client, f"/articles/{q}", status=404)
    get_page(client, f"/tags/{q}", status=404)
    get_page(client, f"/search?page={q}", status=400)
    get_page(client, f"/search?per_page={q}&q={q}", status=400)
    get_page(client, f"/search?year={q}", status=400)
    body = get_json(client, f"/api/search?page={q}", status=400)
    assert body["error"]["param"] == "page"
    get_json(client, f"/api/articles/{q}", status=404)
