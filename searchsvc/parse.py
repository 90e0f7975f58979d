"""Turn the text of a saved interview page into an Article.

The site's layout, top to bottom: breadcrumb, title, the 作者/日期/浏览量 line, a
copyright notice, the lead, 编者按, the Q&A body (a question label such as
《肿瘤瞭望》: opens a question; ``<name><title>:`` opens an answer that may run over
several paragraphs), one name line plus bio lines per expert, the disclaimer, tag
lines and the share line.  Labels are recognised on a Simplified copy of each line,
so Traditional pages parse the same; the fields keep the page's own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .article import QA, Article, Expert


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
META_FIELD = re.compile(rf"({META_NAMES})\s*[:：]\s*(.*?)(?=\s*(?:{META_NAMES})\s*[:：]|$)")
DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"(?:[\sT]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
EDITOR_NOTE = re.compile(rf"^编者按{COLON}(?P<text>.*)$")
NOTICE = re.compile(r"版权所有|谢绝.{0,8}转载|示例数据|未经授权")
DISCLAIMER = re.compile(r"仅供.{0,12}参考|免责声明")
SHARE = re.compile(r"^分享到")
BREADCRUMB = re.compile(r"^当前位置")
TAG_SPLIT = re.compile(r"[\s、,，;；|/]+")
SPACE_NOISE = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u200b": "", "\ufeff": "", "\t": " "})


@dataclass
class PageHints:
    """Facts the caller already knows from outside the text (HTML metadata, say)."""

    title: str = ""
    date: str = ""
    tags: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def _lines(text: str) -> list[tuple[str, str]]:
    """Non-empty lines as (own text, Simplified key); noise spaces folded."""
    convert = to_simplified
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = re.sub(r" {2,}", " ", raw.translate(SPACE_NOISE)).strip()
        if line:
            key = convert(line)
            out.append((line, key if len(key) == len(line) else line))
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
    fields = {name: value.strip() for name, value in META_FIELD.findall(key)}
    if "日期" in fields or "时间" in fields or ("作者" in fields and "浏览量" in fields):
        return fields
    return None


def _views(text: str) -> int | None:
    m = re.search(r"\d[\d,]*", text or "")
    return int(m.group().replace(",", "")) if m else None


class _Page:
    """A cursor over the page's lines with the fields found so far."""

    def __init__(self, lines):
        self.lines = lines
        self.i = 0
        self.outlet = ""
        self.experts: dict[str, Expert] = {}

    def peek(self):
        return self.lines[self.i] if self.i < len(self.lines) else None

    def take(self):
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


def _is_body_start(key: str, outlet: str) -> bool:
    return bool(EDITOR_NOTE.match(key) or _question(key, outlet))


def parse_text(text: str, hints: PageHints | None = None) -> dict:
    """Parse a page's text into Article fields (all but id and source)."""
    hints = hints or PageHints()
    page = _Page(_lines(text))
    if not page.lines:
        raise ParseError("the page is empty")

    breadcrumb_outlet = ""
    title = hints.title
    meta: dict[str, str] = {}
    # Header: breadcrumb, title, meta line, notices.
    while page.peek() and not _is_body_start(page.peek()[1], page.outlet):
        line, key = page.peek()
        if BREADCRUMB.match(key):
            crumbs = re.split(r"[:：>＞»]", key)
            breadcrumb_outlet = crumbs[1].strip() if len(crumbs) > 1 else ""
        elif (found := _meta(key)) is not None:
            meta = found
            page.outlet = found.get("作者", "") or found.get("来源", "")
        elif NOTICE.search(key):
            pass
        elif not title or line == title:
            title = line
        else:
            break  # the lead starts
        page.take()

    lead = []
    while page.peek() and not _is_body_start(page.peek()[1], page.outlet):
        line, key = page.take()
        if not (NOTICE.search(key) or _meta(key) is not None or line == title):
            lead.append(line)

    editor_note = []
    if page.peek() and (m := EDITOR_NOTE.match(page.peek()[1])):
        line, _ = page.take()
        editor_note.append(_cut(line, m))
        while page.peek() and not _question(page.peek()[1], page.outlet):
            line, key = page.peek()
            if _answer(key) or NAME_LINE.match(key) or DISCLAIMER.search(key):
                break
            editor_note.append(page.take()[0])

    qa = _qa_body(page)
    _bios(page)
    tags = _tags(page) or list(hints.tags)

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
    return dict(
        title=title,
        date=iso_date(meta.get("日期", "") or meta.get("时间", "")) or hints.date,
        outlet=page.outlet or breadcrumb_outlet,
        views=_views(meta.get("浏览量", "") or meta.get("阅读量", "")),
        lead="\n\n".join(lead),
        editor_note="\n\n".join(p for p in editor_note if p),
        experts=experts,
        tags=tags,
        qa=qa,
    )


def _qa_body(page: _Page) -> list[QA]:
    qa: list[QA] = []
    question = ""
    current: QA | None = None
    while (nxt := page.peek()) is not None:
        line, key = nxt
        if NAME_LINE.match(key) or DISCLAIMER.search(key) or SHARE.match(key):
            break
        page.take()
        if (m := _question(key, page.outlet)) is not None:
            if m.groupdict().get("outlet") and not page.outlet:
                page.outlet = m["outlet"]
            question, current = _cut(line, m), None
        elif (m := _answer(key)) is not None:
            name = line[m.start("name"):m.end("name")] if "name" in m.groupdict() else ""
            if name:
                page.expert(name, line[m.start("title"):m.end("title")])
            current = QA(question=question, answer=_cut(line, m), expert=name)
            qa.append(current)
        elif current is not None:
            current.answer += "\n\n" + line
        elif question:
            question += "\n" + line  # a question that runs over two lines
    return qa


def _bios(page: _Page) -> None:
    expert = None
    while (nxt := page.peek()) is not None:
        line, key = nxt
        if DISCLAIMER.search(key) or SHARE.match(key):
            return
        page.take()
        if (m := NAME_LINE.match(key)) is not None:
            expert = page.expert(line[m.start("name"):m.end("name")], line[m.start("title"):m.end("title")])
        elif expert is not None:
            expert.bio = f"{expert.bio}\n{line}" if expert.bio else line


def _tags(page: _Page) -> list[str]:
    tags: list[str] = []
    while page.peek() is not None:
        line, key = page.take()
        if SHARE.match(key):
            break
        if DISCLAIMER.search(key) or NOTICE.search(key):
            continue
        for tag in TAG_SPLIT.split(line):
            if tag and len(tag) <= 20 and tag not in tags:
                tags.append(tag)
    return tags


def article_from_text(text: str, *, id: str, source: str, hints: PageHints | None = None) -> Article:
    return Article(id=id, source=source, **parse_text(text, hints))
