"""The JSON API under /api/ (the contract other sites and the widget build on) and /healthz."""

from __future__ import annotations

import time

from flask import Blueprint, jsonify, request

from ..engine.index import IndexUnavailable
from ..engine.search import MAX_QUERY_CHARS, BadRequest
from . import present
from .caching import cached, index_backed, searcher, static_cacheable
from .guard import deadline
from .http import check_page, filter_args, int_arg, recorded_damage, search_args

bp = Blueprint("api", __name__)


YEAR_FILTERS = ("year", "year_from", "year_to")


def run_search(args: dict):
    """(SearchResult, took_ms) for validated search args, through the result cache."""
    started = time.perf_counter()
    key = (args["q"], args["page"], args["per_page"], args["tag"], args["expert"], args["year"], args["sort"],
           args.get("year_from"), args.get("year_to"))
    stop_at = deadline()  # read here: the work runs on the budget pool, outside this request's context
    result = cached("search", *key, compute=lambda: searcher().search(
        args["q"], page=args["page"], per_page=args["per_page"], tag=args["tag"], expert=args["expert"],
        year=args["year"], sort=args["sort"], year_from=args.get("year_from"), year_to=args.get("year_to"),
        deadline=stop_at))
    return result, round((time.perf_counter() - started) * 1000, 2)


def run_articles(page: int, per_page: int, tag=None, expert=None, year=None, year_from=None, year_to=None):
    started = time.perf_counter()
    stop_at = deadline()
    result = cached("articles", page, per_page, tag, expert, year, year_from, year_to,
                    compute=lambda: searcher().articles(page, per_page, tag=tag, expert=expert, year=year,
                                                        year_from=year_from, year_to=year_to, deadline=stop_at))
    return result, round((time.perf_counter() - started) * 1000, 2)


def year_counts(args: dict, result) -> list[dict]:
    """Matching interviews per year, as if no year filter were set.

    The results-by-year chart draws every year the search spans, with the chosen
    ones marked, so a reader sees where the selection sits and can widen it.
    """
    if not any(args.get(k) for k in YEAR_FILTERS):
        return result.facets["years"]
    unfiltered = {**args, "page": 1, **{k: None for k in YEAR_FILTERS}}
    if "q" in args:
        return run_search(unfiltered)[0].facets["years"]
    return run_articles(1, args.get("per_page") or 10, **{k: unfiltered.get(k) for k in ("tag", "expert", *YEAR_FILTERS)})[0].facets["years"]


def get_article(article_id: str):
    return cached("article", article_id, compute=lambda: searcher().article(article_id))


def get_related(article_id: str, limit: int):
    return cached("related", article_id, limit, compute=lambda: searcher().related(article_id, limit=limit))


@bp.get("/api/search")
@index_backed
def search():
    args = search_args()
    result, took = run_search(args)
    check_page(result.page, present.page_count(result), result.per_page)
    return jsonify(present.search_dict(result, took, years=year_counts(args, result)))


@bp.get("/api/articles")
@index_backed
def articles():
    page = int_arg("page", 1, 1, 10_000)
    per_page = int_arg("per_page", 10, 1, 50)
    filters = filter_args()
    result, took = run_articles(page, per_page, **filters)
    check_page(page, present.page_count(result), per_page)
    body = present.search_dict(result, took, with_matches=False,
                               years=year_counts({**filters, "per_page": per_page}, result))
    for key in ("query", "mode", "suggestion", "understood"):
        body.pop(key)
    body["filters"] = filters
    return jsonify(body)


@bp.get("/api/articles/<article_id>")
@index_backed
def article(article_id: str):
    found = get_article(article_id)
    if found is None:
        return not_found(article_id)
    q = (request.args.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    highlighted = cached("highlight", article_id, q, compute=lambda: present.highlight_article(found, searcher().query_words(q))) if q else None
    return jsonify(present.article_dict(found, highlighted))


@bp.get("/api/articles/<article_id>/related")
@index_backed
def related(article_id: str):
    limit = int_arg("limit", 5, 1, 20)
    found = get_related(article_id, limit)
    if found is None:
        return not_found(article_id)
    return jsonify(present.related_dict(article_id, found))


@bp.get("/api/suggest")
@index_backed
def suggest():
    q = request.args.get("q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    limit = int_arg("limit", 8, 1, 20)
    found = cached("suggest", q.strip(), limit, compute=lambda: searcher().suggest(q, limit=limit))
    return jsonify(query=q, suggestions=[dict(s) for s in found])


@bp.get("/api/openapi.json")
@static_cacheable
def openapi():
    from .openapi import spec

    return jsonify(spec(request.host_url.rstrip("/")))


@bp.get("/healthz")
def healthz():
    try:
        health = searcher().health()
    except IndexUnavailable as exc:
        response = jsonify(status="unavailable", reason=str(exc), articles=0, documents=0, index_version=None)
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response
    if health["status"] == "ok":  # another worker of this server may have found the snapshot damaged
        reason = recorded_damage(str(searcher().store.snapshot_path(health["index_version"])))
        if reason:
            health.update(status="degraded", reason=reason)
    response = jsonify(health)
    if health["status"] != "ok":  # "degraded": a search found the published snapshot damaged (see http.py)
        response.status_code = 503
        response.headers["Retry-After"] = "30"
    return response


def not_found(article_id: str):
    response = jsonify(error={"code": 404, "message": f"no interview with id {article_id!r}"})
    response.status_code = 404
    return response


__all__ = ["bp"]
