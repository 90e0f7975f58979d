"""Metrics for operators: ``/metrics`` in Prometheus's text format (prometheus_client).

What is counted, and where:

- every request, by route (Flask's URL rule, e.g. ``/api/articles/<article_id>``, never
  the path or query a client sent; ``<unmatched>`` for a URL no route has), method (``other``
  for any but GET, HEAD, POST, PUT, DELETE, OPTIONS and PATCH) and status: ``searchsvc_http_requests_total`` and the latency histogram
  ``searchsvc_http_request_duration_seconds`` (from the first ``before_request`` to
  ``after_request``, so 304s, 429s and 503s count too);
- the search's stages (``Searcher.search``: understanding, ranking, highlighting), through
  the searcher's ``stage_observer`` hook: ``searchsvc_search_stage_duration_seconds``;
- result-cache lookups (``resultcache.ResultCache.observer``):
  ``searchsvc_result_cache_hits_total`` / ``_misses_total`` by kind (search, article...);
- requests refused by the rate limit (429) and by the time budget (503):
  ``searchsvc_rate_limited_requests_total`` / ``searchsvc_over_budget_requests_total``;
- read when scraped (any worker reads the same files): the published index's version,
  age and size (``searchsvc_index_*``), and the last ingest's report, which ``ingest``
  writes beside the snapshots (``IndexStore.last_report``) (``searchsvc_last_ingest_*``).

Across gunicorn's workers the counters and histograms live in prometheus_client's
multiprocess mode: each worker writes its values to mmap'd files in
``PROMETHEUS_MULTIPROC_DIR`` (set up, cleared, and removed by ``server.serve``; dead
workers are marked by gunicorn's ``child_exit`` hook), and a scrape sums every file, so
one scrape sees the whole server.  Without that variable (Flask's dev server, the test
client) the values are this process's own.

Access: the loopback address, or ``Authorization: Bearer <SEARCHSVC_METRICS_TOKEN>``
(kept only as its SHA-256, compared in constant time).  Anything else gets the same 404
as an unknown URL, so the endpoint is not advertised to the Internet.  Wrong tokens count
against the desk's limit on token attempts per client (``attempts.py``): past it, 429.  A request that
came through a proxy is not loopback unless ``SEARCHSVC_TRUSTED_PROXIES`` resolves the
client's own address (ProxyFix), and then that address is what counts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import time
from functools import lru_cache

from flask import Blueprint, Flask, Response, abort, current_app, g, request

# Its setting, SEARCHSVC_METRICS_TOKEN, is a row of the settings table (searchsvc/settings.py).
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
STAGES = ("understanding", "ranking", "highlighting")
UNMATCHED = "<unmatched>"
# the method label: any other method a client sends counts as "other" (one label value, not one per word)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

bp = Blueprint("metrics", __name__)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class _Instruments:
    """The process's counters and histograms (one set per process: prometheus_client names are global)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

        disable_created_metrics()  # no *_created series: multiprocess mode has none either, so one format

        # Single-process mode reads this registry; multiprocess mode reads every worker's files instead.
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("searchsvc_http_requests", "HTTP requests answered, by route, method and status.",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("searchsvc_http_request_duration_seconds",
                                 "Time to answer a request, by route, method and status.",
                                 ["route", "method", "status"], buckets=REQUEST_BUCKETS, registry=r)
        self.stages = Histogram("searchsvc_search_stage_duration_seconds",
                                "Time a search spent in each stage (understanding, ranking, highlighting).",
                                ["stage"], buckets=STAGE_BUCKETS, registry=r)
        self.cache_hits = Counter("searchsvc_result_cache_hits", "Result-cache lookups answered from the cache.",
                                  ["kind"], registry=r)
        self.cache_misses = Counter("searchsvc_result_cache_misses",
                                    "Result-cache lookups that had to compute the result.", ["kind"], registry=r)
        self.rate_limited = Counter("searchsvc_rate_limited_requests",
                                    "Requests refused with 429 by the per-client rate limit.", ["route"], registry=r)
        self.over_budget = Counter("searchsvc_over_budget_requests",
                                   "Requests answered 503 because they ran past the time budget.", ["route"],
                                   registry=r)
        # the stage histogram's children exist from the start: a scrape lists every stage
        self.stage = {name: self.stages.labels(name) for name in STAGES}


@lru_cache(maxsize=1)
def instruments() -> _Instruments:
    """Created on first use, after ``server.serve`` has set PROMETHEUS_MULTIPROC_DIR (read at import)."""
    return _Instruments()


def observe_stage(stage: str, seconds: float) -> None:
    instruments().stage[stage].observe(seconds)


def observe_cache(kind: str, hit: bool) -> None:
    m = instruments()
    (m.cache_hits if hit else m.cache_misses).labels(kind).inc()


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


# -- access -----------------------------------------------------------------------------
MIN_TOKEN_CHARS = 16


def token_hash(token: str) -> bytes | None:
    """The SHA-256 of the configured token (None: no token); a short one is refused at startup."""
    token = (token or "").strip()
    if not token:
        return None
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"SEARCHSVC_METRICS_TOKEN must be at least {MIN_TOKEN_CHARS} characters long "
                         f"(it is {len(token)}); make one with: python -c 'import secrets; print(secrets.token_urlsafe())'")
    return hashlib.sha256(token.encode("utf-8")).digest()


