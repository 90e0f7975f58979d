"""Where search insights are kept: daily counters in SQLite (one machine) or Redis (many).

Everything stored is a count of one day (UTC), under four names::

    day     YYYY-MM-DD
    kind    search | empty | little | corrected | open | correction | dropped | failed
    key     the understood query (canonical JSON, see insights_report.query_key), a
            correction as JSON ["typed", "searched"], or "" (dropped, failed)
    detail  open: "page:<position>" or "widget:<position>" (1-based result position); else ""
    n       how many

No IP address, cookie, user id, time of day or raw query text is stored, and no row
links one search to another.  Days older than ``SEARCHSVC_INSIGHTS_DAYS`` are deleted
at each write.

- **SQLite** (stdlib ``sqlite3``, WAL): ``<folder>/insights.sqlite3``, where the folder is
  ``SEARCHSVC_STATE_DIR/insights`` when that is set, else ``<index>/insights`` (beside the
  snapshots, so a new index version keeps it).  Table ``counts(day, kind, key, detail, n)``,
  primary key (day, kind, key, detail); a write is one transaction of upserts.
- **Redis** (``SEARCHSVC_INSIGHTS_STORAGE=redis://…``): one hash per day,
  ``searchsvc:insights:<day>``, field = JSON ``[kind, key, detail]``, value = n (HINCRBY),
  expiring ``days + 1`` days after that day.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

Row = tuple[str, str, str, str, int]  # day, kind, key, detail, n
Counts = dict[tuple[str, str, str, str], int]  # (day, kind, key, detail) -> n

REDIS_TIMEOUT = 0.5
REDIS_PREFIX = "searchsvc:insights:"

SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    day    TEXT    NOT NULL,
    kind   TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    detail TEXT    NOT NULL DEFAULT '',
    n      INTEGER NOT NULL,
    PRIMARY KEY (day, kind, key, detail)
) WITHOUT ROWID
"""


def days_between(first: str, last: str) -> Iterator[str]:
    day = dt.date.fromisoformat(first)
    end = dt.date.fromisoformat(last)
    while day <= end:
        yield day.isoformat()
        day += dt.timedelta(days=1)


def cutoff(today: str, days: int) -> str:
    """The first day kept when ``days`` days are kept up to ``today``."""
    return (dt.date.fromisoformat(today) - dt.timedelta(days=days - 1)).isoformat()


class SqliteStore:
    """The embedded store: one SQLite file that every worker of a machine writes into."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @property
    def path(self) -> Path:
        return self.folder / "insights.sqlite3"

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(SCHEMA)
        return conn

    def write(self, counts: Counts, keep_from: str | None = None) -> None:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO counts (day, kind, key, detail, n) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (day, kind, key, detail) DO UPDATE SET n = n + excluded.n",
                [(*k, n) for k, n in counts.items()])
            if keep_from:
                conn.execute("DELETE FROM counts WHERE day < ?", (keep_from,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def read(self, first: str, last: str) -> list[Row]:
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"{self.folder} is not a folder")
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            return [tuple(r) for r in conn.execute(
                "SELECT day, kind, key, detail, n FROM counts WHERE day >= ? AND day <= ?", (first, last))]
        finally:
            conn.close()

    def close(self) -> None:
        pass


class RedisStore:
    """Redis: one set of counts for every machine pointed at the same server."""

    def __init__(self, url: str, days: int = 90):
        import redis

        if url.startswith("unix://"):
            url = "unix://" + url[len("unix://"):]
        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        self.url = url
        self.days = days

    def describe(self) -> str:
        return "Redis " + self.url.split("@")[-1]  # never a password

    def write(self, counts: Counts, keep_from: str | None = None) -> None:
        pipe = self.client.pipeline(transaction=True)
        days = set()
        for (day, kind, key, detail), n in counts.items():
            pipe.hincrby(REDIS_PREFIX + day, json.dumps([kind, key, detail], ensure_ascii=False), n)
            days.add(day)
        for day in days:
            expires = dt.datetime.combine(dt.date.fromisoformat(day) + dt.timedelta(days=self.days + 1), dt.time(),
                                          tzinfo=dt.timezone.utc)
            pipe.expireat(REDIS_PREFIX + day, int(expires.timestamp()))
        pipe.execute()

    def read(self, first: str, last: str) -> list[Row]:
        days = list(days_between(first, last))
        pipe = self.client.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(REDIS_PREFIX + day)
        rows: list[Row] = []
        for day, fields in zip(days, pipe.execute()):
            for field, n in fields.items():
                kind, key, detail = json.loads(field)
                rows.append((day, kind, key, detail, int(n)))
        return rows

    def close(self) -> None:
        self.client.close()


def default_folder(state_dir: str, index_dir: str) -> Path:
    """``SEARCHSVC_STATE_DIR/insights`` when that is set, else ``<index>/insights``."""
    base = state_dir.strip() if state_dir and str(state_dir).strip() else index_dir
    return Path(base).expanduser() / "insights"


def open_store(storage: str, state_dir: str, index_dir: str, days: int = 90):
    """The store a validated ``SEARCHSVC_INSIGHTS_STORAGE`` names, or None when it is 'off'."""
    storage = (storage or "").strip()
    if storage.lower() == "off":
        return None
    if storage.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(storage, days)
    return SqliteStore(default_folder(state_dir, index_dir))


def add(counts: Counts, rows: Iterable[tuple[str, str, str, str]], n: int = 1) -> None:
    for row in rows:
        counts[row] = counts.get(row, 0) + n
