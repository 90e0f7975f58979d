"""The result cache shared by every worker process of a server (or, with Redis, of many).

gunicorn runs several worker processes, and a browser or a proxy opens a new
connection for each request, so a repeated query usually lands on another worker than
the one that answered it first.  A cache inside each worker would miss most repeats;
this one lives outside them:

- **Embedded (default)**: a ``diskcache.Cache`` in the server's state folder
  (``SEARCHSVC_STATE_DIR``; see ``state.py``).  diskcache keeps entries in SQLite, whose
  locking makes it safe for many processes and threads at once; it reopens its
  connection after a fork, and it bounds its size (``SEARCHSVC_CACHE_MB``), evicting
  the least recently stored entries first.  A hit is one indexed SQLite read plus
  unpickling: well under a millisecond.
- **Redis** (``SEARCHSVC_CACHE_STORAGE=redis://host:port/db``): one cache for all
  replicas.  Entries expire after ``REDIS_TTL`` seconds; bound the memory on the Redis
  side (``maxmemory`` with ``allkeys-lru``).  Redis must be as trusted as the index:
  entries are pickles.

Keys start with the release and the index version, so a newly published index is used at once; old
versions' entries are never read again and are the first to go when the store fills.
If the store fails (Redis gone, a disk error), the request is computed as if nothing
were cached and a warning is logged (at most once a minute per process): a cache
never turns an answer into an error.
"""

from __future__ import annotations

import json
import logging
import pickle
import threading
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger("searchsvc.web")

REDIS_TTL = 3600
REDIS_TIMEOUT = 0.5  # seconds to connect or answer before the cache is skipped
WARN_EVERY = 60.0


class _Missing:
    pass


MISSING = _Missing()


class ResultCache:
    """``get_or_compute(version, key, compute)`` over a shared store; ``None`` store = off."""

    def __init__(self, store=None, namespace: str = ""):
        self.store = store
        self.namespace = namespace  # the release: another version of the code never reads these entries
        self.hits = 0  # this process's own counts (for tests and curiosity)
        self.misses = 0
        self._warned = 0.0
        self._lock = threading.Lock()
        self.observer: Callable[[str, bool], None] | None = None  # (kind, hit) per lookup: the metrics

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def get_or_compute(self, version: str, key: tuple, compute: Callable[[], object]):
        if self.store is None:
            return compute()
        full = json.dumps([self.namespace, version, *key], ensure_ascii=False, default=str)
        value = self._read(full)
        if self.observer is not None:
            self.observer(str(key[0]) if key else "", value is not MISSING)
        if value is not MISSING:
            self.hits += 1
            return value
        self.misses += 1
        value = compute()  # two workers may compute the same thing once each; both store the same value
        self._write(full, value)
        return value

    def _read(self, key: str):
        try:
            return self.store.get(key)
        except Exception as exc:  # a cache never turns an answer into an error
            self._warn("read", exc)
            return MISSING

    def _write(self, key: str, value) -> None:
        try:
            self.store.set(key, value)
        except Exception as exc:
            self._warn("write", exc)

    def _warn(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            if self._warned and now - self._warned < WARN_EVERY:
                return
            self._warned = now
        log.warning("result cache %s failed (%s: %s); answering without the cache", what, type(exc).__name__, exc)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


class DiskStore:
    """diskcache on a local folder: shared by the processes of one machine."""

    def __init__(self, folder: Path, megabytes: int):
        import diskcache

        self.cache = diskcache.Cache(
            str(folder), size_limit=megabytes * 2**20, eviction_policy="least-recently-stored",
            disk_min_file_size=2**20,  # results stay in SQLite rows (no file per entry)
            timeout=5, statistics=False,
        )

    def get(self, key: str):
        return self.cache.get(key, default=MISSING, retry=True)

    def set(self, key: str, value) -> None:
        self.cache.set(key, value, retry=True)

    def close(self) -> None:
        self.cache.close()


class RedisStore:
    """Redis: shared by every replica that points at the same server."""

    def __init__(self, url: str, prefix: str = "searchsvc:result:"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        self.prefix = prefix

    def get(self, key: str):
        raw = self.client.get(self.prefix + key)
        return MISSING if raw is None else pickle.loads(raw)

    def set(self, key: str, value) -> None:
        self.client.set(self.prefix + key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=REDIS_TTL)

    def close(self) -> None:
        self.client.close()


def open_result_cache(storage: str, state_dir: Path, megabytes: int, release: str = "") -> ResultCache:
    """The cache a setting names: '' (embedded, in ``state_dir``), or a redis:// URL; 0 MB = off."""
    if megabytes <= 0:
        return ResultCache(None)
    storage = (storage or "").strip()
    if storage.startswith(("redis://", "rediss://", "unix://")):
        return ResultCache(RedisStore(storage), release)
    if storage:
        raise ValueError(f"SEARCHSVC_CACHE_STORAGE must be empty (the embedded cache) or a redis:// URL, "
                         f"not {storage!r}")
    return ResultCache(DiskStore(state_dir / "results", megabytes), release)
