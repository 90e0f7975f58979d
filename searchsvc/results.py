"""What a search returns, and the limits on what it may be asked (no Whoosh here)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

SORTS = ("relevance", "date")
MAX_QUERY_CHARS = 200
MAX_PER_PAGE = 50
MAX_PAGE = 10_000


class BadRequest(ValueError):
    """A parameter a user sent is out of range; ``param`` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


class OutOfTime(Exception):
    """The work ran past its deadline (a ``clock()`` value) and was stopped there."""


def clock() -> float:
    """The clock deadlines are set and checked by: ``time.monotonic()``.  The web guard reads it too,
    so a test can replace this one function to decide when time runs out, without measuring any."""
    return time.monotonic()


def check_deadline(deadline: float | None) -> None:
    """Raise OutOfTime once ``deadline`` (a ``clock()`` value) has passed (None: no deadline)."""
    if deadline is not None and clock() >= deadline:
        raise OutOfTime


def validate(q: str = "", page: int = 1, per_page: int = 10, sort: str = "relevance") -> None:
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not isinstance(page, int) or page < 1 or page > MAX_PAGE:
        raise BadRequest("page", f"page must be a whole number from 1 to {MAX_PAGE}")
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest("per_page", f"per_page must be a whole number from 1 to {MAX_PER_PAGE}")
    if sort not in SORTS:
        raise BadRequest("sort", f"sort must be one of: {', '.join(SORTS)}")


@dataclass
class Match:
    qa: int  # 1-based number of the Q&A in the interview (anchor #qa-N)
    question_html: str
    snippet_html: str
    expert: str = ""


@dataclass
class ExpertDetail:
    """An expert as a listing shows them: name, title and affiliation as the interview gives them."""
    name: str
    title: str = ""
    affiliation: str = ""  # see affiliation.affiliation: institution and department from the bio's first line


@dataclass
class Hit:
    id: str
    title: str
    title_html: str
    date: str
    experts: list[str]
    tags: list[str]
    score: float
    matches: list[Match] = field(default_factory=list)
    expert_details: list[ExpertDetail] = field(default_factory=list)  # one for each of ``experts``


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[dict]]
    suggestion: str | None = None  # the query as searched, when misspellings in it were corrected
    # "and": every result matches every concept and word searched; "or": some match only part of
    # them (ranked below those matching more); "all": no words, everything the filters let through, newest first
    mode: str = "and"
    index_version: str | None = None
    understood: dict = field(default_factory=dict)  # how the query was read (queryplan.Understanding.to_dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Related:
    id: str
    title: str
    date: str
    score: float
    experts: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # why it is related: what it shares with the interview it was found for
    shared_experts: list[str] = field(default_factory=list)
    shared_tags: list[str] = field(default_factory=list)
    shared_concepts: list[str] = field(default_factory=list)  # lexicon terms, most specific first
    expert_details: list[ExpertDetail] = field(default_factory=list)  # one for each of ``experts``


class IndexDamaged(RuntimeError):
    """A segment of the index could not be read (a corrupt block, a format mismatch): the search fails
    rather than return fewer results. ``index`` is the snapshot folder, ``segment`` the segment id."""

    def __init__(self, index: str, segment: str, reason: str):
        super().__init__(f"the index at {index} is damaged: segment {segment}: {reason} "
                         "(publish a new one with: searchsvc ingest --rebuild <folders>)")
        self.index, self.segment, self.reason = index, segment, reason

    def __reduce__(self):
        return IndexDamaged, (self.index, self.segment, self.reason)
