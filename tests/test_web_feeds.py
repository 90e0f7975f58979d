"""Atom feeds: follow a search, a tag or an expert (parsed with feedparser, as a feed reader would)."""

from __future__ import annotations

import re
from urllib.parse import quote

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from test_web_support import EVIL_SCRIPT, audit, build_index, write_page

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def feed_of(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    assert parsed.version == "atom10"
    return parsed, response


def entry_ids(parsed) -> list[str]:
    return [e.link.rsplit("/", 1)[1] for e in parsed.entries]


@pytest.mark.parametrize("feed, api", [
    ("/search.atom?q=肺癌", "/api/search?q=肺癌&sort=date&per_page=20"),
    ("/search.atom?q=治疗&tag=肺癌&year_from=2025", "/api/search?q=治疗&tag=肺癌&year_from=2025&sort=date&per_page=20"),
    ("/search.atom", "/api/articles?per_page=20"),
    ("/tags/肺癌.atom", "/api/articles?tag=肺癌&per_page=20"),
    ("/experts/林晓舟.atom", "/api/articles?expert=林晓舟&per_page=20"),
])
def test_feeds_list_the_same_interviews_newest_first(client, feed, api):
    parsed, _ = feed_of(client, feed)
    hits = client.get(api).get_json()["hits"]
    assert hits and entry_ids(parsed) == [h["id"] for h in hits]
    stamps = [e.updated_parsed for e in parsed.entries]
    assert stamps == sorted(stamps, reverse=True)
    first, hit = parsed.entries[0], hits[0]
    assert first.title == hit["title"] and first.link == hit["url"] and first.id == hit["url"]
    assert first.updated.startswith(hit["date"]) and first.updated.endswith("+08:00")
    assert [a.name for a in first.authors] == hit["experts"]
    assert [t.term for t in first.tags] == hit["tags"]
    assert first.summary
    for entry, listed in zip(parsed.entries, hits):  # who speaks, with title and affiliation, opens each summary
        assert entry.summary.split("\n")[0] == "专家：" + "；".join(
            f"{d['name']}（{d['title']}，{d['affiliation']}）" for d in listed["expert_details"])
        assert all(d["title"] and d["affiliation"] for d in listed["expert_details"])
    assert parsed.feed.updated == first.updated
    assert parsed.feed.title.endswith("肿瘤专家访谈检索")
    assert any(link.rel == "self" and link.href == "http://localhost" + quote(feed, safe="/?=&.")
               or link.rel == "self" for link in parsed.feed.links)


def test_every_page_advertises_its_feed(client):
    kinds = {"/search?q=肺癌&year=2025": "/search.atom?q=%E8%82%BA%E7%99%8C&year=2025",
             "/tags/肺癌": "/tags/%E8%82%BA%E7%99%8C.atom", "/experts/林晓舟": "/experts/%E6%9E%97%E6%99%93%E8%88%9F.atom",
             "/": "/search.atom"}
    for page, expected in kinds.items():
        html = client.get(page).get_data(as_text=True)
        links = [a for t, a in audit(html).tags if t == "link" and a.get("type") == "application/atom+xml"]
        assert len(links) == 1 and links[0]["rel"] == "alternate" and links[0]["href"] == expected, page
        assert links[0]["title"].startswith("订阅")
        feed_of(client, links[0]["href"])


def test_feeds_are_cached_like_pages(client):
    _, first = feed_of(client, "/tags/肺癌.atom")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/tags/肺癌.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    other = client.get("/tags/免疫治疗.atom", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_an_empty_search_is_an_empty_feed_and_unknown_tags_or_experts_are_404(client):
    parsed, _ = feed_of(client, "/search.atom?q=zzqqxxyy")
    assert parsed.entries == []
    for url in ("/tags/无此标签.atom", "/experts/无此专家.atom"):
        assert client.get(url).status_code == 404
    assert client.get("/search.atom?year_from=2026&year_to=2020").status_code == 400


@pytest.fixture(scope="module")
def evil_client(make_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("feed-pages")
    page = write_page(folder, "evil.txt", title=f"标题{EVIL_SCRIPT}&amp;\x01控制符", date="2025/02/03 08:00:00",
                      expert="贾思明", qa=[(f"问题{EVIL_SCRIPT}", "答案 <b>粗体</b> & 符号")], tags=[f"标签<i>x</i>"],
                      lead=f"导语 {EVIL_SCRIPT} ]]> <![CDATA[", bio=f"<b>测试</b>医院&肿瘤科\x02主任医师")
    return make_app(build_index(tmp_path_factory.mktemp("feed-index"), [page])).test_client()


def test_markup_and_control_characters_in_interviews_stay_text_in_the_feed(evil_client):
    response = evil_client.get("/search.atom?q=标题")
    body = response.data.decode("utf-8")
    assert "<script>" not in body and "\x01" not in body and "<i>" not in body
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entry = parsed.entries[0]
    assert entry.title == f"标题{EVIL_SCRIPT}&amp;控制符"  # shown exactly as written, never as markup
    assert entry.tags[0].term == evil_client.get("/api/search?q=标题").get_json()["hits"][0]["tags"][0]
    assert entry.tags[0].term.startswith("标签<i>")
    assert EVIL_SCRIPT in entry.summary and "]]>" in entry.summary
    assert entry.summary.startswith("专家：贾思明（教授，<b>测试</b>医院&肿瘤科）\n")  # the affiliation as text too


@FAST
@given(q=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_any_query_gives_a_valid_feed_or_a_clear_error(client, q):
    response = client.get("/search.atom", query_string={"q": q})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        parsed = feedparser.parse(response.data)
        assert not parsed.bozo, (q, parsed.get("bozo_exception"))
        assert re.fullmatch(r"“.*”的访谈 - 肿瘤专家访谈检索|最新访谈 - 肿瘤专家访谈检索", parsed.feed.title, re.S)
