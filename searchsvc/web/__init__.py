"""The web service: server-rendered pages, their JSON twins, and the public API.

Flask's application-factory layout::

    create_app(config)      builds an app; config overrides the environment
    pages.py                HTML pages (/, /search, /articles/<id>, /experts/<name>, /tags/<tag>)
    api.py                  JSON API (/api/*) and /healthz
    caching.py              index-version ETags, 304s, Cache-Control, and reading through the result cache
    resultcache.py          the result cache shared by the workers (diskcache; or Redis)
    ratelimit.py            the per-client rate limit on /api/* shared by the workers (diskcache; or Redis)
    guard.py                the time budget per request and the size limits
    state.py                the folder the workers of one server share their embedded stores in
    release.py              the release id (code, templates, static files, lexicon) that ETags carry
    http.py                 query-string parsing, errors (JSON on /api/*, HTML elsewhere), security headers
    present.py              shaping search results for the API and the templates
    openapi.py              the OpenAPI document served at /api/openapi.json
    metrics.py              /metrics for operators (Prometheus's text format; loopback or a token)
    server.py               gunicorn (``searchsvc serve``)

Templates and static files live in the package (``searchsvc/templates``,
``searchsvc/static``), as in Flask's tutorial layout, so a wheel carries them.

The web layer never touches Whoosh: everything goes through ``searchsvc.search.Searcher``.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_cors import CORS

from ..index import DEFAULT_INDEX_DIR, IndexStore
from ..search import Searcher
from .metrics import settings_from_env as metrics_settings
from .release import PACKAGE_DIR, release_id
from .resultcache import open_result_cache
from .state import state_dir

# templates/ sits at the top of the checkout (the design card's layout); a wheel carries it as searchsvc/templates/
TEMPLATE_DIR = PACKAGE_DIR / "templates" if (PACKAGE_DIR / "templates").is_dir() else PACKAGE_DIR.parent / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
SITE_NAME = "肿瘤专家访谈检索"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a whole number, not {raw!r}") from None


def default_config() -> dict:
    """Settings read from the environment (each can be overridden by create_app's argument)."""
    return {
        # Index folder holding the published snapshots ('current' -> the live one).
        "SEARCHSVC_INDEX": os.environ.get("SEARCHSVC_INDEX") or str(DEFAULT_INDEX_DIR),
        # Origins allowed to call /api/* from a browser: "*" or a comma-separated list.
        "SEARCHSVC_CORS_ORIGINS": os.environ.get("SEARCHSVC_CORS_ORIGINS", "*"),
        # Megabytes of search results cached for all workers of the server (0 turns the cache off).
        "SEARCHSVC_CACHE_MB": _env_int("SEARCHSVC_CACHE_MB", 64),
        # Where that cache lives: empty = the embedded store in the state folder; redis://host:port/db = Redis.
        "SEARCHSVC_CACHE_STORAGE": os.environ.get("SEARCHSVC_CACHE_STORAGE", ""),
        # Folder the workers share their embedded stores in; empty = a private one per `searchsvc serve`.
        "SEARCHSVC_STATE_DIR": os.environ.get("SEARCHSVC_STATE_DIR", ""),
        # Seconds a browser or CDN may reuse a page or API response before revalidating.
        "SEARCHSVC_CACHE_MAX_AGE": _env_int("SEARCHSVC_CACHE_MAX_AGE", 60),
        # Number of reverse proxies in front (X-Forwarded-* trusted from that many hops); 0 = none.
        "SEARCHSVC_TRUSTED_PROXIES": _env_int("SEARCHSVC_TRUSTED_PROXIES", 0),
        # Requests per client address on /api/* ("600/minute", "20/second"...; "off" = no limit). See ratelimit.py.
        "SEARCHSVC_RATE_LIMIT": os.environ.get("SEARCHSVC_RATE_LIMIT", "600/minute"),
        # Where the counters live: empty = the embedded store in the state folder; redis://host:port/db = Redis.
        "SEARCHSVC_RATE_LIMIT_STORAGE": os.environ.get("SEARCHSVC_RATE_LIMIT_STORAGE", ""),
        # Client addresses never rate-limited (comma-separated; empty = none).
        "SEARCHSVC_RATE_LIMIT_EXEMPT": os.environ.get("SEARCHSVC_RATE_LIMIT_EXEMPT", ""),
        # Seconds a request may spend on index work before it is answered 503 (0 = no budget).
        "SEARCHSVC_TIME_BUDGET": os.environ.get("SEARCHSVC_TIME_BUDGET", "5"),
        # Threads per worker process that run index work under the time budget.
        "SEARCHSVC_BUDGET_THREADS": _env_int("SEARCHSVC_BUDGET_THREADS", 4),
        # Largest request body accepted, in bytes (the public routes read none).
        "SEARCHSVC_MAX_BODY": _env_int("SEARCHSVC_MAX_BODY", 16 * 1024),
        # /metrics's settings (web/metrics.py SETTINGS: name, default, type, meaning).
        **metrics_settings(),
    }


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` (tests, ``searchsvc serve``) overrides the environment."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), static_folder=str(STATIC_DIR),
                static_url_path="/static")
    app.config.update(default_config())
    app.config.update(config or {})
    app.config.setdefault("SEND_FILE_MAX_AGE_DEFAULT", 3600)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.json.compact = True
    # "/api/articles//x" is a 404 in the API's JSON, not Werkzeug's HTML redirect to a merged path
    app.url_map.merge_slashes = False

    store = app.config["SEARCHSVC_INDEX"]
    store = store if isinstance(store, IndexStore) else IndexStore(Path(store))
    shared = state_dir(app.config["SEARCHSVC_STATE_DIR"])
    release = release_id()
    app.extensions["searchsvc"] = {
        "searcher": Searcher(store),
        "cache": open_result_cache(str(app.config["SEARCHSVC_CACHE_STORAGE"]), shared,
                                   int(app.config["SEARCHSVC_CACHE_MB"]), release),
        "release": release,
        "state_dir": shared,
    }

    proxies = int(app.config["SEARCHSVC_TRUSTED_PROXIES"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)

    origins = [o.strip() for o in str(app.config["SEARCHSVC_CORS_ORIGINS"]).split(",") if o.strip()] or ["*"]
    anyone = "*" in origins
    # With "*" the header is the literal "*" (one cacheable response for every origin);
    # with an allowlist the matching origin is echoed and responses vary by Origin.
    CORS(app, resources={r"/api/*": {"origins": "*" if anyone else origins}}, send_wildcard=anyone,
         methods=["GET", "HEAD", "OPTIONS"], expose_headers=["ETag", "X-Index-Version"],
         supports_credentials=False, max_age=86400)

    from . import api, caching, guard, http, metrics, pages, ratelimit

    metrics.init_app(app)  # first: its clock starts before any other check may answer the request
    http.init_app(app)
    guard.init_app(app)
    ratelimit.init_app(app, shared)  # before caching: a rate-limited request is refused before any index work
    app.context_processor(lambda: {"site_name": SITE_NAME, "release": release})
    caching.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    # --- Blueprints owned by other modules register below this line. ---------------
    # (e.g. the embeddable widget: /widget.js and /embed)
    from . import widget
    app.register_blueprint(widget.bp)
    from . import feeds
    app.register_blueprint(feeds.bp)

    return app

