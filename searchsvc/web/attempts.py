"""The limit on token attempts per client address: the desk's sign-in form, wrong Bearer tokens.

One budget (``SEARCHSVC_SIGNIN_RATE_LIMIT``, default 10/minute) per client address, counted
in the rate limit's store (``ratelimit.storage_uri``; the embedded one in its own folder),
so every worker and every way of presenting a token draw on it:

- each sign-in attempt on ``/desk/signin`` (``allowed``: counted before the token is read);
- each *wrong* ``Authorization: Bearer`` token on the desk's JSON (``editors.require_editor_api``)
  or on ``/metrics`` (``failed``); a right one costs nothing, and once the budget is spent any
  token is refused (``refused``: 429 with Retry-After) until the window moves on.

When the store fails, a token is refused (503) rather than tried without a limit.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app

log = logging.getLogger("searchsvc.web")

SCOPE = "searchsvc-signin"


def _limiter():
    return current_app.extensions["searchsvc"]["attempt_limiter"]


def _client() -> str:
    from flask_limiter.util import get_remote_address

    return get_remote_address()


def storage():
    """The store the attempts are counted in (``limits``' storage: ``incr``, ``get``), shared by the workers."""
    return _limiter()[0].storage


def allowed() -> bool:
    """Count one attempt of this client; False once over the limit. Raises when the store fails."""
    limiter, item = _limiter()
    return limiter.hit(item, SCOPE, _client())


def failed() -> None:
    """Count a wrong token this client presented (a store that fails is logged: ``refused`` says so next)."""
    limiter, item = _limiter()
    try:
        limiter.hit(item, SCOPE, _client())
    except Exception as exc:
        log.warning("token attempt limit store failed (%s)", type(exc).__name__)


def refused():
    """The response refusing this client's token (429: its attempts are spent; 503: the store fails), or None."""
    from .http import error_response

    limiter, item = _limiter()
    try:
        ok = limiter.test(item, SCOPE, _client())
    except Exception as exc:
        log.warning("token attempt limit store failed (%s); token refused", type(exc).__name__)
        return error_response(503, "tokens cannot be checked right now", None, "暂时无法登录，请稍后再试。")
    if ok:
        return None
    response = error_response(429, "too many wrong tokens from this address; retry after the time in Retry-After",
                              None, "登录尝试太频繁，请稍后再试。")
    response.headers["Retry-After"] = str(retry_after())
    return response


def retry_after() -> int:
    limiter, item = _limiter()
    reset, _ = limiter.get_window_stats(item, SCOPE, _client())
    return max(1, int(reset - time.time()) + 1)


def init_app(app: Flask, limit: str, state_dir) -> None:
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    from .ratelimit import storage_uri

    configured = str(app.config.get("SEARCHSVC_RATE_LIMIT_STORAGE") or "").strip()
    uri, options = storage_uri(configured, state_dir)
    if not configured:
        uri = f"diskcache://{state_dir / 'signin'}"
    app.extensions["searchsvc"]["attempt_limiter"] = (MovingWindowRateLimiter(storage_from_string(uri, **options)),
                                                      parse(limit))
