"""Server-rendered pages in Simplified Chinese; each links its JSON twin."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for

from ..search import MAX_QUERY_CHARS, BadRequest
from . import present
from .api import get_article, get_related, run_articles, run_search
from .caching import cached, index_backed, searcher
from .http import int_arg, search_args

bp = Blueprint("pages", __name__)

SEARCH_PARAMS = ("q", "tag", "expert", "year", "sort", "per_page")
EXAMPLE_QUERIES = ("KRAS G12C", "奥希替尼 耐药", "免疫治疗 不良反应", "小细胞肺癌", "HER2 乳腺癌", "expert:林晓舟")


def page_url(endpoint: str, params: dict, **changes) -> str:
    """The URL of ``endpoint`` with the current params changed (None drops one); page resets unless given."""
    merged = {k: v for k, v in params.items() if k in SEARCH_PARAMS}
    merged.update(changes)
    if merged.get("sort") == "relevance":
        merged.pop("sort")
    if merged.get("per_page") == 10:
        merged.pop("per_page")
    if merged.get("page") == 1:
        merged.pop("page")
    query = urlencode([(k, v) for k, v in merged.items() if v not in (None, "")])
    base = url_for(endpoint, **request.view_args) if request.view_args else url_for(endpoint)
    return f"{base}?{query}" if query else base


def pagination(current: int, pages: int, width: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and a window around the current one; None is a gap."""
    if pages <= 1:
        return []
    shown = sorted({1, pages, *range(max(1, current - width), min(pages, current + width) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


@bp.app_template_global()
def url_with(**changes) -> str:
    params = {k: request.args.get(k) for k in SEARCH_PARAMS if request.args.get(k)}
    if "per_page" in params and params["per_page"].isdigit():
        params["per_page"] = int(params["per_page"])
    return page_url(request.endpoint, params, **changes)


@bp.app_template_global()
def facet_shown(values: list[dict], active) -> int:
    """How many facet values to show before "more": 8, or up to the active one."""
    shown = 8
    for i, f in enumerate(values):
        if active is not None and str(f["value"]) == str(active):
            shown = max(shown, i + 1)
    return shown


@bp.app_template_filter("day")
def day(iso: str) -> str:
    return (iso or "")[:10]


@bp.get("/")
@bp.get("/search")
@index_backed
def search():
    args = search_args()
    filtered = any(args[k] for k in ("tag", "expert", "year"))
    result, took = run_search(args)  # an empty query lists every interview, newest first
    everything = None
    if result.total == 0:  # the empty state offers the whole corpus's tags and experts
        everything, _ = run_articles(1, 1)
    json_url = url_for("api.search", **{k: v for k, v in request.args.items() if k in (*SEARCH_PARAMS, "page")})
    if not args["q"] and not filtered and request.path == "/":
        json_url = url_for("api.articles", **{k: v for k, v in request.args.items() if k in ("page", "per_page")})
    return render_template(
        "search.html", args=args, result=result, took=took, pages=present.page_count(result),
        pagination=pagination(result.page, present.page_count(result)), filtered=filtered, everything=everything,
        json_url=json_url, examples=EXAMPLE_QUERIES, home=request.path == "/" and not args["q"] and not filtered,
    )


@bp.get("/articles/<article_id>")
@index_backed
def article(article_id: str):
    found = get_article(article_id)
    if found is None:
        abort(404)
    q = (request.args.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", "query too long")
    highlighted = cached("highlight", article_id, q, compute=lambda: present.highlight_article(found, searcher().query_words(q)))
    related = get_related(article_id, 5) or []
    json_url = url_for("api.article", article_id=article_id, **({"q": q} if q else {}))
    return render_template("article.html", article=found, h=highlighted, q=q, related=related, json_url=json_url)


def _listing(kind: str, value: str):
    page = int_arg("page", 1, 1, 10_000)
    if len(value) > 100:
        abort(404)
    filters = {kind: value}
    result, _ = run_articles(page, 20, **filters)
    if result.total == 0:
        abort(404)
    expert = None
    if kind == "expert" and result.hits:  # title and bio from the newest interview that has them
        for hit in result.hits[:3]:
            found = get_article(hit.id)
            expert = next((e for e in (found.experts if found else []) if e.name == value and (e.title or e.bio)), None)
            if expert:
                break
    json_url = url_for("api.articles", **filters, **({"page": page} if page > 1 else {}), per_page=20)
    pages = present.page_count(result)
    return render_template("listing.html", kind=kind, value=value, result=result, expert=expert,
                           pages=pages, pagination=pagination(result.page, pages), json_url=json_url)


@bp.get("/experts/<path:name>")
@index_backed
def expert(name: str):
    return _listing("expert", name)


@bp.get("/tags/<path:tag>")
@index_backed
def tag(tag: str):
    return _listing("tag", tag)
