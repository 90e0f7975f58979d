"""Chinese oncology text analysis, shared by indexing and search.

The pipeline, as Whoosh composes it::

    OncologyTokenizer() | SubwordFilter() | StopFilter() | ConceptFilter()

- ``normalize`` folds full-width forms, case and Traditional characters while
  keeping every character's offset in the original text (for highlighting);
- ``OncologyTokenizer`` cuts Chinese runs with jieba (the oncology lexicon loaded,
  HMM off so a word is cut the same way in a page and in a query) and alphanumeric
  runs with our rules: ``PD-1`` -> ``pd1`` (whole; never ``pdl1``), ``KRAS-G12C`` and
  ``KRASG12C`` -> ``kras`` + ``g12c``;
- ``SubwordFilter`` (index only: "index fine, query coarse") adds the dictionary
  words inside a long word at the same position, so 肺癌 finds 小细胞肺癌 but
  小细胞肺癌 never finds 非小细胞肺癌 (no sub-word starts right after a leading 非);
- the ``Lexicon`` (data files in ``searchsvc/lexicon/``) maps a query's tokens to
  synonym groups, so SCLC finds 小细胞肺癌 and osimertinib finds 奥希替尼;
- ``ConceptFilter`` (index only) adds each group's concept token wherever any of its
  names occurs, so search looks a lexicon term up as one term.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from whoosh.analysis import Filter, Token, Tokenizer

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
ROMAN = "\u2170-\u217b"  # ⅰ..ⅻ: normalize lower-cases Ⅱ to ⅱ; tokens spell them out (ⅱ期 -> ii 期)
PIECE = re.compile(rf"(?P<cjk>[{CJK}]+)|(?P<alnum>[a-z0-9{ROMAN}]+(?:[-.][a-z0-9{ROMAN}]+)*)")
ROMAN_LETTERS = {0x2170 + i: r for i, r in enumerate("i ii iii iv v vi vii viii ix x xi xii".split())}
ROMAN_STAGE = re.compile(r"(?:i{1,3}|iv|vi{0,3}|ix|x)[a-c]?")  # a stage numeral with its sub-stage letter
VARIANT = re.compile(r"^(?:[a-z]\d{1,4}(?:[a-z]|del|ins|fs|dup)?|ex\d{1,2}(?:del|ins)?|exon\d{1,2})$")
FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20})
NEGATION = "非"
# A sub-word is indexed when it is a lexicon word or a word jieba's own corpus counts at
# least this often: 肺癌 and 乳腺 are; 伊沙 (in 伊沙佐米) and 基奥 are not.
SUBWORD_MIN_FREQ = 20

STOP_WORDS = frozenset(
    """的 了 是 在 和 与 及 或 等 对 于 也 都 而 之 其 这 那 就 还 并 被 把 将 以 为 从 由 向 给
    让 但 则 即 又 再 已 很 更 最 所 着 过 呢 吗 吧 啊 一个 一些 我们 您 你 他 她 它 他们 她们
    这些 那些 这个 那个 一种 以及 以下 如何 什么 哪些 可以 能够 进行 通过 对于 关于 因此 因为 所以
    如果 虽然 但是 而且 并且 其中 目前 当前 方面 情况 问题 请问 请 谈谈 认为 来说 可能 需要 应该
    the a an of and or in on for to with by is are was were be as at from this that""".split()
)
DEFAULT_GENES = ("kras", "nras", "hras", "braf", "egfr", "erbb2", "her2", "alk", "ros1", "ret", "met",
                 "pik3ca", "idh1", "idh2", "fgfr2", "fgfr3", "brca1", "brca2", "tp53", "esr1", "kit", "pdgfra")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, Traditional to Simplified; same length."""
    folded = text.translate(FULLWIDTH)
    lowered = folded.lower()
    if len(lowered) != len(folded):  # a rare letter whose lower case is two letters
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)
    simplified = _t2s(lowered)
    if len(simplified) != len(lowered):  # a phrase-level conversion changed the length
        simplified = "".join(s if len(s := _t2s(c)) == 1 else c for c in lowered)
    return simplified


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def _t2s(text: str) -> str:
    return _opencc().convert(text)


