"""Completions for a search box: experts, tags, lexicon terms, then the index's own words."""

from __future__ import annotations

import bisect
from functools import lru_cache

from .. import analysis
from .queryplan import is_concept_token


@lru_cache(maxsize=1)
def _lexicon_terms() -> tuple[list[str], list[tuple[str, str, str, int]]]:
    """Sorted (normalized term, term, kind, rank in its group) for completion, with the keys for bisect."""
    rows = sorted({(analysis.normalize(t), t, k, rank) for k, terms in analysis.lexicon().groups
                   for rank, t in enumerate(terms)})
    return [r[0] for r in rows], rows


def lexicon_terms_starting(norm: str) -> list[tuple[str, str, str, int]]:
    keys, rows = _lexicon_terms()
    i = bisect.bisect_left(keys, norm)
    out = []
    while i < len(rows) and rows[i][0].startswith(norm) and len(out) < 200:
        out.append(rows[i])
        i += 1
    return out


def complete(prefix: str, searcher, limit: int) -> list[dict]:
    """Experts and tags first, then lexicon terms the index holds (most frequent first), then index words."""
    norm = analysis.normalize(prefix)
    seen: set[str] = set()
    out: list[dict] = []

    def add(text: str, kind: str):
        key = " ".join(analysis.tokens(text)) or analysis.normalize(text)
        if key not in seen and len(out) < limit:
            seen.add(key)
            out.append({"text": text, "kind": kind})

    reader = searcher.reader()
    for name in sorted(reader.field_terms("expert")):
        if analysis.normalize(name).startswith(norm):
            add(name, "expert")
    for tag in sorted(reader.field_terms("tag"), key=lambda t: -searcher.doc_frequency("tag", t)):
        if analysis.normalize(tag).startswith(norm):
            add(tag, "tag")

    def frequency(term: str) -> int:
        toks = analysis.tokens(term)
        return min((searcher.doc_frequency("answer", t) for t in toks), default=0) if toks else 0

    # most frequent in the index first; among a group's variants, the earliest listed (canonical) one
    ranked = sorted(((-frequency(t), rank, len(t), t, k) for _, t, k, rank in lexicon_terms_starting(norm)))
    for df, _, _, term, kind in ranked:
        if df < 0:
            add(term, kind)
    if len(out) < limit:
        words = []
        for word in reader.expand_prefix("answer", norm):
            word = word.decode("utf-8") if isinstance(word, bytes) else word
            if len(word) > len(norm) and not is_concept_token(word) and not any(analysis.normalize(o["text"]).startswith(word) for o in out):
                words.append((searcher.doc_frequency("answer", word), word))
        for _, word in sorted(words, reverse=True)[:limit]:
            add(word, "term")
    for df, _, _, term, kind in ranked:
        if df == 0:
            add(term, kind)
    return out
