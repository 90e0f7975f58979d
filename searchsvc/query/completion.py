"""Completing the word a reader is still typing (the widget and instant search send every keystroke)."""

from __future__ import annotations

import re

from .. import analysis
from .queryplan import AnyOf, Concept, Node, Unit, Vocabulary, Words
from .suggest import lexicon_terms_starting
from .wordlists import concept_for, lexicon_name_set

MAX_COMPLETIONS = 4
LAST_WORD = re.compile(rf"(?:[{analysis.CJK}]+|[A-Za-z][A-Za-z0-9\-]*)$")


def last_word(q: str) -> str | None:
    """The word a reader may still be typing: the end of the query, unless a space or quote closes it."""
    if not q or q[-1].isspace() or q.rstrip().endswith(('"', "”", ")", "）")):
        return None
    m = LAST_WORD.search(q)
    if not m or m.start() > 0 and q[m.start() - 1] in ":：-－\"“":
        return None
    return m.group()


def complete_tail(units: list[tuple[int, Unit]], text: str, start: int, vocabulary: Vocabulary):
    """Replace the units of a partly typed last word by the terms it begins (most frequent first)."""
    word = text[start:]
    norm = analysis.normalize(word)
    literal = analysis.tokens(word)
    if norm in lexicon_name_set() or len(literal) == 1 and vocabulary.frequency(literal[0]) > 0:
        return units  # a whole lexicon name, or a word the index holds as typed
    if any(s <= start and s + len(u.text) >= len(text) and isinstance(u.node, Concept) for s, u in units):
        return units  # the end of a name already read whole (folate receptor alpha)
    completions = _completions(norm, vocabulary)
    if not completions:
        return units
    kept = [(s, u) for s, u in units if s < start]
    options = tuple(node for _, _, node in completions)
    if len(literal) > 1 and all(vocabulary.frequency(t) > 0 for t in literal):
        options = (Words(tuple(literal)),) + options  # 新辅助 as written too (新辅助奥希替尼), not only what it begins
    names = tuple(label for _, label, _ in completions)
    kept.append((start, Unit(text=word, node=options[0] if len(options) == 1 else AnyOf(options), completed=names)))
    return kept


def _completions(norm: str, vocabulary: Vocabulary) -> list[tuple[int, str, Node]]:
    """(frequency, label, node) of lexicon terms and index words beginning with ``norm``."""
    found: dict[object, tuple[int, str, Node]] = {}
    for _norm, term, _kind, _rank in lexicon_terms_starting(norm):
        concept = concept_for(tuple(analysis.tokens(term)))
        if concept is None or concept.token in found:
            continue
        df = vocabulary.frequency(concept.token)
        if df > 0:
            found[concept.token] = (df, concept.canonical, concept)
    if len(norm) >= 2 or not found:
        for df, word in vocabulary.prefixed(norm, MAX_COMPLETIONS * 2):
            labels = {label for _, label, _ in found.values()}
            if not word.startswith(analysis.CONCEPT_MARK) and word not in found and word not in labels:
                found[word] = (df, word, Words((word,)))
    ranked = sorted(found.values(), key=lambda c: (-c[0], len(c[1])))
    return ranked[:MAX_COMPLETIONS]
