"""One page of hits and the facets of everything that matched (Whoosh's grouping)."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import sorting

FACET_LIMIT = 20


def run_page(searcher, query, filters, page: int, per_page: int, by_date: bool) -> "ResultPage":
    facets = {
        "tags": sorting.FieldFacet("tag", allow_overlap=True, maptype=sorting.Count),
        "experts": sorting.FieldFacet("expert", allow_overlap=True, maptype=sorting.Count),
        "years": sorting.FieldFacet("year", maptype=sorting.Count),
    }
    kwargs = dict(filter=filters, groupedby=facets, terms=False)
    if by_date:
        kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
    return ResultPage(searcher.search_page(query, page, pagelen=per_page, **kwargs), page)


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
            if name == "years":  # every year, newest first: the results-by-year chart draws them all
                ranked = sorted(ranked, key=lambda vc: -int(vc[0]))
            else:
                ranked = ranked[:FACET_LIMIT]
            self.facets[name] = [{"value": v, "count": c} for v, c in ranked]
