"""The parsed interview: what every other module reads and writes."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import ClassVar


@dataclass
class Expert:
    name: str
    title: str = ""
    bio: str = ""


@dataclass
class QA:
    question: str
    answer: str
    expert: str = ""


@dataclass
class Census:
    """What one page held against what was made of it: nothing may go missing unsaid."""

    questions: int = 0  # question labels seen in the page
    qa: int = 0  # Q&As made from them
    lost: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): a question label with no Q&A, a line in no field
    kind: str = "interview"  # the page's kind (see Article.kind)
    answers: int = 0  # Q&A entries of any kind (answers under a question or a subheading, prose sections)
    experts: list[str] = field(default_factory=list)  # the experts read from the page


@dataclass
class Article:
    id: str
    title: str
    date: str = ""  # ISO 8601, e.g. 2026-01-06T17:17:58
    outlet: str = ""
    views: int | None = None
    lead: str = ""
    editor_note: str = ""
    experts: list[Expert] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    qa: list[QA] = field(default_factory=list)
    source: str = ""  # where it came from: a path, with '#line' for a JSON Lines record
    source_url: str = ""  # the original article on the web (HTML canonical / og:url, JSON Lines 'url'), http(s) only
    # "interview": questions and answers; "answers": answers under subheadings (a QA's question is the
    # subheading, shown as a heading); "prose": a report or monologue, its paragraphs as QAs without a question.
    kind: str = "interview"
    title_derived: bool = False  # the page had no title line: the title is its first subheading or sentence
    # What reading the page counted (not stored): set by the readers in ``sources``.
    census: ClassVar["Census | None"] = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Article":
        data = dict(data)
        data["experts"] = [Expert(**e) for e in data.get("experts", [])]
        data["qa"] = [QA(**q) for q in data.get("qa", [])]
        return cls(**data)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date[:4].isdigit() else None

    @property
    def expert_names(self) -> list[str]:
        return [e.name for e in self.experts]


def article_id(identity: str) -> str:
    """A short id that depends only on the source's identity (its path or URL)."""
    return hashlib.sha1(identity.encode("utf-8")).hexdigest()[:12]
