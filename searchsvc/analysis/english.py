"""Latin-script runs: codes kept whole, words split at hyphens, genes split from variants, plurals folded.

One rule set, applied alike to pages, lexicon names and queries (the tokens are a function of
the normalised text and the lexicon only), so any spelling that folds here matches every other:

- a hyphen inside a **code** joins (``PD-1`` -> ``pd1``, ``PD-L1`` -> ``pdl1``, ``CAR-T``,
  ``T-DXd``, ``DS-8201``, ``5-FU``, ``B7-H3``), while a hyphen between **words** separates
  (``small-cell`` is ``small cell``; ``ES-SCLC`` is ``es sclc``; ``anti-PD-1`` is ``anti pd1``;
  ``G12C-mutated`` is ``g12c mutated``; ``HER2-positive`` is ``her2 positive``);
- a known gene followed by a variant is two tokens: ``KRASG12C``, ``KRAS-G12C`` -> ``kras g12c``;
- a possessive ``'s`` is dropped (``Hodgkin's`` -> ``hodgkin``);
- plurals fold to the singular with a light rule (``insertions``, ``mutations``, ``therapies``,
  ``TKIs``), never touching a name the lexicon writes in capitals (``KRAS``, ``MSS``, ``PFS``);
- Roman stage numerals are spelt out and a stage range stays two numerals (``Ⅰ-Ⅱ`` -> ``i ii``).
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

ROMAN = "\u2170-\u217b"  # ⅰ..ⅻ: normalize lower-cases Ⅱ to ⅱ; tokens spell them out (ⅱ期 -> ii 期)
ROMAN_LETTERS = {0x2170 + i: r for i, r in enumerate("i ii iii iv v vi vii viii ix x xi xii".split())}
ROMAN_STAGE = re.compile(r"(?:i{1,3}|iv|vi{0,3}|ix|x)[a-c]?")  # a stage numeral with its sub-stage letter
ALNUM_RUN = rf"[a-z0-9{ROMAN}]+(?:[-.][a-z0-9{ROMAN}]+)*(?:'s(?![a-z0-9]))?"
VARIANT = re.compile(r"^(?:[a-z]\d{1,4}(?:[a-z]|del|ins|fs|dup)?|ex\d{1,2}(?:del|ins)?|exon\d{1,2})$")
NUMBER = re.compile(r"\d+(?:\.\d+)*")
DEFAULT_GENES = ("kras", "nras", "hras", "braf", "egfr", "erbb2", "her2", "alk", "ros1", "ret", "met",
                 "pik3ca", "idh1", "idh2", "fgfr2", "fgfr3", "brca1", "brca2", "tp53", "esr1", "kit", "pdgfra")


def piece_kind(piece: str) -> str:
    """num (8201, 18.2), letter (t), word (small, sclc: letters only) or code (l1, her2, g12c: mixed)."""
    if NUMBER.fullmatch(piece):
        return "num"
    if piece.isalpha():
        return "letter" if len(piece) == 1 else "word"
    return "code"


def hyphen_joins(left: str, right: str, first: bool) -> bool:
    """Whether the hyphen between two pieces (neither a single letter) is inside one code or between words."""
    lk, rk = piece_kind(left), piece_kind(right)
    if rk == "num":
        return lk != "num"  # PD-1, DS-8201, Ki-67, radium-223; but 3-4 (a range) is two numbers
    if rk == "code":
        if right[0].isdigit():
            return lk != "num"  # DS-8201a
        return re.match(r"[a-z]\d", right) is not None  # PD-L1, B7-H3, EGFR-T790M; not anti-HER2, BCR-ABL1
    if lk == "num":
        return first and len(right) <= 2  # 5-FU; but 5-year is two words
    return False  # small-cell, ES-SCLC, anti-PD, G12C-mutated, HER2-positive


def hyphen_groups(pieces: list[str]) -> list[list[int]]:
    """The pieces of a hyphenated run, grouped into tokens.

    A single letter belongs to a code: it joins its only neighbour, or the shorter of two
    (the right one on a tie): CAR-T and CAR-T-related -> cart (+ related); T-DXd and
    anti-T-DXd -> tdxd; c-MET and anti-c-MET -> cmet; MSI-H-positive -> msih positive.
    Every other hyphen is decided by ``hyphen_joins``.
    """
    joins = [False] * len(pieces)  # joins[i]: the hyphen before piece i joins
    decided = [False] * len(pieces)
    for i, piece in enumerate(pieces):
        if piece_kind(piece) != "letter" or len(pieces) == 1:
            continue
        if i == 0:
            side = 1
        elif i == len(pieces) - 1:
            side = i
        else:
            side = i if len(pieces[i - 1]) < len(pieces[i + 1]) else i + 1
        joins[side], decided[side] = True, True
        for other in (i, i + 1):
            if 0 < other < len(pieces) and other != side and not decided[other]:
                decided[other] = True  # the letter's other side is a boundary
    for i in range(1, len(pieces)):
        if not decided[i]:
            joins[i] = hyphen_joins(pieces[i - 1], pieces[i], first=(i == 1))
    groups: list[list[int]] = [[0]]
    for i in range(1, len(pieces)):
        if joins[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def singular(word: str, acronyms: frozenset[str]) -> str:
    """A light plural rule (after Harman's S-stemmer), identical for pages, names and queries.

    A regular plural folds to what its singular folds to: insertions -> insertion, therapies ->
    therapy, classes -> class, approaches -> approach (and headache(s) -> headach: the token
    need not be a word, only the same for both). ``acronyms`` are the words the lexicon writes
    with two or more capitals (KRAS, MSS, PFS, TKI, irAE) and the known genes: they never lose
    a final s, and their plural (TKIs, irAEs) folds to them. Irregular plurals (metastases,
    analyses) are not folded: the lexicon lists both forms.
    """
    if not word.isalpha() or word in acronyms:
        return word
    if not word.endswith("s"):
        if len(word) >= 5 and word.endswith(("che", "she")):
            return word[:-1]  # headache, niche: as their plurals headaches, niches fold
        if len(word) >= 4 and word.endswith("ie"):
            return word[:-2] + "y"  # cookie: as cookies folds
        return word
    if len(word) >= 3 and word[:-1] in acronyms:
        return word[:-1]  # TKIs, ADCs, AEs
    if len(word) < 4:
        return word  # has, its, was
    if word.endswith("ies") and word[-4] not in "ae":
        return word[:-3] + "y"  # therapies, studies
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]  # classes, indexes, approaches
    if word.endswith(("us", "ss", "is")):
        return word  # virus, loss, metastasis, analysis
    return word[:-1]  # insertions, genes, doses, lymphomas, Hodgkins


class EnglishWords:
    """Tokens of one Latin-script run, with their offsets in the normalised text."""

    def __init__(self, genes: Iterable[str] = DEFAULT_GENES, acronyms: Iterable[str] = (), apart: Iterable[str] = ()):
        self.genes = frozenset(genes)
        self.acronyms = frozenset(acronyms)
        self.apart = frozenset(apart)  # prefixes that stay a word of their own: anti-PD-1 is anti + pd1

    def tokens(self, run: str, start: int) -> Iterator[tuple[str, int, int]]:
        if run.endswith("'s"):
            run = run[:-2]  # a possessive: Hodgkin's is Hodgkin
        for part in re.finditer(r"[^/]+", run):
            text = part.group().strip("-.")
            if not text:
                continue
            offset = start + part.start() + part.group().index(text)
            yield from self._part(text, offset)

    def _part(self, text: str, offset: int) -> Iterator[tuple[str, int, int]]:
        spans = [(m.group(), offset + m.start(), offset + m.end()) for m in re.finditer(r"[^-]+", text)]
        while len(spans) > 1 and spans[0][0] in self.apart:
            yield spans[0]  # anti-C225 is anti + c225, as anti-PD-1 is anti + pd1
            spans = spans[1:]
        spelt = [p.translate(ROMAN_LETTERS) for p, _, _ in spans]
        if len(spans) > 1 and all(ROMAN_STAGE.fullmatch(p) for p in spelt):
            # a range of stages (Ⅰ-Ⅱ期, I-II期) is two numerals, not iii
            for p, (_, s, e) in zip(spelt, spans):
                yield p, s, e
            return
        for group in hyphen_groups(spelt):
            joined = "".join(spelt[i] for i in group)
            begin, end = spans[group[0]][1], spans[group[-1]][2]
            split = self._gene_variant(joined)
            if split:
                gene, variant = split
                yield gene, begin, begin + len(gene)
                yield variant, end - len(variant), end
            else:
                yield singular(joined, self.acronyms), begin, end

    def _gene_variant(self, token: str) -> tuple[str, str] | None:
        for cut in range(min(len(token) - 2, 8), 1, -1):
            gene, rest = token[:cut], token[cut:]
            if gene in self.genes and VARIANT.match(rest):
                return gene, rest
        return None


def acronyms_of(names: Iterable[str]) -> set[str]:
    """The words the lexicon writes with two or more capitals, lower-cased (KRAS, MSS, irAE, TKI)."""
    out: set[str] = set()
    for name in names:
        for word in re.findall(r"[A-Za-z]+", name):
            if sum(c.isupper() for c in word) >= 2 and not word.endswith("s"):  # irAEs is irAE's plural
                out.add(word.lower())
    return out
