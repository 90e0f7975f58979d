"""Query-string parsing, error responses and security headers.

Errors: JSON ``{"error": {"code": <HTTP status>, "message": ..., "param": ...}}`` under
/api/* and /healthz; a friendly Simplified Chinese page everywhere else.  Nothing a
user can type reaches a 500: bad parameters are 400, unknown things 404 (a page past
the last one too, naming ``page``), a missing index 503, and a damaged one (a posting block
that does not decode: ``IndexDamaged``) 503 naming the index and the segment, with the
reason logged and ``/healthz`` degraded. 503, not 500: the fault is in the published data,
not in the code; the service answers again as soon as an ingest publishes a sound snapshot
(the reader follows it without a restart), which is what Retry-After and a load balancer's
"try another instance" mean; and a monitor alerts on it as on any other 5xx.
"""

from __future__ import annotations

import json
import logging
import os
import re

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from ..engine.index import IndexUnavailable
from .guard import OverBudget
from .ratelimit import retry_after
from ..engine.search import MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, BadRequest, IndexDamaged, validate

log = logging.getLogger("searchsvc.web")

MAX_FILTER_CHARS = 100
WHOLE_NUMBER = re.compile(r"\d{1,9}")

HTML_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"

# What a reader sees when a parameter is wrong (the API keeps the English message).
PARAM_MESSAGES_ZH = {
    "q": f"搜索词太长了：最多 {MAX_QUERY_CHARS} 个字符。",
    "page": "页码必须是 1 到 10000 之间的整数。",
    "per_page": f"每页条数必须是 1 到 {MAX_PER_PAGE} 之间的整数。",
    "sort": "排序方式只能是“相关度”或“时间”。",
    "year": "年份必须是四位数字，例如 2025。",
    "year_from": "起始年份必须是四位数字，例如 2024。",
    "year_to": "截止年份必须是四位数字，例如 2025，并且不早于起始年份。",
    "tag": f"标签太长了：最多 {MAX_FILTER_CHARS} 个字符。",
    "expert": f"专家姓名太长了：最多 {MAX_FILTER_CHARS} 个字符。",
    "limit": "数量必须是 1 到 20 之间的整数。",
}


# -- query-string parameters --------------------------------------------------------

def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter in [low, high]; BadRequest naming it otherwise."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadRequest(name, f"{name} must be a whole number from {low} to {high}, not {raw[:20]!r}")
    return int(raw)


def text_arg(name: str, limit: int = MAX_FILTER_CHARS) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    if len(raw) > limit:
        raise BadRequest(name, f"{name} is {len(raw)} characters long; the limit is {limit}")
    return raw or None


