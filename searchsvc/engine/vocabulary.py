"""The index's vocabulary as query understanding asks for it (the Whoosh side of ``understanding.Vocabulary``)."""

from __future__ import annotations

from .. import analysis
from .index import TEXT_FIELDS

PREFIX_FIELD = "answer"  # where completions come from: the largest field, whose words readers search for


class IndexVocabulary:
    """Document frequencies, prefix completions and spelling neighbours from one Whoosh searcher."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._frequency: dict[str, int] = {}

    def frequency(self, token: str) -> int:
        found = self._frequency.get(token)
        if found is None:
            found = max(self.searcher.doc_frequency(f, token) for f in TEXT_FIELDS)
            self._frequency[token] = found
        return found

    def prefixed(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        reader = self.searcher.reader()
        found = []
        for i, word in enumerate(reader.expand_prefix(PREFIX_FIELD, prefix)):
            word = word.decode("utf-8") if isinstance(word, bytes) else word
            if i >= 2000:
                break  # a one-letter prefix: the most frequent of the first words is enough
            if len(word) > len(prefix) and not word.startswith(analysis.CONCEPT_MARK):
                found.append((self.searcher.doc_frequency(PREFIX_FIELD, word), word))
        return sorted(found, key=lambda fw: (-fw[0], fw[1]))[:limit]

    def closest(self, word: str, maxdist: int = 2, prefix: int = 2) -> str | None:
        """The word closest to ``word``: ``maxdist`` edits at most, the first ``prefix`` characters kept
        (typos rarely hit them, and the prefix keeps the walk over the term list short)."""
        corrector = self.searcher.reader().corrector(PREFIX_FIELD)
        found = corrector.suggest(word, limit=1, maxdist=maxdist, prefix=prefix)
        return found[0] if found else None
