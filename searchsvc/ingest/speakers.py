"""Who speaks on an interview page: the question and answer turns, read from the page's own structure.

Two steps, so that a label never has to be on a list to be read:

1. **Candidates**, by shape alone, on the Simplified copy of each line (so Traditional pages read
   the same): a short prefix before a colon at a line's start (``医脉通:``, ``于某某 理事长 :``,
   ``主持人张某:``, ``Q1:``, ``Dr Smith:``); a line that is only a label, colon or not (``Q1``,
   ``问``, ``《肿瘤瞭望》``, ``王某某教授``), the text on the following lines; numbering lines
   (``01``, ``1.``) between turns; a sentence ending in ``?``/``？`` alone on its line.
2. **Roles**, from the page's evidence: a label that names the outlet (the meta line, the breadcrumb,
   ``《…》``, the lead's ``医脉通特邀…``), a generic interviewer (``记者``, ``主持人``, ``Q``; words in
   ``lexicon/speakers.tsv``), or whose turns end in question marks asks; a name with a professional
   title (``lexicon/roles.txt``) or a name the title or lead introduces as an expert answers; a bare
   label is whichever its turns and its place between the other turns say.

Not turns, though shaped like them: a credit (``作者:``, ``本刊记者:陈某``), a bio line (``卫 某:北京
大学医学博士、主任医师``: a name whose text is a credential, with no question open), a photo caption
(an expert's name alone on its line while no question waits for an answer, or ``…丨图源…``), the
lines of a ``专家简介`` block.  An English turn followed by its Chinese translation is one turn.

``read`` returns the turns by line index, the lines deliberately dropped (with why) and the bio lines
by expert; it may split a line where a question runs into its answer (``…是什么?李某某:淋巴瘤是…``)
or is glued to the end of the lead, so it returns the lines it read.  Linear in the page's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from ..analysis.lexicon_data import lexicon_dir
from ..names import to_simplified

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


class Turn(NamedTuple):
    kind: str  # "q" asks, "a" answers, "h" a subheading in place of a question (answers-only pages)
    name: str = ""  # who answers, as the page writes it ("" for 答:, Q:, a heading)
    title: str = ""  # the answerer's title as written (教授, 理事长, "")
    start: int = 0  # where the turn's own text starts in the line (the line's length for a label alone)
    english: bool = False  # an English turn, translated by the turn that follows
    outlet: str = ""  # the outlet a question's label names (《X》:, 医脉通:), Simplified


@dataclass
class Reading:
    lines: list[Line]
    turns: dict[int, Turn] = field(default_factory=dict)
    dropped: dict[int, str] = field(default_factory=dict)  # line index -> why it is not text
    bios: dict[int, tuple[str, int]] = field(default_factory=dict)  # line index -> (expert key, where the bio text starts)
    bio_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (name, title) as written

    @property
    def asks(self) -> bool:
        return any(t.kind == "q" for t in self.turns.values())


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
def _patterns() -> dict[str, re.Pattern]:
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


def _word(cls: str, text: str) -> bool:
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
    if _is_outlet(squashed, outlets):
        return "ask", "", ""
    if _word("credit", squashed) or _word("caption", squashed) or (squashed.endswith("记者") and len(squashed) > 2 and not _patterns()["ask_named"].match(squashed)):
        return "credit", "", ""
    if _word("bio", squashed.strip("【】[]")):
        return "bio", "", ""
    if _word("text", squashed) or _word("more", squashed):
        return None
    if Q_MARKER.match(squashed) or _word("ask", squashed) or _patterns()["ask_named"].match(squashed):
        return "ask", "", ""
    if A_MARKER.match(squashed) or _word("answer", squashed) or _word("replier", squashed):
        return "answer", "", ""
    if _word("reader", squashed):
        return "bare", label.strip(), ""  # 患者:, 网友: ask when their turns end in question marks
    if ENGLISH_LABEL.match(label.strip()):
        return "english", "", ""
    m = _patterns()["named"].match(label.strip())
    if m and len(re.sub(r"\s", "", m["name"])) >= 1 and not _word("credit", re.sub(r"\s", "", m["name"])):
        return "named", m["name"], m["title"]
    m = _patterns()["name_first"].match(label.strip())
    if m and (m["title"] or _placed(m["where"], ends=False)):  # 周某 南湖大学附属医院甲状腺外科主任: name, where, title
        return "named", m["name"], m["title"] or ""
    m = _patterns()["placed"].match(label.strip())
    if m:  # 东川大学附属第一医院孙某某教授: the name (two or three characters) after the institution
        rest = SPACES.sub("", m["rest"])
        for k in (3, 2):
            where = rest[:-k]
            if len(where) >= 2 and _placed(where) and not set(rest[-k:]) & NAME_STOP:
                return "named", rest[-k:], m["title"]
    if _patterns()["bare"].match(label.strip()) and len(squashed) <= 8:
        return "bare", label.strip(), ""
    if _patterns()["brand"].match(squashed):
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


def _is_outlet(squashed: str, outlets: tuple[str, ...]) -> bool:
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
    return _patterns()["named"].match(key)


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
    for m in _patterns()["in_text"].finditer(text):
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
    for m in _patterns()["title_then_name"].finditer(text):  # a report's 肝胆外科主任傅某某说
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


# --- step 2: the page's turns --------------------------------------------------------------------

def read(lines: list[Line], lo: int, *, outlets: tuple[str, ...] = (), context: str = "") -> Reading:
    """The turns of lines[lo:] (the body and the lead above it), the dropped lines and the bio lines.

    ``outlets``: the outlet's names the meta line and breadcrumb give; ``context``: the title (the lead
    is read here), whose ``<name><title>`` are the experts the page introduces."""
    outlets = tuple(o for o in (_squash(o) for o in outlets) if o)
    labels: dict[int, Label] = {}
    short: list[int] = []  # lines that may be an outlet's name alone (known once the lead is read)
    for i in range(lo, len(lines)):
        found = label_of(lines[i], outlets)
        if found is not None:
            labels[i] = found
        elif len(lines[i].key) <= 20:
            short.append(i)
    for i, lb in list(labels.items()):  # 南湖日报记者:…? -- a reporter's label that asks (a byline is a few names)
        if lb.cls == "credit" and lb.label.endswith("记者") and not lb.alone \
                and (QMARK_END.search(lines[i].key) or len(lines[i].key) - lb.start > BYLINE_MAX):
            labels[i] = lb._replace(cls="ask")
    first = min((i for i, lb in labels.items() if lb.cls in ("ask", "named", "answer")), default=len(lines))
    intro = context + "\n" + "\n".join(line.key for line in lines[lo:first])
    named = {n for n, _ in names_in_text(intro)}
    outlets = outlets + tuple(_outlets_named(intro))
    if len(outlets) > 0:  # bare labels that name the outlet ask, with a colon or alone on their line
        for i, lb in list(labels.items()):
            if lb.cls in ("bare", "english") and _is_outlet(lb.label, outlets):
                labels[i] = lb._replace(cls="ask")
        for i in short:
            key = _squash(lines[i].key)
            if key and _is_outlet(key, outlets):
                labels[i] = Label("ask", key, start=len(lines[i].key), alone=True)
    answer_names = named | {lb.name for lb in labels.values() if lb.cls == "named"}
    lines, labels = _split_run_together(lines, labels, lo, answer_names, outlets)
    if not any(lb.cls == "ask" for lb in labels.values()):
        lines, labels = _split_glued(lines, labels, lo)
    roles = _roles(lines, labels, named)
    reading = _sequence(lines, lo, labels, roles, named, outlets)
    _full_names(reading, answer_names)
    return reading


def _full_names(reading: Reading, known: set[str]) -> None:
    """An answer labelled by surname and title (``钱教授:``) is the expert of that surname whom the
    title, the lead or another label names in full (钱立群), when exactly one does; and a name
    written with a space inside (``王　伟``) is one name."""
    full = {n for n in known if len(n) >= 2}
    surname2 = words().get("surname2", ())
    for i, turn in list(reading.turns.items()):
        if turn.kind != "a" or not turn.name or turn.english:
            continue
        name = turn.name
        if re.fullmatch(rf"[{HAN}·\s]+", name):
            name = SPACES.sub("", name)
        short = SPACES.sub("", to_simplified(name))
        if len(short) == 1 or short in surname2:
            matches = {f for f in full if f.startswith(short) and len(f) > len(short)}
            if len(matches) == 1:
                name = _as_written(reading.lines, matches.pop()) or name
        if name != turn.name:
            reading.turns[i] = turn._replace(name=name)


def _as_written(lines: list[Line], key: str) -> str:
    """A name (as a Simplified key) in the page's own characters, from the first line that holds it."""
    for line in lines:
        at = line.key.find(key)
        if at >= 0:
            return line.text[at:at + len(key)]
    return ""


