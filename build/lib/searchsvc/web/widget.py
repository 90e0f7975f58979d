"""The embeddable search widget: ``/widget.js`` and the iframe-able ``/embed`` page.

- ``/widget.js`` is one dependency-free script (``searchsvc/static/widget.js``) that
  defines the ``<oncology-search>`` custom element.  Other sites load it from our
  origin, so it is served with CORS and CORP headers that let any page use it
  (including pages with ``crossorigin``/SRI or a COEP policy), a short
  ``max-age`` so fixes roll out within the hour, and an ETag for cheap revalidation.
- ``/embed`` is the same widget on a page of its own, for sites that cannot run
  third-party scripts.  The rest of the site refuses to be framed
  (``frame-ancestors 'none'``); this page sets its own CSP with
  ``frame-ancestors *``.  The app-wide security headers use ``setdefault``, so
  the headers set here win.

See docs/widget.md for the element's API and the copy-paste snippets.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file

bp = Blueprint("widget", __name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
WIDGET_JS = STATIC_DIR / "widget.js"
WIDGET_MAX_AGE = 3600  # seconds; the URL is not versioned, so keep it short
EMBED_MAX_AGE = 300

LIMIT_RANGE = (1, 20)
TARGETS = {"_blank", "_top", "_self"}
MAX_TEXT = 100

# The embed page's only inline style, allowed by its hash (no 'unsafe-inline').
EMBED_CSS = (
    "html,body{margin:0;padding:0;background:transparent}"
    "body{padding:8px}"
    "oncology-search{max-width:none;--oncology-search-panel-position:static;"
    "--oncology-search-panel-gap:6px;--oncology-search-panel-max-height:none;"
    "--oncology-search-shadow:none}"
)
EMBED_CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(EMBED_CSS.encode("utf-8")).digest()).decode("ascii")

# The framed page talks only to us; any site may frame it.
EMBED_CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    f"style-src '{EMBED_CSS_HASH}'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors *",
])
WIDGET_JS_CSP = "default-src 'none'; frame-ancestors 'none'"


@bp.get("/widget.js")
def script():
    """The widget script, usable from any origin."""
    response = send_file(WIDGET_JS, mimetype="text/javascript", conditional=True, etag=True,
                         max_age=WIDGET_MAX_AGE)
    headers = response.headers
    headers["Content-Type"] = "text/javascript; charset=utf-8"
    headers.pop("Content-Disposition", None)
    headers["Cache-Control"] = f"public, max-age={WIDGET_MAX_AGE}, stale-while-revalidate=86400"
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = WIDGET_JS_CSP
    return response


@bp.get("/embed")
def embed():
    """The widget alone on a page, for an <iframe> on another site."""
    options = {
        "limit": _limit(request.args.get("limit")),
        "tag": _text(request.args.get("tag")),
        "placeholder": _text(request.args.get("placeholder")),
        "target": request.args.get("target") if request.args.get("target") in TARGETS else "_blank",
    }
    html = render_template("embed.html", embed_css=EMBED_CSS, site_name=_site_name(), **options)
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={EMBED_MAX_AGE}"
    return response


@bp.after_request
def embed_headers(response):
    """Headers of the framed page.

    Blueprint hooks run before the app-wide security headers, which only fill in
    what is missing (``setdefault``), so these win.  The site-wide
    ``X-Frame-Options: DENY`` must not be added to this page; where it is anyway,
    current browsers obey CSP ``frame-ancestors`` instead.
    """
    if request.endpoint == "widget.embed":
        response.headers["Content-Security-Policy"] = EMBED_CSP
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "unsafe-none"
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _limit(raw: str | None) -> int | None:
    if raw and raw.strip().isdigit():
        return max(LIMIT_RANGE[0], min(LIMIT_RANGE[1], int(raw.strip())))
    return None


def _text(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    return raw[:MAX_TEXT] or None


def _site_name() -> str:
    try:
        from . import SITE_NAME
    except ImportError:  # pragma: no cover
        return "肿瘤专家访谈检索"
    return SITE_NAME
