"""Matching and ranking an understood query over one snapshot, a whole posting list at a time.

Each unit of the query (``queryplan.Unit``) is scored for every interview at once,
with numpy over the postings arrays of ``postings``: BM25F per field (Whoosh's formula,
field boosts from ``ranking.Ranking``), the best of a unit's alternatives, the sum of an
AND's parts. Then, as Elasticsearch's ``minimum_should_match`` and Meilisearch's
matching strategies do for keyword queries:

- **coverage**: each core unit weighs its rarity (BM25's idf over the interviews that
  match it); an interview's coverage is the weight of the units it matches over the
  weight of them all;
- an interview is a result when its coverage reaches ``Ranking.min_coverage`` (a fifth of
  the query's weight by default: an interview missing a minor word still appears, one
  holding only a common word of a long question does not) or it matches half the units or
  more; when no interview does, when it matches any unit;
- its score is the sum of its units' scores times coverage ** ``Ranking.coverage_power``,
  so interviews matching more of the query, and its rarer parts, rank first.

Required units (phrases, +words, field scopes), exclusions and filters (expert:, tag:,
year:, and the page's own filter parameters) are masks.
Quoted phrases, and names of several words in an index without concept tokens, are found
from their words' positions, read a posting block at a time (``postings.read_occurrences``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from .columns import DocColumns
from .postings import TermCache, read_occurrences, read_postings
from .ranking import Ranking
from .. import names
from ..query.queryplan import AllOf, AnyOf, Concept, Ignored, Label, Scoped, Understanding, Unit, Words
from ..results import check_deadline


@dataclass
class Ranked:
    """The result set of a query, in order, with what the facets and the notices need."""

    order: np.ndarray  # global document numbers, best first
    scores: np.ndarray  # aligned with order
    total: int
    full_matches: int  # results that match every core unit
    mode: str  # "all" (no words: newest first), "and" (every result matches every core unit), "or"
    understood: Understanding | None = None  # the query as ranked: its units no interview holds marked "absent"


@dataclass
class _Scored:
    matched: np.ndarray  # bool, one per document
    score: np.ndarray  # float32, one per document (0 where unmatched)


class Engine:
    """Evaluates understood queries over one snapshot; one instance per search (it holds a thread's reader)."""

    def __init__(self, columns: DocColumns, searcher, ranking: Ranking, fields: tuple[str, ...],
                 concepts_indexed: bool = True, deadline: float | None = None, terms: TermCache | None = None):
        self.columns = columns
        self.terms = terms
        self.deadline = deadline  # time.monotonic() value: past it, reading postings stops with OutOfTime
        self.searcher = searcher
        self.reader = searcher.reader()
        self.ranking = ranking
        self.fields = fields
        self.concepts_indexed = concepts_indexed
        self.n = columns.count
        self.doc_count = max(searcher.doc_count_all(), 1)
        self._terms: dict[tuple[str, str], _Scored] = {}
        self.postings: dict[tuple[str, str], np.ndarray] = {}  # (field, token) -> documents: what the highlighter opens

    # -- the whole query ------------------------------------------------------------
    def rank(self, understood: Understanding, mask: np.ndarray, by_date: bool) -> Ranked:
        """The results of ``understood`` among the documents in ``mask`` (live documents passing the filters).

        ``understood`` is left as it is: ``Ranked.understood`` is the query as ranked, a copy whose
        units no interview holds are "absent" and reported among the ignored words.
        """
        understood = replace(understood, units=[replace(u) for u in understood.units],
                             excluded=list(understood.excluded), ignored=list(understood.ignored),
                             corrections=list(understood.corrections), notices=list(understood.notices))
        ranked = self._rank(understood, mask, by_date)
        ranked.understood = understood
        return ranked

    def _rank(self, understood: Understanding, mask: np.ndarray, by_date: bool) -> Ranked:
        mask = mask & self.columns.live
        for unit in understood.excluded:
            mask &= ~self.unit(unit).matched
        scored = [(unit, self.unit(unit)) for unit in understood.units]
        for unit, s in scored:
            if unit.role in ("required", "filter"):
                mask &= s.matched
        narrowed = len(scored) > 0 or bool(understood.excluded)  # filters or exclusions to list by
        scored = [(u, s) for u, s in scored if u.role != "filter"]
        nothing_found = any(i.reason == "absent" for i in understood.ignored)
        if not scored and (not understood.ignored or narrowed and not nothing_found):
            # no words (or question words beside a filter or an exclusion): all they let through, newest first
            return self._finish(mask, np.zeros(self.n, np.float32), by_date=True, full=int(mask.sum()), mode="all")
        self._drop_absent(understood, scored)
        scored = [(u, s) for u, s in scored if u.role != "absent"]
        if not scored:  # nothing the reader asked for is in any interview
            return self._finish(np.zeros(self.n, bool), np.zeros(self.n, np.float32), by_date, full=0, mode="and")
        total_score = np.sum([s.score for _, s in scored], axis=0, dtype=np.float32)
        core = [s for u, s in scored if u.role == "core"] or [s for u, s in scored if u.role == "minor"]
        if not core:  # only required units
            return self._finish(mask, total_score, by_date, full=int(mask.sum()), mode="and")
        eligible, coverage = self._coverage(core, mask)
        full = int((eligible & (coverage >= 1 - 1e-6)).sum())
        score = total_score * np.power(coverage, self.ranking.coverage_power, dtype=np.float32)
        return self._finish(eligible, score, by_date, full=full, mode="and" if full == int(eligible.sum()) else "or")

    def _coverage(self, core: list[_Scored], mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which documents are results, and each document's coverage of the core units).

        A document is a result when it matches a ``min_coverage`` share of the units' weight, or half
        of them or more by count: a word in one interview weighs far more than two common ones
        (免疫治疗 副作用 BCMA), and an interview matching those two still answers most of the question.
        A unit matching nothing among ``mask`` (under the filters) counts for nothing.
        """
        weights = np.array([self._weight(s.matched & mask) for s in core], np.float32)
        counted = weights > 0
        covered = np.zeros(self.n, np.float32)
        matches = np.zeros(self.n, np.int32)
        for w, s, used in zip(weights, core, counted):
            if used:
                covered += w * s.matched
                matches += s.matched
        coverage = covered / max(float(weights.sum()), 1e-9)
        enough = (coverage >= self.ranking.min_coverage - 1e-6) | (2 * matches >= max(int(counted.sum()), 1))
        eligible = mask & (matches > 0) & enough
        if not eligible.any():
            eligible = mask & (matches > 0)
        return eligible, coverage

    def _drop_absent(self, understood: Understanding, scored: list) -> None:
        """A unit no interview matches is reported as not found and left out of the coverage; an unknown
        word's pieces (``Unit.fallback``) then count as minor words, beside other words of the query."""
        others = any(u.role == "core" and (s.matched & self.columns.live).any() for u, s in scored)
        for unit, s in list(scored):
            if unit.role in ("core", "minor") and not (s.matched & self.columns.live).any():
                unit.role = "absent"
                understood.ignored.append(Ignored(unit.text, "absent"))
                if others:
                    for piece in unit.fallback:
                        minor = Unit(text=piece.text, node=piece.node, role="minor")
                        understood.units.append(minor)
                        scored.append((minor, self.unit(minor)))

    def _weight(self, matched: np.ndarray) -> float:
        """BM25's idf over the documents a unit matches (0 when it matches none)."""
        n = int(matched.sum())
        return math.log(1 + (self.doc_count - n + 0.5) / (n + 0.5)) if n else 0.0

    def _finish(self, eligible: np.ndarray, score: np.ndarray, by_date: bool, full: int, mode: str) -> Ranked:
        docs = np.flatnonzero(eligible)
        scores = score[docs]
        if by_date:
            order = np.lexsort((docs, -scores, -self.columns.dates[docs]))
        else:
            order = np.lexsort((docs, -scores))
        return Ranked(order=docs[order], scores=scores[order], total=len(docs), full_matches=full, mode=mode)

    # -- units and nodes -----------------------------------------------------------------
    def unit(self, unit: Unit) -> _Scored:
        return self.node(unit.node, unit.fields or self.fields)

    def node(self, node, fields: tuple[str, ...]) -> _Scored:
        if isinstance(node, Words):
            return self._term(node.tokens[0], fields) if len(node.tokens) == 1 else self._phrase(node.tokens, fields)
        if isinstance(node, Concept):
            if self.concepts_indexed:
                return self._term(node.token, fields)
            return self._best([Words(seq) for seq in node.seqs], fields)
        if isinstance(node, Label):
            return _Scored(self._label(node), np.zeros(self.n, np.float32))
        if isinstance(node, Scoped):
            return self.node(node.node, node.fields)
        if isinstance(node, AnyOf):
            return self._best(list(node.options), fields)
        if isinstance(node, AllOf):
            parts = [self.node(p, fields) for p in node.parts]
            matched = np.logical_and.reduce([p.matched for p in parts])
            score = np.sum([p.score for p in parts], axis=0, dtype=np.float32) * matched
            return _Scored(matched, score.astype(np.float32))
        raise TypeError(f"not a query node: {node!r}")

    def _best(self, options: list, fields) -> _Scored:
        scored = [self.node(o, fields) for o in options]
        if not scored:
            return _Scored(np.zeros(self.n, bool), np.zeros(self.n, np.float32))
        return _Scored(np.logical_or.reduce([s.matched for s in scored]),
                       np.maximum.reduce([s.score for s in scored]))

    def _term(self, token: str, fields) -> _Scored:
        key = (token, ",".join(fields))
        found = self._terms.get(key)
        if found is not None:
            return found
        score = np.zeros(self.n, np.float32)
        for fieldname in fields:
            check_deadline(self.deadline)
            postings = read_postings(self.reader, fieldname, token, self.terms)
            self.postings[(fieldname, token)] = postings.docs
            if len(postings.docs):
                idf = math.log(self.doc_count / (self.reader.doc_frequency(fieldname, token) + 1)) + 1
                score[postings.docs] += self._bm25(fieldname, postings.docs, postings.tf, idf)  # a document once a field
        found = _Scored(score > 0, score)
        self._terms[key] = found
        return found

    def _phrase(self, tokens: tuple[str, ...], fields) -> _Scored:
        """Documents holding ``tokens`` at consecutive positions, scored by BM25 of the phrase's frequency."""
        score = np.zeros(self.n, np.float32)
        for fieldname in fields:
            check_deadline(self.deadline)
            candidates = None
            for token in dict.fromkeys(tokens):
                docs = self._postings(fieldname, token)
                candidates = docs if candidates is None else np.intersect1d(candidates, docs, assume_unique=True)
                if not len(candidates):
                    break
            if candidates is None or not len(candidates):
                continue
            starts = None  # (document << 32) + where the phrase would start, for each occurrence read so far
            for i, token in enumerate(tokens):
                check_deadline(self.deadline)
                found = read_occurrences(self.reader, fieldname, token, candidates, cache=self.terms)
                keys = (found.docs << 32) + (found.positions - i)
                starts = keys if starts is None else starts[np.isin(starts, keys)]
            docs, tf = np.unique(starts >> 32, return_counts=True)
            if len(docs):
                idf = math.log(self.doc_count / (len(docs) + 1)) + 1
                score[docs] += self._bm25(fieldname, docs, tf.astype(np.float32), idf)
        return _Scored(score > 0, score)

    def _label(self, label: Label) -> np.ndarray:
        """Documents of an expert or a tag (by canonical key, as /experts/ and /tags/ list them), or of a year."""
        if label.field == "year":
            value = label.value
            return self.columns.years == int(value) if re.fullmatch(r"[0-9]{4}", value) else np.zeros(self.n, bool)
        labels = self.columns.tags if label.field == "tag" else self.columns.experts
        return labels.docs_with(names.key(label.value))

    def term_scores(self, token: str, fields: tuple[str, ...]) -> np.ndarray:
        """BM25F of ``token`` over ``fields`` for every document (0 where it does not occur)."""
        return self._term(token, fields).score

    def holds(self, fieldname: str, token: str, docnum: int) -> bool:
        """Whether document ``docnum`` holds ``token`` in ``fieldname``."""
        docs = self._postings(fieldname, token)
        at = int(np.searchsorted(docs, docnum))
        return at < len(docs) and int(docs[at]) == docnum

    def _postings(self, fieldname: str, token: str) -> np.ndarray:
        if (fieldname, token) not in self.postings:
            self.postings[(fieldname, token)] = read_postings(self.reader, fieldname, token, self.terms).docs
        return self.postings[(fieldname, token)]

    def _bm25(self, fieldname: str, docs: np.ndarray, tf: np.ndarray, idf: float) -> np.ndarray:
        """Whoosh's BM25F for one field, boosted as the ranking says."""
        K1, B = self.ranking.K1, self.ranking.B
        length = self.columns.lengths[fieldname][docs]
        average = self.columns.average_length[fieldname]
        bm25 = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / average))
        return (bm25 * self.ranking.boost(fieldname)).astype(np.float32)