def _squash(text: str) -> str:
    return SPACES.sub("", text or "").strip("《》")


def _outlets_named(intro: str) -> list[str]:
    """Outlets the lead names as the interviewer: 《X》特邀/有幸采访…, X特邀/专访/采访/邀请…."""
    out = BOOK_TITLE.findall(intro)
    invites = re.compile("|".join(sorted(map(re.escape, words().get("invite", ())), key=len, reverse=True)))
    for m in invites.finditer(intro):
        before = OUTLET_BEFORE.search(intro, max(0, m.start() - 12), m.start())
        if before:
            out.append(before[1])
    return [_squash(o) for o in out if len(_squash(o)) >= 2 and not _word("ask", _squash(o))]


def _split_run_together(lines, labels, lo, names, outlets):
    """Split a line where a question runs into its answer (``…是什么?李某某:淋巴瘤是…``): the answer
    label must be a name the page uses as a label or introduces as an expert."""
    if not any(RUN_TOGETHER.search(line.key) for line in lines[lo:]):
        return lines, labels
    markers = {"A", "答"}  # 问:…?答:… on one line (only after a question label: an answer may quote 问/答)
    title = "|".join(map(re.escape, titles()))

    def inner_of(names_here):
        alternatives = "|".join(sorted(map(re.escape, names_here), key=len, reverse=True))
        return re.compile(rf"(?<=[?？])\s*(?=(?:{alternatives})\s*(?:{title})?\s*[:：])") if names_here else None

    by_name, by_name_or_marker = inner_of(set(names)), inner_of(set(names) | markers)
    out, new_labels, changed = [], {}, False
    for i, line in enumerate(lines):
        if i < lo or "?" not in line.key and "？" not in line.key:
            if i in labels:
                new_labels[len(out)] = labels[i]
            out.append(line)
            continue
        inner = by_name_or_marker if i in labels and labels[i].cls == "ask" else by_name
        cuts = [m.start() for m in inner.finditer(line.key) if m.start() > 0] if inner else []
        if not cuts:
            if i in labels:
                new_labels[len(out)] = labels[i]
            out.append(line)
            continue
        changed = True
        bounds = [0, *cuts, len(line.key)]
        for a, b in zip(bounds, bounds[1:]):
            part = Line(line.text[a:b].strip(), line.key[a:b].strip(), line.number)
            if not part.key:
                continue
            found = label_of(part, outlets)
            if found is not None:
                new_labels[len(out)] = found
            elif a == 0 and i in labels:
                new_labels[len(out)] = labels[i]
            out.append(part)
    return (out, new_labels) if changed else (lines, labels)


