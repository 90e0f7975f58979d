"""Search the published index: the one entry point the CLI and the web layer use.

``Searcher`` follows the index's ``current`` snapshot: every call checks the
published version (one readlink) and reopens when an ingest has published a new
one, so a running service never needs a restart.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from whoosh import query as Q
from whoosh import scoring, sorting

from . import analysis, names
from .article import Article
from .highlight import Highlighter
from .index import IndexStore
from .querylang import Clause, ParsedQuery, parse_query

TEXT_FIELDS = ("title", "body", "meta")
SORTS = ("relevance", "date")
MAX_QUERY_CHARS = 200
MAX_PER_PAGE = 50
FACET_LIMIT = 20
MAX_SPELLING_TRIES = 4  # unknown words a query's spelling suggestion looks up


@dataclass(frozen=True)
class Ranking:
    """BM25F parameters and per-field boosts (applied at query time; tuned with bench/relevance.py --tune)."""

    title: float = 3.0
    body: float = 1.0
    meta: float = 2.0
    B: float = 0.5  # the judged set: 0.5 beat 0.75 in every setting of the grid (interviews vary less in length than web pages)
    K1: float = 2.0

    def boost(self, fieldname: str) -> float:
        return getattr(self, fieldname, 1.0)

    def weighting(self):
        return scoring.BM25F(B=self.B, K1=self.K1)


RANKING = Ranking()


class BadRequest(ValueError):
    """A parameter a user sent is out of range; ``param`` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass
class Match:
    qa: int  # 1-based number of the Q&A in the interview (anchor #qa-N)
    question_html: str
    snippet_html: str
    expert: str = ""


@dataclass
class Hit:
    id: str
    title: str
    title_html: str
    date: str
    experts: list[str]
    tags: list[str]
    score: float
    matches: list[Match] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[dict]]
    suggestion: str | None = None
    # "and"; "or": the ranked OR fallback (no interview had every term); "suggestion": nothing
    # matched, so these are the results for `suggestion`; "all": an empty query, newest first
    mode: str = "and"
    index_version: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Related:
    id: str
    title: str
    date: str
    score: float


