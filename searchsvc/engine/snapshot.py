"""The published snapshot a search reads, followed across publishes, one Whoosh searcher per thread."""

from __future__ import annotations

import threading

from .index import TEXT_FIELDS, IndexStore
from .columns import DocColumns, SegmentCache
from .postings import TermCache


class SnapshotReader:
    """Opens the index's ``current`` snapshot and reopens it when an ingest publishes a new one.

    Every call checks the published version (one readlink). Whoosh's postings readers seek and
    read a shared file object, so threads searching through one reader read each other's bytes
    (tests/test_reliability_threads.py): each thread gets a searcher of its own.
    """

    def __init__(self, store: IndexStore, weighting):
        self.store = store
        self.weighting = weighting
        self._lock = threading.Lock()
        self._opened: tuple[str, object, bool] | None = None  # (version, index, its concept tokens are current)
        self._local = threading.local()
        self._segments = SegmentCache()
        self.terms = TermCache()  # posting lists read so far, per segment: shared by every thread of the process
        self._columns: tuple[object, DocColumns] | None = None  # (the index they were read from, the columns)

    def current(self):
        """(version, this thread's Whoosh searcher) of the published snapshot."""
        version = self.store.version()
        opened = self._opened
        if opened is None or opened[0] != version:
            with self._lock:
                opened = self._opened
                if opened is None or opened[0] != version:
                    version, index = self.store.open(version)
                    opened = (version, index, self.store.lexicon_is_current(version))
                    self._opened = opened  # the old index and its searchers are left to the garbage collector
        local = self._local
        if getattr(local, "index", None) is not opened[1]:
            local.index, local.searcher = opened[1], opened[1].searcher(weighting=self.weighting)
        local.concepts = opened[2]
        return opened[0], local.searcher

    def concepts_indexed(self) -> bool:
        """Whether this thread's snapshot has concept tokens of the loaded lexicon (else synonyms expand name by name)."""
        return getattr(self._local, "concepts", False)

    def columns(self, searcher) -> DocColumns:
        """The per-document arrays of this thread's snapshot (read once per snapshot, shared by threads)."""
        index = self._local.index
        cached = self._columns
        if cached is None or cached[0] is not index:
            with self._lock:
                cached = self._columns
                if cached is None or cached[0] is not index:
                    cached = (index, DocColumns(searcher.reader(), TEXT_FIELDS, self._segments))
                    self._columns = cached
        return cached[1]
