"""Highlighted, Chinese-aware snippets.

Every piece of text is HTML-escaped first; the only markup added is our own
``<mark>``.  Match positions come from the character offsets stored in the index
(``offsets="index"``, no re-analysis per hit) or, for text outside the index such
as a whole article page, from running the analyzer again (``offsets="analysis"``).
"""

from __future__ import annotations

import math
import re
from html import escape

import numpy as np

from .. import analysis
from ..article import Article
from .index import field_layout
from .postings import read_occurrences
from ..results import Match

SNIPPET_CHARS = 120
MAX_MATCHES = 5
SENTENCE_END = re.compile(r"[^。！？；!?;\n]*[。！？；!?;\n]?")
Span = tuple[int, int]


def mark(text: str, spans: list[Span]) -> str:
    """Escape ``text`` and wrap each span in <mark>; overlapping spans are merged."""
    out, last = [], 0
    for start, end in merge(spans):
        start, end = max(start, last), min(end, len(text))
        if start >= end:
            continue
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def merge(spans: list[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def snippet(text: str, spans: list[Span], size: int = SNIPPET_CHARS) -> str:
    """About ``size`` characters of whole sentences around the densest matches, marked."""
    if not text:
        return ""
    sentences = [(m.start(), m.end()) for m in SENTENCE_END.finditer(text) if m.end() > m.start()]
    best, best_score = (0, min(len(text), size)), -1.0
    for i, (start, _) in enumerate(sentences if spans else sentences[:1]):  # no match: the opening
        end = sentences[i][1]
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - start <= size:
            j += 1
            end = sentences[j][1]
        inside = [s for s in spans if start <= s[0] < end]
        score = len({text[s:e] for s, e in inside}) * 2 + len(inside) - (end - start) / 1000
        if score > best_score:
            best, best_score = (start, end), score
    start, end = best
    if end - start > size * 1.4:  # one very long sentence: centre on its first match
        first = min((s for s, _ in spans if start <= s < end), default=start)
        start = max(start, first - size // 3)
        end = min(end, start + size)
    local = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    html = mark(text[start:end].strip("\n"), local) if not text[start:end].startswith("\n") else mark(text[start:end], local)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text.rstrip()) else ""
    return f"{prefix}{html.strip()}{suffix}"


def spans_by_analysis(text: str, words: set[str]) -> list[Span]:
    """Offsets of the tokens of ``text`` (as indexed) that are among ``words``."""
    if not words or not text:
        return []
    return [(t.startchar, t.endchar) for t in analysis.analyzer()(text, mode="index", chars=True) if t.text in words]


class Highlighter:
    """Finds, for one results page, each hit's best-matching Q&As and its title marks."""

    def __init__(self, searcher, words: set[str], offsets: str = "index", docnums: list[int] | None = None,
                 holders: dict | None = None, terms=None):
        """``holders`` (field, word) -> the documents holding the word there, when the search knows
        them already (``engine.Engine.postings``): a word is looked for only in the hits that hold it."""
        self.searcher = searcher
        self.holders = holders or {}
        self.terms = terms  # postings.TermCache: the ranking's walk over a word's blocks, reused
        self.reader = searcher.reader()
        self.offsets = offsets
        self.words = set(words)
        n = max(searcher.doc_count_all(), 1)
        self.idf = {w: math.log(1 + n / (1 + searcher.doc_frequency("answer", w))) for w in self.words}
        self.docnums = sorted(set(docnums or []))
        self._loaded: dict[str, dict[int, list[tuple[str, Span]]]] = {}

    def _chars(self, fieldname: str, docnum: int) -> list[tuple[str, Span]]:
        if fieldname not in self._loaded or docnum not in self._loaded[fieldname]:
            docnums = self.docnums if docnum in self.docnums else [docnum]
            self._loaded.setdefault(fieldname, {}).update(self._load(fieldname, docnums))
        return self._loaded[fieldname][docnum]

    def _load(self, fieldname: str, docnums: list[int]) -> dict[int, list[tuple[str, Span]]]:
        """Character offsets of every query word in these documents, a posting block at a time."""
        found: dict[int, list[tuple[str, Span]]] = {d: [] for d in docnums}
        for word in self.words:
            targets = docnums
            if (fieldname, word) in self.holders:
                holding = _as_set(self.holders, (fieldname, word), docnums)
                targets = [d for d in docnums if d in holding]
            if not targets:
                continue
            occurrences = read_occurrences(self.reader, fieldname, word, np.asarray(targets, np.int64), chars=True,
                                           cache=self.terms)
            for doc, start, end in zip(occurrences.docs.tolist(), occurrences.starts.tolist(), occurrences.ends.tolist()):
                found[doc].append((word, (start, end)))
        return found

    def _field_spans(self, fieldname: str, docnum: int, text: str) -> list[tuple[str, Span]]:
        if self.offsets == "index":
            return self._chars(fieldname, docnum)
        return [(text[s:e], (s, e)) for s, e in spans_by_analysis(text, self.words)]

    def matches(self, docnum: int, article: Article) -> tuple[list, str]:
        """The interview's best-matching Q&As (question and snippet marked) and its marked title."""
        title_spans = [span for _, span in self._field_spans("title", docnum, article.title)]
        per_qa: list[dict] = [{"question": [], "answer": []} for _ in article.qa]
        for fieldname in ("question", "answer"):
            text, regions = field_layout(article, fieldname)
            starts = [start for _, start, _ in regions]
            for word, (s, e) in self._field_spans(fieldname, docnum, text):
                r = _which(starts, s)
                if r is not None and s < regions[r][2]:
                    i, start, _ = regions[r]
                    per_qa[i][fieldname].append((word, (s - start, e - start)))
        ranked = []
        for i, found in enumerate(per_qa):
            words = {w for w, _ in found["question"] + found["answer"]}
            if words:
                score = sum(self.idf.get(w, 1.0) for w in words) + 0.05 * len(found["answer"])
                ranked.append((score, i))
        ranked.sort(key=lambda si: (-si[0], si[1]))
        matches = []
        for _, i in ranked[:MAX_MATCHES]:
            qa = article.qa[i]
            matches.append(Match(qa=i + 1, question_html=mark(qa.question, [sp for _, sp in per_qa[i]["question"]]),
                                 snippet_html=snippet(qa.answer, [sp for _, sp in per_qa[i]["answer"]]), expert=qa.expert))
        return matches, mark(article.title, title_spans)


def _as_set(holders: dict, key, docnums: list[int]) -> set[int]:
    """Which of ``docnums`` are among the holders of ``key`` (a sorted array of documents)."""
    docs = holders[key]
    at = np.searchsorted(docs, docnums)
    return {d for d, i in zip(docnums, at) if i < len(docs) and docs[i] == d}


def _which(starts: list[int], offset: int) -> int | None:
    lo, hi = 0, len(starts) - 1
    if hi < 0 or offset < 0:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo
