"""How postings are stored: Whoosh's W3 format with each block's scoring data read apart from its offsets.

A W3 posting block is one compressed pickle of (document numbers, frequencies, values),
where the values of a ``chars=True`` field are every occurrence's position and character
offsets: 93% of a block's bytes for a common word. Ranking needs only the document numbers
and frequencies (``engine``); the offsets matter only for a phrase and for the page's ten
highlighted hits. So this codec writes a block as two parts,

    int(head length) | pickle(document numbers, frequencies) | zlib(pickle(values))

and its matcher unpickles the head alone until a caller asks for values. Reading a common
word's postings for ranking costs 0.2 ms instead of 7 ms on the 5k bench corpus
(bench/README.md, "Archive scale"). Every other part of the W3 format is unchanged, and a
segment records the codec that wrote it, so an index with older W3 segments reads as before.
"""

from __future__ import annotations

import zlib
from pickle import dumps, loads

from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher, W3PostingsWriter,
                                  length_to_byte)
from whoosh.matching import ListMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numlists import delta_decode


class SplitBlockCodec(W3Codec):
    """W3 with each posting block split into a scoring head and a tail of values."""

    def postings_writer(self, dbfile, byteids=False):
        return SplitBlockWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return SplitBlockMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class SplitBlockWriter(W3PostingsWriter):
    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        head = dumps((self._mini_ids(), self._mini_weights()), 2)
        tail = dumps(self._mini_values(), 2)
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
        self._head = None

    def head(self) -> tuple:
        """The block's (minified document numbers, minified weights), as the writer pickled them."""
        if self._head is None:
            size = self._postfile.get_int(self._dataoffset)
            self._head = loads(self._postfile.get(self._dataoffset + _INT_SIZE, size))
            self._tailoffset = self._dataoffset + _INT_SIZE + size
        return self._head

    def _read_data(self):
        self.head()
        tail = self._postfile.get(self._tailoffset, self._nextoffset - self._tailoffset)
        values = loads(zlib.decompress(tail) if self._compression else tail)
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


CODEC = SplitBlockCodec()  # every writer of the project uses it (build.py); readers follow each segment's own
