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

from ..article import QA, Article, Census, Expert
from . import labels, prose, speakers
from ..names import key as name_key, to_simplified
from .endmatter import EDITOR_NOTE, EndMatter, is_notice, link_shaped, more_shaped, tags_of
from .labels import Line

__all__ = ["ParseError", "PageHints", "parse_page", "parse_text", "article_from_text", "to_simplified", "iso_date"]


class ParseError(ValueError):
    """The text is not an interview page in the expected layout."""


COLON = r"\s*[:：]\s*"
NAME_RE = r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,5}?"
READABLE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
TITLE_MAX = 100  # a first line longer than this, or ending a sentence, is the lead of a page without a title
META_NAMES = "作者|发布日期|发布时间|发表时间|更新时间|日期|时间|浏览量|阅读量|来源"
DATE_NAMES = ("日期", "时间", "发布日期", "发布时间", "发表时间", "更新时间")
META_LINE_MAX = 60  # a date line (医谈网 2025-10-11 10:20) is short
SEPARATED_END = re.compile(r"[\s|丨｜/:：]$")
SEPARATED_START = re.compile(r"^[\s|丨｜/]")
DATE_LINE_NAME_MAX = 10
QUESTION_LINES = 3  # a question under a label wraps over three lines at most
SENTENCE_END = re.compile(r"[。！!?？…；;]$")
META_REST = re.compile(r"^[\w\u4e00-\u9fff·《》\-]{0,20}$")  # what is left of a date line: an outlet's name, or nothing
META_OPENS = re.compile(rf"^(?:{META_NAMES})\s*[:：]")
META_FIELD = re.compile(rf"({META_NAMES})\s*[:：]\s*(.*?)(?=\s*(?:{META_NAMES})\s*[:：]|$)")
DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"(?:[\sT]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
BREADCRUMB = re.compile(r"^(?:当前|您的|您现在的)?位置\s*[:：]")
CRUMB = r"[^。，,；;！!？?<>＜＞»›:：]{1,8}"  # a crumb is a section's short name
CRUMBS = re.compile(rf"^{CRUMB}(?:\s*[>＞»›]\s*{CRUMB}){{2,7}}\s*[>＞»›]?$")  # 首页 > 健康 > 正文
SPACE_NOISE = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u200b": "", "\ufeff": "", "\t": " "})
# full-width Latin letters and digits read as ASCII in a line's key (Ｑ１: is Q1:), one for one
FULLWIDTH_ALNUM = str.maketrans({c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                                 for c in range(r[0], r[1] + 1)})
HAS_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@dataclass
class PageHints:
    """Facts the caller already knows from outside the text (HTML metadata, say)."""

    title: str = ""
    date: str = ""
    tags: list[str] = field(default_factory=list)  # one per tag element of the article (preferred to tag lines)
    other_tags: list[str] = field(default_factory=list)  # rel=tag links elsewhere on the page (the last resort)


def _lines(text: str) -> list[Line]:
    """The non-empty lines."""
    out = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = re.sub(r" {2,}", " ", raw.translate(SPACE_NOISE)).strip().lstrip(labels.DECORATION).lstrip()
        if line:
            key = to_simplified(line)
            key = key if len(key) == len(line) else line
            out.append(Line(line, key.translate(FULLWIDTH_ALNUM) if HAS_FULLWIDTH_ALNUM.search(key) else key, number))
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


def _meta(key: str, dated: bool = True) -> dict[str, str] | None:
    """The 作者/日期/浏览量 fields of a meta line: one that opens with such a field (a sentence that
    mentions 时间: further in is text)."""
    if not META_OPENS.match(key):
        return _date_line(key) if dated else None
    fields = {name: value.strip() for name, value in META_FIELD.findall(key)}
    for name in DATE_NAMES[2:]:
        if name in fields:
            fields.setdefault("日期", fields[name])
    if "日期" in fields or "时间" in fields or ("作者" in fields and "浏览量" in fields):
        return fields
    return None


