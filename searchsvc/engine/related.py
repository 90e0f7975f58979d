"""More like this: interviews sharing an interview's distinctive terms, concepts, tags and experts.

Each related interview says why it is related: the experts and tags it shares with
the interview it was found for, and the lexicon concepts (drugs, genes, diseases...,
the ``~`` concept tokens of ``analysis.ConceptFilter``) both discuss, most specific
first.  Judged on the samples by bench/related_eval.py (README, "Related interviews").

One ranking serves an indexed interview (``related``) and an editor's draft
(``draft_profile``): each becomes a ``Profile`` (distinctive words and concepts with
their tf-idf, tags and experts if any) and ``rank`` ranks every interview against it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from .. import analysis, names
from ..analysis.affiliation import expert_details
from ..article import Expert
from .ranking import Ranking
from ..results import Related

TERMS = 40          # distinctive words searched for
CONCEPTS = 25       # distinctive lexicon concepts searched for
CONCEPT_BOOST = 3.0  # a shared drug, gene or disease says more than a shared word
SITE_BOOST = 2.0    # a shared cancer (a ``disease`` concept) counts more again: same site before shared themes
SITE_SHARE = 0.5
TAG_BOOST = 3.0
EXPERT_BOOST = 2.0
SHOWN_CONCEPTS = 4
CONTENT_FIELDS = ("title", "body", "lead", "question", "answer")  # whichever the index's schema has
DF_FIELDS = ("body", "answer", "question")
MAX_SHARE = 0.5      # a word in more than half the interviews (患者, 治疗) relates nothing
# Every field counts alike here: a shared word relates two interviews wherever each says it
RANKING = Ranking(title=1.0, lead=1.0, question=1.0, answer=1.0, meta=1.0)


@dataclass
class Profile:
    """What related interviews are ranked from: an indexed interview's, or a draft's.

    ``words`` and ``concepts`` are (tf-idf weight, token), most distinctive first; ``text`` is the
    profile's own text normalized (a shared concept is named as this text names it); ``docnum`` is
    the interview's own document, never related to itself (None for a draft).
    """
    words: list[tuple[float, str]]
    concepts: list[tuple[float, str]]
    tags: list[str] = field(default_factory=list)
    experts: list[str] = field(default_factory=list)
    text: str = ""
    docnum: int | None = None

    def sites(self) -> set[str]:
        """The cancers the profile is about: its ``disease`` concepts weighing at least SITE_SHARE of the
        heaviest one (a cancer named in passing is not what the text is about), and their broader cancers."""
        table = analysis.synonyms()
        diseases = [(w, t) for w, t in self.concepts if table.kind(t) == "disease"]
        top = max((w for w, _ in diseases), default=0.0)
        main = {t for w, t in diseases if w >= SITE_SHARE * top}
        return main | {a for t in main for a in table.ancestors(t)}  # 肝细胞癌 is about 肝癌 too


def related(engine, article_id: str, limit: int = 5) -> list[Related] | None:
    """Interviews most like ``article_id``, with what they share (None: no such interview)."""
    profile = article_profile(engine.searcher, article_id)
    return None if profile is None else rank(engine, profile, limit)


def article_profile(searcher, article_id: str) -> Profile | None:
    """The profile of an indexed interview: its title (thrice), Q&As and tags (thrice), tags, experts."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return None
    data = json.loads(searcher.stored_fields(docnum)["article"])
    text = _text(data)
    words, concepts = _distinctive(searcher, text, tuple(_content_fields(searcher)), own=1)
    return Profile(words, concepts, tags=list(data["tags"]), experts=[e["name"] for e in data["experts"]],
                   text=analysis.normalize(text), docnum=docnum)


def draft_profile(searcher, draft: str) -> Profile:
    """The profile of a draft, read as an interview would be: a first line followed by more text is its
    title (counted thrice, as an interview's title), the rest its body; a draft has no tags or experts."""
    title, _, body = draft.strip().partition("\n")
    text = " ".join([title] * 3 + [body]) if body.strip() else title
    words, concepts = _distinctive(searcher, text, tuple(_content_fields(searcher)), own=0)
    return Profile(words, concepts, text=analysis.normalize(text))


def rank(engine, profile: Profile, limit: int) -> list[Related]:
    """The live interviews most like ``profile`` (best first), each with the experts, tags and concepts shared.

    ``engine`` (``engine.Engine`` over the snapshot) scores every interview at once: the profile's
    distinctive words and concepts weighted by their tf-idf, its tags and experts.
    """
    searcher = engine.searcher
    fields = tuple(_content_fields(searcher))
    score = np.zeros(engine.n, np.float32)
    for weight, token in profile.words:
        score += weight * engine.term_scores(token, (*fields, "meta"))
    sites = profile.sites()
    for weight, token in profile.concepts:
        boost = CONCEPT_BOOST * (SITE_BOOST if token in sites else 1.0)
        score += weight * boost * engine.term_scores(token, fields)
    columns = engine.columns
    for labels, values, boost in ((columns.tags, profile.tags, TAG_BOOST),
                                  (columns.experts, profile.experts, EXPERT_BOOST)):
        for value in values:
            holders = labels.docs_with(names.key(value))
            score += boost * (math.log(engine.doc_count / (int(holders.sum()) + 1)) + 1) * holders
    if profile.docnum is not None:
        score[profile.docnum] = 0
    score[~columns.live] = 0
    best = [int(d) for d in np.argsort(-score, kind="stable")[:limit] if score[d] > 0]
    out = []
    for other_doc in best:
        other = json.loads(searcher.stored_fields(other_doc)["article"])
        names_there = [e["name"] for e in other["experts"]]
        shared_tags = [t for t in other["tags"] if t in profile.tags]
        out.append(Related(
            id=other["id"], title=other["title"], date=other["date"], score=round(float(score[other_doc]), 4),
            experts=names_there, tags=list(other["tags"]),
            expert_details=expert_details(Expert(**e) for e in other["experts"]),
            shared_experts=[n for n in names_there if n in profile.experts], shared_tags=shared_tags,
            shared_concepts=_shared_concepts(engine, fields, profile.concepts, other_doc, profile.text,
                                             shown=shared_tags)))
    return out


def _text(data: dict) -> str:
    return " ".join([data["title"]] * 3 + [q["question"] + " " + q["answer"] for q in data["qa"]] + data["tags"] * 3)


def _content_fields(searcher) -> list[str]:
    names = set(searcher.schema.names())
    return [f for f in CONTENT_FIELDS if f in names]


def _distinctive(searcher, text: str, fields: tuple[str, ...], own: int
                 ) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """The words and concept tokens of ``text`` with the highest tf-idf, as (weight, token).

    ``text`` is cut by the index's own analyzer (concept tokens included). ``own`` is how many of
    the interviews counted are the text itself (1 for an indexed interview, 0 for a draft): a word no
    other interview has cannot relate it to one.
    """
    counts: dict[str, int] = {}
    for tok in analysis.tokens(text, mode="index"):
        if (len(tok) >= 2 and not tok.isdigit()) or tok.startswith(analysis.CONCEPT_MARK):
            counts[tok] = counts.get(tok, 0) + 1
    n = searcher.doc_count_all()
    words, concepts = [], []
    for tok, tf in counts.items():
        # at least this many interviews have it (the two big fields say enough: 5 lookups a word took most of the time)
        df = max(searcher.doc_frequency(f, tok) for f in DF_FIELDS if f in fields)
        if df - own <= 0 and n > own:
            continue  # no other interview has it: cannot relate the text to one
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
