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

Where the code is: the writer and matcher reach into Whoosh's internals, so they live in
``whooshformat`` (the one module allowed to); the formats are pickled into every index, so
they live under the never-moving name ``_format``. This module says what the layout is and
which codec the project writes with.
"""

from __future__ import annotations

from .._format import CharacterArray, PositionArray, SplitBlockCodec  # noqa: F401 (the layout's parts, by their names)
from .whooshformat import SplitBlockMatcher  # noqa: F401

CODEC = SplitBlockCodec()  # every writer of the project uses it (build.py); readers follow each segment's own
