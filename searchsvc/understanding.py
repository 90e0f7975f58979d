"""Query understanding: what a reader's query asks for, before any index is searched.

A reader types a question, not keywords: ``奥希替尼耐药怎么办``. It becomes

- **concepts**: lexicon groups the query names (奥希替尼, found also as osimertinib,
  AZD9291, 泰瑞沙: one concept token in the index);
- **words**: the other content words (耐药), each searched as the analyzer cuts it;
- **ignored**: question and function words (怎么办, listed in lexicon/question_words.txt),
  and words that no interview contains;
- **corrections**: known misspellings (奥西替尼 -> 奥希替尼, lexicon/misspellings.tsv), a
  drug name one character off a lexicon name, and an English word that is in neither the
  index, the lexicon nor the English word list, replaced by the closest index word;
- **completions**: the last word when it is typed only in part, as the widget searches
  while a reader types (小细胞 -> 小细胞肺癌, osimert -> osimertinib).

Concepts and words are the query's *core units*: a result need not hold every one
(``engine`` ranks interviews that match more of them, and rarer ones, higher); a single
character that is not a lexicon term is a *minor* unit, scored but never required.
Explicit syntax (``querylang``) keeps its meaning: a "phrase", a ``+word`` and a field
scope (``title:``, ``question:``, ``answer:``) are required; ``-word`` excludes; ``OR``
makes alternatives; ``expert:``, ``tag:`` and ``year:`` filter.

Nothing here touches Whoosh: the index is consulted through a ``Vocabulary``.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from . import analysis
from .querylang import Clause, parse_query, unknown_field_message

MAX_COMPLETIONS = 4
MAX_CORRECTIONS = 4  # unknown words a query looks up in the index's term list (each walk costs ~50 ms at 5k)
MIN_TYPO_CHARS = 3  # a Chinese name one character off is corrected from this length (心机炎 -> 心肌炎)
CJK_RUN = re.compile(rf"[{analysis.CJK}]+")
LAST_WORD = re.compile(rf"(?:[{analysis.CJK}]+|[A-Za-z][A-Za-z0-9\-]*)$")


class Vocabulary(Protocol):
    """What understanding asks of the index."""

    def frequency(self, token: str) -> int:
        """How many interviews hold ``token`` in a text field."""

    def prefixed(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        """Indexed words that begin with ``prefix`` (and are longer), as (frequency, word), most frequent first."""

    def closest(self, word: str) -> str | None:
        """The index word closest in spelling to ``word`` (an unknown English word), if any."""


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
class AnyOf:
    options: tuple  # of nodes


@dataclass(frozen=True)
class AllOf:
    parts: tuple  # of nodes


Node = Words | Concept | AnyOf | AllOf


@dataclass
class Unit:
    """One thing the reader asked for."""

    text: str  # as the reader wrote it
    node: Node
    role: str = "core"  # "core" (counted: the more matched, the higher), "minor" (scored only), "required"
    fields: tuple[str, ...] | None = None  # None: every text field
    completed: tuple[str, ...] = ()  # the terms a partly typed last word was completed to


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
    filters: dict[str, list[str]] = field(default_factory=dict)  # expert/tag/year scopes written in the query
    ignored: list[Ignored] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what the reader should know about how the query was read

    def words(self, concept_tokens: bool = True) -> set[str]:
        """The indexed words the query looks for (to mark them): every word of its units, a concept's
        token (whose span is the whole name wherever any of its names occurs) and its one-word
        names, or, in an index without concept tokens, every word of every name."""
        out: set[str] = set()
        for unit in self.units:
            if unit.role != "absent":
                _collect_words(unit.node, concept_tokens, out)
        return out

    @property
    def core(self) -> list[Unit]:
        return [u for u in self.units if u.role == "core"]

    def is_empty(self) -> bool:
        return not self.units and not self.filters

    def to_dict(self) -> dict:
        """The ``understood`` object of the API (PubMed's "search details")."""
        concepts, words, required = [], [], []
        for unit in self.units:
            for concept in _concepts_in(unit.node):
                if unit.role != "required":
                    concepts.append(concept_dict(concept, unit.text))
            if unit.role == "required":
                required.append({"text": unit.text, "fields": list(unit.fields) if unit.fields else None})
            elif isinstance(unit.node, Words):
                words.append(unit.text)
        completions = [{"from": u.text, "to": list(u.completed)} for u in self.units if u.completed]
        return {
            "concepts": concepts,
            "words": words,
            "required": required,
            "excluded": [u.text for u in self.excluded],
            "filters": dict(self.filters),
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
            out.add(node.token)
            out.update(seq[0] for seq in node.seqs if len(seq) == 1)
        else:
            out.update(w for seq in node.seqs for w in seq)
    else:
        for child in getattr(node, "options", ()) + getattr(node, "parts", ()):
            _collect_words(child, concept_tokens, out)


def _concepts_in(node) -> list[Concept]:
    if isinstance(node, Concept):
        return [node]
    if isinstance(node, AnyOf):
        return [c for o in node.options for c in _concepts_in(o)]
    if isinstance(node, AllOf):
        return [c for p in node.parts for c in _concepts_in(p)]
    return []


# -- the data --------------------------------------------------------------------

@lru_cache(maxsize=1)
def question_phrases() -> dict[tuple[str, ...], str]:
    """Question and function words as analysed token sequences -> the entry as written.

    Stop words are left out of the sequences, as they are of the query's words they are matched
    against (为例 is matched as 例 after 为); an entry made of stop words alone needs no sequence.
    """
    out: dict[tuple[str, ...], str] = {}
    for entry in question_entries():
        seq = tuple(analysis.tokens(entry))
        if seq:
            out.setdefault(seq, entry)
    return out


def question_entries() -> list[str]:
    try:
        text = analysis.lexicon_dir().joinpath("question_words.txt").read_text("utf-8")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English word list shipped as data: a word in it is never 'corrected'."""
    try:
        raw = analysis.lexicon_dir().joinpath("english_words.txt.gz").read_bytes()
    except FileNotFoundError:
        return frozenset()
    return frozenset(gzip.decompress(raw).decode("utf-8").split())


@lru_cache(maxsize=1)
def _concept_of_group() -> list[Concept]:
    table = analysis.synonyms()
    lex_groups = analysis.lexicon().groups
    out = []
    for index, (kind, canonical, seqs) in enumerate(table.groups):
        names = tuple(lex_groups[index][1]) if index < len(lex_groups) else (canonical,)
        out.append(Concept(token=table.concept_tokens[index], canonical=canonical, kind=kind, names=names,
                           seqs=tuple(seqs)))
    return out


def concept_for(seq: tuple[str, ...]) -> Concept | None:
    group = analysis.synonyms().by_tokens.get(tuple(seq))
    return None if group is None else _concept_of_group()[group]


@lru_cache(maxsize=1)
def _lexicon_names_by_mask() -> dict[str, set[str]]:
    """Chinese lexicon names of MIN_TYPO_CHARS+ characters, keyed with each character masked in turn."""
    out: dict[str, set[str]] = {}
    for term, _kind in analysis.lexicon().terms():
        norm = analysis.normalize(term)
        if len(norm) >= MIN_TYPO_CHARS and CJK_RUN.fullmatch(norm):
            for i in range(len(norm)):
                out.setdefault(norm[:i] + "?" + norm[i + 1:], set()).add(norm)
    return out


@lru_cache(maxsize=1)
def _lexicon_name_set() -> frozenset[str]:
    return frozenset(analysis.normalize(term) for term, _ in analysis.lexicon().terms())


# -- understanding a query ----------------------------------------------------------

def understand(q: str, vocabulary: Vocabulary, complete_last: bool = True) -> Understanding:
    """What ``q`` asks for. ``complete_last`` treats a last word with no space after it as
    possibly typed in part (the widget and instant search send every keystroke)."""
    searched, corrections = _correct_known(q)
    result = Understanding(query=q, searched=searched, corrections=corrections)
    parsed = parse_query(searched)
    result.notices += [unknown_field_message(name) for name in parsed.unknown_fields]
    prefix = _last_word(searched) if complete_last else None
    run: list[Clause] = []

    def flush(is_last: bool):
        if run:
            text = " ".join(c.text for c in run)
            _free_text(text, vocabulary, result, prefix if is_last else None)
            run.clear()

    groups = parsed.groups
    for i, group in enumerate(groups):
        clause = group[0]
        plain = len(group) == 1 and not clause.negated and not clause.phrase and clause.field is None \
            and not clause.required
        if plain:
            run.append(clause)
            continue
        flush(False)
        _explicit(group, vocabulary, result)
    flush(True)
    _correct_unknown(result, vocabulary)
    return result


def _correct_known(q: str) -> tuple[str, list[tuple[str, str]]]:
    """Known misspellings and one-character slips in a Chinese name, replaced in the reader's own text."""
    from .spelling import known_misspellings

    edits = known_misspellings(q)
    taken = [False] * len(q)
    for start, end, _ in edits:
        taken[start:end] = [True] * (end - start)
    edits += [e for e in _cjk_slips(analysis.normalize(q)) if not any(taken[e[0]:e[1]])]
    if not edits:
        return q, []
    fixed, corrections = q, []
    for start, end, right in sorted(edits, reverse=True):
        corrections.append((q[start:end], right))
        fixed = fixed[:start] + right + fixed[end:]
    return fixed, corrections[::-1]


def _cjk_slips(norm: str) -> list[tuple[int, int, str]]:
    """Windows of Chinese text one character off exactly one lexicon name (德曲妥株单抗 -> 德曲妥珠单抗).

    Only text that is no name already: every lexicon name written correctly is found first and
    left alone (戈沙妥珠单抗 holds 妥珠单抗, one character off 托珠单抗), and a window that is a
    dictionary word is a word. The window must stand on its own: a character beside it that the
    segmenter could not place (贝 in 贝伐珠单抗, a drug the lexicon lacks) means the reader wrote
    a longer name we do not know, not a slip of a shorter one.
    """
    masks, names = _lexicon_names_by_mask(), _lexicon_name_set()
    if not masks:
        return []
    longest = max(len(k) for k in masks)
    freq = analysis.segmenter().jieba.FREQ
    edits: list[tuple[int, int, str]] = []
    for m in CJK_RUN.finditer(norm):
        text = m.group()
        taken = _names_in(text, names, longest)
        loose = _unplaced_characters(text)
        for piece, start, end in analysis.segmenter().pieces(text):
            if piece in analysis.STOP_WORDS or (piece,) in question_phrases():
                taken[start:end] = [True] * (end - start)  # 怎么办 is no part of a name
        i = 0
        while i < len(text):
            found = None
            for size in range(min(longest, len(text) - i), MIN_TYPO_CHARS - 1, -1):
                window = text[i:i + size]
                if any(taken[i:i + size]) or freq.get(window, 0) > 0 or i - 1 in loose or i + size in loose:
                    continue
                name = _slip(window, masks, names)
                if name:
                    found = (m.start() + i, m.start() + i + size, name)
                    break
            if found:
                edits.append(found)
                i += found[1] - found[0]
            else:
                i += 1
    return edits


def _names_in(text: str, names: frozenset[str], longest: int) -> list[bool]:
    """Which characters of ``text`` belong to a lexicon name written there (longest names first)."""
    taken = [False] * len(text)
    for size in range(min(longest, len(text)), 1, -1):
        for i in range(len(text) - size + 1):
            if not any(taken[i:i + size]) and text[i:i + size] in names:
                taken[i:i + size] = [True] * size
    return taken


def _unplaced_characters(text: str) -> set[int]:
    """Positions the segmenter leaves as single characters that are not function or question words."""
    phrases = question_phrases()
    return {s for piece, s, e in analysis.segmenter().pieces(text)
            if e - s == 1 and piece not in analysis.STOP_WORDS and (piece,) not in phrases}


def _slip(window: str, masks: dict[str, set[str]], names: frozenset[str]) -> str | None:
    """The one lexicon name ``window`` is a slip of, if any."""
    candidates = {(name, k) for k in range(len(window))
                  for name in masks.get(window[:k] + "?" + window[k + 1:], ())}
    if len({name for name, _ in candidates}) != 1:
        return None
    name, k = candidates.pop()
    if (k == 0 and window[1:] in names) or (k == len(window) - 1 and window[:-1] in names):
        return None  # a character beside a whole name, not a slip inside one
    return name


def _last_word(q: str) -> str | None:
    """The word a reader may still be typing: the end of the query, unless a space or quote closes it."""
    if not q or q[-1].isspace() or q.rstrip().endswith(('"', "”", ")", "）")):
        return None
    m = LAST_WORD.search(q)
    if not m or m.start() > 0 and q[m.start() - 1] in ":：-－\"“":
        return None
    return m.group()


def _free_text(text: str, vocabulary: Vocabulary, result: Understanding, prefix: str | None) -> None:
    """Plain words typed one after another: concepts, question words, content words, in order."""
    spans = [(t.text, t.startchar, t.endchar, t.stopped)
             for t in analysis.analyzer()(text, mode="query", removestops=False, chars=True)]
    kept = [(tok, s, e) for tok, s, e, stopped in spans if not stopped]
    stopped = [(text[s:e], s) for tok, s, e, is_stop in spans if is_stop]
    tail_start = len(text) - len(prefix) if prefix and text.endswith(prefix) else None
    units: list[tuple[int, Unit]] = []
    ignored: list[tuple[int, Ignored]] = [(s, Ignored(t, "question")) for t, s in stopped]
    toks = _merge_known([tok for tok, _, _ in kept], kept, vocabulary)
    i = 0
    phrases = question_phrases()
    table = analysis.synonyms()
    longest = max([table.longest] + [len(p) for p in phrases])
    while i < len(toks):
        tok, s, _ = toks[i]
        concept_n = next((n for n in range(min(table.longest, len(toks) - i), 0, -1)
                          if tuple(t for t, _, _ in toks[i:i + n]) in table.by_tokens), 0)
        question_n = next((n for n in range(min(longest, len(toks) - i), 0, -1)
                           if tuple(t for t, _, _ in toks[i:i + n]) in phrases), 0)
        if concept_n and concept_n >= question_n:
            seq = tuple(t for t, _, _ in toks[i:i + concept_n])
            end = toks[i + concept_n - 1][2]
            units.append((s, Unit(text=text[s:end], node=concept_for(seq))))
            i += concept_n
        elif question_n:
            end = toks[i + question_n - 1][2]
            ignored.append((s, Ignored(text[s:end], "question")))
            i += question_n
        else:
            units.append((s, _word_unit(tok, text[s:toks[i][2]], vocabulary)))
            i += 1
    units = _glue_unknown_words(units, text, vocabulary)
    if tail_start is not None:
        units = _complete_tail(units, text, tail_start, vocabulary)
    for start, unit in sorted(units, key=lambda su: su[0]):
        if unit.role == "absent":
            result.ignored.append(Ignored(unit.text, "absent"))
        else:
            result.units.append(unit)
    result.ignored.extend(i for _, i in sorted(ignored, key=lambda si: si[0]))


def _glue_unknown_words(units: list[tuple[int, Unit]], text: str, vocabulary: Vocabulary):
    """Adjacent content words cut around a single character are one unknown word, searched as a phrase.

    jieba falls back to single characters on a word it does not know: 视网膜母细胞瘤 is cut
    视网膜 / 母 / 细胞瘤. The reader asked for the whole name; its pieces are other things.
    """
    out: list[tuple[int, Unit]] = []
    run: list[tuple[int, Unit]] = []

    def flush():
        singles = [k for k, (_, u) in enumerate(run) if len(u.node.tokens[0]) == 1]
        if len(run) > 1 and singles:
            start = run[0][0]
            end = start + sum(len(u.text) for _, u in run)
            words = Words(tuple(u.node.tokens[0] for _, u in run))
            if len(singles) < len(run) and all(k in (0, len(run) - 1) for k in singles):
                # 肺 + 转移: a one-character modifier at an edge; if the whole is in no interview, its words are
                pieces = tuple(u.node for k, (_, u) in enumerate(run) if k not in singles)
                node = AnyOf((words, pieces[0] if len(pieces) == 1 else AllOf(pieces)))
                out.append((start, Unit(text=text[start:end], node=node)))
            else:
                out.append((start, Unit(text=text[start:end], node=words)))
        else:
            out.extend(run)
        run.clear()

    for start, unit in units:
        plain = isinstance(unit.node, Words) and len(unit.node.tokens) == 1 and CJK_RUN.fullmatch(unit.node.tokens[0])
        if plain and run and run[-1][0] + len(run[-1][1].text) == start:
            run.append((start, unit))
            continue
        flush()
        if plain:
            run.append((start, unit))
        else:
            out.append((start, unit))
    flush()
    return out


def _merge_known(tokens: list[str], kept, vocabulary: Vocabulary):
    """Adjacent words the index holds as one word: CAR T -> cart, PD 1 -> pd1, 小 细胞 -> 小细胞 when indexed."""
    table = analysis.synonyms()
    out = []
    i = 0
    while i < len(kept):
        merged = None
        for n in (3, 2):
            if i + n > len(kept):
                continue
            parts = [t for t, _, _ in kept[i:i + n]]
            same_script = all(p.isascii() for p in parts) or all(CJK_RUN.fullmatch(p) for p in parts)
            adjacent = all(kept[k + 1][1] - kept[k][2] <= 1 for k in range(i, i + n - 1))
            if not same_script or not adjacent or any((p,) in table.by_tokens and len(p) > 1 for p in parts):
                continue
            joined = "".join(parts)
            if (joined,) in table.by_tokens or vocabulary.frequency(joined) > 0:
                merged = (joined, kept[i][1], kept[i + n - 1][2])
                i += n
                break
        if merged is None:
            merged = kept[i]
            i += 1
        out.append(merged)
    return out


def _word_unit(token: str, typed: str, vocabulary: Vocabulary) -> Unit:
    """A content word; one no interview holds is looked for by the words inside it that some do hold
    (肺转移 by 转移), as the index itself records the words inside a long word."""
    if vocabulary.frequency(token) == 0:
        inside = _indexed_subwords(token, vocabulary)
        if not inside:
            return Unit(text=typed, node=Words((token,)), role="absent")
        return Unit(text=typed, node=inside[0] if len(inside) == 1 else AllOf(tuple(inside)))
    minor = len(token) == 1 and not token.isascii()
    return Unit(text=typed, node=Words((token,)), role="minor" if minor else "core")


def _indexed_subwords(token: str, vocabulary: Vocabulary) -> list[Words]:
    """The longest dictionary words inside ``token`` that interviews hold, left to right, not overlapping."""
    found = [(off, off + len(sub), sub) for sub, off in analysis.segmenter().subwords(token)
             if vocabulary.frequency(sub) > 0]
    out: list[tuple[int, int, str]] = []
    for start, stop, sub in sorted(found, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(stop <= a or start >= b for a, b, _ in out):
            out.append((start, stop, sub))
    return [Words((sub,)) for _, _, sub in sorted(out)]


def _complete_tail(units: list[tuple[int, Unit]], text: str, start: int, vocabulary: Vocabulary):
    """Replace the units of a partly typed last word by the terms it begins (most frequent first)."""
    word = text[start:]
    norm = analysis.normalize(word)
    literal = analysis.tokens(word)
    if norm in _lexicon_name_set() or len(literal) == 1 and vocabulary.frequency(literal[0]) > 0:
        return units  # a whole lexicon name, or a word the index holds as typed
    completions = _completions(norm, vocabulary)
    if not completions:
        return units
    kept = [(s, u) for s, u in units if s < start]
    options = tuple(node for _, _, node in completions)
    names = tuple(label for _, label, _ in completions)
    kept.append((start, Unit(text=word, node=options[0] if len(options) == 1 else AnyOf(options), completed=names)))
    return kept


def _completions(norm: str, vocabulary: Vocabulary) -> list[tuple[int, str, Node]]:
    """(frequency, label, node) of lexicon terms and index words beginning with ``norm``."""
    from .suggest import lexicon_terms_starting

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


def _unique(items: list) -> list:
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _explicit(group: list[Clause], vocabulary: Vocabulary, result: Understanding) -> None:
    """A clause with syntax: a filter, a phrase, a scope, a +word, an exclusion, or an OR group."""
    clause = group[0]
    if clause.field in ("expert", "tag", "year"):
        for c in group:
            result.filters.setdefault(c.field, []).append(c.text)
        return
    if clause.negated and len(group) == 1:
        node = _clause_node(clause)
        if node is not None:
            result.excluded.append(Unit(text=clause.text, node=node, role="excluded", fields=_fields(clause)))
        return
    options = [(c, node) for c in group if not c.negated and (node := _clause_node(c)) is not None]
    if not options:
        return
    text = " OR ".join(c.text if not c.phrase else f'"{c.text}"' for c, _ in options)
    fields = _fields(options[0][0]) if len({_fields(c) for c, _ in options}) == 1 else None
    node = options[0][1] if len(options) == 1 else AnyOf(tuple(n for _, n in options))
    required = any(c.phrase or c.field or c.required for c, _ in options)
    result.units.append(Unit(text=text, node=node, role="required" if required else "core", fields=fields))


def _fields(clause: Clause) -> tuple[str, ...] | None:
    return (clause.field,) if clause.field in ("title", "question", "answer") else None


def _clause_node(clause: Clause):
    """The node of one clause's text: a phrase as written, else its concepts and words (all of them)."""
    toks = analysis.tokens(clause.text)
    if not toks:
        return None
    if clause.phrase:
        return Words(tuple(toks))
    parts = []
    for concept in analysis.synonyms().concepts(toks):
        seq = concept[0]
        found = concept_for(seq)
        parts.append(found if found is not None else Words(seq))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _correct_unknown(result: Understanding, vocabulary: Vocabulary) -> None:
    """An English word no interview holds, and no dictionary knows, becomes the closest index word."""
    tries = MAX_CORRECTIONS
    english, lexicon_words = english_words(), _lexicon_name_set()
    for ignored in list(result.ignored):
        word = analysis.normalize(ignored.text).strip()
        if ignored.reason != "absent" or not re.fullmatch(r"[a-z][a-z0-9\-]{3,}", word):
            continue
        if word in english or word in lexicon_words or tries <= 0:
            continue
        tries -= 1
        fixed = vocabulary.closest(word)
        if not fixed or vocabulary.frequency(fixed) == 0:
            continue
        result.ignored.remove(ignored)
        concept = concept_for((fixed,))
        node = concept if concept is not None else Words((fixed,))
        result.units.append(Unit(text=fixed, node=node))
        result.corrections.append((ignored.text, fixed))
        result.searched = re.sub(re.escape(ignored.text), fixed, result.searched, count=1)
