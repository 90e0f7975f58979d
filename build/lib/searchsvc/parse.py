"""Turn the text of a saved interview page into an Article.

The site's layout, top to bottom: breadcrumb, title, the 作者/日期/浏览量 line, a
copyright notice, the lead, 编者按, the Q&A body, then the end matter: one name line
plus bio lines per expert, the disclaimer, tag lines and the share line.

Parts are found by their shape and position, never by a word anywhere in a line:

- the body starts at the first question label (《肿瘤瞭望》:, 记者:, 问: ...) and ends
  with the last Q&A: ``<name><title>:`` or ``答:`` opens an answer, which runs over every
  following paragraph until the next label;
- the end matter is the block after the last label, read from the bottom up: the (last)
  share line (``分享到…``) and anything under it; the tag lines just above it (short lines of
  short words), up to the one disclaimer line (``…仅供…参考``, ``免责声明``); above
  that, a name line plus bio lines for each expert who answered, each expert once.
  Whatever lies between the last label and the first of these is the last answer's.

So a disclaimer-like sentence, a share word, 标签 or 编者按, or an expert's name on a
line of its own inside an answer stays in the answer.  Labels are recognised on a
Simplified copy of each line, so Traditional pages parse the same; the fields keep the
page's own text.  ``parse_page`` also counts what it saw (a ``Census``): every question
label becomes a Q&A or is reported with its line and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .article import QA, Article, Census, Expert
from .names import key as name_key, to_simplified

__all__ = ["ParseError", "PageHints", "parse_page", "parse_text", "article_from_text", "to_simplified", "iso_date"]


class ParseError(ValueError):
    """The text is not an interview page in the expected layout."""


COLON = r"\s*[:：]\s*"
TITLES = (
    "副主任医师", "主任医师", "副主任", "主任", "副教授", "教授", "院士", "副研究员",
    "研究员", "博士", "医生", "医师", "老师",
)
TITLE_RE = "|".join(TITLES)
NAME_RE = r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,5}?"
ANSWER_LABEL = re.compile(rf"^(?P<name>{NAME_RE})\s*(?P<title>{TITLE_RE}){COLON}(?P<text>.*)$")
ANSWER_SHORT_LABEL = re.compile(rf"^答{COLON}(?P<text>.*)$")
NAME_LINE = re.compile(rf"^(?P<name>{NAME_RE})\s*(?P<title>{TITLE_RE})$")
QUESTION_LABEL = re.compile(
    rf"^(?:《(?P<outlet>[^》]{{1,20}})》\s*(?:记者)?|(?P<plain>肿瘤瞭望|记者|问|Q)){COLON}(?P<text>.*)$"
)
META_NAMES = "作者|日期|时间|浏览量|阅读量|来源"
META_OPENS = re.compile(rf"^(?:{META_NAMES})\s*[:：]")
META_FIELD = re.compile(rf"({META_NAMES})\s*[:：]\s*(.*?)(?=\s*(?:{META_NAMES})\s*[:：]|$)")
DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"(?:[\sT]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
EDITOR_NOTE = re.compile(rf"^编者按{COLON}(?P<text>.*)$")
NOTICE = re.compile(r"版权所有|谢绝.{0,8}转载|示例数据|未经授权")
NOTICE_MAX = 80  # a notice is one short line; a longer paragraph that mentions 版权 is the lead's text
DISCLAIMER = re.compile(r"仅供.{0,12}参考|免责声明")
DISCLAIMER_MAX = 200
SHARE = re.compile(r"^分享到")
BREADCRUMB = re.compile(r"^当前位置")
TAG_LABEL = re.compile(r"^(?:标签|关键词|关键字|tags?)\s*(?:[:：]\s*|$)", re.I)
TAG_SPLIT = re.compile(r"[\s、,，;；|/]+")
TAG_MAX = 20  # characters in one tag
TAG_LINE_MAX = 80
SENTENCE = re.compile(r"[。！？!?；;：:]")
SPACE_NOISE = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u200b": "", "\ufeff": "", "\t": " "})


@dataclass
class PageHints:
    """Facts the caller already knows from outside the text (HTML metadata, say)."""

    title: str = ""
    date: str = ""
    tags: list[str] = field(default_factory=list)  # one per tag element of the article (preferred to tag lines)
    other_tags: list[str] = field(default_factory=list)  # rel=tag links elsewhere on the page (the last resort)


class Line(NamedTuple):
    text: str  # the page's own text, noise spaces folded
    key: str  # a Simplified copy, for matching labels
    number: int  # 1-based line number in the text


def _lines(text: str) -> list[Line]:
    """The non-empty lines."""
    out = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = re.sub(r" {2,}", " ", raw.translate(SPACE_NOISE)).strip()
        if line:
            key = to_simplified(line)
            out.append(Line(line, key if len(key) == len(line) else line, number))
    return out


def iso_date(text: str) -> str:
    m = DATE.search(text)
    if not m:
        return ""
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    if m["H"] is None:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return f"{y:04d}-{mo:02d}-{d:02d}T{int(m['H']):02d}:{int(m['M']):02d}:{int(m['S'] or 0):02d}"


def _meta(key: str) -> dict[str, str] | None:
    """The 作者/日期/浏览量 fields of a meta line: one that opens with such a field (a sentence that
    mentions 时间: further in is text)."""
    if not META_OPENS.match(key):
        return None
    fields = {name: value.strip() for name, value in META_FIELD.findall(key)}
    if "日期" in fields or "时间" in fields or ("作者" in fields and "浏览量" in fields):
        return fields
    return None


def _views(text: str) -> int | None:
    m = re.search(r"\d[\d,]*", text or "")
    return int(m.group().replace(",", "")) if m else None


class _Page:
    """A cursor over the page's lines with the fields found so far."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.i = 0
        self.outlet = ""
        self.experts: dict[str, Expert] = {}

    def peek(self) -> Line | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    def take(self) -> Line:
        line = self.lines[self.i]
        self.i += 1
        return line

    def expert(self, name: str, title: str) -> Expert:
        if name not in self.experts:
            self.experts[name] = Expert(name=name, title=title)
        elif title and not self.experts[name].title:
            self.experts[name].title = title
        return self.experts[name]


