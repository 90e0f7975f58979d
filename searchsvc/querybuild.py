"""Reader queries (parsed by ``querylang``) as Whoosh queries over the analysed fields."""

from __future__ import annotations

import re

from whoosh import query as Q

from . import analysis
from .querylang import Clause, ParsedQuery, parse_query
from .ranking import RANKING, Ranking

TEXT_FIELDS = ("title", "body", "meta")


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



def all_of(queries):
    queries = [q for q in queries if q is not None]
    return queries[0] if len(queries) == 1 else Q.And(queries)


def filters(tag, expert, year):
    parts = []
    if tag:
        parts.append(Q.Term("tag", tag))
    if expert:
        parts.append(Q.Term("expert", expert))
    if year is not None:
        parts.append(Q.Term("year", int(year)))
    return all_of(parts) if parts else None


def concept_count(parsed: ParsedQuery) -> int:
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
    if clause.field == "expert":
        return Q.Or([Q.Term("expert", clause.text), *_phrase_in("meta", clause.text)])
    if clause.field == "tag":
        return Q.Or([Q.Term("tag", clause.text), *_phrase_in("meta", clause.text)])
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


def _phrase_in(fieldname: str, text: str):
    toks = analysis.tokens(text)
    if not toks:
        return []
    return [Q.Term(fieldname, toks[0]) if len(toks) == 1 else Q.Phrase(fieldname, toks)]


def negatives(parsed: ParsedQuery, concepts: bool = True):
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
    excluded = negatives(parsed, concepts)
    return Q.And([core, *excluded]) if excluded else core
