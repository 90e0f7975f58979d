"""Search the published index: the one entry point the CLI and the web layer use.

``Searcher`` follows the index's ``current`` snapshot (``snapshot.SnapshotReader``), so a
running service never needs a restart. A search runs in four steps, one module each:

    understanding   the query -> concepts, words, ignored words, corrections, completions
                    (with corrections, completion, wordlists; the result is a queryplan.Understanding)
    engine          those units -> ranked interviews, over whole posting lists (numpy)
    highlight       the page's interviews -> best Q&As and marked snippets
    results         what the caller gets (no Whoosh objects leave this module)

``related`` (of an interview or of a draft) and ``suggest`` answer the other questions a page asks.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import contextmanager
from typing import Callable

from .. import names
from . import related as related_module
from ..query import suggest as suggest_module
from ..analysis.affiliation import expert_details
from ..article import Article
from .ranker import Engine, facets, filter_mask
from .highlight import Highlighter
from .index import TEXT_FIELDS, IndexStore
from .ranking import RANKING, Ranking
from ..results import (MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, BadRequest, Hit, IndexDamaged, Match,  # noqa: F401
                      OutOfTime, Related, SearchResult, check_deadline, validate)
from .snapshot import SnapshotReader
from ..query.queryplan import Understanding
from ..query.understanding import understand
from .vocabulary import IndexVocabulary

__all__ = ["Searcher", "BadRequest", "OutOfTime", "IndexDamaged", "SearchResult", "Hit", "Match", "Related", "Ranking", "RANKING",
           "MAX_QUERY_CHARS", "MAX_PER_PAGE", "SORTS", "validate"]

FACET_LIMIT = 20
MAX_DRAFT_CHARS = 16_384  # a long interview is about 3,000 characters; the web layer also bounds the body in bytes

log = logging.getLogger("searchsvc.engine.search")


class Searcher:
    """Read-only access to the published index, safe to share between threads."""

    def __init__(self, store: IndexStore, ranking: Ranking = RANKING):
        self.store = store
        self.ranking = ranking
        self.snapshots = SnapshotReader(store, ranking.weighting())
        self._damaged: dict[str, str] = {}  # index version -> why a search could not read it (IndexDamaged)
        self._damaged_lock = threading.Lock()
        # called as (stage, seconds) after each stage of a search: understanding, ranking, highlighting
        # (the web layer's metrics; None: nobody listens)
        self.stage_observer: Callable[[str, float], None] | None = None

    def _current(self):
        return self.snapshots.current()

    def version(self) -> str:
        return self._current()[0]

    def health(self) -> dict:
        """"ok", or "degraded" with the reason once a search found the published snapshot damaged."""
        version, searcher = self._current()
        damaged = self._damaged.get(version)
        health = {"status": "degraded" if damaged else "ok", "articles": searcher.doc_count(),
                  "documents": searcher.doc_count_all(), "index_version": version,
                  "lexicon": "current" if self.snapshots.concepts_indexed() else "stale"}
        if damaged:
            health["reason"] = damaged
        return health

    @contextmanager
    def _reading(self, version: str):
        """Record (and log) a damaged snapshot found while reading it, for ``health``; the error goes on up."""
        try:
            yield
        except IndexDamaged as exc:
            with self._damaged_lock:
                first = version not in self._damaged
                self._damaged[version] = str(exc)
            if first:
                log.error("index version %s is damaged: %s", version, exc)
            raise

    # -- search ----------------------------------------------------------------
    def search(self, q: str, page: int = 1, per_page: int = 10, tag: str | None = None,
               expert: str | None = None, year: int | None = None, sort: str = "relevance",
               year_from: int | None = None, year_to: int | None = None, deadline: float | None = None) -> SearchResult:
        """``deadline`` (a ``time.monotonic()`` value): past it the work stops with OutOfTime."""
        validate(q, page, per_page, sort)
        started = time.perf_counter()
        version, searcher = self._current()
        with self._reading(version):
            return self._search(version, searcher, q, page, per_page, tag, expert, year, sort, year_from, year_to,
                                deadline, started)

    def _search(self, version, searcher, q, page, per_page, tag, expert, year, sort, year_from, year_to, deadline,
                started) -> SearchResult:
        understood = self.understand(q, searcher)
        understood_at = time.perf_counter()
        check_deadline(deadline)
        columns = self.snapshots.columns(searcher)
        engine = Engine(columns, searcher, self.ranking, TEXT_FIELDS, self.snapshots.concepts_indexed(), deadline,
                        terms=self.snapshots.terms)
        mask = filter_mask(columns, tags=[names.key(tag)] if tag else (), experts=[names.key(expert)] if expert else (),
                           years=[int(year)] if year is not None else (), year_from=year_from, year_to=year_to)
        ranked = engine.rank(understood, mask, by_date=sort == "date")
        understood = ranked.understood  # with the units no interview holds reported as ignored
        ranked_at = time.perf_counter()
        on_page = [int(d) for d in ranked.order[(page - 1) * per_page: page * per_page]]
        highlighter = Highlighter(searcher, understood.words(self.snapshots.concepts_indexed()), docnums=on_page,
                                  holders=engine.postings, terms=self.snapshots.terms)
        scores = dict(zip(on_page, ranked.scores[(page - 1) * per_page: page * per_page].tolist()))
        hits = []
        for d in on_page:
            check_deadline(deadline)
            hits.append(self._hit(searcher, d, scores[d], highlighter))
        observe = self.stage_observer
        if observe is not None:
            observe("understanding", understood_at - started)
            observe("ranking", ranked_at - understood_at)
            observe("highlighting", time.perf_counter() - ranked_at)
        details = understood.to_dict()
        details["results_matching_everything"] = ranked.full_matches
        return SearchResult(query=q, total=ranked.total, page=page, per_page=per_page,
                            took_ms=round((time.perf_counter() - started) * 1000, 2), hits=hits,
                            facets=facets(columns, ranked.order, FACET_LIMIT),
                            suggestion=understood.searched if understood.corrections else None,
                            mode=ranked.mode, index_version=version, understood=details)

    def understand(self, q: str, searcher=None) -> Understanding:
        """How ``q`` is read: concepts, words, ignored words, corrections, notices."""
        if searcher is None:
            _, searcher = self._current()
        return understand(q, IndexVocabulary(searcher))

    def query_words(self, q: str) -> set[str]:
        """The indexed words ``q`` looks for, synonyms included (an article page marks them)."""
        return self.understand(q).words(self.snapshots.concepts_indexed()) if q else set()

    @staticmethod
    def _hit(searcher, docnum: int, score: float, highlighter: Highlighter) -> Hit:
        article = Article.from_dict(json.loads(searcher.stored_fields(docnum)["article"]))
        matches, title_html = highlighter.matches(docnum, article)
        return Hit(id=article.id, title=article.title, title_html=title_html, date=article.date,
                   experts=article.expert_names, tags=article.tags, score=round(score, 4), matches=matches,
                   expert_details=expert_details(article.experts))

    # -- articles ----------------------------------------------------------------
    def article(self, article_id: str) -> Article | None:
        _, searcher = self._current()
        stored = searcher.document(id=article_id)
        return Article.from_dict(json.loads(stored["article"])) if stored else None

    def articles(self, page: int = 1, per_page: int = 10, tag: str | None = None,
                 expert: str | None = None, year: int | None = None,
                 year_from: int | None = None, year_to: int | None = None, deadline: float | None = None) -> SearchResult:
        """Every interview (or those of a tag, expert or year), newest first."""
        return self.search("", page=page, per_page=per_page, tag=tag, expert=expert, year=year, sort="date",
                           year_from=year_from, year_to=year_to, deadline=deadline)

    def related(self, article_id: str, limit: int = 5, deadline: float | None = None) -> list[Related] | None:
        """More like this: the interview's own distinctive terms, searched across the index."""
        version, searcher = self._current()
        with self._reading(version):
            return related_module.related(self._related_engine(searcher, deadline), article_id, limit)

    def related_for_draft(self, text: str, limit: int = 10, deadline: float | None = None) -> list[Related]:
        """Interviews most like a draft (a title, or a title and text), ranked as ``related`` ranks them.

        The draft is cut by the index's analyzer; a first line followed by more text counts as its title.
        Raises BadRequest (a ValueError naming ``text`` or ``limit``) for an empty or oversized draft.
        """
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("text", "the draft is empty: paste a title or a draft")
        if len(text) > MAX_DRAFT_CHARS:
            raise BadRequest("text", f"the draft is {len(text)} characters long; the limit is {MAX_DRAFT_CHARS}")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PER_PAGE:
            raise BadRequest("limit", f"limit must be a whole number from 1 to {MAX_PER_PAGE}")
        version, searcher = self._current()
        with self._reading(version):
            engine = self._related_engine(searcher, deadline)
            return related_module.rank(engine, related_module.draft_profile(searcher, text), limit)

    def _related_engine(self, searcher, deadline: float | None) -> Engine:
        return Engine(self.snapshots.columns(searcher), searcher, related_module.RANKING, TEXT_FIELDS,
                      self.snapshots.concepts_indexed(), deadline, terms=self.snapshots.terms)

    # -- suggestions ----------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 8) -> list[dict]:
        """Completions for a search box: lexicon terms, experts, tags, index terms."""
        prefix = prefix.strip()
        if not prefix or len(prefix) > 50:
            return []
        _, searcher = self._current()
        return suggest_module.complete(prefix, searcher, limit)
