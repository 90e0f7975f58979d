"""The editors' desk: what readers look for and don't find, and related interviews for a draft.

Pages (Simplified Chinese; editors only, see ``editors.py``)::

    GET  /desk                 insights: top searches and trend, gaps by concept, nothing opened,
                               corrections; links to the JSON and CSV
    GET  /desk/signin          the sign-in form          POST /desk/signin   sign in (CSRF, rate-limited)
    POST /desk/signout         sign out (CSRF)
    GET  /desk/related         the draft form            POST /desk/related  related interviews for a draft (CSRF)

JSON twins::

    GET  /api/desk             the desk's report (insights_report.report)
    GET  /api/desk.csv         the same as CSV
    POST /api/related          related interviews for a draft ({"text": ..., "limit": n} or a form)

Without ``SEARCHSVC_EDITOR_TOKENS`` every one of these answers 404.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for

from ..insights import report as insights_report
from ..engine.search import BadRequest
from . import attempts, editors
from .insights import today

log = logging.getLogger("searchsvc.web")

bp = Blueprint("desk", __name__)

MAX_RELATED = 20


def _report() -> dict | None:
    """The report over the days kept; None when insights are off."""
    recorder = current_app.extensions["searchsvc"].get("insights")
    settings = current_app.extensions["searchsvc"]["desk_settings"]
    if recorder is None:
        return None
    day = today()
    days = settings["SEARCHSVC_INSIGHTS_DAYS"]
    rows = recorder.store.read(insights_report.cutoff(day, days), day)
    return insights_report.report(rows, day, settings["SEARCHSVC_INSIGHTS_MIN_COUNT"], days)


def _safe_report() -> tuple[dict | None, str | None]:
    try:
        return _report(), None
    except Exception as exc:  # the store is down: the desk says so instead of failing
        log.warning("insight store could not be read (%s: %s)", type(exc).__name__, exc)
        return None, "暂时无法读取搜索数据（存储不可用），请稍后再试。"


@bp.get("/desk")
@editors.require_editor
def desk():
    rep, problem = _safe_report()
    return render_template("desk.html", rep=rep, problem=problem, csrf=editors.csrf_token(),
                           json_url=url_for("desk.desk_json"))


@bp.get("/api/desk")
@editors.require_editor_api
def desk_json():
    rep, problem = _safe_report()
    if problem:
        return _store_unavailable()
    if rep is None:
        return jsonify(enabled=False)
    return jsonify(enabled=True, **rep)


@bp.get("/api/desk.csv")
@editors.require_editor_api
def desk_csv():
    rep, problem = _safe_report()
    if problem:
        return _store_unavailable()
    body = insights_report.to_csv(rep) if rep else ",".join(insights_report.CSV_COLUMNS) + "\r\n"
    response = make_response("\ufeff" + body)  # the BOM: spreadsheet programs then read UTF-8
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="searchsvc-insights-{today()}.csv"'
    return response


def _store_unavailable():
    from .http import error_response

    return error_response(503, "the insight store cannot be read right now", None, "暂时无法读取搜索数据。")


# -- sign-in ---------------------------------------------------------------------------

def _next_url() -> str:
    """Where to go after signing in: a desk page of this site, never elsewhere."""
    target = (request.values.get("next") or "").strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/desk") or "\\" in target:
        return url_for("desk.desk")
    return target


@bp.get("/desk/signin")
def signin_form():
    if not editors.enabled():
        return _off()
    if editors.signed_in():
        return redirect(_next_url())
    return render_template("desk_signin.html", csrf=editors.csrf_token(), next=_next_url(), error=None,
                           hours=_hours())


@bp.post("/desk/signin")
def signin():
    if not editors.enabled():
        return _off()
    try:
        allowed = attempts.allowed()
    except Exception as exc:
        log.warning("sign-in rate limit store failed (%s); sign-in refused", type(exc).__name__)
        return _signin_page("暂时无法登录，请稍后再试。", 503)
    if not allowed:
        response = _signin_page("登录尝试太频繁，请稍后再试。", 429)
        response.headers["Retry-After"] = str(attempts.retry_after())
        return response
    editors.check_csrf()
    found = editors.match(request.form.get("token") or "")
    if found is None:
        log.warning("desk sign-in failed (wrong token)")  # never what was typed
        return _signin_page("令牌不正确。", 401)
    editors.sign_in(found)
    log.info("desk sign-in")
    return redirect(_next_url(), 303)


def _signin_page(error: str, status: int):
    html = render_template("desk_signin.html", csrf=editors.csrf_token(), next=_next_url(), error=error,
                           hours=_hours())
    return make_response(html, status)


@bp.post("/desk/signout")
@editors.require_editor
def signout():
    editors.sign_out()
    return redirect(url_for("desk.signin_form"), 303)


def _hours() -> str:
    return f"{current_app.extensions['searchsvc']['editor_hours']:g}"


def _off():
    from flask import abort

    abort(404)


# -- related interviews for a draft ---------------------------------------------------

def _draft_related(text: str, limit: int):
    from .caching import searcher
    from .guard import within_budget

    text = text.strip()
    if not text:
        raise BadRequest("text", "text (a title or a draft) is required")
    return within_budget(lambda: searcher().related_for_draft(text, limit=limit))


def _limit(raw) -> int:
    raw = str(raw if raw is not None else "10").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RELATED:
        raise BadRequest("limit", f"limit must be a whole number from 1 to {MAX_RELATED}, not {raw[:20]!r}")
    return int(raw)


@bp.get("/desk/related")
@editors.require_editor
def related_form():
    return render_template("desk_related.html", csrf=editors.csrf_token(), text="", found=None,
                           max_body=current_app.config["MAX_CONTENT_LENGTH"])


@bp.post("/desk/related")
@editors.require_editor
def related_page():
    text = request.form.get("text") or ""
    found = _draft_related(text, 10) if text.strip() else None
    return render_template("desk_related.html", csrf=editors.csrf_token(), text=text, found=found,
                           max_body=current_app.config["MAX_CONTENT_LENGTH"])


@bp.post("/api/related")
@editors.require_editor_api
def related_json():
    from .present import related_dict

    body = request.get_json(silent=True) if request.is_json else None
    if request.is_json and not isinstance(body, dict):
        raise BadRequest("text", 'the body must be a JSON object: {"text": "...", "limit": 10}')
    source = body if body is not None else request.form
    text = source.get("text")
    if not isinstance(text, str):
        raise BadRequest("text", "text (a title or a draft) is required, as a string")
    limit = _limit(source.get("limit"))
    found = _draft_related(text, limit) or []
    out = related_dict("", found)
    out.pop("id", None)
    return jsonify(chars=len(text.strip()), **out)
