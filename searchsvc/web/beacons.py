"""Which insight beacons are counted: where they came from, and how many per second.

The beacons (``POST /api/insights/search`` and ``/open``) take no credentials: anyone can
send one, so the counts are best-effort (README, "Search insights").  Two checks keep them
honest enough:

- **Where from.** A browser names the page that sent a POST (``Origin``, else ``Referer``).
  A beacon from our own pages (``source=page``) must come from this site; one from the
  widget (``source=widget``) from this site (``/embed``) or an origin allowed to call the
  API (``SEARCHSVC_CORS_ORIGINS``: the sites the widget may run on).  Any other is refused
  (403) and not counted.  A request naming no page at all (not a browser) passes this
  check: only the throttle below stands in its way.
- **How many.** ``SEARCHSVC_INSIGHTS_BEACON_RATE`` beacons per route and worker process,
  from all readers together (a fixed window, kept in memory, keyed by nothing about the
  reader); the rest are refused (429) and not counted.
"""

from __future__ import annotations

import os
import threading
import time
from urllib.parse import urlsplit

from flask import current_app, request

from .http import error_response


class Throttle:
    """At most ``amount`` hits per ``seconds`` for each (amount, seconds) limit and route, in this
    process (fixed windows)."""

    clock = staticmethod(time.monotonic)  # a test may set an instance's own (a window that never rolls)

    def __init__(self, limits: list[tuple[int, float]]):
        self.limits = limits
        self._windows: dict[tuple[str, int], tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def hit(self, route: str) -> bool:
        now = self.clock()
        with self._lock:
            if self._pid != os.getpid():  # a forked worker counts its own
                self._windows, self._pid = {}, os.getpid()
            windows = {}
            for i, (amount, seconds) in enumerate(self.limits):
                start, count = self._windows.get((route, i), (now, 0))
                if now - start >= seconds:
                    start, count = now, 0
                if count >= amount:
                    return False
                windows[(route, i)] = (start, count + 1)
            self._windows.update(windows)
            return True


def throttle(limit: str | None) -> Throttle | None:
    """The throttle for the setting's value (None: ``off``)."""
    if limit is None:
        return None
    from limits import parse_many

    return Throttle([(item.amount, item.get_expiry()) for item in parse_many(limit)])


def _sender() -> str | None:
    """The origin of the page that sent the request (``scheme://host[:port]``), as the browser says; None when it does not."""
    origin = (request.headers.get("Origin") or "").strip()
    if origin:
        return origin.rstrip("/").lower()
    referer = urlsplit((request.headers.get("Referer") or "").strip())
    return f"{referer.scheme}://{referer.netloc}".lower() if referer.scheme and referer.netloc else None


def from_allowed_page(source: str) -> bool:
    sender = _sender()
    if sender is None:
        return True
    if sender == request.host_url.rstrip("/").lower():
        return True
    if source != "widget":
        return False
    allowed = [o.rstrip("/").lower() for o in current_app.config.get("SEARCHSVC_CORS_ORIGINS") or ()]
    return allowed == ["*"] or sender in allowed


def refused(source: str):
    """The response refusing this beacon (403: sent from elsewhere; 429: over the rate), or None to count it."""
    if not from_allowed_page(source):
        return error_response(403, "beacons are counted from this site's pages and from the origins in "
                                   "SEARCHSVC_CORS_ORIGINS (the widget) only", None, "不接受来自其他网站的统计请求。")
    limit = current_app.extensions["searchsvc"].get("beacon_throttle")
    if limit is not None and not limit.hit(request.path):
        response = error_response(429, "too many beacons right now; they are counted best-effort", None,
                                  "请求太频繁了，请稍后再试。")
        response.headers["Retry-After"] = "1"
        return response
    return None
