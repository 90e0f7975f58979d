"""A line's speaker label, by its shape alone, and the names running text gives its experts.

The first step of reading a page's speakers (``speakers`` is the second): on the Simplified copy of
each line, a short prefix before a colon at a line's start (``医脉通:``, ``于某某 理事长 :``,
``主持人张某:``, ``Q1:``, ``Dr Smith:``), a bracketed one (``【记者】``, ``[问]``), or a line that is
only a label, colon or not (``Q1``, ``问``, ``《肿瘤瞭望》``, ``王某某教授``), is classified by its
shape and the word lists of ``lexicon/speakers.tsv`` and ``lexicon/roles.txt``: it asks, answers,
names an expert (with the title and the name's span), is a bare label for the page's evidence to
decide, or is a credit or a bio heading.  Also here: ``<name><title>`` in running text (title, lead,
reports: 林某某教授, 主任傅某某说) and an expert's byline (作者:<institution> <name>).

Imports: the lexicon's folder and ``names`` only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ..analysis.lexicon_data import lexicon_dir

HAN = "\u4e00-\u9fff"
QMARK_END = re.compile(r"[?？][\s\"'”’」』)）]*$")
SENTENCE_BREAK = re.compile(r"[。！!；;]")
NUMBERING_LINE = re.compile(r"^(?:第?[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[.、．)）]?$")
NUMBERING_PREFIX = re.compile(r"^(?:[QqＱ]?[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[.、．)）]\s*")
GLUED_NUMBERING = re.compile(r"(?<=[。！!；;])\s*(?=[0-9]{1,2}\s*[.、．]\s*\S)")
COLON_LABEL = re.compile(r"^(?P<label>[^:：。，,；;！!？?\s\d][^:：。，,；;！!？?]{0,23}?)\s*[:：]\s*")
BRACKET_LABEL = re.compile(r"^[【\[〔]\s*(?P<label>[^】\]〕\s\d][^】\]〕]{0,23}?)\s*[】\]〕]\s*[:：]?\s*")  # 【记者】, [问]
AFFILIATION_TAIL = re.compile(r"\s*[（(][^（）()]{2,30}[)）]$")  # 刘某某（南湖医院）: who, then where
ENGLISH_LABEL = re.compile(r"^[A-Za-z][A-Za-z .'’\-]{1,30}$")
Q_MARKER = re.compile(r"^(?:Q|问|question)\s*[0-9０-９]{0,2}$", re.I)
A_MARKER = re.compile(r"^(?:A|答|answer)\s*[0-9０-９]{0,2}$", re.I)
OUTLET_LABEL = re.compile(r"^《(?P<outlet>[^》]{1,20})》\s*(?:记者|编辑)?$")
CAPTION_MARK = re.compile(r"[丨|｜]")
CLOSING_LINE = re.compile(r"^[（(]\s*(?:全文完|完|end|(?:责任编辑|编辑|责编|审核|校对|作者|文|图|撰文|采写|整理)\s*[:：/][^（）()]{1,12})\s*[)）]$", re.I)
BOOK_TITLE = re.compile(r"《([^》]{1,20})》")
OUTLET_BEFORE = re.compile(rf"([{HAN}A-Za-z\-]{{2,10}}?)(?:记者)?$")
SPACES = re.compile(r"\s+")
NAME_CHARS = rf"[{HAN}][{HAN}·]{{0,4}}?"
INSTITUTION_ENDS = "院科所室部"  # the last character of a hospital, department or institute's name
TEXT_MAX_ALONE = 30  # a line that is only a label is short
DECORATION = "▍■□●○◆◇★☆▶►▎▌▏▐•◉◎❖➤➢"  # bullets a layout puts before a label (▍问:)
BYLINE_MAX = 20  # what a byline (本报记者:张某 李某) says after its label
ANSWER_TEXT_MIN = 15  # characters a roundtable's answer says at least on its first line
QUESTION_LINE_MAX = 200  # a question sentence alone on its line
BIO_TEXT_MAX = 150  # a bio line: one credential, not an answer
BIO_LINE_MAX = 80  # a name label's text that is a credential, not an answer
HEADING_MAX = 40
RUN_TOGETHER = re.compile(r"[?？][^?？。:：]{1,14}[:：]")  # a question mark, then within a label's length a colon


class Line(NamedTuple):
    text: str  # the page's own text
    key: str  # a Simplified copy, the same length
    number: int  # 1-based line number in the source


# --- word lists -------------------------------------------------------------------------------

def _rows(name: str) -> list[list[str]]:
    text = lexicon_dir().joinpath(name).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    """Professional titles (lexicon/roles.txt), longest first."""
    return tuple(sorted({row[0].strip() for row in _rows("roles.txt")}, key=len, reverse=True))


@lru_cache(maxsize=1)
def text_titles() -> tuple[str, ...]:
    """The titles that mark a name in running text (not those marked 'label' in roles.txt), longest first."""
    return tuple(sorted({row[0].strip() for row in _rows("roles.txt") if len(row) < 2 or row[1].strip() != "label"},
                        key=len, reverse=True))


@lru_cache(maxsize=1)
def words() -> dict[str, frozenset[str]]:
    """class -> its words (lexicon/speakers.tsv), Latin words lower-cased."""
    out: dict[str, set[str]] = {}
    for row in _rows("speakers.tsv"):
        if len(row) >= 2:
            out.setdefault(row[1].strip(), set()).add(row[0].strip().lower())
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern]:
    title = "|".join(map(re.escape, titles()))
    ask = "|".join(map(re.escape, sorted(words()["ask"], key=len, reverse=True)))
    return {
        "named": re.compile(rf"^(?P<name>{NAME_CHARS}(?:\s(?!{title})[{HAN}]{{1,2}})?)\s*(?P<title>{title})$"),
        "ask_named": re.compile(rf"^(?:{ask})\s*(?P<who>[{HAN}]{{1,4}})?$", re.I),
        "in_text": re.compile("(?P<title>{})".format("|".join(map(re.escape, text_titles())))),
        "title_then_name": re.compile("(?P<title>{})(?P<name>[{}]{{2,3}}?)(?:{})".format(
            "|".join(map(re.escape, text_titles())), HAN,
            "|".join(map(re.escape, sorted(words().get("speech", ()), key=len, reverse=True))))),
        "bare": re.compile(rf"^[{HAN}][{HAN}·\s]{{1,7}}$"),
        "name_first": re.compile(rf"^(?P<name>[{HAN}]{{2,4}})\s+(?P<where>[{HAN}A-Za-z0-9]{{2,22}}?)\s*(?P<title>{title})?$"),
        "brand": re.compile(rf"^[{HAN}]{{2,8}}[\-—·]?[{HAN}A-Za-z0-9]{{0,8}}[A-Za-z]{{2,6}}$|^[{HAN}]{{2,8}}[\-—·][{HAN}A-Za-z0-9]{{2,10}}$"),
        "placed": re.compile(rf"^(?P<rest>[{HAN}A-Za-z0-9]{{2,24}}?[{HAN}]{{2,3}})\s*(?P<title>{title})$"),
    }


def thanks(text: str) -> bool:
    """Whether a host's words thank (感谢, 谢谢: the ``thanks`` class): a closing remark, not a question."""
    return any(w in text for w in words().get("thanks", ()))


