"""Spelling: what a reader meant when a word is written wrong.

- known misspellings and input-method slips (lexicon/misspellings.tsv), in the reader's own text;
- a Chinese name one character off exactly one lexicon name (德曲妥株单抗 -> 德曲妥珠单抗);
- a Chinese name typed with the right sounds and the wrong characters (耐要 -> 耐药; ``homophones``);
- an English word that no interview holds and neither the lexicon nor the English word list
  knows: the closest index word (osimertnib -> osimertinib). A word that is spelt right is
  never rewritten ("small cell lung cancer" stays itself).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import analysis
from .homophones import homophone_slips
from .querylang import TOKEN
from .queryplan import Understanding, Unit, Vocabulary, Words
from .wordlists import (MIN_TYPO_CHARS, CJK_RUN, concept_for, english_words, is_known_chinese,
                        lexicon_name_set, lexicon_names_by_mask, longest_name, question_phrases)

MAX_CORRECTIONS = 4  # unknown words a query looks up in the index's term list (each walk costs ~50 ms at 5k)


@lru_cache(maxsize=1)
def _misspellings() -> list[tuple[str, str]]:
    """(normalized wrong form, right form), longest first."""
    return sorted(analysis.lexicon().misspellings.items(), key=lambda wr: -len(wr[0]))


def known_misspellings(q: str) -> list[tuple[int, int, str]]:
    """(start, end, right form) of every known misspelling in ``q``.

    ``normalize`` keeps every character's offset, so spans found in the normalized copy are
    the reader's own text: only the misspelt words change, operators and field names stay.
    An English misspelling counts only as a whole word (osimertnib, not part of a longer word).
    """
    norm = analysis.normalize(q)
    edits: list[tuple[int, int, str]] = []
    taken = [False] * len(norm)
    for wrong, right in _misspellings():
        for m in re.finditer(re.escape(wrong), norm):
            if any(taken[m.start():m.end()]) or not _whole_word(norm, m.start(), m.end()):
                continue
            edits.append((m.start(), m.end(), right))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return edits


def _whole_word(text: str, start: int, end: int) -> bool:
    if not text[start:end].isascii():
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def correct_known(q: str, vocabulary: Vocabulary | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Known misspellings, one-character slips and sound-alike slips in a Chinese name (the last only
    with the index's ``vocabulary``, which tells a slip from a word the interviews use), replaced in
    the reader's own text.

    Where two overlap the longer wins: 德曲妥株单抗 is a slip of 德曲妥珠单抗, though it holds
    曲妥株单抗, a known misspelling of 曲妥珠单抗. What the reader wrote exactly ("a phrase", a
    name after expert: or tag:) is never changed.
    """
    norm = analysis.normalize(q)
    names = lexicon_name_set()
    written = _names_in(norm, names, longest_name()) if names else []
    sound_alikes = homophone_slips(norm, written, vocabulary) if vocabulary is not None and names else []
    candidates = sorted(known_misspellings(q) + _cjk_slips(norm, written) + sound_alikes,
                        key=lambda e: (e[0] - e[1], e[0]))
    taken = [False] * len(q)
    for start, end in _exact(q):
        taken[start:end] = [True] * (end - start)
    edits = []
    for start, end, right in candidates:
        inside_a_name = any(a <= start and end <= b and (a, b) != (start, end) for a, b in written)
        if not any(taken[start:end]) and not inside_a_name:  # 德曲妥珠 is short for 德曲妥珠单抗, not in it
            edits.append((start, end, right))
            taken[start:end] = [True] * (end - start)
    if not edits:
        return q, []
    fixed, corrections = q, []
    for start, end, right in sorted(edits, reverse=True):
        corrections.append((q[start:end], right))
        fixed = fixed[:start] + right + fixed[end:]
    return fixed, corrections[::-1]


def _exact(q: str) -> list[tuple[int, int]]:
    """Where ``q`` asks for text exactly as written: a quoted phrase, the value of expert: or tag:."""
    return [m.span() for m in TOKEN.finditer(q)
            if m["phrase"] is not None or (m["field"] or "").lower() in ("expert", "tag")]


def _cjk_slips(norm: str, written: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Windows of Chinese text one character off exactly one lexicon name (德曲妥株单抗 -> 德曲妥珠单抗).

    A slip leaves a character the segmenter cannot join to its neighbours, so a window is looked
    at only if it holds such a character, and only as whole words: it never cuts into a dictionary
    word or a lexicon name written right (戈沙妥珠单抗 holds 妥珠单抗, one character off 托珠单抗;
    皮肤毒性 holds 肤毒性, one off 肝毒性), though it may hold whole ones (小细包肺癌 holds 肺癌),
    never holds a function word (靶向和免疫 is not 靶向药免疫), and is neither a word nor part of a
    name (亚叶酸 of 亚叶酸钙). It must stand on its own: a character beside it that the segmenter
    could not place either (贝 in 贝伐珠单抗, a drug the lexicon lacks) means the reader wrote a
    longer name we do not know, not a slip of a shorter one.
    """
    masks, names = lexicon_names_by_mask(), lexicon_name_set()
    if not masks:
        return []
    longest = longest_name(chinese=True)
    phrases = question_phrases()
    edits: list[tuple[int, int, str]] = []
    for m in CJK_RUN.finditer(norm):
        text = m.group()
        whole = [(a - m.start(), b - m.start()) for a, b in written if a < m.end() and b > m.start()]
        function, loose = [], set()
        for piece, start, end in analysis.segmenter().pieces(text):
            if piece in analysis.STOP_WORDS or (piece,) in phrases:
                function.append((start, end))
            elif end - start == 1:
                loose.add(start)
            else:
                whole.append((start, end))
        i = 0
        while i < len(text):
            found = None
            for size in range(min(longest, len(text) - i), MIN_TYPO_CHARS - 1, -1):
                end = i + size
                window = text[i:end]
                cuts = any(a < end and b > i and not (i <= a and b <= end) for a, b in whole)
                holds_function = any(a < end and b > i for a, b in function)
                known = is_known_chinese(window)
                odd = any(i <= k < end for k in loose)
                if cuts or holds_function or known or not odd or i - 1 in loose or end in loose:
                    continue
                name = _slip(window, masks, names)
                if name:
                    found = (m.start() + i, m.start() + end, name)
                    break
            if found:
                edits.append(found)
                i += found[1] - found[0]
            else:
                i += 1
    return edits


def _names_in(text: str, names: frozenset[str], longest: int) -> list[tuple[int, int]]:
    """(start, end) of the lexicon names written in ``text``, longest first, not overlapping."""
    taken = [False] * len(text)
    spans = []
    for size in range(min(longest, len(text)), 1, -1):
        for i in range(len(text) - size + 1):
            if not any(taken[i:i + size]) and text[i:i + size] in names:
                taken[i:i + size] = [True] * size
                spans.append((i, i + size))
    return spans


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


def correct_unknown(result: Understanding, vocabulary: Vocabulary) -> None:
    """An English word no interview holds, and no dictionary knows, becomes the closest index word."""
    tries = MAX_CORRECTIONS
    english, lexicon_words = english_words(), lexicon_name_set()
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