def _split_glued(lines, labels, lo):
    """Split a question glued to the end of the paragraph above an answer label (``…以启迪临床实践。
    1.回顾…您认为…?``): at its numbering, else, in a paragraph too long for a question, after the
    last sentence."""
    cuts = {}
    for i in range(lo, len(lines) - 1):
        nxt = labels.get(i + 1)
        key = lines[i].key
        if i in labels or nxt is None or nxt.cls not in ("named", "answer", "bare") or not QMARK_END.search(key):
            continue
        numbered = list(GLUED_NUMBERING.finditer(key))
        if numbered:
            cuts[i] = numbered[-1].start()
        elif len(key) > QUESTION_LINE_MAX:
            ends = [m.end() for m in SENTENCE_BREAK.finditer(key)]
            if ends:
                cuts[i] = ends[-1]
    if not cuts:
        return lines, labels
    out, new_labels = [], {}
    for i, line in enumerate(lines):
        if i in labels:
            new_labels[len(out)] = labels[i]
        if i in cuts and 0 < cuts[i] < len(line.key):
            c = cuts[i]
            out.append(Line(line.text[:c].rstrip(), line.key[:c].rstrip(), line.number))
            out.append(Line(line.text[c:].strip(), line.key[c:].strip(), line.number))
        else:
            out.append(line)
    return out, new_labels