def validate(q: str = "", page: int = 1, per_page: int = 10, sort: str = "relevance") -> None:
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest("q", f"the query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not isinstance(page, int) or page < 1 or page > 10_000:
        raise BadRequest("page", "page must be a whole number from 1 to 10000")
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest("per_page", f"per_page must be a whole number from 1 to {MAX_PER_PAGE}")
    if sort not in SORTS:
        raise BadRequest("sort", f"sort must be one of: {', '.join(SORTS)}")


class Searcher:
    """Read-only access to the published index, safe to share between threads."""

    def __init__(self, store: IndexStore, ranking: Ranking = RANKING):
        self.store = store
        self.ranking = ranking
        self._lock = threading.Lock()
        self._opened: tuple[str, object, bool] | None = None  # (version, index, its concept tokens are current)
        # One Whoosh searcher per thread: Whoosh's postings readers seek and read a shared file object,
        # so threads searching through one reader read each other's bytes (tests/test_reliability_threads.py).
        self._local = threading.local()

    # -- the snapshot in use -------------------------------------------------
    def _current(self):
        version = self.store.version()
        opened = self._opened
        if opened is None or opened[0] != version:
            with self._lock:
                opened = self._opened
                if opened is None or opened[0] != version:
                    version, index = self.store.open(version)
                    opened = (version, index, self.store.lexicon_is_current(version))
                    self._opened = opened  # the old index and its searchers are left to the garbage collector
        local = self._local
        if getattr(local, "index", None) is not opened[1]:
            local.index, local.searcher = opened[1], opened[1].searcher(weighting=self.ranking.weighting())
        local.concepts = opened[2]
        return opened[0], local.searcher

    def _concepts_indexed(self) -> bool:
        """Whether this thread's index has concept tokens of the loaded lexicon (else synonyms expand name by name)."""
        return getattr(self._local, "concepts", False)

    def version(self) -> str:
        return self._current()[0]

    def health(self) -> dict:
        version, searcher = self._current()
        return {"status": "ok", "articles": searcher.doc_count(), "documents": searcher.doc_count_all(),
                "index_version": version,
                "lexicon": "current" if self._concepts_indexed() else "stale"}

    # -- search ----------------------------------------------------------------
    def search(self, q: str, page: int = 1, per_page: int = 10, tag: str | None = None,
               expert: str | None = None, year: int | None = None, sort: str = "relevance") -> SearchResult:
        validate(q, page, per_page, sort)
        started = time.perf_counter()
        version, searcher = self._current()
        concepts = self._concepts_indexed()
        parsed = parse_query(q)
        filters = _filters(tag, expert, year)
        if parsed.is_empty():
            query, mode = _and([Q.Every(), *_negatives(parsed, concepts)]), "all"
        else:
            query, mode = build_query(parsed, ranking=self.ranking, concepts=concepts), "and"
        results = self._run(searcher, query, filters, page, per_page, sort, mode)
        if results.total == 0 and mode == "and" and len(parsed.positive) + _concept_count(parsed) > 1:
            relaxed = build_query(parsed, any_term=True, ranking=self.ranking, concepts=concepts)
            relaxed_results = self._run(searcher, relaxed, filters, page, per_page, sort, "or")
            if relaxed_results.total:
                query, results, mode = relaxed, relaxed_results, "or"
        suggestion = suggest_spelling(q, searcher) if results.total < 3 and mode != "all" else None
        if results.total == 0 and suggestion:
            corrected = build_query(parse_query(suggestion), ranking=self.ranking, concepts=concepts)
            corrected_results = self._run(searcher, corrected, filters, page, per_page, sort, "and")
            if corrected_results.total:
                query, results, mode = corrected, corrected_results, "suggestion"
        highlighter = Highlighter(searcher, query, docnums=[hit.docnum for hit in results.page_hits])
        hits = [self._hit(searcher, hit, highlighter) for hit in results.page_hits]
        return SearchResult(query=q, total=results.total, page=page, per_page=per_page,
                            took_ms=round((time.perf_counter() - started) * 1000, 2), hits=hits,
                            facets=results.facets, suggestion=suggestion, mode=mode, index_version=version)

    def _run(self, searcher, query, filters, page, per_page, sort, mode):
        facets = {
            "tags": sorting.FieldFacet("tag", allow_overlap=True, maptype=sorting.Count),
            "experts": sorting.FieldFacet("expert", allow_overlap=True, maptype=sorting.Count),
            "years": sorting.FieldFacet("year", maptype=sorting.Count),
        }
        kwargs = dict(filter=filters, groupedby=facets, terms=False)
        if sort == "date" or mode == "all":
            kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
        results = searcher.search_page(query, page, pagelen=per_page, **kwargs)
        return _Page(results, page)

    def _hit(self, searcher, hit, highlighter: Highlighter) -> Hit:
        article = Article.from_dict(json.loads(hit["article"]))
        matches, title_html = highlighter.matches(hit.docnum, article)
        return Hit(id=article.id, title=article.title, title_html=title_html, date=article.date,
                   experts=article.expert_names, tags=article.tags, score=round(hit.score or 0.0, 4),
                   matches=matches)

    # -- articles ----------------------------------------------------------------
    def article(self, article_id: str) -> Article | None:
        _, searcher = self._current()
        stored = searcher.document(id=article_id)
        return Article.from_dict(json.loads(stored["article"])) if stored else None

    def articles(self, page: int = 1, per_page: int = 10, tag: str | None = None,
                 expert: str | None = None, year: int | None = None) -> SearchResult:
        """Every interview (or those of a tag, expert or year), newest first."""
        return self.search("", page=page, per_page=per_page, tag=tag, expert=expert, year=year, sort="date")

    def related(self, article_id: str, limit: int = 5) -> list[Related] | None:
        """More like this: the interview's own distinctive terms, searched across the index."""
        _, searcher = self._current()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return None
        terms = _distinctive_terms(searcher, docnum, 25)
        if not terms:
            return []
        query = Q.Or([Q.Term(f, t, boost=w) for f, t, w in terms])
        results = searcher.search(query, limit=limit + 1, filter=None, mask=Q.Term("id", article_id), terms=False)
        out = []
        for hit in results:
            data = json.loads(hit["article"])
            out.append(Related(id=data["id"], title=data["title"], date=data["date"], score=round(hit.score, 4)))
        return out[:limit]

    # -- suggestions ----------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 8) -> list[dict]:
        """Completions for a search box: lexicon terms, experts, tags, index terms."""
        prefix = prefix.strip()
        if not prefix or len(prefix) > 50:
            return []
        _, searcher = self._current()
        return complete(prefix, searcher, limit)


def is_concept_token(word: str) -> bool:
    """A token standing for a whole synonym group (indexed, never typed; see analysis.ConceptFilter)."""
    return word.startswith(analysis.CONCEPT_MARK)


def readable_word(word: str) -> str:
    """A query word as a reader knows it: a concept token is its group's canonical term."""
    return (analysis.synonyms().canonical(word) or word) if is_concept_token(word) else word


def query_words(q: str) -> set[str]:
    """The indexed words a query looks for, synonyms included (to mark them on an article page).

    A lexicon term gives its concept token, whose span is the whole name wherever any of
    the group's names occurs, and its one-word names; a name of several words is marked
    through the concept token only (so "early stage" never marks every "stage").
    Excluded terms and expert/tag/year filters are left out: they are not what the reader
    wants to see highlighted in the text.
    """
    table = analysis.synonyms()
    words: set[str] = set()
    for clause in parse_query(q or "").positive:
        if clause.field in (None, "title"):
            for concept in _concepts(clause):
                token = None if clause.phrase else table.concept(concept[0])
                if token is None:
                    words.update(w for seq in concept for w in seq)
                else:
                    words.add(token)
                    words.update(seq[0] for seq in concept if len(seq) == 1)
    return words


@dataclass
class _Page:
    total: int
    page_hits: list
    facets: dict[str, list[dict]]

    def __init__(self, results, page: int):
        self.total = results.total
        # Whoosh clamps a page past the end to the last page; a reader asked for nothing there
        self.page_hits = [] if results.pagenum < page else list(results)
        self.facets = {}
        for name in ("tags", "experts", "years"):
            try:
                groups = results.results.groups(name)
            except (KeyError, ValueError):
                groups = {}
            ranked = sorted(((v, c) for v, c in groups.items() if v not in (None, "")), key=lambda vc: (-vc[1], str(vc[0])))
            if name == "years":
                ranked = sorted(ranked, key=lambda vc: -int(vc[0]))
            self.facets[name] = [{"value": v, "count": c} for v, c in ranked[:FACET_LIMIT]]


def _and(queries):
    queries = [q for q in queries if q is not None]
    return queries[0] if len(queries) == 1 else Q.And(queries)


def _filters(tag, expert, year):
    parts = []
    if tag:
        parts.append(Q.Term("tag", names.key(tag)))
    if expert:
        parts.append(Q.Term("expert", names.key(expert)))
    if year is not None:
        parts.append(Q.Term("year", int(year)))
    return _and(parts) if parts else None


def _concept_count(parsed: ParsedQuery) -> int:
    return sum(len(_concepts(c)) - 1 for c in parsed.positive if c.field is None and not c.phrase)


def _concepts(clause: Clause) -> list[list[tuple[str, ...]]]:
    """Concepts of a clause: synonym-expanded alternatives; unknown single characters glued."""
    toks = analysis.tokens(clause.text)
    if clause.phrase:
        return [[tuple(toks)]] if toks else []
    concepts = analysis.synonyms().concepts(toks)
    glued: list[list[tuple[str, ...]]] = []
    for concept in concepts:
        single = len(concept) == 1 and len(concept[0]) == 1 and len(concept[0][0]) == 1 and not concept[0][0].isascii()
        if single and glued and getattr(glued[-1], "singles", False):
            glued[-1][0] = glued[-1][0] + concept[0]
        else:
            glued.append(_Concept(concept))
            glued[-1].singles = single
    return glued


class _Concept(list):
    singles = False


def _text_query(seq: tuple[str, ...], fields=TEXT_FIELDS, ranking: Ranking = RANKING):
    if len(seq) == 1:
        return Q.Or([Q.Term(f, seq[0], boost=ranking.boost(f)) for f in fields])
    return Q.Or([Q.Phrase(f, list(seq), boost=ranking.boost(f)) for f in fields])


def _concept_query(concept: list[tuple[str, ...]], fields, ranking: Ranking, concepts: bool):
    """One concept: its indexed concept token when the index has current ones, else an OR of its names."""
    token = analysis.synonyms().concept(concept[0]) if concepts else None
    if token is not None:
        return _text_query((token,), fields, ranking)
    return Q.Or([_text_query(seq, fields, ranking) for seq in concept])


def _clause_query(clause: Clause, any_term: bool = False, ranking: Ranking = RANKING, concepts: bool = True):
    if clause.field in ("expert", "tag"):  # the canonical key, as in the facets and /tags/, /experts/ (see names)
        return Q.Term(clause.field, names.key(clause.text))
    if clause.field == "year":
        return Q.Term("year", int(clause.text)) if re.fullmatch(r"[0-9]{4}", clause.text) else Q.NullQuery
    fields = ("title",) if clause.field == "title" else TEXT_FIELDS
    found = _concepts(clause)
    if clause.phrase:
        parts = [_text_query(seq, fields, ranking) for concept in found for seq in concept]
    else:
        parts = _unique([_concept_query(concept, fields, ranking, concepts) for concept in found])
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    # Relaxing a word the reader typed without spaces only makes sense between lexicon terms
    # (小细胞肺癌免疫治疗); 视网膜母细胞瘤 must not fall apart into 视网膜 OR 瘤.
    if any_term and all(c[0] in analysis.synonyms().by_tokens for c in found):
        return Q.Or(parts)
    return Q.And(parts)


def _negatives(parsed: ParsedQuery, concepts: bool = True):
    return _unique([Q.Not(q) for c in parsed.clauses if c.negated and (q := _clause_query(c, concepts=concepts)) is not None])


def _unique(queries: list) -> list:
    """The queries without repeats: 早期 早期 asks for one thing, and matching it twice costs twice."""
    out = []
    for q in queries:
        if q not in out:
            out.append(q)
    return out


def build_query(parsed: ParsedQuery, any_term: bool = False, ranking: Ranking = RANKING, concepts: bool = True):
    """The Whoosh query: AND over groups (OR within), negations as NOT.

    ``any_term`` relaxes AND to OR, for the ranked fallback when nothing has every term.
    ``concepts`` looks lexicon terms up by their indexed concept token (one term per field);
    False expands them into an OR of every name, for an index built with another lexicon.
    """
    positives = []
    for group in parsed.groups:
        alternatives = _unique([q for c in group if not c.negated
                                and (q := _clause_query(c, any_term, ranking, concepts)) is not None])
        if alternatives:
            positives.append(alternatives[0] if len(alternatives) == 1 else Q.Or(alternatives))
    positives = _unique(positives)
    if not positives:
        return Q.NullQuery
    core = positives[0] if len(positives) == 1 else (Q.Or(positives) if any_term else Q.And(positives))
    negatives = _negatives(parsed, concepts)
    return Q.And([core, *negatives]) if negatives else core


def _distinctive_terms(searcher, docnum: int, count: int) -> list[tuple[str, str, float]]:
    """The document's terms with the highest tf-idf, from its stored article text."""
    import math

    data = json.loads(searcher.stored_fields(docnum)["article"])
    text = " ".join([data["title"]] * 3 + [q["question"] + " " + q["answer"] for q in data["qa"]] + data["tags"] * 3)
    counts: dict[str, int] = {}
    for tok in analysis.tokens(text, mode="query"):
        if len(tok) >= 2 and not tok.isdigit():
            counts[tok] = counts.get(tok, 0) + 1
    n = searcher.doc_count_all()
    scored = []
    for tok, tf in counts.items():
        df = searcher.doc_frequency("body", tok) + searcher.doc_frequency("title", tok)
        if df <= 1 and n > 1:
            continue  # only this interview has it: cannot relate it to another
        idf = math.log(1 + n / (1 + df))
        scored.append((tf * idf, tok))
    scored.sort(reverse=True)
    return [(f, tok, round(w, 3)) for w, tok in scored[:count] for f in ("body", "title", "meta")]


@lru_cache(maxsize=1)
def _lexicon_terms() -> tuple[list[str], list[tuple[str, str, str, int]]]:
    """Sorted (normalized term, term, kind, rank in its group) for completion, with the keys for bisect."""
    rows = sorted({(analysis.normalize(t), t, k, rank) for k, terms in analysis.lexicon().groups
                   for rank, t in enumerate(terms)})
    return [r[0] for r in rows], rows


def _lexicon_completions(norm: str) -> list[tuple[str, str, str, int]]:
    import bisect

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
        return min((searcher.doc_frequency("body", t) for t in toks), default=0) if toks else 0

    # most frequent in the index first; among a group's variants, the earliest listed (canonical) one
    ranked = sorted(((-frequency(t), rank, len(t), t, k) for _, t, k, rank in _lexicon_completions(norm)))
    for df, _, _, term, kind in ranked:
        if df < 0:
            add(term, kind)
    if len(out) < limit:
        words = []
        for word in reader.expand_prefix("body", norm):
            word = word.decode("utf-8") if isinstance(word, bytes) else word
            if len(word) > len(norm) and not is_concept_token(word) and not any(analysis.normalize(o["text"]).startswith(word) for o in out):
                words.append((searcher.doc_frequency("body", word), word))
        for _, word in sorted(words, reverse=True)[:limit]:
            add(word, "term")
    for df, _, _, term, kind in ranked:
        if df == 0:
            add(term, kind)
    return out


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
