"""The word lists query understanding reads: question words, English words, lexicon names."""

from __future__ import annotations

import gzip
import re
from functools import lru_cache

from .. import analysis
from .queryplan import Concept

CJK_RUN = re.compile(rf"[{analysis.CJK}]+")
MIN_TYPO_CHARS = 3  # a Chinese name one character off is corrected from this length (心机炎 -> 心肌炎)
# A word jieba's own corpus (about 60 M words of general Chinese) counts this often is everyday
# language (引起, 处理, 选择, 影响, 研究), not what a question is about.
EVERYDAY_WORD_FREQ = 8000


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
def concept_of_group() -> list[Concept]:
    table = analysis.synonyms()
    out = []
    for index, (kind, canonical, _seqs) in enumerate(table.groups):
        token = table.concept_tokens[index]
        # seqs: the group's names and every narrower group's (the index records broader concepts too)
        out.append(Concept(token=token, canonical=canonical, kind=kind, names=tuple(table.names(token)),
                           seqs=tuple(table.expansion(token))))
    return out


def concept_for(seq: tuple[str, ...]) -> Concept | None:
    group = analysis.synonyms().by_tokens.get(tuple(seq))
    return None if group is None else concept_of_group()[group]


@lru_cache(maxsize=1)
def lexicon_names_by_mask() -> dict[str, set[str]]:
    """Chinese lexicon names of MIN_TYPO_CHARS+ characters, keyed with each character masked in turn."""
    out: dict[str, set[str]] = {}
    for term, _kind in analysis.lexicon().terms():
        norm = analysis.normalize(term)
        if len(norm) >= MIN_TYPO_CHARS and CJK_RUN.fullmatch(norm):
            for i in range(len(norm)):
                out.setdefault(norm[:i] + "?" + norm[i + 1:], set()).add(norm)
    return out


@lru_cache(maxsize=1)
def lexicon_name_set() -> frozenset[str]:
    return frozenset(analysis.normalize(term) for term, _ in analysis.lexicon().terms())


@lru_cache(maxsize=1)
def lexicon_name_parts() -> frozenset[str]:
    """Every run of two or more characters inside a Chinese lexicon name (亚叶酸 in 亚叶酸钙)."""
    out = set()
    for name in lexicon_name_set():
        if CJK_RUN.fullmatch(name):
            out.update(name[i:j] for i in range(len(name)) for j in range(i + 2, len(name) + 1))
    return frozenset(out)


@lru_cache(maxsize=2)
def longest_name(chinese: bool = False) -> int:
    """The length of the longest lexicon name (of the Chinese ones the slip corrector knows)."""
    names = lexicon_names_by_mask() if chinese else lexicon_name_set()
    return max((len(n) for n in names), default=0)


@lru_cache(maxsize=1)
def longest_question_phrase() -> int:
    """The most words a question phrase holds (how far understanding looks ahead for one)."""
    return max((len(p) for p in question_phrases()), default=1)


def is_everyday(word: str) -> bool:
    """A common word of general Chinese that the lexicon does not hold (see EVERYDAY_WORD_FREQ)."""
    segmenter = analysis.segmenter()
    return bool(CJK_RUN.fullmatch(word)) and word not in segmenter.words \
        and segmenter.jieba.FREQ.get(word, 0) >= EVERYDAY_WORD_FREQ


def is_known_chinese(text: str) -> bool:
    """A word of jieba's dictionary, or a run of characters inside a lexicon name (亚叶酸 of 亚叶酸钙):
    text a reader wrote on purpose, never a slip."""
    return analysis.segmenter().jieba.FREQ.get(text, 0) > 0 or text in lexicon_name_parts()
