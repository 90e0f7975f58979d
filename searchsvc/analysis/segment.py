"""Cutting normalised text into words: jieba with the lexicon for Chinese, ``english`` for the rest.

Two rules about affixes that change what a word means (``lexicon/prefixes.tsv``):

- a prefix standing as its own token is joined to the word after it, so 非 TNBC, 非三阴性乳腺癌
  and non-small / non–small / Non Small-Cell are each one token (``非tnbc``, ``nonsmall``) that
  is not the negated name; an English suffix such as -free is joined to the word before it
  (relapse-free is ``relapsefree``, not relapse, as 无复发 holds no 复发);
- inside a Chinese word no sub-word starts right after such a prefix, so 非鳞状非小细胞肺癌 holds
  no 小细胞肺癌, 不可切除 no 可切除, HER2超低表达 no 低表达 and 新辅助治疗 no 辅助治疗.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Iterator

from .english import ALNUM_RUN, EnglishWords, acronyms_of
from .lexicon_data import STOP_WORDS, Lexicon, lexicon
from .textnorm import CJK, normalize

PIECE = re.compile(rf"(?P<cjk>[{CJK}]+)|(?P<alnum>{ALNUM_RUN})")
GLUE_GAP = re.compile(r"[\s-]*")  # what may stand between a prefix and the word it is joined to
# A sub-word is indexed when it is a lexicon word or a word jieba's own corpus counts at
# least this often: 肺癌 and 乳腺 are; 伊沙 (in 伊沙佐米) and 基奥 are not.
SUBWORD_MIN_FREQ = 20


class Segmenter:
    """jieba with the oncology lexicon, our rules for alphanumerics, and the prefix rules."""

    def __init__(self, lex: Lexicon):
        import jieba

        jieba.setLogLevel(60)
        self.jieba = jieba.Tokenizer()
        self.jieba.initialize()
        for word in lex.words:
            self.jieba.add_word(word, 50000)
        for word, rule in lex.prefixes:
            if rule == "split":
                self.jieba.del_word(word)  # 与非一线 is 与 + 非一线, never the word 与非 + 一线
        names = [term for term, _ in lex.terms()]
        for term in names:
            for run in re.findall(rf"[{CJK}]{{2,}}", normalize(term)):
                self.jieba.add_word(run, 80000)
        genes = lex.genes
        apart = [p for p, rule in lex.prefixes if rule == "apart"]
        self.english = EnglishWords(genes, acronyms_of(names) | genes, apart)
        self.drugs = {normalize(t) for kind, terms in lex.groups if kind == "drug" for t in terms}
        self.words = {normalize(w) for w in lex.words} | {
            run for term in names for run in re.findall(rf"[{CJK}]{{2,}}", normalize(term))}
        self.glued_before = frozenset(p for p, rule in lex.prefixes if rule == "word")
        self.glued_after = frozenset(p for p, rule in lex.prefixes if rule == "after")
        self.inside = tuple(sorted({p for p, rule in lex.prefixes if rule in ("inside", "word") and re.fullmatch(rf"[{CJK}]+", p)}, key=len))
        self.lock = threading.Lock()

    def pieces(self, norm: str) -> list[tuple[str, int, int]]:
        """(token, start, end) over normalized text, in order; a negating affix joined to its word."""
        out: list[tuple[str, int, int]] = []
        join_next = False
        for text, start, end in self._raw_pieces(norm):
            if out and (join_next or (text in self.glued_after and out[-1][0].isascii()
                                      and out[-1][0] not in STOP_WORDS)) and GLUE_GAP.fullmatch(norm, out[-1][2], start):
                before, begin, _ = out[-1]
                out[-1] = (before + text, begin, end)  # 非tnbc, nonsmall, relapsefree
                join_next = False
                continue
            out.append((text, start, end))
            join_next = text in self.glued_before
        return out

    def _raw_pieces(self, norm: str) -> Iterator[tuple[str, int, int]]:
        for m in PIECE.finditer(norm):
            if m.lastgroup == "cjk":
                start = m.start()
                with self.lock:  # jieba's lazy structures are not thread-safe
                    words = list(self.jieba.cut(m.group(), HMM=False))
                for word in words:
                    yield word, start, start + len(word)
                    start += len(word)
            else:
                yield from self.english.tokens(m.group(), m.start())

    def subwords(self, word: str) -> Iterator[tuple[str, int]]:
        """Dictionary words inside a long Chinese word, with their offset in it."""
        if len(word) < 3 or not re.fullmatch(rf"[{CJK}]+", word):
            return
        if word in self.drugs:
            return  # 德曲妥珠单抗 (T-DXd) is not 曲妥珠单抗 (trastuzumab); 维奈克拉 holds no 克拉
        after_prefix = self.after_prefix(word)
        freq = self.jieba.FREQ
        for i in range(len(word)):
            if i in after_prefix:
                continue  # 非鳞状非小细胞肺癌 must never yield 小细胞肺癌, nor 不可切除 可切除
            for j in range(i + 2, len(word) + 1):
                sub = word[i:j]
                if (i, j) != (0, len(word)) and (sub in self.words or freq.get(sub, 0) >= SUBWORD_MIN_FREQ):
                    yield sub, i

    def after_prefix(self, word: str) -> set[int]:
        """Offsets in ``word`` right after a negating or meaning-changing prefix."""
        out: set[int] = set()
        for prefix in self.inside:
            at = word.find(prefix)
            while at >= 0:
                out.add(at + len(prefix))
                at = word.find(prefix, at + 1)
        return out


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    return Segmenter(lexicon())