def _token_ok() -> bool:
    wanted = current_app.extensions["searchsvc"].get("metrics_token_hash")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if wanted is None or scheme.lower() != "bearer" or not presented.strip():
        return False
    return hmac.compare_digest(hashlib.sha256(presented.strip().encode("utf-8")).digest(), wanted)


def _loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False  # a unix socket, or nothing: not known to be this machine
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def local_client() -> bool:
    """Whether the client (as resolved through the trusted proxies) is this machine.

    A request carrying forwarding headers that ProxyFix did not resolve (no proxies trusted,
    or fewer hops than trusted) came from somewhere else through a proxy here: not local.
    """
    env = request.environ
    original = env.get("werkzeug.proxy_fix.orig") or {}
    forwarded_for = original.get("HTTP_X_FORWARDED_FOR", env.get("HTTP_X_FORWARDED_FOR")) or ""
    hops = [h for h in forwarded_for.split(",") if h.strip()]
    forwarded = bool(hops) or "HTTP_FORWARDED" in env or "HTTP_X_REAL_IP" in env
    trusted = int(current_app.config.get("SEARCHSVC_TRUSTED_PROXIES") or 0)
    if forwarded and (trusted == 0 or len(hops) < trusted):
        return False
    return _loopback(request.remote_addr)


# -- what a scrape reads from disk ---------------------------------------------------------
class _IndexCollector:
    """The published index and the last ingest, read at each scrape."""

    def __init__(self, searcher):
        self.searcher = searcher

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from ..engine.index import IndexUnavailable

        store = self.searcher.store
        up = GaugeMetricFamily("searchsvc_index_up", "1 when a published index can be searched, else 0.")
        try:
            health = self.searcher.health()
            published = os.lstat(store.current).st_mtime
        except (IndexUnavailable, OSError):
            up.add_metric([], 0)
            yield up
        else:
            up.add_metric([], 1)
            yield up
            info = GaugeMetricFamily("searchsvc_index_info", "The published index version (always 1).",
                                     labels=["version"])
            info.add_metric([health["index_version"]], 1)
            yield info
            yield GaugeMetricFamily("searchsvc_index_age_seconds", "Seconds since the index was published.",
                                    value=max(0.0, time.time() - published))
            yield GaugeMetricFamily("searchsvc_index_documents", "Interviews in the published index.",
                                    value=health["articles"])
        report = read_last_report(store)
        if report is not None:
            for key in ("added", "updated", "removed", "failed", "lost"):
                yield GaugeMetricFamily(f"searchsvc_last_ingest_{key}",
                                        f"The last ingest's {key} count (its report, {store.last_report.name}).",
                                        value=report[key])
            yield GaugeMetricFamily("searchsvc_last_ingest_timestamp_seconds",
                                    "When the last ingest finished (Unix time).", value=report["finished"])


def read_last_report(store) -> dict | None:
    """The last ingest's counts (``ingest.write_last_report``), or None when none was written or it is unreadable."""
    try:
        data = json.loads(store.last_report.read_text("utf-8"))
        return {k: float(data[k]) for k in ("added", "updated", "removed", "failed", "lost", "finished")}
    except (OSError, ValueError, KeyError, TypeError):
        return None


class _Scrape:
    """The collectors one scrape reads: the counters (this process's, or every worker's files) and the index."""

    def __init__(self, searcher):
        self.parts = [_IndexCollector(searcher)]
        if multiprocess():
            from prometheus_client import CollectorRegistry, multiprocess as mp

            merged = CollectorRegistry()
            mp.MultiProcessCollector(merged)
            self.parts.insert(0, merged)
        else:
            self.parts.insert(0, instruments().registry)

    def collect(self):
        for part in self.parts:
            yield from part.collect()


@bp.route("/metrics")
def metrics():
    from . import attempts

    presented = request.headers.get("Authorization", "").partition(" ")[0].lower() == "bearer"
    if presented:
        refused = attempts.refused()  # wrong tokens count against the sign-in's limit per client
        if refused is not None:
            return refused
    token_ok = _token_ok()
    if presented and not token_ok:
        attempts.failed()
    if not (token_ok or local_client()):
        abort(404)
    from prometheus_client import generate_latest

    body = generate_latest(_Scrape(current_app.extensions["searchsvc"]["searcher"]))
    return Response(body, mimetype=None, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


# -- wiring -----------------------------------------------------------------------------------
def init_app(app: Flask) -> None:
    """Count every request, time the search's stages and cache lookups, and serve /metrics."""
    service = app.extensions["searchsvc"]
    service["metrics_token_hash"] = token_hash(str(app.config.get("SEARCHSVC_METRICS_TOKEN") or ""))
    app.config["SEARCHSVC_METRICS_TOKEN"] = "(set)" if service["metrics_token_hash"] else ""  # only the hash is kept
    m = instruments()
    service["searcher"].stage_observer = observe_stage
    service["cache"].observer = observe_cache

    def start_timer():
        g.metrics_started = time.perf_counter()

    # first of all: a request refused by another before_request (429, 304, 413) is timed too
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)

    @app.after_request
    def count(response):
        started = g.get("metrics_started")
        route, status = _route(), str(response.status_code)
        labels = (route, request.method if request.method in METHODS else "other", status)
        m.requests.labels(*labels).inc()
        if started is not None:
            m.latency.labels(*labels).observe(time.perf_counter() - started)
        if response.status_code == 429:
            m.rate_limited.labels(route).inc()
        elif response.status_code == 503 and g.get("over_budget"):
            m.over_budget.labels(route).inc()
        return response

    app.register_blueprint(bp)
