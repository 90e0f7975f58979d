"""Search the published index: the one entry point the CLI and the web layer use.

``Searcher`` follows the index's ``current`` snapshot (``snapshot.SnapshotReader``), so a
running service never needs a restart. The work itself lives in one module per concept:
``querybuild`` (reader query -> Whoosh query), ``resultpage`` (a page of hits and its
facets), ``highlight`` (best Q&As and snippets), ``related``, ``suggest`` and ``spelling``.
"""

from __future__ import annotations

import json
import time

from whoosh import query as Q

from . import querybuild, related as related_module, spelling, suggest as suggest_module
from .article import Article
from .highlight import Highlighter
from .index import IndexStore
from .querylang import parse_query
from .ranking import RANKING, Ranking
from .resultpage import run_page
from .results import (MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, BadRequest, Hit, Match, OutOfTime,  # noqa: F401 (re-exported)
                      Related, SearchResult, check_deadline, validate)
from .snapshot import SnapshotReader

__all__ = ["Searcher", "BadRequest", "OutOfTime", "SearchResult", "Hit", "Match", "Related", "Ranking", "RANKING",
           "MAX_QUERY_CHARS", "MAX_PER_PAGE", "SORTS", "validate"]


class Searcher:
    """Read-only access to the published index, safe to share between threads."""

    def __init__(self, store: IndexStore, ranking: Ranking = RANKING):
        self.store = store
        self.ranking = ranking
        self.snapshots = SnapshotReader(store, ranking.weighting())

    def _current(self):
        return self.snapshots.current()

    def version(self) -> str:
        return self._current()[0]

    def health(self) -> dict:
        version, searcher = self._current()
        return {"status": "ok", "articles": searcher.doc_count(), "documents": searcher.doc_count_all(),
                "index_version": version,
                "lexicon": "current" if self.snapshots.concepts_indexed() else "stale"}

    # -- search ----------------------------------------------------------------
    def search(self, q: str, page: int = 1, per_page: int = 10, tag: str | None = None,
               expert: str | None = None, year: int | None = None, sort: str = "relevance",
               deadline: float | None = None) -> SearchResult:
        """``deadline`` (a ``time.monotonic()`` value): past it the work stops with OutOfTime."""
        validate(q, page, per_page, sort)
        started = time.perf_counter()
        version, searcher = self._current()
        concepts = self.snapshots.concepts_indexed()
        parsed = parse_query(q)
        filters = querybuild.filters(tag, expert, year)
        if parsed.is_empty():
            query, mode = querybuild.all_of([Q.Every(), *querybuild.negatives(parsed, concepts)]), "all"
        else:
            query, mode = querybuild.build_query(parsed, ranking=self.ranking, concepts=concepts), "and"

        def run(query, mode):
            return run_page(searcher, query, filters, page, per_page, by_date=sort == "date" or mode == "all",
                            deadline=deadline)

        results = run(query, mode)
        if results.total == 0 and mode == "and" and len(parsed.positive) + querybuild.concept_count(parsed) > 1:
            relaxed = querybuild.build_query(parsed, any_term=True, ranking=self.ranking, concepts=concepts)
            relaxed_results = run(relaxed, "or")
            if relaxed_results.total:
                query, results, mode = relaxed, relaxed_results, "or"
        check_deadline(deadline)
        suggestion = spelling.suggest_spelling(q, searcher) if results.total < 3 and mode != "all" else None
        if results.total == 0 and suggestion:
            corrected = querybuild.build_query(parse_query(suggestion), ranking=self.ranking, concepts=concepts)
            corrected_results = run(corrected, "and")
            if corrected_results.total:
                query, results, mode = corrected, corrected_results, "suggestion"
        highlighter = Highlighter(searcher, query, docnums=[hit.docnum for hit in results.page_hits])
        hits = []
        for hit in results.page_hits:
            check_deadline(deadline)
            hits.append(self._hit(hit, highlighter))
        return SearchResult(query=q, total=results.total, page=page, per_page=per_page,
                            took_ms=round((time.perf_counter() - started) * 1000, 2), hits=hits,
                            facets=results.facets, suggestion=suggestion, mode=mode, index_version=version)

    @staticmethod
    def _hit(hit, highlighter: Highlighter) -> Hit:
        article = Article.from_dict(json.loads(hit["article"]))
        matches, title_html = highlighter.matches(hit.docnum, article)
        return Hit(id=article.id, title=article.title, title_html=title_html, date=article.date,
                   experts=article.expert_names, tags=article.tags, score=round(hit.score or 0.0, 4),
                   matches=matches)

    # -- articles ----------------------------------------------------------------
    def article(self, article_id: str) -> Article | None:
        _, searcher = self._current()
        stored = searcher.document(id=article_id)
        return Article.from_dict(json.loads(stored["article"])) if stored else None

    def articles(self, page: int = 1, per_page: int = 10, tag: str | None = None,
                 expert: str | None = None, year: int | None = None, deadline: float | None = None) -> SearchResult:
        """Every interview (or those of a tag, expert or year), newest first."""
        return self.search("", page=page, per_page=per_page, tag=tag, expert=expert, year=year, sort="date",
                           deadline=deadline)

    def related(self, article_id: str, limit: int = 5) -> list[Related] | None:
        """More like this: the interview's own distinctive terms, searched across the index."""
        _, searcher = self._current()
        return related_module.related(searcher, article_id, limit)

    # -- suggestions ----------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 8) -> list[dict]:
        """Completions for a search box: lexicon terms, experts, tags, index terms."""
        prefix = prefix.strip()
        if not prefix or len(prefix) > 50:
            return []
        _, searcher = self._current()
        return suggest_module.complete(prefix, searcher, limit)


# The query's words for an article page (the web layer marks them); see querybuild.
query_words = querybuild.query_words
readable_word = querybuild.readable_word
build_query = querybuild.build_query