def _date_line(key: str) -> dict[str, str] | None:
    """A short line that is a date and at most a name (``医谈网 2025-10-11 10:20``, ``2025年3月2日``):
    the page's date, and the outlet that put it there."""
    m = DATE.search(key)
    if m is None or len(key) > META_LINE_MAX:
        return None
    before, after = key[:m.start()], key[m.end():]
    if before.strip() and after.strip() or (before.strip() and not SEPARATED_END.search(before)) \
            or (after.strip() and not SEPARATED_START.match(after)):
        return None  # a name on one side only, apart from the date (not a sentence that starts with one)
    rest = re.sub(r"[\s|丨｜/]+", " ", META_FIELD.sub("", before + " " + after)).strip()
    if " " in rest or len(rest) > DATE_LINE_NAME_MAX or not META_REST.match(rest):
        return None
    return {"日期": m.group(), **({"来源": rest} if rest and not rest.isdigit() else {})}


def _views(text: str) -> int | None:
    m = re.search(r"\d[\d,]*", text or "")
    return int(m.group().replace(",", "")) if m else None


class _Page:
    """A cursor over the page's lines with the fields found so far and where each line went."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.i = 0
        self.outlet = ""
        self.experts: dict[str, Expert] = {}
        self.placed: dict[int, str] = {}  # line index -> the field it went into, or why it was dropped

    def peek(self) -> Line | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    def take(self, into: str = "") -> Line:
        line = self.lines[self.i]
        if into:
            self.placed[self.i] = into
        self.i += 1
        return line

    def expert(self, name: str, title: str) -> Expert:
        key = name_key(name)
        if key not in self.experts:
            self.experts[key] = Expert(name=name, title=title)
        elif title and not self.experts[key].title:
            self.experts[key].title = title
        return self.experts[key]


def _cut(line: str, key_match: re.Match) -> str:
    """The text after a label, taken from the page's own line."""
    return line[key_match.start("text"):].strip()


def _is_body_start(key: str, outlets: tuple[str, ...]) -> bool:
    return bool(EDITOR_NOTE.match(key) or labels.is_ask_label(key, outlets))


def _title_shaped(key: str) -> bool:
    return len(key) <= TITLE_MAX and not re.search(r"[。！!]$", key)


def parse_text(text: str, hints: PageHints | None = None) -> dict:
    """Parse a page's text into Article fields (all but id and source)."""
    return parse_page(text, hints)[0]