def _roles(lines, labels, named) -> dict[str, str]:
    """label -> "q" or "a" for the bare and English labels, from the page's evidence: a label whose
    turns end in question marks asks; one the title or lead names as an expert, or an English
    ``Dr …``, answers; an outlet-shaped one asks; a name-shaped one that follows questions (labelled,
    or a question sentence on the line above) answers."""
    order = [i for i in sorted(labels) if labels[i].cls not in ("credit", "bio")]
    stats: dict[str, list[int]] = {}  # label -> [turns, ending in ?]
    for i in order:
        s = stats.setdefault(labels[i].label, [0, 0])
        s[0] += 1
        s[1] += bool(QMARK_END.search(_turn_end(lines, labels, i)))
    cls_of = {lb.label: lb.cls for lb in labels.values()}
    # a label that may not name a person: a reader (患者:), or one only in brackets (【专家解读】) on a
    # page whose questions are not bracketed, unless the title or lead names it
    bracketed_asks = any(lb.bracket and lb.cls == "ask" for lb in labels.values())
    only_bracketed = {lb.label for lb in labels.values() if lb.bracket} - {lb.label for lb in labels.values() if not lb.bracket}
    not_a_name = {label for label in cls_of if _word("reader", label)
                  or (label in only_bracketed and not bracketed_asks and label not in named)}
    roles = {}
    for label, (count, asked) in stats.items():
        if cls_of[label] not in ("bare", "english"):
            continue
        if asked and asked * 2 >= count:
            roles[label] = "q"
        elif label in named or re.match(r"^(?:Dr|Prof|Professor|Mr|Ms|Mrs)\.?[A-Z]", label):
            roles[label] = "a"
        elif any(w in label for w in words().get("outlet", ())):
            roles[label] = "q"
    after_ask: dict[str, int] = {}
    previous = None
    for i in order:
        lb = labels[i]
        # it follows a question: a question label's turn, or a question sentence on the line above it
        if previous == "q" or (i - 1 not in labels and i > 0 and QMARK_END.search(lines[i - 1].key)):
            after_ask[lb.label] = after_ask.get(lb.label, 0) + 1
        previous = "q" if lb.cls == "ask" else "a" if lb.cls in ("named", "answer") else roles.get(lb.label)
    for label, (count, _) in stats.items():
        if label not in roles and cls_of[label] == "bare" and after_ask.get(label, 0) * 2 >= count \
                and 2 <= len(label) <= 4 and re.fullmatch(rf"[{HAN}·]+", label) and label not in not_a_name:
            roles[label] = "a"  # a bare name that answers the questions it follows
    answering = any(r == "a" for r in roles.values()) or any(c in ("named", "answer") for c in cls_of.values())
    asking = any(r == "q" for r in roles.values()) or any(c == "ask" for c in cls_of.values())
    if answering and asking:
        # another name of a roundtable, speaking after the others: no question of its own, and inside the
        # Q&A (twice, or before a later question), where a share line (分享到:) never stands
        last_ask = max((i for i in order if labels[i].cls == "ask" or roles.get(labels[i].label) == "q"), default=-1)
        first_at: dict[str, int] = {}
        says_little: set[str] = set()  # a turn of a few words (分享到: 更多) is no answer
        for i in order:
            first_at.setdefault(labels[i].label, i)
            if len(_turn_end(lines, labels, i)) <= ANSWER_TEXT_MIN:
                says_little.add(labels[i].label)
        for label, (count, asked) in stats.items():
            if label not in roles and cls_of[label] == "bare" and not asked and 2 <= len(label) <= 4 \
                    and re.fullmatch(rf"[{HAN}·]+", label) and (count >= 2 or first_at[label] < last_ask) \
                    and label not in says_little and label not in not_a_name:
                roles[label] = "a"
    return roles