def _question(key: str, outlet: str):
    m = QUESTION_LABEL.match(key)
    if m:
        return m
    if outlet and key.startswith(outlet):
        return re.match(rf"^(?P<plain>{re.escape(outlet)}){COLON}(?P<text>.*)$", key)
    return None


def _answer(key: str):
    return ANSWER_LABEL.match(key) or ANSWER_SHORT_LABEL.match(key)


def _cut(line: str, key_match: re.Match) -> str:
    """The text after a label, taken from the page's own line."""
    return line[key_match.start("text"):].strip()


def _own(line: Line, m: re.Match, group: str) -> str:
    """A label's group (the name, the title) in the page's own characters."""
    return line.text[m.start(group):m.end(group)]


def _is_body_start(key: str, outlet: str) -> bool:
    return bool(EDITOR_NOTE.match(key) or _question(key, outlet))


def _is_notice(key: str) -> bool:
    return len(key) <= NOTICE_MAX and bool(NOTICE.search(key))


def parse_text(text: str, hints: PageHints | None = None) -> dict:
    """Parse a page's text into Article fields (all but id and source)."""
    return parse_page(text, hints)[0]


def parse_page(text: str, hints: PageHints | None = None) -> tuple[dict, Census]:
    """(Article fields but id and source, what the page held against what was made of it)."""
    hints = hints or PageHints()
    page = _Page(_lines(text))
    if not page.lines:
        raise ParseError("the page is empty")

    breadcrumb_outlet = ""
    title = hints.title
    meta: dict[str, str] = {}
    # Header: breadcrumb, title, meta line, notices.
    while (line := page.peek()) and not _is_body_start(line.key, page.outlet):
        if BREADCRUMB.match(line.key):
            crumbs = re.split(r"[:：>＞»]", line.key)
            breadcrumb_outlet = crumbs[1].strip() if len(crumbs) > 1 else ""
        elif (found := _meta(line.key)) is not None:
            meta = found
            page.outlet = found.get("作者", "") or found.get("来源", "")
        elif not title or line.text == title:
            title = line.text  # the first line of text is the title, whatever words it holds
        elif _is_notice(line.key):
            pass
        else:
            break  # the lead starts
        page.take()

    lead = []
    while (line := page.peek()) and not _is_body_start(line.key, page.outlet):
        page.take()
        if not meta and (found := _meta(line.key)) is not None:  # a meta line under the lead (HTML, say)
            meta = found
            page.outlet = page.outlet or found.get("作者", "") or found.get("来源", "")
        elif line.text != title:  # notices come before the lead (the header); from here on it is text
            lead.append(line.text)

    editor_note = []
    if (line := page.peek()) and (m := EDITOR_NOTE.match(line.key)):
        page.take()
        editor_note.append(_cut(line.text, m))
        while (line := page.peek()) and not (_question(line.key, page.outlet) or _answer(line.key)):
            editor_note.append(page.take().text)

    census = Census()
    labels = _labels(page)
    named = to_simplified("\n".join([title, *lead, *editor_note]))  # the experts a page introduces are named here
    end = _EndMatter.find(page.lines, labels, page.i, named)
    qa = _qa_body(page, labels, end.bios, census)
    _bios(page, end)
    tags = list(hints.tags) or _tags(page.lines[end.tags:end.share]) or list(hints.other_tags)

    if not title:
        raise ParseError("no title line found")
    if not qa:
        raise ParseError(
            "no question/answer pairs found (expected a question line such as "
            "'《肿瘤瞭望》:…' followed by an answer line such as '<姓名>教授:…')"
        )
    experts = list(page.experts.values())
    if len(experts) == 1:
        for item in qa:
            item.expert = item.expert or experts[0].name
    lead_text, note_text = "\n\n".join(lead), "\n\n".join(p for p in editor_note if p)
    fields = dict(
        title=title,
        date=iso_date(meta.get("日期", "") or meta.get("时间", "")) or hints.date,
        outlet=page.outlet or breadcrumb_outlet,
        views=_views(meta.get("浏览量", "") or meta.get("阅读量", "")),
        lead="" if repeats(lead_text, note_text) else lead_text,
        editor_note=note_text,
        experts=experts,
        tags=tags,
        qa=qa,
    )
    return fields, census


