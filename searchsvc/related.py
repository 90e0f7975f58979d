"""More like this: interviews sharing an interview's distinctive terms, concepts, tags and experts.

Each related interview says why it is related: the experts and tags it shares with
the interview it was found for, and the lexicon concepts (drugs, genes, diseases...,
the ``~`` concept tokens of ``analysis.ConceptFilter``) both discuss, most specific
first.  Judged on the samples by bench/related_eval.py (README, "Related interviews").
"""

from __future__ import annotations

import json
import math

import numpy as np

from . import analysis, names
from .affiliation import expert_details
from .article import Expert
from .ranking import Ranking
from .results import Related

TERMS = 40          # distinctive words searched for
CONCEPTS = 25       # distinctive lexicon concepts searched for
CONCEPT_BOOST = 3.0  # a shared drug, gene or disease says more than a shared word
TAG_BOOST = 3.0
EXPERT_BOOST = 2.0
SHOWN_CONCEPTS = 4
CONTENT_FIELDS = ("title", "body", "lead", "question", "answer")  # whichever the index's schema has
DF_FIELDS = ("body", "answer", "question")
MAX_SHARE = 0.5      # a word in more than half the interviews (患者, 治疗) relates nothing
# Every field counts alike here: a shared word relates two interviews wherever each says it
RANKING = Ranking(title=1.0, lead=1.0, question=1.0, answer=1.0, meta=1.0)


def related(engine, article_id: str, limit: int = 5) -> list[Related] | None:
    """Interviews most like ``article_id``, with what they share (None: no such interview).

    ``engine`` (``engine.Engine`` over the snapshot) scores every interview at once: the
    interview's distinctive words and concepts weighted by their tf-idf, its tags and experts.
    """
    searcher = engine.searcher
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return None
    data = json.loads(searcher.stored_fields(docnum)["article"])
    fields = tuple(_content_fields(searcher))
    words, concepts = _distinctive(searcher, data, fields)
    score = np.zeros(engine.n, np.float32)
    for weight, token in words:
        score += weight * engine.term_scores(token, (*fields, "meta"))
    for weight, token in concepts:
        score += weight * CONCEPT_BOOST * engine.term_scores(token, fields)
    columns = engine.columns
    for labels, values, boost in ((columns.tags, data["tags"], TAG_BOOST),
                                  (columns.experts, [e["name"] for e in data["experts"]], EXPERT_BOOST)):
        for value in values:
            holders = labels.docs_with(names.key(value))
            score += boost * (math.log(engine.doc_count / (int(holders.sum()) + 1)) + 1) * holders
    score[docnum] = 0
    score[~columns.live] = 0
    best = [int(d) for d in np.argsort(-score, kind="stable")[:limit] if score[d] > 0]
    own_experts = [e["name"] for e in data["experts"]]
    text = analysis.normalize(_text(data))
    out = []
    for other_doc in best:
        other = json.loads(searcher.stored_fields(other_doc)["article"])
        names_there = [e["name"] for e in other["experts"]]
        shared_tags = [t for t in other["tags"] if t in data["tags"]]
        out.append(Related(
            id=other["id"], title=other["title"], date=other["date"], score=round(float(score[other_doc]), 4),
            experts=names_there, tags=list(other["tags"]),
            expert_details=expert_details(Expert(**e) for e in other["experts"]),
            shared_experts=[n for n in names_there if n in own_experts], shared_tags=shared_tags,
            shared_concepts=_shared_concepts(engine, fields, concepts, other_doc, text, shown=shared_tags)))
    return out


def _text(data: dict) -> str:
    return " ".join([data["title"]] * 3 + [q["question"] + " " + q["answer"] for q in data["qa"]] + data["tags"] * 3)


def _content_fields(searcher) -> list[str]:
    names = set(searcher.schema.names())
    return [f for f in CONTENT_FIELDS if f in names]


def _distinctive(searcher, data: dict, fields: list[str]) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """The interview's words and concept tokens with the highest tf-idf, as (weight, token)."""
    counts: dict[str, int] = {}
    for tok in analysis.tokens(_text(data), mode="index"):
        if (len(tok) >= 2 and not tok.isdigit()) or tok.startswith(analysis.CONCEPT_MARK):
            counts[tok] = counts.get(tok, 0) + 1
    n = searcher.doc_count_all()
    words, concepts = [], []
    for tok, tf in counts.items():
        # at least this many interviews have it (the two big fields say enough: 5 lookups a word took most of the time)
        df = max(searcher.doc_frequency(f, tok) for f in DF_FIELDS if f in fields)
        if df <= 1 and n > 1:
            continue  # only this interview has it: cannot relate it to another
        if n >= 10 and df > MAX_SHARE * n:
            continue
        weight = round(tf * math.log(1 + n / (1 + df)), 3)
        (concepts if tok.startswith(analysis.CONCEPT_MARK) else words).append((weight, tok))
    words.sort(reverse=True)
    concepts.sort(reverse=True)
    return words[:TERMS], concepts[:CONCEPTS]


def _shared_concepts(engine, fields: tuple[str, ...], concepts: list[tuple[str, ...]], docnum: int, text: str,
                     shown: list[str]) -> list[str]:
    """The concepts of the source (most distinctive first) that ``docnum`` mentions too, as the source names them.

    A concept already said by a shared tag, or overlapping one listed before it
    (EGFR, EGFR突变), is left out: the list is there to be read.
    """
    shared: list[str] = []
    said = [analysis.normalize(t) for t in shown]
    for _, token in concepts:
        name = _name_in(token, text)
        if name is not None and any(engine.holds(f, token, docnum) for f in fields):
            key = analysis.normalize(name)
            if not any(key in other or other in key for other in said):
                shared.append(name)
                said.append(key)
        if len(shared) == SHOWN_CONCEPTS:
            break
    return shared


def _name_in(token: str, text: str) -> str | None:
    """The name of a concept that ``text`` (normalized) uses, e.g. ALK rather than 间变性淋巴瘤激酶; None when
    the text holds the concept only through a narrower one (NGS for 基因检测): the reason given must be read
    in the interview itself."""
    for term in analysis.synonyms().names(token):
        if analysis.normalize(term) in text:
            return term
    return None
