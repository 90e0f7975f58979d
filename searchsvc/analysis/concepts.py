"""Synonym groups as token sequences, and the relations between groups.

A *concept* is a synonym group of the lexicon, named by its concept token (``~奥希替尼``).
``broader.tsv`` makes a graph of concepts (免疫相关不良反应 -> 不良反应 -> 不良事件); the
index records every ancestor of a concept wherever one of its names occurs (PubMed's
"explosion"), so 不良反应 finds a page that only writes irAE. ``lookalikes.tsv`` names a
concept that must not be read inside a longer name of another (血管内皮生长因子受体, VEGFR,
holds the name of 血管内皮生长因子, VEGF, and is not it).

This module knows nothing of Whoosh or jieba: the table is built with the analyzer's own
``cut`` (text -> tokens), so a name is cut exactly as a page or a query is.
"""

from __future__ import annotations

from typing import Callable

from .lexicon_data import Lexicon
from .textnorm import normalize

CONCEPT_MARK = "~"  # never starts a word the tokenizer cuts, so a concept token cannot clash with one

Seq = tuple[str, ...]


def concept_token(canonical: str) -> str:
    """The token that stands for a whole synonym group: ``~奥希替尼`` for any of its names."""
    return CONCEPT_MARK + normalize(canonical)


class SynonymTable:
    """Token sequences of every lexicon term, mapped to their synonym group, and the group graph.

    Public, by concept token (what the index holds and ``concept`` returns):
    ``names``, ``lay_names``, ``kind``, ``broader``, ``narrower``, ``ancestors``, ``descendants``,
    ``expansion`` (what a stale index must search for).
    """

    def __init__(self, lex: Lexicon, cut: Callable[[str], list[str]]):
        self.groups: list[tuple[str, str, list[Seq]]] = []  # (kind, canonical, variants)
        self.by_tokens: dict[Seq, int] = {}
        self.concept_tokens: list[str] = []  # per group
        self.starting_with: dict[str, list[tuple[Seq, int]]] = {}  # first token -> (variant, group)
        self.terms: list[list[str]] = []  # per group: its names as written
        self.longest = 1
        for kind, terms in lex.groups:
            variants: list[Seq] = []
            for term in terms:
                seq = tuple(cut(term))
                if seq and seq not in variants:
                    variants.append(seq)
            index = len(self.groups)
            self.groups.append((kind, terms[0], variants))
            self.terms.append(list(terms))
            self.concept_tokens.append(concept_token(terms[0]))
            for seq in variants:
                self.by_tokens.setdefault(seq, index)
                # every group that lists a name gets its concept there (`lexicon check` reports the overlap)
                self.starting_with.setdefault(seq[0], []).append((seq, index))
                self.longest = max(self.longest, len(seq))
        self.canonical_of = {token: group[1] for token, group in zip(self.concept_tokens, self.groups)}
        self.group_of = {token: i for i, token in enumerate(self.concept_tokens)}
        self.lay = {normalize(word) for word in lex.lay}
        self.parents: list[list[int]] = [[] for _ in self.groups]
        self.children: list[list[int]] = [[] for _ in self.groups]
        by_term = lex.group_index()
        for narrower, broader in lex.broader:
            child, parent = by_term.get(normalize(narrower)), by_term.get(normalize(broader))
            if child is not None and parent is not None and child != parent and parent not in self.parents[child]:
                self.parents[child].append(parent)
                self.children[parent].append(child)
        self.ancestors_of = [self._closure(i, self.parents) for i in range(len(self.groups))]
        self.not_inside: dict[int, set[int]] = {}  # group -> groups whose longer names it must not be read in
        for longer, shorter in lex.lookalikes:
            outer, inner = by_term.get(normalize(longer)), by_term.get(normalize(shorter))
            if outer is not None and inner is not None and outer != inner:
                self.not_inside.setdefault(inner, set()).add(outer)
        self.drug_groups = {i for i, (kind, _, _) in enumerate(self.groups) if kind == "drug"}

    @staticmethod
    def _closure(start: int, edges: list[list[int]]) -> tuple[int, ...]:
        """Every group reachable from ``start`` (nearest first), ``start`` excluded; safe on cycles."""
        seen: list[int] = []
        frontier = list(edges[start])
        while frontier:
            nxt = []
            for g in frontier:
                if g != start and g not in seen:
                    seen.append(g)
                    nxt.extend(edges[g])
            frontier = nxt
        return tuple(seen)

    # -- looking a query up -------------------------------------------------------------
    def concept(self, seq: Seq) -> str | None:
        """The concept token indexed wherever any name of ``seq``'s group occurs, if it is a lexicon term."""
        group = self.by_tokens.get(seq)
        return None if group is None else self.concept_tokens[group]

    def canonical(self, token: str) -> str | None:
        """The canonical term of a concept token's group (``~奥希替尼`` -> 奥希替尼)."""
        return self.canonical_of.get(token)

    def concepts(self, toks: list[str]) -> list[list[Seq]]:
        """Group a query's tokens into concepts: each a list of token sequences that find it.

        Greedy longest match: "kras g12c" is one concept; "奥希替尼" becomes
        [("奥希替尼",), ("osimertinib",), ("azd9291",), ...]. The list is what an index
        without current concept tokens must search for to find what the concept token
        finds: the group's own names, then the names of every narrower group
        (``descendants``), since the index records a concept wherever a narrower one occurs.
        """
        out: list[list[Seq]] = []
        i = 0
        while i < len(toks):
            for n in range(min(self.longest, len(toks) - i), 0, -1):
                group = self.by_tokens.get(tuple(toks[i:i + n]))
                if group is not None:
                    seq = tuple(toks[i:i + n])
                    out.append(self._alternatives(group, seq))
                    i += n
                    break
            else:
                out.append([(toks[i],)])
                i += 1
        return out

    def expansion(self, token: str) -> list[Seq]:
        """What finds a concept in an index without current concept tokens: the token sequences of
        its names, then of every narrower concept's names (the index records a concept wherever a
        narrower one occurs). A name holding another listed one is left out: it adds no recall."""
        group = self.group_of.get(token)
        return [] if group is None else self._alternatives(group, self.groups[group][2][0])

    def _alternatives(self, group: int, seq: Seq) -> list[Seq]:
        others = [v for g in (group, *self._closure(group, self.children)) for v in self.groups[g][2] if v != seq]
        others = list(dict.fromkeys(others))
        # a variant containing another alternative ("kras g12c 突变" beside "g12c") adds no
        # recall, only a costly phrase match and stray highlights
        alternatives = [seq] + others
        return [seq] + [v for v in others if not any(_contains(v, a) for a in alternatives)]

    # -- describing a concept (for "how the query was understood") --------------------------
    def names(self, token: str) -> list[str]:
        """A concept's names as the lexicon writes them: canonical first, lay words last."""
        group = self.group_of.get(token)
        return [] if group is None else list(self.terms[group])

    def lay_names(self, token: str) -> list[str]:
        """The lay words (``lay.tsv``) among a concept's names: 副作用 for 不良反应."""
        return [t for t in self.names(token) if normalize(t) in self.lay]

    def kind(self, token: str) -> str | None:
        group = self.group_of.get(token)
        return None if group is None else self.groups[group][0]

    def broader(self, token: str) -> list[str]:
        """The concepts directly broader than this one (``broader.tsv``)."""
        return self._tokens(self.parents, token)

    def narrower(self, token: str) -> list[str]:
        """The concepts directly narrower than this one."""
        return self._tokens(self.children, token)

    def ancestors(self, token: str) -> list[str]:
        """Every broader concept, nearest first: the concept tokens indexed along with this one."""
        group = self.group_of.get(token)
        return [] if group is None else [self.concept_tokens[g] for g in self.ancestors_of[group]]

    def descendants(self, token: str) -> list[str]:
        """Every narrower concept, nearest first: whose names also find this concept."""
        group = self.group_of.get(token)
        return [] if group is None else [self.concept_tokens[g] for g in self._closure(group, self.children)]

    def _tokens(self, edges: list[list[int]], token: str) -> list[str]:
        group = self.group_of.get(token)
        return [] if group is None else [self.concept_tokens[g] for g in edges[group]]

    # -- what the index records -------------------------------------------------------------
    def read_inside(self, inner: int, outer: int) -> bool:
        """Whether a name of group ``inner`` found inside a longer name of ``outer`` counts as ``inner``.

        Not for a drug inside another drug's name (trastuzumab in trastuzumab deruxtecan, as
        曲妥珠单抗 is no sub-word of 德曲妥珠单抗), nor for a pair ``lookalikes.tsv`` lists.
        """
        if inner in self.drug_groups and outer in self.drug_groups:
            return False
        return outer not in self.not_inside.get(inner, ())


def _contains(longer: Seq, part: Seq) -> bool:
    return len(longer) > len(part) and any(longer[i:i + len(part)] == part for i in range(len(longer) - len(part) + 1))