@dataclass
class Lexicon:
    """The oncology lexicon: synonym groups, jieba words and common misspellings."""

    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # (kind, terms); terms[0] canonical
    words: list[str] = field(default_factory=list)  # Chinese words jieba must keep whole
    misspellings: dict[str, str] = field(default_factory=dict)
    digest: str = ""  # of the synonym and word files as read: what indexed tokens depend on

    @classmethod
    def load(cls) -> "Lexicon":
        lex = cls()
        digest = hashlib.sha1()
        for name in ("synonyms.tsv", "userdict.txt"):
            try:
                digest.update(name.encode() + b"\0" + lexicon_dir().joinpath(name).read_bytes())
            except FileNotFoundError:
                digest.update(name.encode() + b"\0missing")
        lex.digest = digest.hexdigest()
        for row in _rows("synonyms.tsv"):
            if len(row) >= 2:
                lex.groups.append((row[0], [t for t in row[1:] if t]))
        for row in _rows("userdict.txt", sep=None):
            lex.words.append(row[0])
        for row in _rows("misspellings.tsv"):
            if len(row) == 2:
                lex.misspellings[normalize(row[0])] = row[1]
        return lex

    @property
    def genes(self) -> set[str]:
        genes = set(DEFAULT_GENES)
        for kind, terms in self.groups:
            if kind == "gene":
                genes.update(normalize(t) for t in terms if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,7}", t))
        return genes

    def terms(self) -> Iterator[tuple[str, str]]:
        """(term, kind) for every term in the tables."""
        for kind, terms in self.groups:
            for term in terms:
                yield term, kind


def lexicon_dir():
    """The lexicon folder: $SEARCHSVC_LEXICON (an editor's working copy), else the package's own."""
    override = os.environ.get("SEARCHSVC_LEXICON")
    return Path(override) if override else resources.files("searchsvc").joinpath("lexicon")


def _rows(name: str, sep: str | None = "\t") -> Iterator[list[str]]:
    try:
        text = lexicon_dir().joinpath(name).read_text("utf-8")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield [part.strip() for part in line.split(sep)]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon.load()


class Segmenter:
    """jieba with the oncology lexicon, plus our rules for alphanumerics."""

    def __init__(self, lex: Lexicon):
        import jieba

        jieba.setLogLevel(60)
        self.jieba = jieba.Tokenizer()
        self.jieba.initialize()
        for word in lex.words:
            self.jieba.add_word(word, 50000)
        for term, _ in lex.terms():
            for run in re.findall(rf"[{CJK}]{{2,}}", normalize(term)):
                self.jieba.add_word(run, 80000)
        self.genes = lex.genes
        self.drugs = {normalize(t) for kind, terms in lex.groups if kind == "drug" for t in terms}
        self.words = {normalize(w) for w in lex.words} | {
            run for term, _ in lex.terms() for run in re.findall(rf"[{CJK}]{{2,}}", normalize(term))}
        self.lock = threading.Lock()

    def pieces(self, norm: str) -> Iterator[tuple[str, int, int]]:
        """(token, start, end) over normalized text, in order."""
        for m in PIECE.finditer(norm):
            if m.lastgroup == "cjk":
                start = m.start()
                with self.lock:  # jieba's lazy structures are not thread-safe
                    words = list(self.jieba.cut(m.group(), HMM=False))
                for word in words:
                    yield word, start, start + len(word)
                    start += len(word)
            else:
                yield from self._alnum(m.group(), m.start())

    def _alnum(self, run: str, start: int) -> Iterator[tuple[str, int, int]]:
        for part in re.finditer(r"[^/]+", run):
            text = part.group().strip("-.")
            if not text:
                continue
            begin, end = start + part.start(), start + part.end()
            pieces = text.translate(ROMAN_LETTERS).split("-")
            if len(pieces) > 1 and all(ROMAN_STAGE.fullmatch(p) for p in pieces):
                # a range of stages (Ⅰ-Ⅱ期, I-II期) is two numerals, not iii
                offset = begin + part.group().index(text)
                for piece in re.finditer(r"[^-]+", text):
                    yield piece.group().translate(ROMAN_LETTERS), offset + piece.start(), offset + piece.end()
                continue
            joined = "".join(pieces)
            split = self._gene_variant(joined)
            if split:
                gene, variant = split
                yield gene, begin, begin + len(gene)
                yield variant, end - len(variant), end
            else:
                yield joined, begin, end

    def _gene_variant(self, token: str) -> tuple[str, str] | None:
        for cut in range(min(len(token) - 2, 8), 1, -1):
            gene, rest = token[:cut], token[cut:]
            if gene in self.genes and VARIANT.match(rest):
                return gene, rest
        return None

    def subwords(self, word: str) -> Iterator[tuple[str, int]]:
        """Dictionary words inside a long Chinese word, with their offset in it."""
        if len(word) < 3 or not re.fullmatch(rf"[{CJK}]+", word):
            return
        if word in self.drugs:
            return  # 德曲妥珠单抗 (T-DXd) is not 曲妥珠单抗 (trastuzumab); 维奈克拉 holds no 克拉
        freq = self.jieba.FREQ
        for i in range(len(word)):
            if i == 1 and word[0] == NEGATION:
                continue  # 非小细胞肺癌 must never yield 小细胞肺癌
            for j in range(i + 2, len(word) + 1):
                sub = word[i:j]
                if (i, j) != (0, len(word)) and (sub in self.words or freq.get(sub, 0) >= SUBWORD_MIN_FREQ):
                    yield sub, i


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    return Segmenter(lexicon())


