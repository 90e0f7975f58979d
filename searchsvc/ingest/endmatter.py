"""A page's end matter and the short lines the parser sets apart: 编者按, notices, disclaimers, tags.

The end matter is the block after the last Q&A, read from the bottom up (``EndMatter.find``):
the last share line (``分享到…``) and anything under it; the tag lines just above it (short
lines of short words) up to the one disclaimer line (``…仅供…参考``, ``免责声明``); above that,
a name line plus bio lines for each expert who answered, each expert once.  Each part is
found by its shape and position, never by a word anywhere in a line.

Used by ``parse`` (interviews) and ``prose`` (pages without question turns) alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..names import key as name_key
from . import labels, speakers
from .labels import Line

COLON = r"\s*[:：]\s*"
EDITOR_NOTE = re.compile(rf"^编者按{COLON}(?P<text>.*)$")
NOTICE = re.compile(r"版权所有|谢绝.{0,8}转载|示例数据|未经授权")
NOTICE_MAX = 80  # a notice is one short line; a longer paragraph that mentions 版权 is the lead's text
DISCLAIMER = re.compile(r"仅供.{0,12}参考|免责声明")
DISCLAIMER_MAX = 200
SHARE = re.compile(r"^分享到")
TAG_LABEL = re.compile(r"^(?:标签|关键词|关键字|tags?)\s*(?:[:：]\s*|$)", re.I)
TAG_SPLIT = re.compile(r"[\s、,，;；|/]+")
TAG_MAX = 20  # characters in one tag
TAG_LINE_MAX = 80
LINK_MAX = 40  # a related link is a short title
SENTENCE = re.compile(r"[。！？!?；;：:]")


def is_notice(key: str) -> bool:
    return len(key) <= NOTICE_MAX and bool(NOTICE.search(key))


@dataclass
class EndMatter:
    """Where each part of the end matter starts (line indexes; an absent part starts where the next does)."""

    bios: int
    disclaimer: int
    tags: int
    share: int
    related: int | None = None  # a 相关阅读: heading and its links above the bios

    @classmethod
    def find(cls, lines: list[Line], turns: dict, body: int, answered: set[str], named: str = "",
             reading: "speakers.Reading | None" = None, last: int | None = None) -> "EndMatter":
        n = len(lines)
        if last is None:
            last = max(turns, default=n - 1)
            if last < body:
                return cls(n, n, n, n)
        share = next((i for i in range(n - 1, last, -1) if SHARE.match(lines[i].key)), n)  # the last one
        disclaimer = share
        for i in range(share - 1, last, -1):  # tag lines, then the one disclaimer line above them
            if disclaimer_shaped(lines[i].key):
                disclaimer = i
                break
            if not tag_shaped(lines[i].key):
                break
        tags = disclaimer + 1 if disclaimer < share else share
        bios = _bios_start(lines, last + 1, disclaimer, answered, named, contiguous=not turns)
        if reading is not None:  # a 专家简介 heading after the last turn opens the bios
            heading = next((i for i in range(last + 1, disclaimer) if reading.dropped.get(i) == "bio heading"), bios)
            bios = min(bios, heading)
        # 相关阅读: and its link lines right above the bios (or the disclaimer): the site's, not the answer's
        related = next((i for i in range(last + 1, bios) if more_shaped(lines[i].key)
                        and all(link_shaped(lines[j].key) for j in range(i + 1, bios))), None)
        return cls(bios, disclaimer, tags, share, related)

    @property
    def text_end(self) -> int:
        """Where the page's text (the last answer, a prose page's paragraphs) ends."""
        return self.bios if self.related is None else self.related


def link_shaped(key: str) -> bool:
    """A line of a list of links: a short title, no sentence."""
    return len(key) <= LINK_MAX and not re.search(r"[。！!；;]", key)


def more_shaped(key: str) -> bool:
    """The heading of the site's links under an article (``相关阅读:``, ``猜你喜欢``), with or without a link."""
    m = re.match(r"^[【\[]?(?P<word>[\u4e00-\u9fff]{2,6})[】\]]?\s*(?:[:：]|$)", key)
    return m is not None and m["word"] in labels.words().get("more", ())


def disclaimer_shaped(key: str) -> bool:
    return len(key) <= DISCLAIMER_MAX and bool(DISCLAIMER.search(key))


def tag_shaped(key: str) -> bool:
    rest = TAG_LABEL.sub("", key)
    if len(rest) > TAG_LINE_MAX or SENTENCE.search(rest):
        return False
    return all(len(tag) <= TAG_MAX for tag in TAG_SPLIT.split(rest))


def _bios_start(lines: list[Line], low: int, high: int, answered: set[str], named: str = "",
                contiguous: bool = False) -> int:
    """The first bio's name line in lines[low:high], read from the bottom up: a name line of an
    expert who answered or whom the title, lead or 编者按 names (of anyone, on a page whose
    answers name nobody), each expert once; ``high`` when there is none.  ``contiguous`` (a page
    without turns): the bios are the credential lines right above the end matter, so a paragraph
    of text ends the search."""
    start, seen = high, set()
    for i in range(high - 1, low - 1, -1):
        if contiguous and len(lines[i].key) > labels.BIO_TEXT_MAX:
            break
        m = labels.name_line(lines[i].key)
        if m is None:
            continue
        name = re.sub(r"\s", "", m["name"])
        if answered and name not in answered and name not in named:
            continue
        if name in seen:
            break  # the same name again, higher up: a line of the last answer
        seen.add(name)
        start = i
    return start


def tags_of(lines: list[Line]) -> list[str]:
    """The tags on tag lines (a label such as 标签: cut off), each once, notices skipped."""
    tags: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if is_notice(line.key):
            continue
        label = TAG_LABEL.match(line.key)  # on the Simplified copy (標籤:), cut from the page's own text
        for tag in TAG_SPLIT.split(line.text[label.end():] if label else line.text):
            if tag and len(tag) <= TAG_MAX and name_key(tag) not in seen:
                seen.add(name_key(tag))
                tags.append(tag)
    return tags
