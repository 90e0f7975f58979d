"""Reduce a saved HTML page to the article's text in the site's plain layout.

The article is found by what it holds, not by class names: the nearest element
that contains every question/answer paragraph and the page's <h1>.  Site header,
navigation, sidebars, footers, forms and scripts outside it never reach the text.

Tags are read from the markup, one per tag element: the links or items of the
article's tag box (an element whose class or id says tag/keyword, or that opens with a
``标签:`` label, or that holds rel=tag or /tag/ links), however they are separated; so
``<a>肺癌</a><a>靶向治疗</a>`` is two tags, not one run of text.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.exceptions import ParserRejectedMarkup
from bs4.element import PreformattedString

from ..names import key as name_key
from . import labels
from .endmatter import DISCLAIMER, DISCLAIMER_MAX, TAG_LABEL, TAG_MAX, TAG_SPLIT
from .parse import PageHints, ParseError, iso_date, to_simplified

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
WEB_URL = re.compile(r"https?://[^\s<>\"']+$", re.I)
TAG_BOX = re.compile(r"(^|[-_ ])(tags?|tag-?list|tag-?box|keywords?|keyword-?list)($|[-_ ])", re.I)
TAG_HREF = re.compile(r"(^|[/?&_-])(tags?|keywords?)([/?=&_-]|$)", re.I)
TAG_BOX_MAX = 400  # characters: a tag box is a short list, never the article's text
TAG_ITEMS = ("a", "li", "span")
SEPARATOR = re.compile(r"^[\s、,，;；|/·•#]*$")


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
    hints = PageHints(title=_title(soup), date=_published(soup), other_tags=_rel_tags(soup))
    canonical = _canonical(soup)
    for tag in soup.find_all(DROP):
        tag.decompose()
    root = _article_root(soup)
    hints.tags = _tag_boxes(root)
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


def _tag_boxes(root: Tag) -> list[str]:
    """The tags of the article's tag boxes, one per tag element; the boxes leave the text.

    A tag box says so (a class or id tag/keyword: the outermost such; else the innermost
    element opening with a 标签: label or holding only tag links) or sits where the site
    puts tags: after the disclaimer that follows the last Q&A, a run of item elements.
    """
    elements = root.find_all(True)
    boxes = _outermost([el for el in elements if _named_tag_box(el)])
    if not boxes:
        boxes = _innermost([el for el in elements if _marked_tag_box(el)])
    if not boxes:
        boxes = _outermost([el for el in _after_disclaimer(elements) if _is_item_run(el)])
    tags: list[str] = []
    seen: set[str] = set()
    for box in boxes:
        for tag in _box_tags(box):
            if name_key(tag) not in seen:
                seen.add(name_key(tag))
                tags.append(tag)
        box.decompose()
    return tags


def _outermost(boxes: list[Tag]) -> list[Tag]:
    chosen = set(map(id, boxes))
    return [box for box in boxes if not any(id(p) in chosen for p in box.parents)]


def _innermost(boxes: list[Tag]) -> list[Tag]:
    inner = set()
    for box in boxes:
        inner.update(id(p) for p in box.parents)
    return [box for box in boxes if id(box) not in inner]


def _named_tag_box(el: Tag) -> bool:
    if el.name in ("html", "body", "article", "main") or el.attrs is None:
        return False
    names = " ".join(el.get("class", [])) + " " + str(el.get("id", ""))
    return bool(TAG_BOX.search(names)) and _short_list(el)


def _marked_tag_box(el: Tag) -> bool:
    """An element opening with a 标签: label, or holding only tag links, around item elements."""
    if el.name in ("html", "body", "article", "main") or el.attrs is None or el.find(TAG_ITEMS) is None:
        return False
    first = to_simplified(next((t for t in el.strings if t.strip()), "").strip())
    labelled = bool(TAG_LABEL.match(first)) and TAG_LABEL.sub("", first) == ""
    links = [c for c in el.children if isinstance(c, Tag) and c.name == "a"]
    linked = bool(links) and all(_is_tag_link(a) for a in links)
    return (labelled or linked) and _short_list(el)


def _short_list(el: Tag) -> bool:
    text = _text_upto(el, TAG_BOX_MAX)
    return bool(text) and not any(_starts_with_label(p) for p in el.find_all(["p", "div", "li", "section"]))


def _text_upto(el: Tag, limit: int) -> str | None:
    """The element's folded text, or None once it runs past ``limit`` characters (reads no further)."""
    pieces, size = [], 0
    for piece in el.strings:
        pieces.append(piece)
        size += len(piece)
        if size > 4 * limit:
            return None
    text = _fold(" ".join(pieces))
    return text if len(text) <= limit else None


def _after_disclaimer(elements: list[Tag]) -> list[Tag]:
    """The elements after the disclaimer line that follows the last Q&A paragraph ([] without one)."""
    last = max((i for i, el in enumerate(elements) if el.name in ("p", "div", "li", "section") and _starts_with_label(el)),
               default=None)
    if last is None:
        return []
    for i in range(last + 1, len(elements)):
        text = _text_upto(elements[i], DISCLAIMER_MAX)
        if text and DISCLAIMER.search(to_simplified(text)):
            return elements[i + 1:]
    return []


def _is_item_run(el: Tag) -> bool:
    """An element whose children are item elements with nothing but separators between them."""
    children = [c for c in el.children if not isinstance(c, PreformattedString)]
    items = [c for c in children if isinstance(c, Tag)]
    return (bool(items) and all(c.name in TAG_ITEMS and not c.find(TAG_ITEMS) for c in items)
            and all(isinstance(c, Tag) or SEPARATOR.match(str(c)) for c in children) and _short_list(el))


def _is_tag_link(a: Tag) -> bool:
    return "tag" in (a.get("rel") or []) or bool(TAG_HREF.search(a.get("href", "")))


def _box_tags(box: Tag) -> list[str]:
    """One tag per item element (links first, else list items, else spans); a box of plain text splits."""
    if box.name in TAG_ITEMS and box.find(TAG_ITEMS) is None:
        text = TAG_LABEL.sub("", _fold(box.get_text(" "))).strip()
        return [text] if text and len(text) <= TAG_MAX and not SEPARATOR.match(text) else []
    for name in TAG_ITEMS:
        items = [el for el in box.find_all(name) if not el.find(TAG_ITEMS)]
        texts = [_fold(el.get_text(" ")) for el in items]
        texts = [TAG_LABEL.sub("", t).strip() for t in texts if not SEPARATOR.match(t)]
        texts = [t for t in texts if t and len(t) <= TAG_MAX]
        if texts:
            return texts
    return [t for t in TAG_SPLIT.split(TAG_LABEL.sub("", _fold(box.get_text(" ")))) if t and len(t) <= TAG_MAX]


def _canonical(soup: BeautifulSoup) -> str:
    link = soup.find("link", rel="canonical")
    if link and WEB_URL.match(link.get("href", "").strip()):
        return link["href"].strip()
    og = soup.find("meta", attrs={"property": "og:url"})
    if og and WEB_URL.match(og.get("content", "").strip()):
        return og["content"].strip()
    return ""


def _is_boilerplate(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.attrs is None:
        return False
    names = " ".join(tag.get("class", [])) + " " + str(tag.get("id", ""))
    return bool(BOILERPLATE.search(names))


def _is_label(text: str) -> bool:
    text = _fold(text)
    key = to_simplified(text)
    found = labels.label_of(labels.Line(text, key if len(key) == len(text) else text, 0))
    return found is not None and found.cls in ("ask", "named", "answer") and not found.alone


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