class OncologyTokenizer(Tokenizer):
    """Normalized, lexicon-aware tokens with positions and original offsets."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = normalize(value)
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for text, start, end in segmenter().pieces(normalize(value)):
            if text.isspace():
                continue
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            t.pos = pos  # always: ConceptFilter lines tokens up by position even when Whoosh wants none
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t
            pos += 1


class SubwordFilter(Filter):
    """At index time, also index the dictionary words inside long words."""

    def __call__(self, tokens):
        seg = segmenter()
        for t in tokens:
            yield t
            if t.mode != "index":
                continue
            word, pos, start = t.text, getattr(t, "pos", None), getattr(t, "startchar", None)
            for sub, offset in list(seg.subwords(word)):
                t.text = sub
                if start is not None:
                    t.startchar, t.endchar = start + offset, start + offset + len(sub)
                if pos is not None:
                    t.pos = pos
                yield t
            t.text = word


class StopFilter(Filter):
    """Drop function words, closing the gap they leave in the positions.

    A query drops them too, so the names 维A酸 (维 a 酸) and "quality of life" are the
    phrases 维 酸 and quality life, in a page as in a query.
    """

    def __call__(self, tokens):
        dropped = 0
        for t in tokens:
            if t.text in STOP_WORDS:
                if not t.removestops:
                    t.stopped = True
                    yield t
                else:
                    dropped += 1  # a stop word is a whole word, never a sub-word sharing its position
                continue
            pos = t.pos
            t.pos = pos - dropped
            yield t
            t.pos = pos  # the token object is shared: SubwordFilter reads it again for its sub-words


CONCEPT_MARK = "~"  # never starts a word the tokenizer cuts, so a concept token cannot clash with one


def concept_token(canonical: str) -> str:
    """The token that stands for a whole synonym group: ``~奥希替尼`` for any of its names."""
    return CONCEPT_MARK + normalize(canonical)


class ConceptFilter(Filter):
    """At index time, also index every lexicon term found in the text as its group's concept token.

    A group's names are matched as a phrase query would match them (consecutive positions,
    sub-words included), and the concept token is added at the first name token's position
    with offsets spanning the whole name. A query for a lexicon term then looks up one term
    instead of an OR of phrases over every name (uncached p95 0.28x on the 5k benchmark,
    bench/README.md). Queries never get concept tokens from the analyzer; the search
    module asks for them (``SynonymTable.concept``).
    """

    def __call__(self, tokens):
        at: dict[int, list[tuple[str, int | None, int | None]]] = {}
        for t in tokens:
            if t.mode == "index" and not t.stopped:
                at.setdefault(t.pos, []).append((t.text, getattr(t, "startchar", None), getattr(t, "endchar", None)))
            yield t
        if not at:
            return
        table = synonyms()
        found: dict[tuple[str, int], tuple[int, int | None, int | None]] = {}  # (token, pos) -> (last pos, start, end)
        for pos in sorted(at):
            for text, start, end in at[pos]:
                for seq, group in table.starting_with.get(text, ()):
                    end_of_name = _phrase_end(at, pos, seq, end)
                    key = (table.concept_tokens[group], pos)
                    # the shortest name read here: "KRAS G12C突变" marks as KRAS G12C, like the query that found it
                    if end_of_name is not False and (key not in found or found[key][0] > pos + len(seq) - 1):
                        found[key] = (pos + len(seq) - 1, start, end_of_name)
        t.removestops, t.stopped, t.boost = True, False, 1.0
        covered: dict[str, int] = {}  # token -> last position its previous occurrence spans
        for (token, pos), (last, start, end) in sorted(found.items(), key=lambda item: item[0][1]):
            if covered.get(token, -1) >= last:
                continue  # "KRAS G12C" is one mention, not also a second one of G12C
            covered[token] = last
            t.text, t.pos = token, pos
            if start is not None:
                t.startchar, t.endchar = start, end
            yield t


def _phrase_end(at, pos: int, seq: tuple[str, ...], end: int | None):
    """The end offset of ``seq`` read from ``pos`` on, or False when the text there is something else."""
    for k, word in enumerate(seq[1:], 1):
        end = next((e for text, _, e in at.get(pos + k, ()) if text == word), False)
        if end is False:
            return False
    return end


def analyzer():
    """The analyzer for every full-text field; Whoosh passes mode='index' or 'query'."""
    return OncologyTokenizer() | SubwordFilter() | StopFilter() | ConceptFilter()


def tokens(text: str, mode: str = "query") -> list[str]:
    return [t.text for t in analyzer()(text, mode=mode)]


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) over the original text, as the query analyzer cuts it."""
    return [(t.text, t.startchar, t.endchar) for t in analyzer()(text, mode="query", chars=True)]


