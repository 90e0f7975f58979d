"""Did-you-mean: known misspellings from the lexicon, then close index terms for unknown words."""

from __future__ import annotations

import re
from functools import lru_cache

from . import analysis
from .querybuild import TEXT_FIELDS

MAX_SPELLING_TRIES = 4  # unknown words a query's spelling suggestion looks up


@lru_cache(maxsize=1)
def _misspellings() -> list[tuple[str, str]]:
    """(normalized wrong form, right form), longest first."""
    return sorted(analysis.lexicon().misspellings.items(), key=lambda wr: -len(wr[0]))


def suggest_spelling(q: str, searcher) -> str | None:
    """The query with misspelt words corrected: known misspellings first, then close index terms.

    Only the misspelt words change; operators, quotes and field names keep the reader's own
    text (``normalize`` keeps every character's offset, so spans found in the normalized copy
    are replaced in the original).
    """
    norm = analysis.normalize(q)
    edits: list[tuple[int, int, str]] = []
    taken = [False] * len(norm)
    for wrong, right in _misspellings():
        for m in re.finditer(re.escape(wrong), norm):
            if not any(taken[m.start():m.end()]):
                edits.append((m.start(), m.end(), right))
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
    if not edits:
        edits = _corrected_words(norm, searcher)
    if not edits:
        return None
    fixed = q
    for start, end, right in sorted(edits, reverse=True):
        fixed = fixed[:start] + right + fixed[end:]
    return fixed


def _corrected_words(norm: str, searcher) -> list[tuple[int, int, str]]:
    known = analysis.synonyms().by_tokens
    corrector = None
    edits = []
    tries = MAX_SPELLING_TRIES  # each try walks the term list (~50 ms): a query of 40 unknown words took seconds
    for m in re.finditer(r"[a-z][a-z0-9\-]{3,}", norm):
        word = m.group()
        if word in ("and", "or") or (word,) in known or any(searcher.doc_frequency(f, word) for f in TEXT_FIELDS):
            continue
        if tries <= 0:
            break
        tries -= 1
        corrector = corrector or searcher.reader().corrector("body")
        found = corrector.suggest(word, limit=1, maxdist=2, prefix=2)  # typos rarely hit the first letters
        if found:
            edits.append((m.start(), m.end(), found[0]))
    return edits