def _turn_end(lines, labels, i) -> str:
    """Where the turn that opens at line i ends its first sentence group: its first line of text (the
    label's own line, or the line below a label alone), or the line after that when the first breaks
    off mid-sentence (a question wrapped over two lines).  Not further: an answer's paragraphs may be
    followed by an unlabelled question line, which is no evidence that the answer's label asks."""
    text = lines[i].key[labels[i].start:].strip()
    j = i
    if not text and i + 1 < len(lines) and i + 1 not in labels:
        j, text = i + 1, lines[i + 1].key
    if text and not QMARK_END.search(text) and not re.search(r"[。！!…；;]$", text) \
            and j + 1 < len(lines) and j + 1 not in labels and len(lines[j + 1].key) <= QUESTION_LINE_MAX:
        return lines[j + 1].key
    return text


def _sequence(lines, lo, labels, roles, named, outlets=()) -> Reading:
    reading = Reading(lines)
    # a name alone on its line twice or more: the page labels its speakers that way (a caption names once)
    seen_alone: dict[str, int] = {}
    for lb in labels.values():
        if lb.alone and not lb.colon and lb.cls == "named":
            seen_alone[lb.name] = seen_alone.get(lb.name, 0) + 1
    recurring = {name for name, count in seen_alone.items() if count >= 2}
    has_asks = any(lb.cls == "ask" or roles.get(lb.label) == "q" for lb in labels.values())
    has_colon_answers = any(not lb.alone and (lb.cls in ("named", "answer") or roles.get(lb.label) == "a")
                            for lb in labels.values())
    open_q = False  # a question waits for its answer
    speaker = ""  # the name answering now
    speaker_key = ""  # and its label's squashed Simplified form
    in_bio = None  # the expert whose 专家简介 block we are in ("" before its name line)
    n = len(lines)
    i = lo
    while i < n:
        line, lb = lines[i], labels.get(i)
        kind = _kind(lb, roles)
        if lb is not None and lb.cls == "bio":
            in_bio = ""
            reading.dropped[i] = "bio heading"
            if not lb.alone:  # 专家简介:王某某,… on one line
                in_bio = _bio_line(reading, i, line, lb.start, None, "")
            i += 1
            continue
        if in_bio is not None:
            if kind == "q" or (kind == "a" and not lb.alone and (open_q or len(line.key) - lb.start > BIO_LINE_MAX)) \
                    or len(line.key) > BIO_TEXT_MAX or QMARK_END.search(line.key):
                in_bio = None  # the block is over: a question, an answer, a paragraph (a bio never asks)
            else:
                in_bio = _bio_line(reading, i, line, 0, lb, in_bio)
                i += 1
                continue
        if lb is None and CLOSING_LINE.match(line.key):
            reading.dropped[i] = "credit"  # （完）, （编辑:某某）
            i += 1
            continue
        if lb is not None and lb.cls == "credit":
            if not lb.alone and len(line.key) - lb.start <= 12 or lb.label in ("作者", "来源"):
                reading.dropped[i] = "credit"
                i += 1
                continue
            kind = None
        if kind is None and NUMBERING_LINE.match(line.key) and (open_q or i + 1 < n and (
                (i + 1) in labels or len(lines[i + 1].key) <= HEADING_MAX and not SENTENCE_BREAK.search(lines[i + 1].key))):
            reading.dropped[i] = "numbering"
            i += 1
            continue
        if kind is None and not open_q and _asks_before_answer(lines, labels, roles, i) \
                and (not has_asks or _label_name(labels[i + 1]) == speaker_key):
            # a question sentence right before an answer label: on a page without question labels, or
            # between two answers of one expert (who never answers twice with no question between)
            at = NUMBERING_PREFIX.match(line.key)
            reading.turns[i] = Turn("q", start=at.end() if at else 0)
            open_q, speaker, speaker_key = True, "", ""
            i += 1
            continue
        if kind == "a" and lb.cls == "answer" and _word("replier", lb.label) and not open_q:
            kind = None  # 医生: inside an answer (quoted), not a new turn: it answers only a question
        if kind == "q":
            m = OUTLET_LABEL.match(lb.label)
            generic = lb.cls == "ask" and (Q_MARKER.match(lb.label) or _patterns()["ask_named"].match(lb.label)) \
                or _word("reader", lb.label)
            outlet = m["outlet"] if m else "" if generic or lb.cls == "english" else lb.label.removesuffix("记者")
            reading.turns[i] = Turn("q", start=lb.start, english=lb.cls == "english", outlet=outlet)
            open_q, speaker, speaker_key = True, "", ""
        elif kind == "a":
            name = line.text[lb.name_span[0]:lb.name_span[1]] if lb.name else ""
            if lb.cls == "bare" or lb.cls == "english":
                name = line.text[lb.name_span[0]:lb.name_span[1]].strip()
            title = line.text[lb.title_span[0]:lb.title_span[1]] if lb.title else ""
            text = line.key[lb.start:]
            if not open_q and lb.name and _bio_shaped(text) and not lb.alone:
                _bio_line(reading, i, line, lb.start, lb, None)  # 卫 某:北京大学医学博士、主任医师
                i += 1
                continue
            if lb.alone and not lb.colon and lb.cls == "named" and not open_q:
                # a name alone with no question waiting: a new speaker in a roundtable that labels this
                # way, else a caption (or, with credentials below it, a bio: the end matter reads those)
                same = _squash(name) == _squash(speaker)
                if same or has_colon_answers or not _opens_answer(lines, labels, i, named | recurring):
                    i += 1  # a caption, or a name inside an answer: text where it stands (bios: the end matter's)
                    continue
            reading.turns[i] = Turn("a", name=name, title=title, start=lb.start, english=lb.cls == "english")
            open_q, speaker, speaker_key = False, name, _label_name(lb)
            if lb.alone and i + 1 < n and (i + 1) not in labels and _credential(lines[i + 1].key) \
                    and i + 2 < n and len(lines[i + 2].key) > len(lines[i + 1].key):
                _bio_line(reading, i + 1, lines[i + 1], 0, None, _squash(name))  # the affiliation under the name
                i += 1
        elif kind is None and CAPTION_MARK.search(line.key) and re.search("|".join(words().get("caption", ())), line.key):
            reading.dropped[i] = "caption"
        i += 1
    return reading