class SynonymTable:
    """Token sequences of every lexicon term, mapped to their synonym group."""

    def __init__(self, lex: Lexicon):
        self.groups: list[tuple[str, str, list[tuple[str, ...]]]] = []
        self.by_tokens: dict[tuple[str, ...], int] = {}
        self.concept_tokens: list[str] = []  # per group
        self.starting_with: dict[str, list[tuple[tuple[str, ...], int]]] = {}  # first token -> (variant, group)
        self.longest = 1
        for kind, terms in lex.groups:
            variants: list[tuple[str, ...]] = []
            for term in terms:
                seq = tuple(tokens(term))
                if seq and seq not in variants:
                    variants.append(seq)
            index = len(self.groups)
            self.groups.append((kind, terms[0], variants))
            self.concept_tokens.append(concept_token(terms[0]))
            for seq in variants:
                self.by_tokens.setdefault(seq, index)
                # every group that lists a name gets its concept there (`lexicon check` reports the overlap)
                self.starting_with.setdefault(seq[0], []).append((seq, index))
                self.longest = max(self.longest, len(seq))
        self.canonical_of = {token: group[1] for token, group in zip(self.concept_tokens, self.groups)}

    def concept(self, seq: tuple[str, ...]) -> str | None:
        """The concept token indexed wherever any name of ``seq``'s group occurs, if it is a lexicon term."""
        group = self.by_tokens.get(seq)
        return None if group is None else self.concept_tokens[group]

    def canonical(self, token: str) -> str | None:
        """The canonical term of a concept token's group (``~奥希替尼`` -> 奥希替尼)."""
        return self.canonical_of.get(token)

    def concepts(self, toks: list[str]) -> list[list[tuple[str, ...]]]:
        """Group a query's tokens into concepts: each a list of equivalent token sequences.

        Greedy longest match: "kras g12c" is one concept; "奥希替尼" becomes
        [("奥希替尼",), ("osimertinib",), ("azd9291",), ...].
        """
        out: list[list[tuple[str, ...]]] = []
        i = 0
        while i < len(toks):
            for n in range(min(self.longest, len(toks) - i), 0, -1):
                group = self.by_tokens.get(tuple(toks[i:i + n]))
                if group is not None:
                    seq = tuple(toks[i:i + n])
                    # a variant containing another alternative ("kras g12c 突变" beside "g12c") adds no
                    # recall, only a costly phrase match and stray highlights
                    others = [v for v in self.groups[group][2] if v != seq]
                    alternatives = [seq] + others
                    out.append([seq] + [v for v in others if not any(_contains(v, a) for a in alternatives)])
                    i += n
                    break
            else:
                out.append([(toks[i],)])
                i += 1
        return out