def parse_page(text: str, hints: PageHints | None = None) -> tuple[dict, Census]:
    """(Article fields but id and source, what the page held against what was made of it)."""
    hints = hints or PageHints()
    page = _Page(_lines(text))
    if not page.lines:
        raise ParseError("the page is empty")
    if not any(READABLE.search(line.key) for line in page.lines):
        raise ParseError("the page has no readable text (no letter, digit or Chinese character on any line)")

    breadcrumb_outlet = ""
    title = hints.title
    meta: dict[str, str] = {}
    # Header: breadcrumb, title, meta line, notices.
    while (line := page.peek()) and not _is_body_start(line.key, (page.outlet, breadcrumb_outlet)):
        if BREADCRUMB.match(line.key):
            crumbs = re.split(r"[:：>＞»]", line.key)
            breadcrumb_outlet = crumbs[1].strip() if len(crumbs) > 1 else ""
            into = "breadcrumb"
        elif not title and CRUMBS.match(line.key) and page.i + 1 < len(page.lines) \
                and _title_shaped(page.lines[page.i + 1].key):
            into = "breadcrumb"  # the site's path to the page (short crumbs), then its title
        elif (found := _meta(line.key, dated=bool(title) and not meta)) is not None:
            meta = {**found, **meta}  # a second meta line (更新时间:) never overrides the first
            page.outlet = page.outlet or found.get("作者", "") or found.get("来源", "")
            into = "meta"
        elif not title or line.text == title:
            if not title and not _title_shaped(line.key):
                break  # a page without a title line: this is the lead
            title = line.text  # the first line of text is the title, whatever words it holds
            into = "title"
        elif is_notice(line.key):
            into = "notice"
        else:
            break  # the lead starts
        page.take(into)

    outlets = (page.outlet, breadcrumb_outlet)
    reading = speakers.read(page.lines, page.i, outlets=outlets, context=to_simplified(title))
    page.lines = reading.lines
    turns = _body_turns(page, reading)
    if not page.outlet:  # the outlet that asks: 《临床肿瘤观察》:
        page.outlet = next((t.outlet for t in turns.values() if t.kind == "q" and t.outlet), "")
    if turns:
        body = min(turns)
    else:  # prose: the lead is the first paragraph
        body = next((i + 1 for i in range(page.i, len(page.lines)) if i not in reading.dropped and i not in reading.bios
                     and not EDITOR_NOTE.match(page.lines[i].key)), len(page.lines))

    lead = []
    while page.i < body and not EDITOR_NOTE.match(page.peek().key):
        i, line = page.i, page.take()
        if i in reading.bios or i in reading.dropped:
            continue  # a bio block above the Q&A, a credit, a caption
        if not meta and (found := _meta(line.key, dated=False)) is not None:  # a meta line under the lead (HTML, say)
            meta = found
            page.outlet = page.outlet or found.get("作者", "") or found.get("来源", "")
            page.placed[i] = "meta"
        elif line.text != title:  # notices come before the lead (the header); from here on it is text
            lead.append(line.text)
            page.placed[i] = "lead"
        else:
            page.placed[i] = "title"

    editor_note = []
    if (line := page.peek()) and (m := EDITOR_NOTE.match(line.key)):
        page.take("editor_note")
        editor_note.append(_cut(line.text, m))
        while turns and page.i < len(page.lines) and page.i not in turns:
            if page.i in reading.bios or page.i in reading.dropped:
                page.i += 1
                continue
            editor_note.append(page.take("editor_note").text)

    after_lead = page.i  # a prose page's text starts here (after the lead and a 编者按 above it)
    census = Census()
    named = to_simplified("\n".join([title, *lead, *editor_note]))  # the experts a page introduces are named here
    answered = {to_simplified(t.name).replace(" ", "") for t in turns.values() if t.kind == "a" and t.name}
    end = EndMatter.find(page.lines, turns, page.i, answered, named, reading)
    qa = _qa_body(page, reading, turns, end.text_end, census)
    kind = ("interview" if any(t.kind == "q" for t in turns.values()) else "answers") if qa else "prose"
    if not qa:
        census.lost.clear()  # a question without any answer: the page is read as prose, its text kept
        census.questions = census.qa = 0
        page.i = min(after_lead, body)
        for i in list(page.placed):
            if page.placed[i] in ("question", "answer"):
                del page.placed[i]
        qa, end, extra_note = prose.sections(page, reading, named)
        editor_note += extra_note
        if not qa and len(lead) == 1:  # one paragraph: it is the text, not a lead
            qa = [QA(question="", answer=lead.pop())]
    for i in range(end.text_end, end.bios):
        page.placed.setdefault(i, "related links")
    _bios(page, end, reading)
    tags = list(hints.tags) or tags_of(page.lines[end.tags:end.share]) or list(hints.other_tags)
    for i in range(end.disclaimer, len(page.lines)):
        page.placed.setdefault(i, "tags" if end.tags <= i < end.share else "end matter")

    lead_text, note_text = "\n\n".join(lead), "\n\n".join(p for p in editor_note if p)
    if kind == "prose" or not page.experts:
        prose.experts_from_text(page, title, lead_text, qa if kind == "prose" else [])
        _authors(page, reading)
    experts = list(page.experts.values())
    introduced = dict(labels.names_in_text(named))  # 陈某某主任医师 in the lead: the title a bare label leaves out
    for expert in experts:
        if not expert.title:
            expert.title = introduced.get(to_simplified(expert.name), "")
    if len(experts) == 1:
        for item in qa:
            item.expert = item.expert or experts[0].name
    title_derived = not title
    if title_derived:
        title = prose.derived_title(page.lines, kind, lead, qa)
    census.kind, census.experts = kind, [e.name for e in experts]
    census.answers = len(qa)
    census.lost.extend(_unplaced(page, reading))
    census.lost.sort()
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
        kind=kind,
        title_derived=title_derived,
    )
    return fields, census


def _authors(page: _Page, reading: speakers.Reading) -> None:
    """An expert who wrote the page, from its byline (``作者:南湖省肿瘤医院营养科 蔡某某``): the
    institution is the bio, unless the end matter gave one."""
    for i, why in sorted(reading.dropped.items()):
        if why == "credit" and (found := labels.author_of(page.lines[i].key)) is not None:
            (a, b), (c, d) = found
            expert = page.expert(page.lines[i].text[a:b], "")
            expert.bio = expert.bio or page.lines[i].text[c:d]


