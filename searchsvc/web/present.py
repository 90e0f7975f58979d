"""Shape search results for the JSON API and the templates.

Only fields named ``*_html`` carry markup: text escaped by ``searchsvc.engine.highlight``
with nothing added but ``<mark>``.  Everything else is plain text, escaped by Jinja
(pages) or by JSON (API).
"""

from __future__ import annotations

from flask import url_for

from ..analysis.affiliation import affiliation
from ..article import Article
from ..engine.highlight import mark, spans_by_analysis
from ..results import ExpertDetail, Hit, Related, SearchResult
from ..query.queryplan import readable_word


def article_url(article_id: str, external: bool = False, q: str | None = None, qa: int | None = None) -> str:
    params = {"q": q} if q else {}
    url = url_for("pages.article", article_id=article_id, _external=external, **params)
    return f"{url}#qa-{qa}" if qa else url


def hit_dict(hit: Hit, with_matches: bool = True) -> dict:
    url = article_url(hit.id, external=True)
    out = {
        "id": hit.id,
        "title": hit.title,
        "title_html": hit.title_html,
        "url": url,
        "date": hit.date,
        "experts": list(hit.experts),
        "expert_details": details_list(hit.expert_details),
        "tags": list(hit.tags),
    }
    if with_matches:
        out["score"] = hit.score
        out["matches"] = [
            {"qa": m.qa, "question_html": m.question_html, "snippet_html": m.snippet_html, "expert": m.expert,
             "url": f"{url}#qa-{m.qa}"}
            for m in hit.matches
        ]
    return out


def search_dict(result: SearchResult, took_ms: float, with_matches: bool = True,
                years: list[dict] | None = None) -> dict:
    """The JSON of a search; ``years`` replaces the year facet (see api.year_counts)."""
    facets = {name: [dict(f) for f in values] for name, values in result.facets.items()}
    if years is not None:
        facets["years"] = [dict(f) for f in years]
    return {
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": page_count(result),
        "took_ms": took_ms,
        "mode": result.mode,
        "hits": [hit_dict(h, with_matches) for h in result.hits],
        "facets": facets,
        "suggestion": result.suggestion,
        "understood": result.understood,
        "index_version": result.index_version,
    }


def page_count(result: SearchResult) -> int:
    return min(10_000, -(-result.total // result.per_page)) if result.total else 0


def article_dict(article: Article, highlighted: dict | None = None) -> dict:
    out = {
        "id": article.id,
        "title": article.title,
        "url": article_url(article.id, external=True),
        "date": article.date,
        "outlet": article.outlet,
        "views": article.views,
        "lead": article.lead,
        "editor_note": article.editor_note,
        "experts": [{"name": e.name, "title": e.title, "affiliation": affiliation(e.bio), "bio": e.bio}
                    for e in article.experts],
        "tags": list(article.tags),
        "qa": [{"question": q.question, "answer": q.answer, "expert": q.expert} for q in article.qa],
        "kind": article.kind,  # interview | answers (subheadings + answers) | prose (a report)
        "title_derived": article.title_derived,
        "related_url": url_for("api.related", article_id=article.id, _external=True),
        "source_url": article.source_url or None,  # the original article on the web, when the source names it
        "citation": citation(article),
    }
    if highlighted is not None:
        out["title_html"] = highlighted["title_html"]
        for item, marked in zip(out["qa"], highlighted["qa"]):
            item["question_html"] = marked["question_html"]
            item["answer_html"] = "\n\n".join(marked["answer_html"])
    return out


def related_dict(article_id: str, related: list[Related]) -> dict:
    return {
        "id": article_id,
        "related": [{"id": r.id, "title": r.title, "url": article_url(r.id, external=True), "date": r.date,
                     "score": r.score, "experts": list(r.experts), "expert_details": details_list(r.expert_details),
                     "tags": list(r.tags),
                     "why": {"experts": list(r.shared_experts), "tags": list(r.shared_tags),
                             "concepts": list(r.shared_concepts)}}
                    for r in related],
    }


def details_list(details: list[ExpertDetail]) -> list[dict]:
    return [{"name": d.name, "title": d.title, "affiliation": d.affiliation} for d in details]


def expert_label(detail: ExpertDetail) -> str:
    """One expert as plain text: 林晓舟（教授，江南医科大学附属肿瘤医院胸部肿瘤内科）, or just the name."""
    extra = "，".join(part for part in (detail.title, detail.affiliation) if part)
    return f"{detail.name}（{extra}）" if extra else detail.name


def source_url(article: Article) -> str:
    """The interview's original address when the source gave one (http or https only)."""
    url = (getattr(article, "source_url", "") or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


def citation(article: Article) -> dict:
    """What an editor needs to cite the interview, and one formatted line (GB/T 7714 style)."""
    url = article_url(article.id, external=True)
    original = source_url(article)
    experts = ", ".join(f"{e.name}" for e in article.experts)
    date = (article.date or "")[:10]
    head = f"{experts}. " if experts else ""
    where = ", ".join(part for part in (article.outlet, date) if part)
    text = f"{head}{article.title}[EB/OL]. {where + '. ' if where else ''}{original or url}"
    if original:
        text += f" (本站：{url})"
    return {"title": article.title, "experts": [e.name for e in article.experts], "outlet": article.outlet,
            "date": date, "source_url": original, "url": url, "text": text}


# -- the query's terms on an article page ------------------------------------------

def highlight_article(article: Article, words: set[str]) -> dict:
    """Every text of the article escaped, with the query's words (``Searcher.query_words``) marked.

    Answers come back as a list of paragraphs (the page's own blank-line breaks).
    """

    def marked(text: str) -> str:
        return mark(text, spans_by_analysis(text, words)) if words else mark(text, [])

    def paragraphs(text: str) -> list[str]:
        return [marked(p.strip()) for p in text.split("\n\n") if p.strip()]

    return {
        "words": sorted({readable_word(w) for w in words}),
        "title_html": marked(article.title),
        "lead_html": paragraphs(article.lead),
        "editor_note_html": paragraphs(article.editor_note),
        "qa": [{"question_html": marked(qa.question), "answer_html": paragraphs(qa.answer)} for qa in article.qa],
    }
