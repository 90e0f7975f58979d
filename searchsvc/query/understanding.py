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
(``engine`` ranks interviews that match more of them, and rarer ones, higher). A single
Chinese character that is not a lexicon term, and a word of everyday Chinese (引起, 处理,
选择: ``wordlists.EVERYDAY_WORD_FREQ``), is a *minor* unit: scored, but not counted in how much of
the query a result covers, so in a small archive a rare everyday word cannot outweigh the topic.
Explicit syntax (``querylang``) keeps its meaning: a "phrase", a ``+word`` and a field
scope (``title:``, ``question:``, ``answer:``) are required; ``-word`` excludes; ``OR``
makes alternatives; ``expert:``, ``tag:`` and ``year:`` filter.

Nothing here touches Whoosh: the index is consulted through a ``Vocabulary``.
"""

from __future__ import annotations

from .. import analysis
from .completion import complete_tail, last_word
from .corrections import correct_known, correct_unknown
from .querylang import TEXT_SCOPES, Clause, parse_query, unknown_field_message
from .queryplan import AllOf, AnyOf, Concept, Ignored, Label, Scoped, Understanding, Unit, Vocabulary, Words
from .wordlists import CJK_RUN, concept_for, is_everyday, longest_question_phrase, question_phrases


def understand(q: str, vocabulary: Vocabulary, complete_last: bool = True) -> Understanding:
    """What ``q`` asks for. ``complete_last`` treats a last word with no space after it as
    possibly typed in part (the widget and instant search send every keystroke)."""
    searched, corrections = correct_known(q, vocabulary)
    result = Understanding(query=q, searched=searched, corrections=list(corrections))
    parsed = parse_query(searched)
    result.notices += [unknown_field_message(name) for name in parsed.unknown_fields]
    prefix = last_word(searched) if complete_last else None
    run: list[Clause] = []

    def flush(is_last: bool):
        if run:
            text = " ".join(c.text for c in run)
            _free_text(text, vocabulary, result, prefix if is_last else None)
            run.clear()

    for group in parsed.groups:
        clause = group[0]
        plain = len(group) == 1 and not clause.negated and not clause.phrase and clause.field is None \
            and not clause.required
        if plain:
            run.append(clause)
            continue
        flush(False)
        _explicit(group, result)
    flush(True)
    correct_unknown(result, vocabulary)
    if not result.units and not result.excluded:
        _search_question_words(result, vocabulary)
    for typed, fixed in result.corrections[len(corrections):]:  # made while reading words: say so in the query
        result.searched = result.searched.replace(typed, fixed, 1)
    return result


def _search_question_words(result: Understanding, vocabulary: Vocabulary) -> None:
    """A query of question words alone (有效, typed on the way to 有效率) searches them: they are
    never required beside a topic, and never all a reader gets back."""
    for ignored in [i for i in result.ignored if i.reason == "question"]:
        tokens = tuple(analysis.tokens(ignored.text))
        if tokens and all(vocabulary.frequency(t) > 0 for t in tokens):
            result.ignored.remove(ignored)
            result.units.append(Unit(text=ignored.text, node=Words(tokens)))


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
    longest = longest_question_phrase()
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
    units = _glue_unknown_words(units, text, vocabulary, result.corrections)
    if tail_start is not None:
        units = complete_tail(units, text, tail_start, vocabulary)
    spans = [(start, start + len(unit.text)) for start, unit in units]
    for start, unit in sorted(units, key=lambda su: su[0]):
        if unit.role == "absent":
            result.ignored.append(Ignored(unit.text, "absent"))
        else:
            result.units.append(unit)
    # a function word inside a name (the A of 维A酸) belongs to the name
    result.ignored.extend(i for s, i in sorted(ignored, key=lambda si: si[0]) if not any(a <= s < b for a, b in spans))


NAME_ENDINGS = "癌瘤炎病症"  # the last character of a Chinese disease name (视网膜母细胞瘤, 心肌炎)


def _glue_unknown_words(units: list[tuple[int, Unit]], text: str, vocabulary: Vocabulary,
                        corrections: list[tuple[str, str]]):
    """Adjacent words ending in a disease name's last character, one of them unknown to the index,
    are one unknown name: corrected to the index word one character away, else searched as a phrase.

    jieba cuts a name it does not know into known words and single characters: 视网膜母细胞瘤
    is 视网膜 / 母细胞 / 瘤, 心机炎 (a slip of 心肌炎) is 心机 / 炎. The reader asked for the whole
    name; its pieces are other things, so they only count (as minor words) beside other words of
    the question. Other runs of words stay words (肠癌 / 查 / 基因).
    """
    out: list[tuple[int, Unit]] = []
    run: list[tuple[int, Unit]] = []

    def flush():
        unknown = any(u.role == "absent" or u.partial for _, u in run)
        if len(run) > 1 and unknown and run[-1][1].text in NAME_ENDINGS:
            start = run[0][0]
            end = start + sum(len(u.text) for _, u in run)
            typed = text[start:end]
            fixed = vocabulary.closest(analysis.normalize(typed), maxdist=1, prefix=1)
            if fixed and vocabulary.frequency(fixed) > 0:
                corrections.append((typed, fixed))
                concept = concept_for((fixed,))
                out.append((start, Unit(text=fixed, node=concept or Words((fixed,)))))
            else:
                out.append((start, Unit(text=typed, node=Words(tuple(analysis.tokens(typed))),
                                        fallback=tuple(u for _, u in run if len(u.text) > 1 and u.role != "absent"))))
        else:
            out.extend(run)
        run.clear()

    for start, unit in units:
        plain = not isinstance(unit.node, Concept) and not unit.completed and CJK_RUN.fullmatch(unit.text)
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
    """Adjacent words that are one lexicon code written with a space (CAR T, PD 1, APL 101), or one word
    the index holds (小 细胞 -> 小细胞 when indexed) unless a piece is a lexicon term of its own."""
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
            if not same_script or not adjacent:
                continue
            joined = "".join(parts)
            a_code = (joined,) in table.by_tokens
            pieces_are_terms = any((p,) in table.by_tokens and len(p) > 1 for p in parts)
            if a_code or (not pieces_are_terms and vocabulary.frequency(joined) > 0):
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
        return Unit(text=typed, node=inside[0] if len(inside) == 1 else AllOf(tuple(inside)), partial=True)
    minor = (len(token) == 1 and not token.isascii()) or is_everyday(token)
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


def _explicit(group: list[Clause], result: Understanding) -> None:
    """A clause with syntax: a filter, a phrase, a scope, a +word, an exclusion, or an OR group of them.

    Each clause becomes a node of its own (an expert, tag or year is a ``Label``, a scoped text a
    ``Scoped`` node), so an OR may mix them: ``expert:林晓舟 OR expert:禚文澜``, ``title:KRAS OR
    question:骨髓瘤``. An exclusion inside an OR group excludes, as it would outside one.
    """
    options = []
    for clause in group:
        node = _clause_node(clause)
        if node is None:
            continue
        if clause.negated:
            result.excluded.append(Unit(text=clause.text, node=node, role="excluded"))
        else:
            options.append((clause, node))
    if not options:
        return
    text = " OR ".join(_written(c) for c, _ in options)
    node = options[0][1] if len(options) == 1 else AnyOf(tuple(n for _, n in options))
    if all(isinstance(n, Label) for _, n in options):
        role = "filter"
    elif any(c.phrase or c.field or c.required for c, _ in options):
        role = "required"
    else:
        role = "core"
    scopes = {c.field for c, _ in options}
    fields = (scopes.pop(),) if len(scopes) == 1 and None not in scopes and len(options) == 1 else None
    result.units.append(Unit(text=text if fields is None else _written_plain(options[0][0]), node=node, role=role,
                             fields=fields if fields and fields[0] in TEXT_SCOPES else None))


def _written_plain(clause: Clause) -> str:
    return f'"{clause.text}"' if clause.phrase else clause.text


def _written(clause: Clause) -> str:
    text = f'"{clause.text}"' if clause.phrase else clause.text
    return f"{clause.field}:{text}" if clause.field else text


def _clause_node(clause: Clause):
    """The node of one clause: a label, a phrase as written, else its concepts and words (all of them);
    scoped to one part of the interview when the clause names it."""
    if clause.field in ("expert", "tag", "year"):
        return Label(clause.field, clause.text)
    toks = analysis.tokens(clause.text)
    if not toks:
        return None
    if clause.phrase:
        node = Words(tuple(toks))
    else:
        parts = []
        for concept in analysis.synonyms().concepts(toks):
            found = concept_for(concept[0])
            parts.append(found if found is not None else Words(concept[0]))
        node = parts[0] if len(parts) == 1 else AllOf(tuple(parts))
    return Scoped(node, (clause.field,)) if clause.field in TEXT_SCOPES else node