def filter_mask(columns: DocColumns, tags=(), experts=(), years=(), year_from=None, year_to=None) -> np.ndarray:
    """Documents carrying every tag and expert given, in one of the years given and within the range."""
    mask = np.ones(columns.count, bool)
    for tag in tags:
        mask &= columns.tags.docs_with(tag)
    for expert in experts:
        mask &= columns.experts.docs_with(expert)
    if years:
        mask &= np.isin(columns.years, np.asarray([y for y in years if 0 < y < 10_000], np.int32))
    if year_from is not None:
        mask &= columns.years >= min(max(year_from, 0), 10_000)
    if year_to is not None:
        mask &= (columns.years <= min(max(year_to, 0), 10_000)) & (columns.years > 0)  # an undated interview is in no range
    return mask


def facets(columns: DocColumns, docs: np.ndarray, limit: int) -> dict[str, list[dict]]:
    """Counts of the results' tags and experts (the ``limit`` most frequent) and of every year (newest first:
    the results page draws them all as a chart)."""
    out = {}
    for name, labels in (("tags", columns.tags), ("experts", columns.experts)):
        counts = labels.counts(docs)
        ranked = sorted(((labels.names[i], int(c)) for i, c in enumerate(counts) if c), key=lambda vc: (-vc[1], vc[0]))
        out[name] = [{"value": v, "count": c} for v, c in ranked[:limit]]
    years = columns.years[docs]
    values, counts = np.unique(years[years > 0], return_counts=True)
    out["years"] = [{"value": int(v), "count": int(c)} for v, c in sorted(zip(values, counts), key=lambda vc: -vc[0])]
    return out