def _kind(lb: Label | None, roles: dict[str, str]) -> str | None:
    if lb is None:
        return None
    if lb.cls == "ask":
        return "q"
    if lb.cls in ("named", "answer"):
        return "a"
    if lb.cls in ("bare", "english"):
        return roles.get(lb.label)
    return None


def _label_name(lb: Label | None) -> str:
    """Who an answer label names, as a key (squashed, Simplified): the name, else the bare label."""
    return "" if lb is None else lb.name or lb.label


def _asks_before_answer(lines, labels, roles, i) -> bool:
    """A line that is a question sentence right before an answer label (a page with no question labels)."""
    key = lines[i].key
    if not QMARK_END.search(key) or len(key) > QUESTION_LINE_MAX or i in labels:
        return False
    j = i + 1
    return j < len(lines) and _kind(labels.get(j), roles) == "a"


def _opens_answer(lines, labels, i, named) -> bool:
    """A name alone on its line, after an answer: another expert's answer to the same question when the
    title or lead introduces the name, or the page puts it alone on a line again (``named`` holds both),
    and the line below is text (not a label, not a credential)."""
    name = _patterns()["named"].match(lines[i].key)
    if name is None or re.sub(r"\s", "", name["name"]) not in named:
        return False
    return i + 1 < len(lines) and (i + 1) not in labels and not _credential(lines[i + 1].key)


