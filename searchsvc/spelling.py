"""Spelling: known misspellings from the lexicon, and the index word closest to an unknown one."""

from __future__ import annotations

import re
from functools import lru_cache

from . import analysis


@lru_cache(maxsize=1)
def _misspellings() -> list[tuple[str, str]]:
    """(normalized wrong form, right form), longest first."""
    return sorted(analysis.lexicon().misspellings.items(), key=lambda wr: -len(wr[0]))


def known_misspellings(q: str) -> list[tuple[int, int, str]]:
    """(start, end, right form) of every known misspelling in ``q``.

    ``normalize`` keeps every character's offset, so spans found in the normalized copy are
    the reader's own text: only the misspelt words change, operators and field names stay.
    An English misspelling counts only as a whole word (osimertnib, not part of a longer word).
    """
    norm = analysis.normalize(q)
    edits: list[tuple[int, int, str]] = []
    taken = [False] * len(norm)
    for wrong, right in _misspellings():
        for m in re.finditer(re.escape(wrong), norm):
            if any(taken[m.start():m.end()]) or not _whole_word(norm, m.start(), m.end()):
                continue
            edits.append((m.start(), m.end(), right))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return edits


def _whole_word(text: str, start: int, end: int) -> bool:
    if not text[start:end].isascii():
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def closest_index_word(searcher, word: str, fieldname: str) -> str | None:
    """The word of ``fieldname`` closest to ``word`` (edit distance 2 at most, first two letters kept:
    typos rarely hit them, and the prefix keeps the walk over the term list short)."""
    found = searcher.reader().corrector(fieldname).suggest(word, limit=1, maxdist=2, prefix=2)
    return found[0] if found else None
