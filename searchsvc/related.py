"""More like this: an interview's own distinctive terms, searched across the index."""

from __future__ import annotations

import json
import math

from whoosh import query as Q

from . import analysis
from .results import Related


def related(searcher, article_id: str, limit: int = 5) -> list[Related] | None:
    """Interviews sharing the most distinctive terms of ``article_id`` (None: no such interview)."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return None
    terms = _distinctive_terms(searcher, docnum, 25)
    if not terms:
        return []
    query = Q.Or([Q.Term(f, t, boost=w) for f, t, w in terms])
    results = searcher.search(query, limit=limit + 1, filter=None, mask=Q.Term("id", article_id), terms=False)
    out = []
    for hit in results:
        data = json.loads(hit["article"])
        out.append(Related(id=data["id"], title=data["title"], date=data["date"], score=round(hit.score, 4)))
    return out[:limit]


def _distinctive_terms(searcher, docnum: int, count: int) -> list[tuple[str, str, float]]:
    """The document's terms with the highest tf-idf, from its stored article text."""
    data = json.loads(searcher.stored_fields(docnum)["article"])
    text = " ".join([data["title"]] * 3 + [q["question"] + " " + q["answer"] for q in data["qa"]] + data["tags"] * 3)
    counts: dict[str, int] = {}
    for tok in analysis.tokens(text, mode="query"):
        if len(tok) >= 2 and not tok.isdigit():
            counts[tok] = counts.get(tok, 0) + 1
    n = searcher.doc_count_all()
    scored = []
    for tok, tf in counts.items():
        df = max(searcher.doc_frequency(f, tok) for f in ("title", "question", "answer"))
        if df <= 1 and n > 1:
            continue  # only this interview has it: cannot relate it to another
        idf = math.log(1 + n / (1 + df))
        scored.append((tf * idf, tok))
    scored.sort(reverse=True)
    return [(f, tok, round(w, 3)) for w, tok in scored[:count] for f in ("title", "question", "answer", "meta")]
