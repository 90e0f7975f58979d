"""Recording search insights off the request path, and the beacons that report opened results.

What is recorded (``insights_report``: the understood query, never the text) and where
(``insights_store``) are described there.  Here:

- **A search** is recorded when the results page (``/search``, page 1, a query) is served
  as a page, not to the instant-results fetch (``X-Searchsvc-Instant: 1``) a reader's
  typing sends: counting each keystroke would count one reader many times.  Searches
  shown by instant results and by the widget are recorded by the reader's browser once
  they settle: ``POST /api/insights/search`` (a beacon).
- **An opened result**: ``POST /api/insights/open`` with its 1-based position and where it
  was opened (``page``: our results page; ``widget``: the embeddable widget).
- A beacon from another site's page, or over ``SEARCHSVC_INSIGHTS_BEACON_RATE``, is refused
  and not counted (``beacons.py``): beacons take no credentials, so their counts are best-effort.
- A request carrying ``DNT: 1`` or ``Sec-GPC: 1`` records nothing (and the scripts send no
  beacon when ``navigator.doNotTrack`` is "1" or ``navigator.globalPrivacyControl`` is set).
- No IP address, cookie, user id or time of day is kept; only per-day counts.

Writes never slow a search: the request only puts a tuple on a bounded in-process queue
(O(1)); a background thread per worker process turns the queue into counts and writes them
in one transaction every ``SEARCHSVC_INSIGHTS_FLUSH_SECONDS`` or ``SEARCHSVC_INSIGHTS_BATCH``
records, and at exit.  A full queue drops the record and counts it (``dropped``); a store
that fails (full disk, Redis gone) loses that batch, logs a warning at most once a minute
and counts it (``failed``), and the search it came from was answered long before.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

from flask import Blueprint, current_app, g, request

from ..insights import report as insights_report
from . import beacons
from ..insights.store import add, cutoff, open_store
from ..engine.search import MAX_QUERY_CHARS, BadRequest

log = logging.getLogger("searchsvc.web")

bp = Blueprint("insights", __name__)

INSTANT_HEADER = "X-Searchsvc-Instant"
SOURCES = ("page", "widget")
MAX_POSITION = 1000
WARN_EVERY = 60.0


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


class Recorder:
    """A bounded queue of search events per process, written to ``store`` by a background thread."""

    def __init__(self, store, max_queue: int = 10000, batch: int = 200, interval: float = 2.0, days: int = 90):
        self.store = store
        self.max_queue = max_queue
        self.batch = batch
        self.interval = interval
        self.days = days
        self.dropped = 0   # records that found the queue full (this process, since start)
        self.failed = 0    # records lost to a failing store (this process, since start)
        self.written = 0   # records written (this process)
        self._unreported = {"dropped": 0, "failed": 0}  # not yet written as counts
        self._flush_lock = threading.Lock()
        self._warned = 0.0
        self._pid = None
        self._queue: queue.Queue | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the request path: O(1) -------------------------------------------------------
    def enqueue(self, event: tuple) -> bool:
        """Queue one event; False when the queue is full (the event is dropped and counted)."""
        if self._pid != os.getpid():
            self._start()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            self._unreported["dropped"] += 1
            return False
        if self._queue.qsize() >= self.batch:
            self._wake.set()
        return True

    def _start(self) -> None:
        """A queue and a writer thread for this process (a forked worker starts its own)."""
        with self._flush_lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.Queue(maxsize=self.max_queue)
            self._wake = threading.Event()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="searchsvc-insights", daemon=True)
            self._pid = os.getpid()
            self._thread.start()
            atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    # -- the writer ---------------------------------------------------------------------
    def pending(self) -> int:
        return self._queue.qsize() if self._queue is not None and self._pid == os.getpid() else 0

    def flush(self) -> int:
        """Write everything queued so far (tests call this to wait on the write); returns records written."""
        with self._flush_lock:
            if self._queue is None or self._pid != os.getpid():
                return 0
            events = []
            while True:
                try:
                    events.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            counts: dict = {}
            day = today()
            for event in events:
                add(counts, self._rows(event))
            for kind in ("dropped", "failed"):
                if self._unreported[kind]:
                    counts[(day, kind, "", "")] = counts.get((day, kind, "", ""), 0) + self._unreported[kind]
            if not counts:
                return 0
            reported = dict(self._unreported)
            try:
                self.store.write(counts, keep_from=cutoff(day, self.days))
            except Exception as exc:  # a full disk or a store gone: the searches were answered already
                self.failed += len(events)
                self._unreported["failed"] += len(events)
                self._warn(exc, len(events))
                return 0
            for kind, n in reported.items():
                self._unreported[kind] -= n
            self.written += len(events)
            return len(events)

    @staticmethod
    def _rows(event: tuple) -> list:
        kind = event[0]
        if kind == "search":
            _, understood, total, day = event
            return insights_report.search_rows(understood, total, day)
        _, understood, source, position, day = event
        return insights_report.open_rows(understood, source, position, day)

    def _warn(self, exc: Exception, lost: int) -> None:
        now = time.monotonic()
        if self._warned and now - self._warned < WARN_EVERY:
            return
        self._warned = now
        log.warning("insight store %s failed (%s: %s); %d records lost, searches are unaffected",
                    self.store.describe(), type(exc).__name__, exc, lost)

    def close(self) -> None:
        """Stop the writer and write what is left (at exit, and when a gunicorn worker exits)."""
        if self._pid != os.getpid():
            return
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()


def recorder() -> Recorder | None:
    return current_app.extensions["searchsvc"].get("insights")


def not_tracked() -> bool:
    """The reader asked not to be tracked (Do Not Track, Global Privacy Control)."""
    return request.headers.get("DNT", "").strip() == "1" or request.headers.get("Sec-GPC", "").strip() == "1"


def record_search(result) -> None:
    """Called by the results page after a search: an O(1) enqueue, or nothing."""
    rec = recorder()
    if rec is None or not_tracked() or request.headers.get(INSTANT_HEADER) == "1":
        return
    rec.enqueue(("search", result.understood, result.total, today()))


def init_app(app, settings: dict) -> None:
    store = open_store(settings["SEARCHSVC_INSIGHTS_STORAGE"], str(app.config.get("SEARCHSVC_STATE_DIR") or ""),
                       str(getattr(app.config["SEARCHSVC_INDEX"], "root", app.config["SEARCHSVC_INDEX"])),
                       settings["SEARCHSVC_INSIGHTS_DAYS"])
    if store is None:
        return
    app.extensions["searchsvc"]["insights"] = Recorder(
        store, settings["SEARCHSVC_INSIGHTS_QUEUE"], settings["SEARCHSVC_INSIGHTS_BATCH"],
        settings["SEARCHSVC_INSIGHTS_FLUSH_SECONDS"], settings["SEARCHSVC_INSIGHTS_DAYS"])
    app.extensions["searchsvc"]["beacon_throttle"] = beacons.throttle(settings["SEARCHSVC_INSIGHTS_BEACON_RATE"])
    app.register_blueprint(bp)


# -- beacons ---------------------------------------------------------------------------

def _beacon_query() -> str:
    q = (request.form.get("q") or "").strip()
    if not q:
        raise BadRequest("q", "q (the query whose results were shown) is required")
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    return q


def _beacon_source() -> str:
    source = (request.form.get("source") or "page").strip()
    if source not in SOURCES:
        raise BadRequest("source", f"source must be one of: {', '.join(SOURCES)}; not {source[:20]!r}")
    return source


def _understood(q: str):
    """The search the beacon is about, as the results page ran it (through the result cache)."""
    from .api import run_search
    from .caching import searcher

    g.index_version = searcher().version()
    result, _ = run_search({"q": q, "page": 1, "per_page": 10, "sort": "relevance", "tag": None, "expert": None,
                            "year": None, "year_from": None, "year_to": None})
    return result


def _no_content():
    response = current_app.response_class(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/insights/search")
def search_beacon():
    """A search shown by instant results or the widget, settled (the reader stopped typing)."""
    q = _beacon_query()
    source = _beacon_source()
    if not_tracked():
        return _no_content()
    refused = beacons.refused(source)
    if refused is not None:
        return refused
    result = _understood(q)
    recorder().enqueue(("search", result.understood, result.total, today()))
    return _no_content()


@bp.post("/api/insights/open")
def open_beacon():
    """A result opened: its 1-based position in the results of ``q``."""
    q = _beacon_query()
    source = _beacon_source()
    raw = (request.form.get("position") or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_POSITION:
        raise BadRequest("position", f"position must be a whole number from 1 to {MAX_POSITION}, not {raw[:20]!r}")
    if not_tracked():
        return _no_content()
    refused = beacons.refused(source)
    if refused is not None:
        return refused
    result = _understood(q)
    recorder().enqueue(("open", result.understood, source, int(raw), today()))
    return _no_content()