def repeats(lead: str, editor_note: str) -> bool:
    """Whether the lead only repeats the 编者按 (whole, or its opening cut short with '…')."""
    squashed_lead = re.sub(r"\s+", "", lead).rstrip(".。…")
    return bool(squashed_lead) and re.sub(r"\s+", "", editor_note).startswith(squashed_lead)


def _labels(page: _Page) -> dict[int, tuple[str, re.Match]]:
    """Line index -> ("q" or "a", match) for every label from the body's start on."""
    labels = {}
    for i in range(page.i, len(page.lines)):
        key = page.lines[i].key
        if (m := _question(key, page.outlet)) is not None:
            if m.groupdict().get("outlet") and not page.outlet:
                page.outlet = m["outlet"]
            labels[i] = ("q", m)
        elif (m := _answer(key)) is not None:
            labels[i] = ("a", m)
    return labels


@dataclass
class _EndMatter:
    """Where each part of the end matter starts (line indexes; an absent part starts where the next does)."""

    bios: int
    disclaimer: int
    tags: int
    share: int

    @classmethod
    def find(cls, lines: list[Line], labels: dict, body: int, named: str = "") -> "_EndMatter":
        n = len(lines)
        last = max(labels, default=n - 1)
        if last < body:
            return cls(n, n, n, n)
        share = next((i for i in range(n - 1, last, -1) if SHARE.match(lines[i].key)), n)  # the last one
        disclaimer = share
        for i in range(share - 1, last, -1):  # tag lines, then the one disclaimer line above them
            if _disclaimer_shaped(lines[i].key):
                disclaimer = i
                break
            if not _tag_shaped(lines[i].key):
                break
        tags = disclaimer + 1 if disclaimer < share else share
        answered = {m["name"] for kind, m in labels.values() if kind == "a" and "name" in m.groupdict()}
        return cls(_bios_start(lines, last + 1, disclaimer, answered, named), disclaimer, tags, share)


