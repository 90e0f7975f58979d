"""How postings are stored: Whoosh's W3 format, laid out so that numpy can read it whole.

A W3 posting block is one compressed pickle of (document numbers, frequencies, values),
where the values of a ``chars=True`` field are every occurrence's position and character
offsets, each posting's pickled on its own: 93% of a block's bytes for a common word.
Ranking needs only the document numbers and frequencies (``engine``); positions matter only
for a phrase, and offsets only for the page's ten highlighted hits. So:

- ``SplitBlockCodec`` writes a block as two parts,

      int(head length) | pickle(document numbers, frequencies) | zlib(pickle(value lengths, values))

  and its matcher unpickles the head alone until values are asked for: reading a common
  word's postings for ranking costs 0.2 ms instead of 7 ms on the 5k bench corpus;
- ``PositionArray`` and ``CharacterArray`` (the field formats) encode a posting's value as
  raw int32 (position, or position, start, end, per occurrence), so a block's values are one
  ``numpy.frombuffer`` away (``postings.read_occurrences``: phrases and highlighting).

Every other part of the W3 format is unchanged, Whoosh's own readers still work (a value
decodes to the same lists), and a segment records the codec that wrote it, so an index with
older W3 segments reads as before.
"""

from __future__ import annotations

import zlib
from array import array
from pickle import dumps, loads

from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3LeafMatcher,
                                  W3PostingsWriter, length_to_byte)
from whoosh.formats import Characters, Positions
from whoosh.matching import ListMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numlists import delta_decode


class SplitBlockCodec(W3Codec):
    """W3 with each posting block split into a scoring head and a tail of values.

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


class PositionArray(Positions):
    """Positions of a posting as raw int32, absolute: a block's values read as one array."""

    STRIDE = 1

    def encode(self, poslist):
        return array("i", poslist).tobytes()

    def decode_positions(self, valuestring):
        return _ints(valuestring).tolist()

    def decode_frequency(self, valuestring):
        return len(valuestring) // 4

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost


class CharacterArray(Characters):
    """(position, start, end) of each occurrence as raw int32, absolute: a block's values read as one array."""

    STRIDE = 3

    def encode(self, poslist):
        return array("i", [n for occurrence in poslist for n in occurrence]).tobytes()

    def decode_characters(self, valuestring):
        ints = _ints(valuestring)
        return list(zip(ints[0::3], ints[1::3], ints[2::3]))

    def decode_positions(self, valuestring):
        return _ints(valuestring)[0::3].tolist()

    def decode_frequency(self, valuestring):
        return len(valuestring) // 12

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost


def _ints(valuestring: bytes) -> array:
    values = array("i")
    values.frombytes(valuestring)
    return values


CODEC = SplitBlockCodec()  # every writer of the project uses it (build.py); readers follow each segment's own
