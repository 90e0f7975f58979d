"""Server-rendered pages in Simplified Chinese; each links its JSON twin."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, url_for

from .. import names
from ..engine.search import MAX_QUERY_CHARS, BadRequest
from . import insights, present, yearchart
from .api import YEAR_FILTERS, get_article, get_related, run_articles, run_search, year_counts
from .caching import cached, index_backed, searcher, static_cacheable
from .http import int_arg, search_args

bp = Blueprint("pages", __name__)

SEARCH_PARAMS = ("q", "tag", "expert", "year", "year_from", "year_to", "sort", "per_page")
FILTER_PARAMS = ("tag", "expert", *YEAR_FILTERS)
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
def result_url(article_id: str, qa: int | None = None) -> str:
    """An interview's page, from a search: it carries the search (to mark its terms and link back)."""
    params = {}
    if request.endpoint == "pages.search":
        params = {k: v for k in (*SEARCH_PARAMS, "page") if (v := (request.args.get(k) or "").strip())}
    url = url_for("pages.article", article_id=article_id, **params)
    return f"{url}#qa-{qa}" if qa else url


def back_params() -> dict:
    """The search an interview was opened from (see result_url), for its back link."""
    return {k: v[:MAX_QUERY_CHARS] for k in (*SEARCH_PARAMS, "page") if (v := (request.args.get(k) or "").strip())}


@bp.app_template_global()
def year_span(low, high) -> str:
    """A year filter as a reader says it: 2024 年, 2023–2025 年, 2024 年起, 截至 2025 年."""
    if low is not None and low == high:
        return f"{low} 年"
    if low is not None and high is not None:
        return f"{low}–{high} 年"
    return f"{low} 年起" if low is not None else f"截至 {high} 年"


@bp.app_template_global()
def facet_shown(values: list[dict], active) -> int:
    """How many facet values to show before "more": 8, or up to the active one."""
    shown = 8
    for i, f in enumerate(values):
        if active is not None and str(f["value"]) == str(active):
            shown = max(shown, i + 1)
    return shown


@bp.app_template_global()
def tag_url(tag: str) -> str:
    """The listing of a tag, at its canonical key whatever script the page wrote it in."""
    return url_for("pages.tag", tag=names.key(tag))


@bp.app_template_global()
def expert_url(name: str) -> str:
    return url_for("pages.expert", name=names.key(name))


@bp.app_template_filter("day")
def day(iso: str) -> str:
    return (iso or "")[:10]


@bp.get("/")
@bp.get("/search")
@index_backed
def search():
    args = search_args()
    filtered = any(args[k] for k in FILTER_PARAMS)
    result, took = run_search(args)  # an empty query lists every interview, newest first
    if args["q"] and args["page"] == 1:
        insights.record_search(result)  # an O(1) enqueue (nothing under DNT / Sec-GPC, or for instant results)
    pages = present.page_count(result)
    if pages and result.page > pages:  # a stale or hand-made link past the end: the last page
        return redirect(url_with(page=pages))
    everything = None
    if result.total == 0:  # the empty state offers the whole corpus's tags and experts
        everything, _ = run_articles(1, 1)
    json_url = url_for("api.search", **{k: v for k, v in request.args.items() if k in (*SEARCH_PARAMS, "page")})
    home = request.path == "/" and not args["q"] and not filtered
    if home:
        json_url = url_for("api.articles", **{k: v for k, v in request.args.items() if k in ("page", "per_page")})
    years = year_counts(args, result)
    chart = yearchart.build(years, args["year"], args["year_from"], args["year_to"])
    chosen = yearchart.chosen_range(args["year"], args["year_from"], args["year_to"])
    feed_url = url_for("feeds.search", **{k: v for k, v in request.args.items() if k in SEARCH_PARAMS})
    return render_template(
        "search.html", args=args, result=result, took=took, pages=pages,
        pagination=pagination(result.page, pages), filtered=filtered, everything=everything,
        json_url=json_url, examples=EXAMPLE_QUERIES, home=home, chart=chart, years=years, chosen=chosen,
        filter_count=sum(1 for k in ("tag", "expert") if args[k]) + (1 if any(args[k] for k in YEAR_FILTERS) else 0),
        feed_url=feed_url, feed_title=_feed_title(args),
        insights_url=url_for("insights.search_beacon").rsplit("/", 1)[0] if insights.recorder() else None,
    )


def _feed_title(args: dict) -> str:
    parts = [f"“{args['q']}”"] if args["q"] else []
    parts += [f"{label}：{args[k]}" for k, label in (("tag", "标签"), ("expert", "专家")) if args[k]]
    low, high = yearchart.chosen_range(args["year"], args["year_from"], args["year_to"])
    if low is not None or high is not None:
        parts.append(year_span(low, high))
    return "订阅" + "，".join(parts) + "的新访谈（Atom）" if parts else "订阅新访谈（Atom）"


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
    back = back_params()
    return render_template("article.html", article=found, h=highlighted, q=q, related=related, json_url=json_url,
                           back=back, back_url=url_for("pages.search", **back) if back else None,
                           citation=present.citation(found),
                           canonical_url=present.article_url(article_id, external=True))


def _listing(kind: str, value: str):
    page = int_arg("page", 1, 1, 10_000)
    if len(value) > 100:
        abort(404)
    key = names.key(value)
    if not key:
        abort(404)
    filters = {kind: key}
    result, _ = run_articles(page, 20, **filters)
    if result.total == 0:
        abort(404)
    if key != value:  # 免疫治療 and 免疫治疗 are one listing, at the Simplified key
        endpoint_arg = {"expert": "name", "tag": "tag"}[kind]
        return redirect(url_for(f"pages.{kind}", **{endpoint_arg: key}, **({"page": page} if page > 1 else {})), 301)
    pages = present.page_count(result)
    if result.page > pages:
        return redirect(url_for(request.endpoint, **request.view_args, **({"page": pages} if pages > 1 else {})))
    expert = None
    if kind == "expert" and result.hits:  # title and bio from the newest interview that has them
        for hit in result.hits[:3]:
            found = get_article(hit.id)
            expert = next((e for e in (found.experts if found else []) if names.key(e.name) == key and (e.title or e.bio)),
                          None)
            if expert:
                break
    written = [v for hit in result.hits for v in (hit.experts if kind == "expert" else hit.tags) if names.key(v) == key]
    shown = expert.name if expert else (written[0] if written else key)  # as the newest interview writes it
    json_url = url_for("api.articles", **filters, **({"page": page} if page > 1 else {}), per_page=20)
    feed_url = url_for(f"feeds.{kind}", **{"name" if kind == "expert" else "tag": key})
    return render_template("listing.html", kind=kind, value=key, shown=shown, result=result, expert=expert,
                           pages=pages, pagination=pagination(result.page, pages), json_url=json_url,
                           feed_url=feed_url, feed_title=f"订阅{'专家' if kind == 'expert' else '标签'}“{shown}”的新访谈（Atom）")


@bp.get("/experts/<path:name>")
@index_backed
def expert(name: str):
    return _listing("expert", name)


@bp.get("/tags/<path:tag>")
@index_backed
def tag(tag: str):
    return _listing("tag", tag)


@bp.get("/favicon.ico")
@static_cacheable
def favicon():
    """Browsers ask for /favicon.ico before reading the page's <link rel="icon">: the same SVG."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