def is_word(cls: str, text: str) -> bool:
    return text.lower() in words().get(cls, ())


# --- step 1: what a line's label is, by its shape ----------------------------------------------

class Label(NamedTuple):
    cls: str  # ask, answer, named, bare, english, credit, bio
    label: str  # the label as a key (Simplified, no spaces)
    name: str = ""  # answerer's name in the key's characters
    title: str = ""
    name_span: tuple[int, int] = (0, 0)  # where the name is in the line
    title_span: tuple[int, int] = (0, 0)
    start: int = 0  # where the text after the label starts
    alone: bool = False  # the line is only the label
    colon: bool = False  # the label ends in a colon
    bracket: bool = False  # 【…】 or […]: a heading's shape too, so a speaker only on a page that asks that way


@lru_cache(maxsize=8192)
def classify(label: str, outlets: tuple[str, ...] = ()) -> tuple[str, str, str] | None:
    """(class, name, title) of a label by its shape and the page's outlet names; None if it is no speaker."""
    squashed = SPACES.sub("", label)
    if not squashed:
        return None
    if AFFILIATION_TAIL.search(label) and not AFFILIATION_TAIL.fullmatch(label):
        found = classify(AFFILIATION_TAIL.sub("", label), outlets)
        return found if found is not None and found[0] in ("named", "bare") else None
    if OUTLET_LABEL.match(squashed):
        return "ask", "", ""
    if is_outlet(squashed, outlets):
        return "ask", "", ""
    if is_word("credit", squashed) or is_word("caption", squashed) or (squashed.endswith("记者") and len(squashed) > 2 and not patterns()["ask_named"].match(squashed)):
        return "credit", "", ""
    if is_word("bio", squashed.strip("【】[]")):
        return "bio", "", ""
    if is_word("text", squashed) or is_word("more", squashed):
        return None
    if Q_MARKER.match(squashed) or is_word("ask", squashed) or patterns()["ask_named"].match(squashed):
        return "ask", "", ""
    if A_MARKER.match(squashed) or is_word("answer", squashed) or is_word("replier", squashed):
        return "answer", "", ""
    if is_word("reader", squashed):
        return "bare", label.strip(), ""  # 患者:, 网友: ask when their turns end in question marks
    if ENGLISH_LABEL.match(label.strip()):
        return "english", "", ""
    m = patterns()["named"].match(label.strip())
    if m and len(re.sub(r"\s", "", m["name"])) >= 1 and not is_word("credit", re.sub(r"\s", "", m["name"])):
        return "named", m["name"], m["title"]
    m = patterns()["name_first"].match(label.strip())
    if m and (m["title"] or _placed(m["where"], ends=False)):  # 周某 南湖大学附属医院甲状腺外科主任: name, where, title
        return "named", m["name"], m["title"] or ""
    m = patterns()["placed"].match(label.strip())
    if m:  # 东川大学附属第一医院孙某某教授: the name (two or three characters) after the institution
        rest = SPACES.sub("", m["rest"])
        for k in (3, 2):
            where = rest[:-k]
            if len(where) >= 2 and _placed(where) and not set(rest[-k:]) & NAME_STOP:
                return "named", rest[-k:], m["title"]
    if patterns()["bare"].match(label.strip()) and len(squashed) <= 8:
        return "bare", label.strip(), ""
    if patterns()["brand"].match(squashed):
        return "bare", label.strip(), ""  # 良医汇-肿瘤医生APP: asks if its turns do (a bare label of no name)
    return None


