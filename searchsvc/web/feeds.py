"""Atom feeds, newest first, so readers can follow a search, a tag or an expert.

    /search.atom?q=…       the parameters of /search (q, tag, expert, year, year_from, year_to, per_page)
    /tags/<tag>.atom
    /experts/<name>.atom

An entry's authors are the interview's experts (names); its summary starts with each
expert's title and affiliation ("专家：林晓舟（教授，…医院…科）"), then the lead.
Each page advertises its feed with ``<link rel="alternate" type="application/atom+xml">``.
The XML is written with the standard library's ElementTree, which escapes text and
attributes; characters XML 1.0 cannot carry are dropped first.  Feeds are index-backed
like the pages: a weak ETag from the index version, 304 on ``If-None-Match``.

Interview dates are local times without a zone; the sources are Chinese outlets, so
they are read as China Standard Time (UTC+8).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import Blueprint, abort, current_app, request, url_for

from . import present
from .api import get_article, run_articles, run_search
from .caching import index_backed
from .http import int_arg, search_args

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"
SITE_OFFSET = "+08:00"
FEED_SIZE = 20
SUMMARY_CHARS = 200
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EPOCH = "1970-01-01T00:00:00Z"


@bp.get("/search.atom")
@index_backed
def search():
    args = search_args()
    args.update(sort="date", page=1, per_page=int_arg("per_page", FEED_SIZE, 1, 50))
    result, _ = run_search(args)
    params = {k: v for k, v in request.args.items()
              if k in ("q", "tag", "expert", "year", "year_from", "year_to") and v.strip()}
    title = "“" + args["q"] + "”的访谈" if args["q"] else "最新访谈"
    filters = [f"{label}：{args[k]}" for k, label in (("tag", "标签"), ("expert", "专家")) if args[k]]
    if filters:
        title += "（" + "，".join(filters) + "）"
    page_url = url_for("pages.search", _external=True, **params, sort="date")
    return _feed(title, page_url, result.hits)


@bp.get("/tags/<path:tag>.atom")
@index_backed
def tag(tag: str):
    return _listing_feed("tag", tag, f"标签“{tag}”的访谈", url_for("pages.tag", tag=tag, _external=True))


@bp.get("/experts/<path:name>.atom")
@index_backed
def expert(name: str):
    return _listing_feed("expert", name, f"{name}的访谈", url_for("pages.expert", name=name, _external=True))


def _listing_feed(kind: str, value: str, title: str, page_url: str):
    if len(value) > 100:
        abort(404)
    result, _ = run_articles(1, FEED_SIZE, **{kind: value})
    if result.total == 0:
        abort(404)
    return _feed(title, page_url, result.hits)


def _feed(title: str, page_url: str, hits) -> "current_app.response_class":
    from . import SITE_NAME

    self_url = request.url
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "zh-CN"})
    _text(root, "id", self_url)
    _text(root, "title", f"{title} - {SITE_NAME}")
    _text(root, "subtitle", "示例数据均为虚构访谈；内容仅供医学专业人士参考。")
    ET.SubElement(root, "link", rel="self", type=MIMETYPE, href=self_url)
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=page_url)
    _text(root, "generator", "searchsvc")
    author = ET.SubElement(root, "author")
    _text(author, "name", SITE_NAME)
    entries = [_entry(hit) for hit in hits]
    _text(root, "updated", max((e[0] for e in entries), default=EPOCH))
    for _, entry in entries:
        root.append(entry)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
    response = current_app.response_class(body, mimetype=MIMETYPE)
    response.headers["Content-Type"] = f"{MIMETYPE}; charset=utf-8"
    return response


def _entry(hit) -> tuple[str, ET.Element]:
    article = get_article(hit.id)
    url = present.article_url(hit.id, external=True)
    when = _timestamp(hit.date)
    entry = ET.Element("entry")
    _text(entry, "id", url)
    _text(entry, "title", hit.title)
    ET.SubElement(entry, "link", rel="alternate", type="text/html", href=url)
    _text(entry, "updated", when)
    _text(entry, "published", when)
    for name in hit.experts:
        _text(ET.SubElement(entry, "author"), "name", name)
    for tag in hit.tags:
        ET.SubElement(entry, "category", term=_clean(tag), label=_clean(tag))
    summary = _summary(hit, article)
    if summary:
        _text(entry, "summary", summary)
    return when, entry


def _summary(hit, article) -> str:
    """Who speaks (name, title, affiliation: what a reader's feed list shows), then the interview's lead."""
    experts = "；".join(present.expert_label(d) for d in hit.expert_details)
    text = (article.lead or article.editor_note or " ".join(q.question for q in article.qa)) if article else ""
    text = " ".join(text.split())
    text = text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rstrip() + "…"
    return "\n".join(part for part in (f"专家：{experts}" if experts else "", text) if part)


def _timestamp(date: str) -> str:
    """An RFC 3339 timestamp from an interview's local ISO date (the epoch when it has none)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?", date or ""):
        return EPOCH
    if "T" not in date:
        date += "T00:00:00"
    elif len(date) == 16:
        date += ":00"
    return date + SITE_OFFSET


def _clean(text: str) -> str:
    return NOT_XML.sub("", text or "")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    node = ET.SubElement(parent, tag)
    node.text = _clean(text)
    return node
