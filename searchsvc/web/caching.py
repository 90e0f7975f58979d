"""HTTP caching, and reading through the shared result cache; both keyed by the index version.

- Views that read the index are marked ``@index_backed``.  Before such a view runs,
  the published index version is read (one readlink); the weak ETag is a hash of
  that version, the release (``release.py``: code, templates, static files, lexicon),
  the host and the full URL.
  A matching ``If-None-Match`` is answered 304 at once, without searching.
- A 200 from such a view carries the ETag, ``Cache-Control: public, max-age=N`` and
  ``X-Index-Version``; anything else is ``no-store``.
- ``cached`` reads search results, articles, related lists and suggestions through
  the result cache (``resultcache.py``) that all workers share, keyed by the index
  version, so a newly published index is used at once.
"""

from __future__ import annotations

import hashlib
from typing import Callable

from flask import Flask, current_app, g, request

from ..engine.index import IndexUnavailable


def service() -> dict:
    return current_app.extensions["searchsvc"]


def searcher():
    return service()["searcher"]


def cached(kind: str, *args, compute: Callable[[], object]):
    """Look up ``(kind, *args)`` for the request's index version, computing it on a miss."""
    from .guard import within_budget

    value = service()["cache"].get_or_compute(g.index_version, (kind, *args), lambda: within_budget(compute))
    version = getattr(value, "index_version", None)
    if version and version != g.index_version:
        # An ingest published between this request's version check and its search: the response is
        # the newer version's, so its ETag and X-Index-Version say so (not the version it started on).
        g.index_version, g.etag = version, _etag(version)
    return value


def index_backed(view):
    """Mark a view whose response depends only on the URL and the published index."""
    view.index_backed = True
    return view


def static_cacheable(view):
    """Mark a view whose response depends only on the URL and the release (not the index)."""
    view.static_cacheable = True
    return view


def _etag(version: str) -> str:
    release = service()["release"]
    raw = f"{version}|{release}|{request.host}|{request.full_path}"
    return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def init_app(app: Flask) -> None:
    @app.before_request
    def conditional_get():
        g.index_version = None
        g.etag = None
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or request.method not in ("GET", "HEAD"):
            return None
        if getattr(view, "index_backed", False):
            # Raises IndexUnavailable (-> 503) when nothing is published.
            g.index_version = searcher().version()
            g.etag = _etag(g.index_version)
        elif getattr(view, "static_cacheable", False):
            g.etag = _etag("static")
        else:
            return None
        if request.if_none_match and request.if_none_match.contains_weak(g.etag):
            response = app.response_class(status=304)
            response.set_etag(g.etag, weak=True)
            return response
        return None

    @app.after_request
    def cache_headers(response):
        if g.get("etag") and response.status_code in (200, 304):
            if response.status_code == 200:
                response.set_etag(g.etag, weak=True)
            max_age: int = app.config["SEARCHSVC_CACHE_MAX_AGE"]
            response.headers["Cache-Control"] = f"public, max-age={max_age}"
            if g.get("index_version"):
                response.headers["X-Index-Version"] = g.index_version
        elif request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


__all__ = ["cached", "index_backed", "static_cacheable", "searcher", "IndexUnavailable"]
