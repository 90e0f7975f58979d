"""The web service: server-rendered pages, their JSON twins, and the public API.

Flask's application-factory layout::

    create_app(config)      builds an app; config overrides the environment (settings: ../settings.py)
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
    insights.py             recording searches and opened results (off the request path), the beacons
    beacons.py              which beacons are counted: sent from our pages (or the widget's sites), under a rate
    editors.py              editors' sign-in: hashed tokens, the signed session cookie, CSRF
    attempts.py             the limit on token attempts per client (sign-in form, wrong Bearer tokens)
    desk.py                 the editors' desk (/desk) and its JSON (/api/desk, /api/related)
    metrics.py              /metrics for operators (Prometheus's text format; loopback or a token)
    server.py               gunicorn (``searchsvc serve``)

Templates and static files live in the package (``searchsvc/templates``,
``searchsvc/static``), as in Flask's tutorial layout, so a wheel carries them.

The web layer never touches Whoosh: everything goes through ``searchsvc.engine.search.Searcher``.

May import: every part below it (engine, insights, query, analysis and searchsvc's base
modules), never ingest (``/metrics`` reads the last ingest's report from disk) nor the CLI.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_cors import CORS

from .. import settings
from ..engine.index import IndexStore
from ..engine.search import Searcher
from .release import PACKAGE_DIR, release_id
from .resultcache import open_result_cache
from .state import state_dir

# templates/ sits at the top of the checkout (the design card's layout); a wheel carries it as searchsvc/templates/
TEMPLATE_DIR = PACKAGE_DIR / "templates" if (PACKAGE_DIR / "templates").is_dir() else PACKAGE_DIR.parent / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
SITE_NAME = "肿瘤专家访谈检索"
DESK_SETTINGS = tuple(s.name for s in settings.SETTINGS
                      if s.name.startswith(("SEARCHSVC_INSIGHTS_", "SEARCHSVC_EDITOR_", "SEARCHSVC_SECRET_", "SEARCHSVC_SIGNIN_")))


def default_config() -> dict:
    """Every setting's typed value from the environment (``searchsvc.settings``; create_app's argument overrides)."""
    return settings.load()


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` (tests, ``searchsvc serve``) overrides the environment.

    Every setting is read and checked here (``searchsvc.settings``): a bad value raises one
    SettingsError naming it, before anything is opened.  ``SEARCHSVC_INDEX`` may also be an IndexStore.
    """
    config = dict(config or {})
    given_store = config.get("SEARCHSVC_INDEX")
    if isinstance(given_store, IndexStore):
        config["SEARCHSVC_INDEX"] = str(given_store.root)
    typed = settings.load(config)
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), static_folder=str(STATIC_DIR),
                static_url_path="/static")
    app.config.update(config)  # other Flask settings (TESTING, ...) as given
    app.config.update(typed)
    app.config.setdefault("SEND_FILE_MAX_AGE_DEFAULT", 3600)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.json.compact = True
    # "/api/articles//x" is a 404 in the API's JSON, not Werkzeug's HTML redirect to a merged path
    app.url_map.merge_slashes = False

    store = given_store if isinstance(given_store, IndexStore) else IndexStore(Path(typed["SEARCHSVC_INDEX"]))
    shared = state_dir(typed["SEARCHSVC_STATE_DIR"])
    desk = {name: typed[name] for name in DESK_SETTINGS}
    release = release_id()
    app.extensions["searchsvc"] = {
        "searcher": Searcher(store),
        "cache": open_result_cache(typed["SEARCHSVC_CACHE_STORAGE"], shared, typed["SEARCHSVC_CACHE_MB"], release),
        "release": release,
        "state_dir": shared,
        # what insights and the desk read (editors.init_app replaces the secrets here by what they are)
        "desk_settings": desk,
    }

    proxies = typed["SEARCHSVC_TRUSTED_PROXIES"]
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the client's address and scheme: a forwarded Host or prefix would let anyone choose the
        # origin of the absolute URLs we write (feeds, the OpenAPI document) and poison a shared cache.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_prefix=0)

    origins = list(typed["SEARCHSVC_CORS_ORIGINS"])
    anyone = origins == ["*"]
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
    from . import attempts, desk as desk_pages, editors, insights
    attempts.init_app(app, typed["SEARCHSVC_SIGNIN_RATE_LIMIT"], shared)  # sign-in, and Bearer tokens (desk, /metrics)
    insights.init_app(app, desk)
    editors.init_app(app, desk)
    app.register_blueprint(desk_pages.bp)

    return app

