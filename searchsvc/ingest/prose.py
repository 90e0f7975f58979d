"""Pages without question turns: what makes them searchable.

- **answers-only** pages (conference reports: a subheading, then an expert's answer): the parser
  keeps each answer and puts the subheading just above it in that Q&A's ``question``
  (``heading_shaped``); the article page shows it as a heading, not as a question.
- **prose** pages (a monologue, a news report in the third person, a roundtable excerpt without
  questions): every paragraph below the header becomes text: the first paragraph is the lead, the
  rest are Q&A entries with an empty question, one per subheading's section (``sections``); the
  experts are the ``<name><title>`` that the title, the lead and the text name (``梁某教授指出``).
- a page **without a title line** gets one (``derived_title``): its first subheading, else the
  first sentence of its lead (or of its first answer); the article says it is derived.

The end matter (bios, disclaimer, tags, share line) is found as on an interview page.
"""

from __future__ import annotations

import re

from ..article import QA
from .endmatter import EDITOR_NOTE, NOTICE, EndMatter
from ..names import to_simplified

HEADING_MAX = 40  # characters in a subheading
HEADING_END = re.compile(r"[。！!；;，,、：:…]$")
SENTENCE_INSIDE = re.compile(r"[。！!；;]")
NUMBERING = re.compile(r"^(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[.、．)）]\s*")
SENTENCES = re.compile(r"[^。！!？?\n]+[。！!？?]?")
DERIVED_MAX = 60


def heading_shaped(key: str) -> bool:
    """A subheading: a short line that ends no sentence and holds none."""
    return 2 <= len(key) <= HEADING_MAX and not HEADING_END.search(key) and not SENTENCE_INSIDE.search(key)


def numbering_end(key: str) -> int:
    """Where a subheading's text starts after its numbering (一、 1. 01)."""
    m = NUMBERING.match(key)
    return m.end() if m and m.end() < len(key) else 0


def sections(page, reading, named: str):
    """(Q&A entries, end matter, 编者按 paragraphs) of a page read as prose from ``page.i`` on."""
    lines = page.lines
    end = EndMatter.find(lines, {}, page.i, set(), named, reading, last=page.i - 1)
    paragraphs: list[tuple[str | None, int]] = []  # (a subheading or None, line index)
    note: list[str] = []
    for i in range(page.i, end.text_end):
        if i in reading.dropped or i in reading.bios:
            continue
        key = lines[i].key
        if (m := EDITOR_NOTE.match(key)) is not None and not paragraphs:
            note.append(lines[i].text[m.start("text"):].strip())
            page.placed[i] = "editor_note"
            continue
        below = next((j for j in range(i + 1, end.text_end) if j not in reading.dropped), None)
        is_heading = heading_shaped(key) and below is not None and not heading_shaped(lines[below].key)
        paragraphs.append((lines[i].text[numbering_end(key):] if is_heading else None, i))
    qa: list[QA] = []
    heading = ""
    for text_or_heading, i in paragraphs:
        if text_or_heading is not None:
            heading = text_or_heading
            page.placed[i] = "question"
            continue
        text = lines[i].text
        if qa and qa[-1].question == heading:
            qa[-1].answer += "\n\n" + text
        else:
            qa.append(QA(question=heading, answer=text))
        page.placed[i] = "answer"
    page.i = end.bios
    return qa, end, note


def experts_from_text(page, title: str, lead: str, qa: list[QA]) -> None:
    """Add the experts the title, the lead and (on a page without named answers) the text name."""
    from .labels import names_in_text

    texts = [title, lead] + [part for item in qa for part in (item.question, item.answer)]
    for text in texts:
        key = to_simplified(text)
        aligned = len(key) == len(text)
        for name, role in names_in_text(key):
            written = text[key.index(name):key.index(name) + len(name)] if aligned else name
            page.expert(written, role)


def derived_title(lines, kind: str, lead: list[str], qa: list[QA]) -> str:
    """A title for a page without one: its first subheading (answers-only and prose pages), else the
    first sentence of its lead (a notice such as 示例数据… skipped), else of its first question or answer."""
    if kind != "interview":
        for item in qa:
            if item.question and heading_shaped(to_simplified(item.question)):
                return item.question
    for text in [*lead, *(q.question for q in qa), *(q.answer for q in qa)]:
        for sentence in SENTENCES.findall(text.strip()):
            sentence = sentence.strip().rstrip("。！!")
            if sentence and not NOTICE.search(to_simplified(sentence)):
                return sentence if len(sentence) <= DERIVED_MAX else sentence[:DERIVED_MAX - 1] + "…"
    return lines[0].text[:DERIVED_MAX] if lines else ""
