"""Posting lists as numpy arrays, read from Whoosh's segments a block at a time.

Whoosh's matchers score one posting at a time in Python: at 20,000 interviews a common
word walks ten thousand postings through a union, a scorer, a collector and the facet
counters, which is where the slow tail came from (bench/README.md, "Archive scale").
Here a term's postings are read block by block into arrays (document numbers and term
frequencies; ``codec.SplitBlockCodec`` keeps a block's offsets apart, so they are not
decoded for this), and the occurrences (positions, character offsets) of a term in a few
documents are read from just the blocks that hold them (phrases, highlighting).

Whoosh's internals are reached only through ``whooshformat``. A term absent from a segment
(Whoosh's ``TermNotFound``) has no postings there; any other failure to read a segment is
``results.IndexDamaged``: a damaged index fails loudly and never returns fewer results.

A ``TermCache`` keeps what one term's walk over its blocks learnt, per segment: its
documents and frequencies, and where each block starts and ends. Segments are immutable,
so the entry serves every later search until the segment is gone; a common word is read
once per process, and finding a hit's offsets jumps straight to its block.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .whooshformat import (block_values, damage, iter_blocks, iter_postings, open_postings, reads_blocks,
                           reads_values_by_block)


@dataclass
class Postings:
    """The documents a term occurs in (ascending) and how often it occurs in each."""

    docs: np.ndarray  # int32, global document numbers
    tf: np.ndarray  # float32

    @staticmethod
    def empty() -> "Postings":
        return Postings(np.zeros(0, np.int32), np.zeros(0, np.float32))


@dataclass
class TermBlocks:
    """One term's postings in one segment, and where its blocks lie."""

    ids: np.ndarray  # int64, the segment's own document numbers, ascending
    tf: np.ndarray  # float32
    block_offsets: np.ndarray  # int64, where each block starts in the postings file (empty: inlined postings)
    block_first: np.ndarray  # int64, the index in ``ids`` of each block's first posting

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.tf.nbytes + self.block_offsets.nbytes + self.block_first.nbytes + 200

    def blocks_holding(self, docs: np.ndarray) -> np.ndarray:
        """The blocks that hold any of ``docs`` (segment document numbers the term occurs in)."""
        at = np.searchsorted(self.ids, docs)
        return np.unique(np.searchsorted(self.block_first, at, side="right") - 1)


class TermCache:
    """A least-recently-used map (segment, field, token) -> TermBlocks, bounded in bytes, thread-safe."""

    def __init__(self, max_bytes: int = 48 << 20):
        self.max_bytes = max_bytes
        self._data: OrderedDict[tuple, TermBlocks] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> TermBlocks | None:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
            return found

    def put(self, key: tuple, value: TermBlocks) -> None:
        if value.nbytes > self.max_bytes // 4:
            return  # one huge list would push everything else out
        with self._lock:
            if key in self._data:
                return
            self._data[key] = value
            self._bytes += value.nbytes
            while self._bytes > self.max_bytes and self._data:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= dropped.nbytes


def term_blocks(leaf, fieldname: str, token: str, cache: TermCache | None = None) -> TermBlocks | None:
    """The postings of ``token`` in one segment (None when the segment has none)."""
    key = (leaf.segment().segment_id(), fieldname, token)
    found = cache.get(key) if cache is not None else None
    if found is None:
        matcher = open_postings(leaf, fieldname, token)
        if matcher is None:  # TermNotFound: not in this segment
            return None
        try:
            found = _walk(matcher)
        except Exception as exc:  # a block that does not decode: the segment is damaged, not the term absent
            raise damage(leaf, exc, f"reading the postings of {fieldname}:{token!r}") from exc
        if cache is not None:
            cache.put(key, found)
    return found


def read_postings(reader, fieldname: str, token: str, cache: TermCache | None = None) -> Postings:
    """Every posting of ``token`` in ``fieldname`` through ``reader`` (a thread's own: Whoosh's
    readers are not shared), deleted documents included (mask them with ``DocColumns.live``)."""
    docs, tfs = [], []
    for leaf, offset in reader.leaf_readers():
        blocks = term_blocks(leaf, fieldname, token, cache)
        if blocks is not None:
            docs.append(blocks.ids + offset)
            tfs.append(blocks.tf)
    if not docs:
        return Postings.empty()
    return Postings(np.concatenate(docs).astype(np.int32, copy=False), np.concatenate(tfs))


@dataclass
class Occurrences:
    """Where a term occurs in some documents: one row per occurrence, documents ascending."""

    docs: np.ndarray  # int64, global document numbers
    positions: np.ndarray  # int64, token positions
    starts: np.ndarray | None = None  # character offsets, for a field stored with them
    ends: np.ndarray | None = None