def _disclaimer_shaped(key: str) -> bool:
    return len(key) <= DISCLAIMER_MAX and bool(DISCLAIMER.search(key))


def _tag_shaped(key: str) -> bool:
    rest = TAG_LABEL.sub("", key)
    if len(rest) > TAG_LINE_MAX or SENTENCE.search(rest):
        return False
    return all(len(tag) <= TAG_MAX for tag in TAG_SPLIT.split(rest))


def _bios_start(lines: list[Line], low: int, high: int, answered: set[str], named: str = "") -> int:
    """The first bio's name line in lines[low:high], read from the bottom up: a name line of an
    expert who answered or whom the title, lead or 编者按 names (of anyone, on a page whose
    answers name nobody), each expert once; ``high`` when there is none."""
    start, seen = high, set()
    for i in range(high - 1, low - 1, -1):
        m = NAME_LINE.match(lines[i].key)
        if m is None or (answered and m["name"] not in answered and m["name"] not in named):
            continue
        if m["name"] in seen:
            break  # the same name again, higher up: a line of the last answer
        seen.add(m["name"])
        start = i
    return start


def _qa_body(page: _Page, labels: dict, end: int, census: Census) -> list[QA]:
    qa: list[QA] = []
    question: str | None = None
    asked: Line | None = None  # the open question's label line, until an answer comes
    current: QA | None = None
    for i in range(page.i, end):
        line = page.lines[i]
        kind, m = labels.get(i, (None, None))
        if kind == "q":
            census.questions += 1
            if asked is not None:
                census.lost.append(_unanswered(asked, "the next label is another question"))
            question, asked, current = _cut(line.text, m), line, None
        elif kind == "a":
            name = _own(line, m, "name") if "name" in m.groupdict() else ""
            if name:
                page.expert(name, _own(line, m, "title"))
            current = QA(question=question or "", answer=_cut(line.text, m), expert=name)
            qa.append(current)
            asked = None
        elif current is not None:
            current.answer = f"{current.answer}\n\n{line.text}" if current.answer else line.text
        elif question is not None:
            question += "\n" + line.text  # a question that runs over two lines
    if asked is not None:
        census.lost.append(_unanswered(asked, "no answer label follows it before the end of the page"))
    page.i = end
    census.qa = len(qa)
    return qa


def _unanswered(line: Line, why: str) -> tuple[int, str]:
    snippet = line.text if len(line.text) <= 30 else line.text[:30] + "…"
    return line.number, (f"question without an answer, not indexed: {why} "
                         f"(an answer opens with '<姓名><职称>:' or '答:'): {snippet!r}")


def _bios(page: _Page, end: _EndMatter) -> None:
    expert = None
    for line in page.lines[end.bios:end.disclaimer]:
        if (m := NAME_LINE.match(line.key)) is not None:
            expert = page.expert(_own(line, m, "name"), _own(line, m, "title"))
        elif expert is not None:
            expert.bio = f"{expert.bio}\n{line.text}" if expert.bio else line.text


def _tags(lines: list[Line]) -> list[str]:
    tags: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if _is_notice(line.key):
            continue
        label = TAG_LABEL.match(line.key)  # on the Simplified copy (標籤:), cut from the page's own text
        for tag in TAG_SPLIT.split(line.text[label.end():] if label else line.text):
            if tag and len(tag) <= TAG_MAX and name_key(tag) not in seen:
                seen.add(name_key(tag))
                tags.append(tag)
    return tags


def article_from_text(text: str, *, id: str, source: str, hints: PageHints | None = None,
                      source_url: str = "") -> Article:
    fields, census = parse_page(text, hints)
    article = Article(id=id, source=source, source_url=source_url, **fields)
    article.census = census
    return article