def _placed(where: str, ends: bool = True) -> bool:
    """Whether text names a place of work: it ends like a hospital, department or institute
    (东川大学附属第一医院, 甲状腺外科), or (``ends`` false) names an institution anywhere."""
    where = SPACES.sub("", where)
    if not where:
        return False
    institutions = tuple(words().get("institution", ()))
    return where[-1] in INSTITUTION_ENDS or (where.endswith(institutions) if ends else any(w in where for w in institutions))


def is_outlet(squashed: str, outlets: tuple[str, ...]) -> bool:
    core = squashed.strip("《》")
    return any(o and (core == o or (len(o) >= 3 and core.startswith(o))) for o in outlets)


def label_of(line: Line, outlets: tuple[str, ...] = ()) -> Label | None:
    """The speaker label a line opens with (or is), by shape; None if it has none."""
    key = line.key
    m = COLON_LABEL.match(key) or BRACKET_LABEL.match(key)
    if m:
        raw = AFFILIATION_TAIL.sub("", m["label"]) or m["label"]
        found = classify(m["label"], outlets)
        if found is None:
            return None
        cls, name, title = found
        alone = m.end() >= len(key)
        return _label(cls, raw, name, title, m.start("label"), m.end(), alone)._replace(
            colon=True, bracket=m.re is BRACKET_LABEL)
    if len(key) <= TEXT_MAX_ALONE and not SENTENCE_BREAK.search(key) and not QMARK_END.search(key):
        found = classify(key, outlets)
        if found is None or found[0] in ("english", "bare", "credit"):
            return None  # without a colon, a bare word or an English phrase is text (a heading), not a label
        cls, name, title = found
        return _label(cls, key, name, title, 0, len(key), True)
    return None