def read_occurrences(reader, fieldname: str, token: str, wanted: np.ndarray, chars: bool = False,
                     cache: TermCache | None = None) -> Occurrences:
    """The occurrences of ``token`` in the ``wanted`` documents (sorted global numbers) of ``fieldname``.

    Only the posting blocks holding a wanted document are read, each block's values in one
    go (codec.CharacterArray / PositionArray); other formats fall back to Whoosh's decoding.
    """
    parts: list[tuple] = []
    for leaf, offset in reader.leaf_readers():
        local = wanted[(wanted >= offset) & (wanted < offset + leaf.doc_count_all())] - offset
        if not len(local):
            continue
        blocks = term_blocks(leaf, fieldname, token, cache)
        if blocks is None:
            continue
        local = local[np.isin(local, blocks.ids)]
        if not len(local):
            continue
        stride = getattr(leaf.schema[fieldname].format, "STRIDE", None)
        matcher = open_postings(leaf, fieldname, token)
        if matcher is None:
            raise damage(leaf, LookupError("the term's postings were read before"),
                         f"reopening the postings of {fieldname}:{token!r}")
        try:
            if reads_values_by_block(matcher) and stride and len(blocks.block_offsets):
                found = _block_occurrences(matcher, blocks, local, stride)
            else:
                found = _matcher_occurrences(matcher, local, chars)
        except Exception as exc:
            raise damage(leaf, exc, f"reading the occurrences of {fieldname}:{token!r}") from exc
        parts.append((found[0] + offset, *found[1:]))
    if not parts:
        empty = np.zeros(0, np.int64)
        return Occurrences(empty, empty, empty if chars else None, empty if chars else None)
    docs, positions = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    if not chars:
        return Occurrences(docs, positions)
    return Occurrences(docs, positions, np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts]))


def _block_occurrences(matcher, blocks: TermBlocks, wanted: np.ndarray, stride: int) -> tuple:
    """Occurrences of ``wanted`` (documents that hold the term) read from their blocks only."""
    rows: list[np.ndarray] = []
    docs: list[np.ndarray] = []
    ends = np.append(blocks.block_first[1:], len(blocks.ids))
    for b in blocks.blocks_holding(wanted).tolist():
        lengths, joined = block_values(matcher, int(blocks.block_offsets[b]))
        ids = blocks.ids[blocks.block_first[b]:ends[b]]
        keep = np.isin(ids, wanted)
        per_posting = np.asarray(lengths, dtype=np.int64) // (4 * stride)
        values = np.frombuffer(joined, dtype=np.int32).reshape(-1, stride)
        rows.append(values[np.repeat(keep, per_posting)])
        docs.append(np.repeat(ids[keep], per_posting[keep]))
    values = np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, stride), np.int64)
    doc_column = np.concatenate(docs) if docs else np.zeros(0, np.int64)
    if stride == 3:
        return doc_column, values[:, 0], values[:, 1], values[:, 2]
    return doc_column, values[:, 0], None, None


def _matcher_occurrences(matcher, wanted: np.ndarray, chars: bool) -> tuple:
    docs, positions, starts, ends = [], [], [], []
    for docnum in wanted.tolist():
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            if chars:
                for p, s, e in matcher.value_as("characters"):
                    docs.append(docnum); positions.append(p); starts.append(s); ends.append(e)  # noqa: E702
            else:
                for p in matcher.value_as("positions"):
                    docs.append(docnum); positions.append(p)  # noqa: E702
    as_array = lambda xs: np.asarray(xs, np.int64)  # noqa: E731
    return as_array(docs), as_array(positions), as_array(starts), as_array(ends)


def _walk(matcher) -> TermBlocks:
    """Every posting of a segment's matcher, a block at a time where the codec allows, and the block layout."""
    if reads_blocks(matcher):
        ids, tfs, offsets, first, count = [], [], [], [], 0
        for offset, deltas, weights, size in iter_blocks(matcher):
            offsets.append(offset)
            first.append(count)
            ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))  # ids are delta-encoded per block
            if weights is None or isinstance(weights, float):  # all 1.0, or all the same
                tfs.append(np.full(size, 1.0 if weights is None else weights, np.float32))
            else:
                tfs.append(np.asarray(weights, dtype=np.float32))
            if len(ids[-1]) != size or len(tfs[-1]) != size:
                raise ValueError(f"a block says it holds {size} postings but decodes to {len(ids[-1])} documents "
                                 f"and {len(tfs[-1])} weights")
            count += size
        if ids:
            return TermBlocks(np.concatenate(ids), np.concatenate(tfs), np.asarray(offsets, np.int64),
                              np.asarray(first, np.int64))
        return TermBlocks(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64))
    # inlined postings (a term in one document), or a codec read through Whoosh's public matcher API
    docs, weights = [], []
    for docnum, weight in iter_postings(matcher):
        docs.append(docnum)
        weights.append(weight)
    return TermBlocks(np.asarray(docs, np.int64), np.asarray(weights, np.float32), np.zeros(0, np.int64),
                      np.zeros(0, np.int64))