def _bio_shaped(text: str) -> bool:
    """A credential line after a name label, not an answer: short, no question, and its first clause
    names an institution (北京大学医学博士、主任医师) or it lists titles (主任医师、教授、博士生导师)."""
    if len(text) > BIO_LINE_MAX or QMARK_END.search(text) or SENTENCE_BREAK.search(text.rstrip("。")):
        return False
    first = re.split(r"[,，、;；]", text, maxsplit=1)[0].strip()
    if any(w in first for w in words().get("institution", ())):
        return True
    parts = [p.strip() for p in re.split(r"[,，、;；]", text.rstrip("。")) if p.strip()]
    return len(parts) >= 2 and all(p.endswith(titles()) for p in parts)


def _credential(text: str) -> bool:
    first = re.split(r"[,，、;；。]", text, maxsplit=1)[0].strip()
    if not first or len(text) > BIO_TEXT_MAX:
        return False
    return any(w in first for w in words().get("institution", ())) or first.endswith(titles())


def _bio_line(reading: Reading, i: int, line: Line, start: int, lb: Label | None, expert: str | None = None):
    """Record line i (from ``start``) as bio text; returns the expert (key) the block is now about."""
    if lb is not None and lb.cls == "named":
        name = line.text[lb.name_span[0]:lb.name_span[1]].replace(" ", "")
        title = line.text[lb.title_span[0]:lb.title_span[1]] if lb.title else ""
        expert = lb.name
        reading.bio_names.setdefault(expert, (name, title))
        if lb.alone:
            reading.dropped[i] = "bio name"
            return expert
        start = lb.start
    elif lb is not None and lb.cls == "bare" and not lb.alone and _credential(line.key[lb.start:]):
        expert = lb.label
        reading.bio_names.setdefault(expert, (line.text[lb.name_span[0]:lb.name_span[1]].replace(" ", ""), ""))
        start = lb.start
    elif expert == "" and (m := re.match(rf"^([{HAN}]{{2,4}})\s*[,，、]", line.key[start:])):
        expert = m[1]  # 王某某,江南医院…
        reading.bio_names.setdefault(expert, (line.text[start:start + m.end(1)], ""))
        start += m.end()
    elif expert == "" and (m := _patterns()["named"].match(line.key[start:])):
        expert = re.sub(r"\s", "", m["name"])  # 王某某 教授 (a name line without a colon; 受访专家:王某某 教授)
        reading.bio_names.setdefault(expert, (line.text[start:start + m.end("name")].replace(" ", ""),
                                              line.text[start + m.start("title"):start + m.end("title")]))
        if start:  # 受访专家:王某某 教授 -- the page names its expert here
            reading.bios[i] = (expert, len(line.key))
        else:
            reading.dropped[i] = "bio name"
        return expert
    reading.bios[i] = (expert or "", start)
    return expert
