"""One page of hits and the facets of everything that matched (Whoosh's grouping)."""

from __future__ import annotations

from dataclasses import dataclass

import time

from whoosh import sorting
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector
from whoosh.searching import ResultsPage

from .results import OutOfTime

FACET_LIMIT = 20


def run_page(searcher, query, filters, page: int, per_page: int, by_date: bool,
             deadline: float | None = None) -> "ResultPage":
    """The page; with a ``deadline`` (``time.monotonic()``), matching stops there with OutOfTime."""
    facets = {
        "tags": sorting.FieldFacet("tag", allow_overlap=True, maptype=sorting.Count),
        "experts": sorting.FieldFacet("expert", allow_overlap=True, maptype=sorting.Count),
        "years": sorting.FieldFacet("year", maptype=sorting.Count),
    }
    kwargs = dict(filter=filters, groupedby=facets, terms=False)
    if by_date:
        kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
    if deadline is None:
        return ResultPage(searcher.search_page(query, page, pagelen=per_page, **kwargs), page)
    # search_page, with a time limit checked at every matched document (a timer thread sets the
    # flag; no SIGALRM, which only the main thread could receive).  The filter wraps it, as
    # Searcher.collector would wrap it, so that it still sees the documents first.
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OutOfTime
    filters = kwargs.pop("filter")
    collector = _TimeLimit(searcher.collector(limit=page * per_page, **kwargs), remaining, use_alarm=False)
    if filters is not None:
        collector = FilterCollector(collector, filters, None)
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        raise OutOfTime from None
    return ResultPage(ResultsPage(collector.results(), page, per_page), page)


class _TimeLimit(TimeLimitCollector):
    """Whoosh's time limit, also checked when a wrapping collector (the filter) hands it a document."""

    def collect(self, sub_docnum):
        if self.timedout:
            raise TimeLimit
        return self.child.collect(sub_docnum)


@dataclass
class ResultPage:
    total: int
    page_hits: list
    facets: dict[str, list[dict]]

    def __init__(self, results, page: int):
        self.total = results.total
        # Whoosh clamps a page past the end to the last page; a reader asked for nothing there
        self.page_hits = [] if results.pagenum < page else list(results)
        self.facets = {}
        for name in ("tags", "experts", "years"):
            try:
                groups = results.results.groups(name)
            except (KeyError, ValueError):
                groups = {}
            ranked = sorted(((v, c) for v, c in groups.items() if v not in (None, "")), key=lambda vc: (-vc[1], str(vc[0])))
            if name == "years":
                ranked = sorted(ranked, key=lambda vc: -int(vc[0]))
            self.facets[name] = [{"value": v, "count": c} for v, c in ranked[:FACET_LIMIT]]
