"""Per-document columns of a snapshot as numpy arrays: what ranking, filters and facets read.

Everything per document that ranking, filtering and facets need is read once per segment
and kept (segments never change once written, except for their deletions, so the arrays
are cached per segment and shared by every snapshot that still holds the segment: after
an incremental ingest only the new segment is read):

- the live-document mask (deleted documents are never matched);
- each text field's length, as Whoosh stores it (one byte per document);
- the year and the date (for filters and sorting);
- the tags and experts of each document (for facets and filters).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .whooshformat import field_lengths, raw_column

NO_YEAR = 0
NO_DATE = -1  # below every real date (microseconds since year 1), and -NO_DATE cannot overflow: undated sorts last


@dataclass
class Labels:
    """A many-valued column (tags, experts) as CSR: the values of document d are
    ``names[ids[start[d]:start[d + 1]]]``."""

    names: list[str]
    start: np.ndarray  # int64, len = documents + 1
    ids: np.ndarray  # int32

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of ``docs`` carry each value (indexed like ``names``)."""
        if not len(docs) or not len(self.ids):
            return np.zeros(len(self.names), np.int64)
        starts, ends = self.start[docs], self.start[docs + 1]
        lengths = ends - starts
        picked = np.repeat(ends - np.cumsum(lengths), lengths) + np.arange(lengths.sum())
        return np.bincount(self.ids[picked], minlength=len(self.names))

    def docs_with(self, name: str) -> np.ndarray:
        """Boolean mask of the documents carrying ``name``."""
        try:
            value = self.names.index(name)
        except ValueError:
            return np.zeros(len(self.start) - 1, bool)
        owner = np.repeat(np.arange(len(self.start) - 1), np.diff(self.start))
        mask = np.zeros(len(self.start) - 1, bool)
        mask[owner[self.ids == value]] = True
        return mask


class _SegmentColumns:
    """What one segment holds per document (its own document numbers, from 0)."""

    def __init__(self, leaf, text_fields: tuple[str, ...]):
        n = leaf.doc_count_all()
        self.count = n
        self.lengths = {f: field_lengths(leaf, f, n) for f in text_fields}
        self.years = _numbers(leaf, "year", n, NO_YEAR)
        self.dates = _dates(leaf, "date", n)
        self.tags = _lists(leaf, "tag", n)
        self.experts = _lists(leaf, "expert", n)


class DocColumns:
    """Per-document arrays over every document of one snapshot (its global document numbers).

    Built from any thread's reader and then only read, so one instance serves every thread.
    """

    def __init__(self, reader, text_fields: tuple[str, ...], cache: "SegmentCache | None" = None):
        leaves = list(reader.leaf_readers())
        cache = cache or SegmentCache()
        parts = [cache.columns(leaf, text_fields) for leaf, _ in leaves]
        self.count = sum(p.count for p in parts)
        self.live = np.ones(self.count, bool)
        for leaf, offset in leaves:
            if leaf.has_deletions():
                dead = np.fromiter(leaf.deleted_docs_set, np.int64)
                self.live[offset + dead] = False
        self.lengths = {f: _concat([p.lengths[f] for p in parts], np.float32) for f in text_fields}
        self.average_length = {f: (reader.field_length(f) / self.count if self.count else 0.0) or 1.0
                               for f in text_fields}
        self.years = _concat([p.years for p in parts], np.int32)
        self.dates = _concat([p.dates for p in parts], np.int64)
        self.tags = _merge_labels([p.tags for p in parts])
        self.experts = _merge_labels([p.experts for p in parts])


class SegmentCache:
    """Per-segment columns, kept while the segment is in use (segments are immutable)."""

    def __init__(self, keep: int = 64):
        self._data: dict[str, _SegmentColumns] = {}
        self._lock = threading.Lock()
        self.keep = keep

    def columns(self, leaf, text_fields) -> _SegmentColumns:
        key = f"{leaf.segment().segment_id()}:{','.join(text_fields)}"
        with self._lock:
            found = self._data.get(key)
        if found is None:
            found = _SegmentColumns(leaf, text_fields)
            with self._lock:
                self._data[key] = found
                while len(self._data) > self.keep:
                    self._data.pop(next(iter(self._data)))
        return found


def _numbers(leaf, fieldname: str, n: int, missing: int) -> np.ndarray:
    """A sortable NUMERIC(int) column as the numbers indexed (Whoosh stores them shifted by 2**31)."""
    raw, default = raw_column(leaf, fieldname, n)
    if raw is None:
        return np.full(n, missing, np.int32)
    return np.where(raw == default, missing, raw.astype(np.int64) - 2**31).astype(np.int32)


def _dates(leaf, fieldname: str, n: int) -> np.ndarray:
    """A sortable DATETIME column as Whoosh's microseconds since year 1 (NO_DATE where none was given)."""
    raw, default = raw_column(leaf, fieldname, n)
    if raw is None:
        return np.full(n, NO_DATE, np.int64)
    return np.where(raw == default, NO_DATE, raw.astype(np.int64))


def _lists(leaf, fieldname: str, n: int) -> Labels:
    names: list[str] = []
    index: dict[str, int] = {}
    start = np.zeros(n + 1, np.int64)
    ids: list[int] = []
    column = leaf.column_reader(fieldname, translate=False) if leaf.has_column(fieldname) else None
    for d in range(n):
        values = column[d] if column is not None else _stored_list(leaf, d, fieldname)
        for value in values or ():
            if value not in index:
                index[value] = len(names)
                names.append(value)
            ids.append(index[value])
        start[d + 1] = len(ids)
    return Labels(names, start, np.asarray(ids, np.int32))


def _stored_list(leaf, docnum: int, fieldname: str) -> list[str]:
    raw = leaf.stored_fields(docnum).get(fieldname) or ""
    return [v.strip() for v in raw.split(",") if v.strip()]


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _merge_labels(parts: list[Labels]) -> Labels:
    """One Labels over consecutive segments, with one numbering of the values."""
    index: dict[str, int] = {}
    starts, ids, base = [np.zeros(1, np.int64)], [], 0
    for part in parts:
        remap = np.asarray([index.setdefault(name, len(index)) for name in part.names], np.int32)
        ids.append(remap[part.ids] if len(part.ids) else part.ids.astype(np.int32))
        starts.append(part.start[1:] + base)
        base += int(part.start[-1])
    return Labels(list(index), np.concatenate(starts), _concat(ids, np.int32))