def _body_turns(page: _Page, reading: speakers.Reading) -> dict[int, speakers.Turn]:
    """The turns of the body: from the first question on (answer-shaped lines above it are the lead's);
    on a page without questions, its answers, each under the subheading just above it, if any."""
    turns = reading.turns
    asks = [i for i, t in turns.items() if t.kind == "q"]
    if asks:
        first = min(asks)
        return {i: t for i, t in turns.items() if i >= first}
    out = dict(turns)
    for i, t in turns.items():
        h = i - 1
        if t.kind == "a" and h >= page.i and h not in turns and h not in reading.dropped and h not in reading.bios \
                and prose.heading_shaped(page.lines[h].key):
            out[h] = speakers.Turn("h", start=prose.numbering_end(page.lines[h].key))
    return dict(sorted(out.items()))


def _unplaced(page: _Page, reading: speakers.Reading) -> list[tuple[int, str]]:
    """Every line that went into no field and was not deliberately dropped, with its line number."""
    lost = []
    for i, line in enumerate(page.lines):
        if i not in page.placed and i not in reading.dropped:
            snippet = line.text if len(line.text) <= 30 else line.text[:30] + "…"
            lost.append((line.number, f"line went into no field, not indexed: {snippet!r}"))
    return lost


def repeats(lead: str, editor_note: str) -> bool:
    """Whether the lead only repeats the 编者按 (whole, or its opening cut short with '…')."""
    squashed_lead = re.sub(r"\s+", "", lead).rstrip(".。…")
    return bool(squashed_lead) and re.sub(r"\s+", "", editor_note).startswith(squashed_lead)


def _qa_body(page: _Page, reading: speakers.Reading, turns: dict, end: int, census: Census) -> list[QA]:
    qa: list[QA] = []
    question: str | None = None
    asked: Line | None = None  # the open question's label line, until an answer comes
    asked_english = False
    current: QA | None = None
    current_english = False
    english_names: set[str] = set()
    asked_lines: list[int] = []  # the open question's lines
    for i in range(page.i, end):
        line = page.lines[i]
        turn = turns.get(i)
        if turn is None and (i in reading.dropped or i in reading.bios):
            continue  # a numbering line, a caption, a credit, an affiliation under a name: not text
        text = line.text[turn.start:].strip() if turn else ""
        if turn is not None and turn.kind in ("q", "h"):
            if turn.kind == "q" and asked is not None and asked_english and not turn.english:
                question = f"{question}\n{text}" if question else text  # the Chinese of an English question
                asked, asked_english = line, False
                page.placed[i] = "question"
                continue
            if turn.kind == "q":
                census.questions += 1
            if asked is not None:
                _unlabelled_answer(page, reading, turns, asked_lines, qa, census, "the next label is another question")
            question, current, asked_lines = text, None, [i]
            asked, asked_english = (line, turn.english) if turn.kind == "q" else (None, False)
            page.placed[i] = "question"
        elif turn is not None:
            if current is not None and current_english and not turn.english:
                current.answer = f"{current.answer}\n\n{text}" if text else current.answer  # its Chinese
                current.expert = turn.name or current.expert
                current_english = False
                if turn.name:
                    page.expert(turn.name, turn.title)
                page.placed[i] = "answer"
                continue
            if turn.name and not turn.english:
                page.expert(turn.name, turn.title)
            elif turn.name:
                english_names.add(turn.name)
            current = QA(question=question or "", answer=text, expert=turn.name)
            current_english = turn.english
            qa.append(current)
            asked = None
            page.placed[i] = "answer"
        elif current is not None:
            current.answer = f"{current.answer}\n\n{line.text}" if current.answer else line.text
            page.placed[i] = "answer"
        elif question is not None:
            question = f"{question}\n{line.text}" if question else line.text  # a question that runs over two lines
            page.placed[i] = "question"
            asked_lines.append(i)
    if asked is not None:
        _unlabelled_answer(page, reading, turns, asked_lines, qa, census,
                           "no answer label follows it before the end of the page")
    for item in qa:
        if item.expert in english_names:
            page.expert(item.expert, "")  # an English answer that no Chinese translation followed
    page.i = end
    census.qa = len(qa)
    return qa


