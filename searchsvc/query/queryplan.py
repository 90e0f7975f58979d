"""What a query asks for, once understood: units of concepts and words (no Whoosh here).

``understanding`` makes an ``Understanding`` from the reader's text; ``engine`` ranks it;
``highlight`` marks its words. A unit's ``node`` is a small tree:

    Words(tokens)        a word, or a phrase of several
    Concept(...)         a lexicon group: its concept token, or each of its names
    Label(field, value)  an expert, a tag or a year (a filter: matches, never scores)
    Scoped(node, fields) a node looked for in some fields only (title:, question:, answer:)
    AnyOf(options)       the best of several (OR, completions)
    AllOf(parts)         all of several (a clause of several words inside an OR)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .. import analysis


class Vocabulary(Protocol):
    """What understanding asks of the index."""

    def frequency(self, token: str) -> int:
        """How many interviews hold ``token`` in a text field."""

    def prefixed(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        """Indexed words that begin with ``prefix`` (and are longer), as (frequency, word), most frequent first
        (among the first few thousand in the term list, for a prefix of one letter)."""

    def closest(self, word: str, maxdist: int = 2, prefix: int = 2) -> str | None:
        """The index word within ``maxdist`` edits of ``word`` sharing its first ``prefix`` characters, if any."""


# -- what a query asks for --------------------------------------------------------

@dataclass(frozen=True)
class Words:
    """Words as the analyzer cuts them: one word, or a phrase of several."""

    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    """A lexicon group: found by its concept token, or by each of its names in an index without them."""

    token: str  # ~canonical
    canonical: str
    kind: str
    names: tuple[str, ...]  # as written in the lexicon
    seqs: tuple[tuple[str, ...], ...]  # the names as analysed tokens


@dataclass(frozen=True)
class Label:
    """An interview's expert, tag (matched by their canonical key) or year."""

    field: str  # "expert", "tag" or "year"
    value: str  # as written


@dataclass(frozen=True)
class Scoped:
    node: object
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AnyOf:
    options: tuple  # of nodes


@dataclass(frozen=True)
class AllOf:
    parts: tuple  # of nodes


Node = Words | Concept | Label | Scoped | AnyOf | AllOf


@dataclass
class Unit:
    """One thing the reader asked for."""

    text: str  # as the reader wrote it
    node: Node
    # "core": counted (the more a result matches, the higher); "minor": scored only; "required": a mask that
    # scores (phrases, +words, scopes); "filter": a mask that does not score (expert:, tag:, year:);
    # "excluded": results never match it; "absent": no interview holds it (reported, not searched)
    role: str = "core"
    fields: tuple[str, ...] | None = None  # None: every text field
    completed: tuple[str, ...] = ()  # the terms a partly typed last word was completed to
    fallback: tuple = ()  # units searched instead, as minor words, when no interview holds this one
    partial: bool = False  # a word no interview holds, searched through the words inside it


@dataclass
class Ignored:
    text: str
    reason: str  # "question": a question or function word; "absent": no interview holds it


@dataclass
class Understanding:
    query: str  # as typed
    searched: str  # as searched: the query with its corrections applied
    units: list[Unit] = field(default_factory=list)
    excluded: list[Unit] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what the reader should know about how the query was read

    def words(self, concept_tokens: bool = True) -> set[str]:
        """The indexed words the query looks for (to mark them): every word of its units and a concept's
        token (whose span is the whole name wherever any of its names occurs), or, in an index
        without concept tokens, every word of every name."""
        out: set[str] = set()
        for unit in self.units:
            if unit.role != "absent":
                _collect_words(unit.node, concept_tokens, out)
        return out

    def to_dict(self) -> dict:
        """The ``understood`` object of the API (PubMed's "search details")."""
        concepts, words, required, filters = [], [], [], {}
        for unit in self.units:
            if unit.role == "absent":
                continue
            if unit.role == "filter":
                for label in _labels_in(unit.node):
                    filters.setdefault(label.field, []).append(label.value)
            elif unit.role == "required":
                required.append({"text": unit.text, "fields": list(unit.fields) if unit.fields else None})
            elif _concepts_in(unit.node):
                concepts += [concept_dict(concept, unit.text) for concept in _concepts_in(unit.node)]
            else:
                words.append(unit.text)
        completions = [{"from": u.text, "to": list(u.completed)} for u in self.units if u.completed]
        return {
            "concepts": concepts,
            "words": words,
            "required": required,
            "excluded": [u.text for u in self.excluded],
            "filters": filters,
            "ignored": [{"text": i.text, "reason": i.reason} for i in self.ignored],
            "corrections": [{"from": a, "to": b} for a, b in self.corrections],
            "completions": completions,
            "notices": list(self.notices),
        }


def is_concept_token(word: str) -> bool:
    """A token standing for a whole synonym group (indexed, never typed; see analysis.ConceptFilter)."""
    return word.startswith(analysis.CONCEPT_MARK)


def readable_word(word: str) -> str:
    """A searched word as a reader knows it: a concept token is its group's canonical term."""
    return (analysis.synonyms().canonical(word) or word) if is_concept_token(word) else word


def concept_dict(concept: Concept, typed: str) -> dict:
    others = [n for n in concept.names if analysis.normalize(n) != analysis.normalize(typed)]
    return {"text": typed, "canonical": concept.canonical, "kind": concept.kind, "synonyms": others}


def _collect_words(node, concept_tokens: bool, out: set[str]) -> None:
    if isinstance(node, Words):
        out.update(node.tokens)
    elif isinstance(node, Concept):
        if concept_tokens:
            out.add(node.token)  # spans every name of the group as the page writes it
        else:
            out.update(w for seq in node.seqs for w in seq)
    else:
        for child in _children(node):
            _collect_words(child, concept_tokens, out)


def _labels_in(node) -> list[Label]:
    if isinstance(node, Label):
        return [node]
    return [label for child in _children(node) for label in _labels_in(child)]


def _children(node) -> tuple:
    if isinstance(node, Scoped):
        return (node.node,)
    return getattr(node, "options", ()) + getattr(node, "parts", ())


def _concepts_in(node) -> list[Concept]:
    if isinstance(node, Concept):
        return [node]
    return [c for child in _children(node) for c in _concepts_in(child)]