def _contains(longer: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return len(longer) > len(part) and any(longer[i:i + len(part)] == part for i in range(len(longer) - len(part) + 1))


@lru_cache(maxsize=1)
def synonyms() -> SynonymTable:
    return SynonymTable(lexicon())


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What an index's tokens depend on: this module's code, jieba's and OpenCC's versions, and
    the synonym and word files as the loaded lexicon read them.

    An index records the fingerprint it was built with; when anything here differs, search
    expands synonyms name by name instead of trusting the indexed concept tokens. (A change
    that leaves the tokens alone, a comment say, only costs speed until the next rebuild.)
    """
    from importlib.metadata import version

    digest = hashlib.sha1(Path(__file__).read_bytes())
    digest.update(f"jieba {version('jieba')} opencc {version('opencc')}".encode())
    digest.update(lexicon().digest.encode())
    return digest.hexdigest()[:16]


KINDS = ("drug", "gene", "disease", "stage", "endpoint", "term", "modality")


def lexicon_problems() -> list[str]:
    """What is wrong with the lexicon files, each as 'file:line: reason' (empty when all is well)."""
    problems: list[str] = []
    owner: dict[str, tuple[int, str]] = {}
    cut_owner: dict[tuple[str, ...], tuple[int, str]] = {}
    for number, row in _numbered_rows("synonyms.tsv"):
        where = f"synonyms.tsv:{number}"
        if row[0] not in KINDS:
            problems.append(f"{where}: unknown kind {row[0]!r} (expected one of {', '.join(KINDS)})")
        terms = [t for t in row[1:] if t]
        if len(terms) < 2:
            problems.append(f"{where}: a group needs a canonical term and at least one variant")
        for term in terms:
            key, cut = normalize(term), tuple(tokens(term))
            if key in owner and owner[key][0] != number:
                problems.append(f"{where}: {term!r} is already in the group on line {owner[key][0]} ({owner[key][1]!r})")
            elif cut in cut_owner and cut_owner[cut][0] != number:
                line, other = cut_owner[cut]
                problems.append(f"{where}: {term!r} is cut into the same words as {other!r} on line {line} "
                                f"({' '.join(cut)}): a search cannot tell the two groups apart")
            elif not cut:
                problems.append(f"{where}: {term!r} holds no word the analyzer keeps (stop words or punctuation only)")
            owner.setdefault(key, (number, term))
            cut_owner.setdefault(cut, (number, term))
    for number, row in _numbered_rows("misspellings.tsv"):
        if len(row) != 2:
            problems.append(f"misspellings.tsv:{number}: expected 'wrong<TAB>right'")
        elif normalize(row[1]) not in owner:
            problems.append(f"misspellings.tsv:{number}: the correction {row[1]!r} is not a term in synonyms.tsv")
        elif normalize(row[0]) in owner:
            problems.append(f"misspellings.tsv:{number}: {row[0]!r} is a real term in synonyms.tsv, not a misspelling")
    for number, row in _numbered_rows("userdict.txt", sep=None, comments=False):
        if len(row) != 3 or not row[1].isdigit():
            problems.append(f"userdict.txt:{number}: expected 'word freq pos', e.g. '脑转移 50000 nz'")
    return problems


def _numbered_rows(name: str, sep: str | None = "\t", comments: bool = True) -> Iterator[tuple[int, list[str]]]:
    text = lexicon_dir().joinpath(name).read_text("utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not (comments and line.startswith("#")):
            yield number, [part.strip() for part in line.split(sep)]


def warm_up() -> None:
    """Load jieba and the lexicon now (once per process) rather than on a first request."""
    synonyms()
    fingerprint()  # of the lexicon just loaded, not of the files as they are when a worker starts


def iter_terms(kinds: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    for term, kind in lexicon().terms():
        if kinds is None or kind in kinds:
            yield term, kind