def _unlabelled_answer(page: _Page, reading: speakers.Reading, turns: dict, lines: list[int], qa: list[QA],
                       census: Census, why: str) -> None:
    """A question that no answer label follows: the paragraphs under it are its answer, unlabelled
    (``记者:…?`` then the expert's words, the page naming the expert only in its title or lead) --
    the question is its label's line and the line after it while the question has not ended with a
    question mark.  A question label with nothing under it that thanks and asks nothing is the host's
    remark (``主持人:感谢…``), dropped on purpose; any other is reported unanswered."""
    texts = [page.lines[j].text[turns[j].start:].strip() if j in turns else page.lines[j].text for j in lines]
    first = 1 if not texts[0] and len(lines) > 1 else 0  # a label alone on its line: the question is below it
    asks = first + 1
    # a question wrapped over lines: its line breaks off mid-sentence (no end, or a comma), or the next ends it
    while asks < min(len(lines) - 1, first + QUESTION_LINES) and not labels.QMARK_END.search(texts[asks - 1]) \
            and (not SENTENCE_END.search(texts[asks - 1]) or labels.QMARK_END.search(texts[asks])):
        asks += 1
    if len(lines) > asks:
        for j in lines[:asks]:
            page.placed[j] = "question"
        answer = QA(question="\n".join(t for t in texts[:asks] if t), answer="\n\n".join(texts[asks:]))
        for j in lines[asks:]:
            page.placed[j] = "answer"
        qa.append(answer)
        return
    said = " ".join(texts[:asks])
    if len(lines) == asks and not labels.QMARK_END.search(said) and labels.thanks(said):
        for j in lines:
            page.placed.pop(j, None)
            reading.dropped[j] = "host's remark"  # 主持人:感谢…
        return
    census.lost.append(_unanswered(page.lines[lines[0]], why))
    _unplace(page, lines[1:])


def _unplace(page: _Page, indexes: list[int]) -> None:
    """The lines of a question that got no answer went into no field after all."""
    for i in indexes:
        page.placed.pop(i, None)


def _unanswered(line: Line, why: str) -> tuple[int, str]:
    snippet = line.text if len(line.text) <= 30 else line.text[:30] + "…"
    return line.number, (f"question without an answer, not indexed: {why} "
                         f"(an answer opens with '<姓名><职称>:' or '答:'): {snippet!r}")


def _bios(page: _Page, end: EndMatter, reading: speakers.Reading) -> None:
    """The end matter's name and bio lines, and the bio lines found elsewhere (a 专家简介 block above
    the Q&A, an affiliation under a name): each fills its expert's bio."""
    expert = None
    links = False  # in a 相关阅读: list among the bios
    for i in range(end.bios, end.disclaimer):
        line = page.lines[i]
        if more_shaped(line.key) or links and link_shaped(line.key) and labels.name_line(line.key) is None:
            links = True
            page.placed[i] = "related links"
            continue
        links = False
        if (m := labels.name_line(line.key)) is not None:
            name = line.text[m.start("name"):m.end("name")].replace(" ", "")
            expert = page.expert(name, line.text[m.start("title"):m.end("title")])
            page.placed[i] = "bio"
        elif i in reading.bios:
            expert = _bio_text(page, reading, i) or expert
        elif reading.dropped.get(i) == "bio heading" or reading.dropped.get(i) in ("credit", "caption") \
                and not line.key.startswith("作者"):
            continue  # a 专家简介 heading; an editor's credit (责任编辑:某某) or a caption is no one's bio
        elif expert is not None:
            _add_bio(expert, line.text)
            page.placed[i] = "bio"
    for i in sorted(reading.bios):
        if i not in page.placed and i < end.disclaimer:
            _bio_text(page, reading, i)
    for i, why in reading.dropped.items():
        if why == "bio name" and i not in page.placed and i < end.disclaimer:
            page.placed[i] = "bio"


def _bio_text(page: _Page, reading: speakers.Reading, i: int) -> Expert | None:
    key, start = reading.bios[i]
    if not key:
        found = list(page.experts.values())
        if len(found) != 1:
            return None
        expert = found[0]
    else:
        name, title = reading.bio_names.get(key, (key, ""))
        expert = page.expert(name, title)
    _add_bio(expert, page.lines[i].text[start:].strip())
    page.placed[i] = "bio"
    return expert


def _add_bio(expert: Expert, text: str) -> None:
    """A line of the expert's bio, once (a page may give the affiliation under the name and again in the end matter)."""
    if text and text not in expert.bio.split("\n"):
        expert.bio = f"{expert.bio}\n{text}" if expert.bio else text


def article_from_text(text: str, *, id: str, source: str, hints: PageHints | None = None,
                      source_url: str = "") -> Article:
    fields, census = parse_page(text, hints)
    article = Article(id=id, source=source, source_url=source_url, **fields)
    article.census = census
    return article
