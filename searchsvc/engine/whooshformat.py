"""The one door into Whoosh's private internals: storage, matchers and the multiprocess writer.

Written against **whoosh-reloaded 2.7.5** (the pin in pyproject.toml and constraints.txt)
and checked at import: any other installed version stops the service with a message
saying so, instead of reading an index wrongly. Every use of a Whoosh name starting with
``_`` (attributes, methods, module constants) is in this module and nowhere else in
``searchsvc``; the rest of the project uses Whoosh's public API or the functions here.
Upgrading Whoosh means re-reading this file against the new release, then changing
``WHOOSH_RELOADED``.

What it holds:

- the ``SplitBlockCodec`` writer and matcher (the layout is described in ``codec``);
- ``open_postings`` / ``iter_blocks`` / ``block_values``: a term's posting blocks read
  whole (``postings``), for split blocks, for Whoosh's own W3 blocks, and through the
  public matcher API for any other codec (slower, same results);
- ``field_lengths`` / ``raw_column``: a segment's per-document columns read in one go
  (``columns``), with a public-API fallback for other codecs;
- ``HookedMpWriter``: Whoosh's multiprocess writer with its worker factory and its
  table-of-contents step exposed as hooks (``build``);
- ``read_paths``: how each segment of an index will be read, checked when it is opened.

Errors: ``open_postings`` treats only ``whoosh.reading.TermNotFound`` as "the term is not in
this segment"; any other failure while reading a segment's bytes is ``IndexDamaged``
(``results``), naming the index folder, the segment and the reason. Nothing here turns an
error into fewer results.
"""

from __future__ import annotations

import zlib
from array import array
from importlib import metadata
from pickle import dumps, loads

import numpy as np

WHOOSH_RELOADED = "2.7.5"  # the exact release every private name below was checked against


class WhooshVersionError(ImportError):
    """The installed Whoosh is not the release this module was written against."""


def _installed_version() -> str:
    try:
        return metadata.version("whoosh-reloaded")
    except metadata.PackageNotFoundError:
        return "not installed (another Whoosh distribution may be)"


def check_version(installed: str | None = None) -> None:
    """WhooshVersionError unless ``installed`` (default: the installed whoosh-reloaded) is the pinned release."""
    installed = installed if installed is not None else _installed_version()
    if installed != WHOOSH_RELOADED:
        raise WhooshVersionError(
            f"searchsvc's posting reader was written against whoosh-reloaded {WHOOSH_RELOADED}; installed is "
            f"{installed}. Install the pinned release (pip install -c constraints.txt -e .) or port "
            f"searchsvc/engine/whooshformat.py to the new one.")


check_version()

# Imported after the check: a different release may not even have these names.
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter,  # noqa: E402
                                  W3LeafMatcher, W3PerDocReader, W3PostingsWriter, _lenfield, length_to_byte)
from whoosh.columns import NumericColumn  # noqa: E402
from whoosh.matching import ListMatcher  # noqa: E402
from whoosh.reading import TermNotFound  # noqa: E402
from whoosh.system import _INT_SIZE  # noqa: E402
from whoosh.util.numeric import byte_to_length  # noqa: E402
from whoosh.util.numlists import delta_decode  # noqa: E402

from ..results import IndexDamaged  # noqa: E402

LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


# -- the codec (its class is pickled into every segment: its on-disk name is searchsvc._format) ------------

