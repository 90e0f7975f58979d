"""Who speaks on an interview page: the question and answer turns, read from the page's own structure.

Two steps, so that a label never has to be on a list to be read:

1. **Candidates**, by shape alone (``labels``), on the Simplified copy of each line (so Traditional pages read
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
from typing import NamedTuple

from ..names import to_simplified
from .labels import (
    ANSWER_TEXT_MIN, BIO_LINE_MAX, BIO_TEXT_MAX, BOOK_TITLE, BYLINE_MAX, CAPTION_MARK, CLOSING_LINE, GLUED_NUMBERING,
    HAN, HEADING_MAX, NUMBERING_LINE, NUMBERING_PREFIX, OUTLET_BEFORE, OUTLET_LABEL, Q_MARKER, QMARK_END,
    QUESTION_LINE_MAX, RUN_TOGETHER, SENTENCE_BREAK, SPACES, Label, Line, is_outlet, is_word, label_of, names_in_text,
    patterns, titles, words,
)


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
            if lb.cls in ("bare", "english") and is_outlet(lb.label, outlets):
                labels[i] = lb._replace(cls="ask")
        for i in short:
            key = _squash(lines[i].key)
            if key and is_outlet(key, outlets):
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
    return [_squash(o) for o in out if len(_squash(o)) >= 2 and not is_word("ask", _squash(o))]


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
    not_a_name = {label for label in cls_of if is_word("reader", label)
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
        if kind == "a" and lb.cls == "answer" and is_word("replier", lb.label) and not open_q:
            kind = None  # 医生: inside an answer (quoted), not a new turn: it answers only a question
        if kind == "q":
            m = OUTLET_LABEL.match(lb.label)
            generic = lb.cls == "ask" and (Q_MARKER.match(lb.label) or patterns()["ask_named"].match(lb.label)) \
                or is_word("reader", lb.label)
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
    name = patterns()["named"].match(lines[i].key)
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
    elif expert == "" and (m := patterns()["named"].match(line.key[start:])):
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
