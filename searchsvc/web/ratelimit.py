"""The per-client rate limit on /api/*: one budget per client, whichever worker answers.

``SEARCHSVC_RATE_LIMIT`` (default ``600/minute``; ``off`` turns it off) is
counted per client address over every /api/* route together (/healthz, the pages and
the widget are not limited), with flask-limiter's moving window.  A client over it gets
429 with ``Retry-After``; no rate headers go on other responses (they are cacheable by
shared caches and must not carry one client's counts).  Behind a reverse proxy set
``SEARCHSVC_TRUSTED_PROXIES`` so that the client's address, not the proxy's, is counted.
Nobody is exempt unless ``SEARCHSVC_RATE_LIMIT_EXEMPT`` lists them.

Where the counters live (``SEARCHSVC_RATE_LIMIT_STORAGE``):

- **empty (default): the embedded store**, ``DiskcacheStorage`` below, in the server's
  state folder (``state.py``).  Every worker process of the server (and every service
  pointed at the same ``SEARCHSVC_STATE_DIR``) counts into it, so 600/minute means 600
  a minute per client, not 600 per worker.  Why this store: ``limits`` ships memory,
  Redis, Memcached and MongoDB storages only.  Its memory storage is per process (N
  workers give N budgets) and was not thread-safe (a burst raised ``RuntimeError:
  threads can only be started once``, limits issue #26), and the others need a server.
  diskcache is SQLite underneath: transactions that lock across processes and threads,
  connections reopened after a fork, entries that expire; the moving window of a
  client is one row, read and rewritten in one ``BEGIN IMMEDIATE`` transaction.
- **``redis://host:port/db``**: flask-limiter's own Redis storage, one budget per
  client across every machine that points at the same Redis.

If the storage fails (Redis gone, say), requests are let through without a limit and
a warning is logged (at most once a minute per process): the limit fails open, never
with a 500.
"""

from __future__ import annotations

import bisect
import logging
import math
import sqlite3
import threading
import time
from pathlib import Path

from flask import Flask, current_app, has_app_context, request
from limits.storage import MovingWindowSupport, Storage

log = logging.getLogger("searchsvc.web")

STORAGE_TIMEOUT = 0.5  # seconds for Redis to connect or answer before the request goes unlimited
WARN_EVERY = 60.0


class DiskcacheStorage(Storage, MovingWindowSupport):
    """A ``limits`` storage in a local diskcache folder (``diskcache:///path/to/folder``).

    Supports the fixed window (``incr``) and moving window (``acquire_entry``) strategies;
    a moving window is the sorted list of its hits' times, under one key.
    """

    STORAGE_SCHEME = ["diskcache"]
    clock = staticmethod(time.time)  # the hits' times; a test may set an instance's own (a window that never rolls)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        import diskcache

        folder = uri.split("://", 1)[1]
        if not folder:
            raise ValueError(f"a diskcache storage needs a folder: diskcache:///path, not {uri!r}")
        self.cache = diskcache.Cache(folder, timeout=5, size_limit=int(options.get("size_limit", 2**28)),
                                     eviction_policy="least-recently-stored", statistics=False)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        import diskcache

        return (sqlite3.Error, OSError, diskcache.Timeout)

    # -- fixed window ------------------------------------------------------------
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.cache.transact(retry=True):
            value = self.cache.get(key, default=0, retry=True)
            if value:
                self.cache.set(key, value + amount, expire=max(0.001, self.get_expiry(key) - self.clock()), retry=True)
            else:
                self.cache.set(key, amount, expire=expiry, retry=True)
            return value + amount

    def get(self, key: str) -> int:
        value = self.cache.get(key, default=0, retry=True)
        return value if isinstance(value, int) else len(value)

    def get_expiry(self, key: str) -> float:
        _, expire_time = self.cache.get(key, default=None, expire_time=True, retry=True)
        return expire_time or self.clock()

    def check(self) -> bool:
        try:
            self.cache.get("searchsvc:check", retry=True)
            return True
        except Exception:
            return False

    def reset(self) -> int | None:
        return self.cache.clear(retry=True)

    def clear(self, key: str) -> None:
        self.cache.delete(key, retry=True)

    # -- moving window -------------------------------------------------------------
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self.clock()
        with self.cache.transact(retry=True):
            hits = self._window(key, expiry, now)
            if len(hits) + amount > limit:
                return False
            for _ in range(amount):
                bisect.insort(hits, now)
            self.cache.set(key, hits, expire=expiry, retry=True)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self.clock()
        hits = self._window(key, expiry, now)
        return (hits[0], len(hits)) if hits else (now, 0)

    def _window(self, key: str, expiry: int, now: float) -> list[float]:
        hits = self.cache.get(key, default=[], retry=True)
        return hits[bisect.bisect_right(hits, now - expiry):]


def storage_uri(configured: str, state_dir: Path) -> tuple[str, dict]:
    """(flask-limiter storage URI, its options) for ``SEARCHSVC_RATE_LIMIT_STORAGE`` (checked by settings.py)."""
    if not configured:
        return f"diskcache://{state_dir / 'ratelimit'}", {}
    if configured.startswith("unix://"):
        configured = "redis+" + configured
    return configured, {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}


class _FailOpenWarning(logging.Filter):
    """flask-limiter logs a swallowed storage error with its traceback on every request;
    say it as one warning line, at most once a minute per app (per worker process)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Swallowing error" not in record.getMessage():
            return True
        error = record.exc_info[1] if record.exc_info else None
        service = current_app.extensions["searchsvc"] if has_app_context() else {}
        now = time.monotonic()
        with _WARN_LOCK:
            last = service.get("rate_limit_warned")
            if last is not None and now - last < WARN_EVERY:
                return False
            service["rate_limit_warned"] = now
        log.warning("rate limit storage failed (%s: %s); requests are let through without a limit",
                    type(error).__name__ if error else "error", error)
        return False


_WARN_LOCK = threading.Lock()
_FAIL_OPEN = _FailOpenWarning()


def retry_after() -> int:
    """Seconds until the breached rate limit lets this client in again."""
    limiter = current_app.extensions["searchsvc"].get("limiter")
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return 60
    now = getattr(limiter.storage, "clock", time.time)()  # the clock the window's hits were counted by
    return max(1, math.ceil(current.reset_at - now))


def init_app(app: Flask, state_dir: Path) -> None:
    """The limit from the app's settings (typed and checked by create_app; None: off)."""
    limit: str | None = app.config["SEARCHSVC_RATE_LIMIT"]
    if not limit:
        return
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    exempt: frozenset[str] = app.config["SEARCHSVC_RATE_LIMIT_EXEMPT"]

    def exempt_when() -> bool:
        return (not request.path.startswith("/api/") or request.method == "OPTIONS"
                or get_remote_address() in exempt)

    uri, options = storage_uri(app.config["SEARCHSVC_RATE_LIMIT_STORAGE"], state_dir)
    limiter = Limiter(
        get_remote_address, app=app, storage_uri=uri, storage_options=options, headers_enabled=False,
        strategy="moving-window", key_prefix="searchsvc", swallow_errors=True,
        # one budget per client across every /api/* route (default_limits would count each route apart)
        application_limits=[limit], application_limits_exempt_when=exempt_when,
    )
    limiter.logger.addFilter(_FAIL_OPEN)
    app.extensions["searchsvc"]["limiter"] = limiter