class SplitBlockCodec(W3Codec):
    """W3 with each posting block split into a scoring head and a tail of values (see ``codec``).

    Blocks hold 256 postings (W3: 128), which halves the per-block work of reading a long
    list whole, and tails are compressed at zlib level 1 (W3: 3), about the same size: the
    writer's time should go to analysis, not to compression (ingest CPU 0.87x on 300 bench
    pages, both changes and the length lookups below together).
    """

    def __init__(self, blocklimit=256, compression=1, inlinelimit=1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def field_writer(self, storage, segment):
        return NoLengthStatsFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return SplitBlockWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return SplitBlockMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class NoLengthStatsFieldWriter(W3FieldWriter):
    """W3's field writer without the per-posting length lookups that feed block statistics.

    W3 records each block's shortest and longest document for Whoosh's quality-based block
    skipping; ``engine`` reads whole posting lists and never skips, so the lookup (a tenth of
    a block write) is left out. The statistics read 0, which keeps any quality bound Whoosh
    computes from them an upper bound, so a Whoosh collector stays correct.
    """

    def add_postings(self, schema, lengths, items):
        return super().add_postings(schema, None, items)


class SplitBlockWriter(W3PostingsWriter):
    """Writes ``int(head length) | pickle(ids, weights) | zlib(pickle(value lengths, values))`` per block."""

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        head = dumps((self._mini_ids(), self._mini_weights()), 2)
        fixed = self._format.fixed_value_size()
        if fixed is None or fixed < 0:  # one value a posting, of any length: their lengths, then all of them
            tail = dumps(("v", array("I", map(len, self._values)), b"".join(self._values)), 2)
        else:
            tail = dumps(("f", self._mini_values()), 2)
        comp = self._compression if len(tail) >= 20 else 0
        if comp:
            tail = zlib.compress(tail, comp)
        ids = self._ids
        info = dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                      length_to_byte(self._maxlength)), 2)
        length = len(info) + _INT_SIZE + len(head) + len(tail)
        postfile = self._postfile
        postfile.write_int(-length if last else length)
        postfile.write(info)
        postfile.write_int(len(head))
        postfile.write(head)
        postfile.write(tail)
        self._blockcount += 1
        self._new_block()


class SplitBlockMatcher(W3LeafMatcher):
    """W3LeafMatcher over split blocks: ids and weights from the head, values only when asked."""

    def _goto(self, position):
        super()._goto(position)
        self._blockoffset = position  # where this block starts: postings.TermBlocks records it to come back
        self._head = None

    def head(self) -> tuple:
        """The block's (minified document numbers, minified weights), as the writer pickled them."""
        if self._head is None:
            size = self._postfile.get_int(self._dataoffset)
            self._head = loads(self._postfile.get(self._dataoffset + _INT_SIZE, size))
            self._tailoffset = self._dataoffset + _INT_SIZE + size
        return self._head

    def tail(self) -> tuple:
        """("v", value lengths, the values joined) or ("f", values as W3 minifies fixed-size ones)."""
        self.head()
        tail = self._postfile.get(self._tailoffset, self._nextoffset - self._tailoffset)
        return loads(zlib.decompress(tail) if self._compression else tail)

    def _read_data(self):
        kind, *parts = self.tail()
        if kind == "v":
            lengths, joined = parts
            values, at = [], 0
            for n in lengths:
                values.append(joined[at:at + n])
                at += n
            values = tuple(values)
        else:
            values = parts[0]
        self._data = (self._head[0], self._head[1], values)

    def _read_ids(self):
        ids = self.head()[0]
        self._ids = ids if self._byteids else tuple(delta_decode(ids))

    def _read_weights(self):
        weights = self.head()[1]
        if weights is None:
            self._weights = [1.0] * self._blocklength
        elif isinstance(weights, float):
            self._weights = [weights] * self._blocklength
        else:
            self._weights = weights


# -- reading postings (postings.py) ------------------------------------------------------------------

def damage(leaf, exc: BaseException, what: str) -> IndexDamaged:
    """IndexDamaged for a failure ``exc`` while reading ``what`` from segment ``leaf``."""
    folder = getattr(leaf.storage(), "folder", None) or "?"
    try:
        segment = leaf.segment().segment_id()
    except Exception:  # noqa: BLE001 - naming the segment must not hide the original error
        segment = "?"
    return IndexDamaged(str(folder), segment, f"{what}: {type(exc).__name__}: {exc}")


def open_postings(leaf, fieldname: str, token: str):
    """The segment's matcher for ``token`` in ``fieldname``; None only when the term is not in the segment."""
    try:
        return leaf.postings(fieldname, token)
    except TermNotFound:
        return None
    except Exception as exc:  # anything else: the segment's bytes are not what its format says
        raise damage(leaf, exc, f"opening the postings of {fieldname}:{token!r}") from exc


def reads_blocks(matcher) -> bool:
    """Whether ``iter_blocks`` reads this matcher a block at a time (split blocks, or Whoosh's W3 blocks)."""
    return isinstance(matcher, (SplitBlockMatcher, W3LeafMatcher))


def iter_blocks(matcher):
    """(block offset or -1, delta-encoded ids, weights as minified, postings in the block) for each block.

    Weights are None (all 1.0), one float (all the same) or one per posting. Only for
    ``reads_blocks`` matchers; the offset is -1 where values cannot be read back by block (W3).
    """
    split = isinstance(matcher, SplitBlockMatcher)
    while not matcher._atend:
        if split:
            ids, weights = matcher.head()
            offset = matcher._blockoffset
        else:
            matcher._read_data()
            ids, weights = matcher._data[0], matcher._data[1]
            offset = -1
        yield offset, ids, weights, matcher._blocklength
        matcher._next_block()


