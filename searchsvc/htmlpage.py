"""Reduce a saved HTML page to the article's text in the site's plain layout.

The article is found by what it holds, not by class names: the nearest element
that contains every question/answer paragraph and the page's <h1>.  Site header,
navigation, sidebars, footers, forms and scripts outside it never reach the text.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.exceptions import ParserRejectedMarkup
from bs4.element import PreformattedString

from .parse import ANSWER_LABEL, ANSWER_SHORT_LABEL, QUESTION_LABEL, PageHints, ParseError, iso_date, to_simplified

DROP = ["script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select", "input", "textarea", "object"]
DROP_INSIDE = ["nav", "aside"]
BOILERPLATE = re.compile(r"(^|[-_ ])(sidebar|side-?bar|share|comment|comments|related|recommend|breadcrumb|ad|ads|advert|banner|hot)($|[-_ ])", re.I)
BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "figure", "figcaption", "br", "hr",
}
# Hostile or broken markup is refused before the work that grows with nesting depth
# (finding the article's common ancestor): a real article page has a few thousand
# tags, nested a few dozen deep; html.parser nests every unclosed tag.
MAX_DEPTH = 400
MAX_TAGS = 200_000
TAG_START = re.compile(r"<[a-zA-Z!/?]")
DOCUMENT_START = re.compile(r"<(?:html|body)[\s>]", re.I)
DOCUMENT_END = re.compile(r"</(?:html|body)\s*>", re.I)


def page_text(markup: str, max_depth: int = MAX_DEPTH, max_tags: int = MAX_TAGS) -> tuple[str, PageHints, str]:
    """(text in the plain layout, hints from metadata, canonical URL or '').

    ParseError when the page was cut short (it opens <html> or <body> but closes
    neither), has more than ``max_tags`` tags or nests deeper than ``max_depth``.
    """
    if DOCUMENT_START.search(markup) and not DOCUMENT_END.search(markup):
        raise ParseError("the page looks truncated: it opens <html>/<body> but ends before </body> and </html>")
    tags = len(TAG_START.findall(markup))
    if tags > max_tags:
        raise ParseError(f"too much markup for one page: {tags} tags (the limit is {max_tags})")
    try:
        soup = BeautifulSoup(markup, "html.parser")
    except ParserRejectedMarkup as exc:  # e.g. "<![<![CDATA[": html.parser gives up on a marked section
        reason = str(exc).strip().splitlines()[-1].strip()
        raise ParseError(f"the HTML cannot be parsed ({reason})") from None
    depth = _depth(soup, max_depth)
    if depth > max_depth:
        raise ParseError(f"the HTML is nested more than {max_depth} levels deep (unclosed or hostile markup)")
    hints = PageHints(title=_title(soup), date=_published(soup), tags=_rel_tags(soup))
    canonical = _canonical(soup)
    for tag in soup.find_all(DROP):
        tag.decompose()
    root = _article_root(soup)
    for tag in root.find_all(DROP_INSIDE):
        tag.decompose()
    for tag in root.find_all(_is_boilerplate):
        tag.decompose()
    lines = _block_lines(root)
    return "\n".join(lines), hints, canonical


def _depth(root: Tag, limit: int) -> int:
    """How deep elements nest under ``root`` (stops counting once past ``limit``)."""
    deepest = 0
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return deepest


def _title(soup: BeautifulSoup) -> str:
    h1 = soup.find("h1")
    if h1 and h1.get_text(strip=True):
        return _fold(h1.get_text(" "))
    og = soup.find("meta", attrs={"property": "og:title"})
    if og and og.get("content"):
        return _fold(og["content"])
    if soup.title and soup.title.string:
        return re.split(r"\s+[-_|｜]\s+", _fold(soup.title.string))[0]
    return ""


def _published(soup: BeautifulSoup) -> str:
    for attrs in ({"property": "article:published_time"}, {"name": "publishdate"}, {"itemprop": "datePublished"}):
        meta = soup.find("meta", attrs=attrs)
        if meta and iso_date(meta.get("content", "")):
            return iso_date(meta["content"])
    time = soup.find("time", attrs={"datetime": True})
    if time and iso_date(time["datetime"]):
        return iso_date(time["datetime"])
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        if isinstance(data, dict) and iso_date(str(data.get("datePublished", ""))):
            return iso_date(str(data["datePublished"]))
    return ""


def _rel_tags(soup: BeautifulSoup) -> list[str]:
    return [_fold(a.get_text()) for a in soup.find_all("a", rel="tag") if a.get_text(strip=True)]


def _canonical(soup: BeautifulSoup) -> str:
    link = soup.find("link", rel="canonical")
    if link and link.get("href", "").startswith("http"):
        return link["href"].strip()
    og = soup.find("meta", attrs={"property": "og:url"})
    if og and og.get("content", "").startswith("http"):
        return og["content"].strip()
    return ""


def _is_boilerplate(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.attrs is None:
        return False
    names = " ".join(tag.get("class", [])) + " " + str(tag.get("id", ""))
    return bool(BOILERPLATE.search(names))


def _is_label(text: str) -> bool:
    text = to_simplified(_fold(text))
    return bool(QUESTION_LABEL.match(text) or ANSWER_LABEL.match(text) or ANSWER_SHORT_LABEL.match(text))


def _article_root(soup: BeautifulSoup) -> Tag:
    """The smallest element holding all Q&A paragraphs, widened to include the <h1>."""
    body = soup.body or soup
    labelled = [p for p in body.find_all(["p", "div", "li", "section"]) if _starts_with_label(p)]
    if not labelled:
        article = body.find("article") or body.find("main")
        return article or body
    root = _common_ancestor(labelled)
    while root is not body and root.find("h1") is None and root.parent is not None:
        root = root.parent
    return root


def _starts_with_label(tag: Tag) -> bool:
    text = ""
    for piece in tag.strings:
        text += piece
        if len(text) > 40:
            break
    return _is_label(text)


def _common_ancestor(tags: list[Tag]) -> Tag:
    path = list(reversed([tags[0], *tags[0].parents]))
    for tag in tags[1:]:
        ancestors = {id(a) for a in [tag, *tag.parents]}
        while path and id(path[-1]) not in ancestors:
            path.pop()
    return path[-1]


def _block_lines(root: Tag) -> list[str]:
    lines: list[str] = []
    current: list[str] = []

    def flush():
        line = _fold("".join(current))
        if line:
            lines.append(line)
        current.clear()

    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:  # iterative walk: deeply nested markup must not overflow the stack
        node, closing = stack.pop()
        if closing:
            flush()
            continue
        if isinstance(node, PreformattedString):
            continue  # comments, doctype, CDATA
        if isinstance(node, NavigableString):
            current.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        block = node.name in BLOCKS
        if block:
            flush()
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return lines


def _fold(text: str) -> str:
    return re.sub(r"[ \t\r\n\u00a0\u3000]+", " ", text).strip()