def search_args() -> dict:
    """The parameters shared by /search and /api/search, validated."""
    q = (request.args.get("q") or "").strip()
    page = int_arg("page", 1, 1, 10_000)
    per_page = int_arg("per_page", 10, 1, MAX_PER_PAGE)
    sort = (request.args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise BadRequest("sort", f"sort must be one of: {', '.join(SORTS)}; not {sort[:20]!r}")
    validate(q, page, per_page, sort)
    return {"q": q, "page": page, "per_page": per_page, "sort": sort, **filter_args()}


def year_arg(name: str) -> int | None:
    year = request.args.get(name, "").strip()
    if year and not re.fullmatch(r"[12]\d{3}", year):
        raise BadRequest(name, f"{name} must be a four-digit year such as 2025, not {year[:20]!r}")
    return int(year) if year else None


def filter_args() -> dict:
    year_from, year_to = year_arg("year_from"), year_arg("year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadRequest("year_to", f"year_to ({year_to}) is before year_from ({year_from})")
    return {"tag": text_arg("tag"), "expert": text_arg("expert"), "year": year_arg("year"),
            "year_from": year_from, "year_to": year_to}


# -- errors ----------------------------------------------------------------------

class PastTheEnd(Exception):
    """A ``page`` after the last page of results: the API answers 404 naming ``page`` and
    saying how many pages there are (``error.pages``).  Page 1 is never past the end: an
    empty result is a 200 with total 0.  The HTML pages redirect to the last page instead."""

    def __init__(self, page: int, pages: int, per_page: int):
        self.page, self.pages = page, pages
        if pages == 0:
            where = "there are no results, so only page 1 exists (empty)"
        else:
            where = f"there {'is 1 page' if pages == 1 else f'are {pages} pages'} of results at per_page={per_page}"
        super().__init__(f"page {page} is past the end: {where}")


def check_page(page: int, pages: int, per_page: int) -> None:
    """PastTheEnd when ``page`` is after the last of ``pages`` (page 1 always exists)."""
    if page > max(pages, 1):
        raise PastTheEnd(page, pages, per_page)


def wants_json() -> bool:
    path = request.path
    return path.startswith("/api/") or path == "/api" or path == "/healthz"


def error_response(status: int, message: str, param: str | None = None, message_zh: str | None = None,
                   **extra):
    if wants_json():
        body = {"code": status, "message": message}
        if param:
            body["param"] = param
        body.update(extra)
        response = jsonify(error=body)
        response.status_code = status
    else:
        html = render_template("error.html", status=status, message=message_zh or message, param=param,
                               q=(request.args.get("q") or "")[:MAX_QUERY_CHARS])
        response = make_response(html, status)
    if status == 503:
        response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response


DAMAGE_FILE = "index-damaged.json"  # in the state folder: what every worker's /healthz reports


def record_damage(exc: IndexDamaged) -> None:
    """Tell every worker of the server (through the shared state folder) that this snapshot is damaged."""
    folder = current_app.extensions["searchsvc"]["state_dir"]
    temp = folder / f"{DAMAGE_FILE}.{os.getpid()}"
    try:
        temp.write_text(json.dumps({"index": exc.index, "segment": exc.segment, "reason": str(exc)}), "utf-8")
        os.replace(temp, folder / DAMAGE_FILE)
    except OSError as error:  # the error response and the log still say it
        log.warning("could not record the damaged index in %s: %s", folder, error)


def recorded_damage(index_folder: str) -> str | None:
    """Why a search found the snapshot at ``index_folder`` damaged (any worker of this server), or None."""
    try:
        found = json.loads((current_app.extensions["searchsvc"]["state_dir"] / DAMAGE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return found.get("reason") if isinstance(found, dict) and found.get("index") == index_folder else None


HTTP_MESSAGES_ZH = {
    404: "找不到这个页面。它可能已被删除，或者链接有误。",
    405: "不支持这种请求方式。",
    400: "请求有误。",
    413: "请求太大了。",
    429: "请求太频繁了，请稍后再试。",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        return error_response(400, str(exc), exc.param, PARAM_MESSAGES_ZH.get(exc.param, "请求参数有误。"))

    @app.errorhandler(PastTheEnd)
    def past_the_end(exc: PastTheEnd):
        response = error_response(404, str(exc), "page", f"没有第 {exc.page} 页：一共只有 {max(exc.pages, 1)} 页。",
                                  pages=exc.pages)
        if g.get("index_version"):  # the page count is this version's: a later publish may have more
            response.headers["X-Index-Version"] = g.index_version
        return response

    @app.errorhandler(IndexUnavailable)
    def index_unavailable(exc: IndexUnavailable):
        log.warning("index unavailable: %s", exc)
        return error_response(503, f"the search index is unavailable: {exc}", None,
                              "搜索服务暂时不可用：索引尚未建立或无法打开。请稍后再试，或联系管理员运行 searchsvc ingest。")

    @app.errorhandler(IndexDamaged)
    def index_damaged(exc: IndexDamaged):
        log.error("damaged index on %s: %s", request.path, exc)
        record_damage(exc)
        return error_response(503, f"the search index is damaged: {exc}", None,
                              f"搜索服务暂时不可用：索引 {exc.index} 已损坏（片段 {exc.segment}），无法完整读取，"
                              "为避免漏掉结果已停止本次搜索。请联系管理员运行 searchsvc ingest --rebuild 重建索引。",
                              index=exc.index, segment=exc.segment)

    @app.errorhandler(OverBudget)
    def over_budget(exc: OverBudget):
        log.warning("over the time budget: %s", request.path)
        g.over_budget = True  # the metrics count it apart from a 503 for a missing index
        response = error_response(503, str(exc), None, "这次搜索用时太长，已经停止。请换一个更简短的搜索词，或稍后再试。")
        response.headers["Retry-After"] = str(max(1, round(exc.budget)))
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = {404: "not found", 405: "method not allowed",
                   413: "request too large: the body is over the limit (public routes take no body)",
                   429: f"rate limit exceeded ({exc.description}); retry after the time in Retry-After"}.get(
                       status, exc.description or exc.name)
        response = error_response(status, message, None, HTTP_MESSAGES_ZH.get(status, exc.name))
        if status == 429:
            response.headers["Retry-After"] = str(retry_after())
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return error_response(500, "internal error; it has been logged", None, "服务器出错了，我们已记录这个问题。请稍后再试。")

    @app.after_request
    def security_headers(response):
        headers = response.headers
        # setdefault: a blueprint (the embeddable widget, say) may set its own.
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        json_like = response.mimetype == "application/json" or response.status_code == 304
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = JSON_CSP if json_like else HTML_CSP
            # Legacy twin of frame-ancestors 'none'; a view with its own CSP decides framing itself.
            headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