def _label(cls, raw, name, title, at, start, alone) -> Label:
    name_span = title_span = (0, 0)
    if cls in ("bare", "english"):
        name_span = (at, at + len(raw.rstrip()))  # the whole label names who speaks
    elif name:
        i = raw.index(name)
        name_span = (at + i, at + i + len(name))
        j = raw.index(title, i + len(name)) if title else i + len(name)
        title_span = (at + j, at + j + len(title))
    return Label(cls, re.sub(r"\s+", "", raw), re.sub(r"\s+", "", name), title, name_span, title_span, start, alone)


def name_line(key: str) -> re.Match | None:
    """A line that is only ``<name><title>`` (王某某教授, 于某某 理事长): groups name and title."""
    return patterns()["named"].match(key)


def is_ask_label(key: str, outlets: tuple[str, ...] = ()) -> bool:
    """Whether a line opens with a label that asks whatever the rest of the page says (for the header)."""
    m = COLON_LABEL.match(key) or BRACKET_LABEL.match(key)
    if m is None:
        return False
    found = classify(m["label"], outlets)
    return found is not None and found[0] == "ask"


# --- names in running text (title, lead, reports) ---------------------------------------------

NAME_STOP = set("院科心所室学部组队邀访请与和及、的是在由对向为了将从中位名些个这那该其多每各等们,，。：:（(）)“”《》 \u3000丨|｜—-")


def names_in_text(text: str) -> list[tuple[str, str]]:
    """(name, title) for each ``<name><title>`` in running text (林晓舟教授, 梁某 教授指出), Simplified key."""
    out: list[tuple[str, str]] = []
    seen = set()
    for m in patterns()["in_text"].finditer(text):
        i = m.start()
        while i > 0 and text[i - 1] == " ":
            i -= 1
        name = []
        while i > 0 and len(name) < 3 and text[i - 1] not in NAME_STOP and "\u4e00" <= text[i - 1] <= "\u9fff":
            name.append(text[i - 1])
            i -= 1
        if i > 0 and name and (text[i - 1] + name[-1]) in words().get("surname2", ()):
            name.append(text[i - 1])
        candidate = "".join(reversed(name))
        if len(candidate) >= 2 and candidate not in seen and not candidate.endswith(titles()):
            seen.add(candidate)
            out.append((candidate, m["title"]))
    for m in patterns()["title_then_name"].finditer(text):  # a report's 肝胆外科主任傅某某说
        candidate = m["name"]
        if candidate not in seen and not set(candidate) & NAME_STOP and not candidate.endswith(titles()) \
                and not candidate.startswith(titles()):
            seen.add(candidate)
            out.append((candidate, m["title"]))
    return out


def author_of(key: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(where the name is, where the institution is) in a byline that names an institution and then a person
    (``作者:南湖省肿瘤医院营养科 蔡某某``): an expert who wrote the page; None for any other line."""
    m = COLON_LABEL.match(key)
    if m is None or SPACES.sub("", m["label"]) not in words().get("author", ()):
        return None
    rest = key[m.end():].strip()
    parts = [p for p in re.split(r"[\s,，、/|丨]+", rest) if p]
    if len(parts) < 2 or not re.fullmatch(rf"[{HAN}·]{{2,4}}", parts[-1]):
        return None
    where = " ".join(parts[:-1])
    if not any(w in where for w in words().get("institution", ())) and where[-1] not in INSTITUTION_ENDS:
        return None
    at = key.rindex(parts[-1])
    return (at, at + len(parts[-1])), (m.end(), re.sub(r"[\s,，、/|丨]+$", "", key[:at]).__len__())