def iter_postings(matcher):
    """(document number, weight) of every posting, through the public matcher API (any codec)."""
    while matcher.is_active():
        yield matcher.id(), matcher.weight()
        matcher.next()


def reads_values_by_block(matcher) -> bool:
    """Whether ``block_values`` can read this matcher's values a block at a time."""
    return isinstance(matcher, SplitBlockMatcher)


def block_values(matcher, offset: int) -> tuple:
    """(each posting's value length, the values joined) of the split block starting at ``offset``."""
    matcher._goto(offset)
    _kind, lengths, joined = matcher.tail()
    return lengths, joined


# -- per-document columns (columns.py) ----------------------------------------------------------------

def field_lengths(leaf, fieldname: str, n: int) -> np.ndarray:
    """A field's length per document as Whoosh scores with it (float32; its one-byte column, decoded)."""
    perdoc = leaf._perdoc
    if isinstance(perdoc, W3PerDocReader):
        reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        raw = np.zeros(n, np.uint8)
        if reader is not None:
            data = reader._dbfile.get(reader._basepos, min(reader._count, n))  # one byte per document
            raw[:len(data)] = np.frombuffer(data, np.uint8)
        return LENGTH_OF_BYTE[raw]
    return np.asarray([leaf.doc_field_length(d, fieldname, 0) for d in range(n)], np.float32)


def raw_column(leaf, fieldname: str, n: int):
    """(a sortable numeric column's stored numbers for every document, the number of a document without one),
    read in one go; (None, None) when the segment has no such column."""
    if not leaf.has_column(fieldname):
        return None, None
    reader = leaf.column_reader(fieldname, translate=False)
    if type(reader) is NumericColumn.Reader:
        typecode, default = reader._typecode, reader._default
        dtype = np.dtype(typecode).newbyteorder(">")
        out = np.full(n, default, dtype=np.uint64)
        count = min(reader._count, n)
        data = reader._dbfile.get(reader._basepos, count * dtype.itemsize)
        out[:count] = np.frombuffer(data, dtype)
        return out, default
    default = leaf.schema[fieldname].column_type.default_value()
    return np.asarray([reader[d] for d in range(n)], np.uint64), default


# -- the multiprocess writer (build.py) ------------------------------------------------------------------

def hooked_mp_writer_class():
    """``HookedMpWriter``: imported on demand (multiprocessing is only for large ingests)."""
    from whoosh.multiproc import MpWriter
    from whoosh.writing import SegmentWriter

    class HookedMpWriter(MpWriter):
        """Whoosh's MpWriter with its two private steps as hooks a subclass overrides.

        ``make_task(args)`` builds a worker (a ``whoosh.multiproc.SubWriterTask``) from the
        arguments Whoosh would give it; ``before_toc()`` runs after every worker has finished
        and before the table of contents that publishes their segments is written.
        """

        def make_task(self, args: tuple):
            from whoosh.multiproc import SubWriterTask

            return SubWriterTask(*args)

        def before_toc(self) -> None:
            pass

        def cancel_segments(self) -> None:
            """Cancel as a single-process writer does (the workers are the subclass's to stop)."""
            SegmentWriter.cancel(self)

        def _commit_toc(self, segments):
            self.before_toc()
            super()._commit_toc(segments)

        def _new_task(self):
            task = self.make_task((self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                                   self.multisegment))
            self.tasks.append(task)
            task.start()
            return task

    return HookedMpWriter


# -- what an index is made of ------------------------------------------------------------------------------

SPLIT_BLOCKS = "split blocks"
W3_BLOCKS = "whoosh w3 blocks"
PUBLIC = "whoosh public readers"


def read_path(segment) -> str:
    """How the engine reads a segment written by ``segment``'s codec: split blocks (fastest), Whoosh's own W3
    blocks, or, for any other codec, Whoosh's public readers (slower, same results)."""
    codec = segment.codec()
    if isinstance(codec, SplitBlockCodec):
        return SPLIT_BLOCKS
    if type(codec) is W3Codec:
        return W3_BLOCKS
    return PUBLIC


def read_paths(ix) -> dict[str, str]:
    """segment id -> how it is read (``read_path``), for every segment of a Whoosh index."""
    return {segment.segment_id(): read_path(segment) for segment in ix._segments()}
