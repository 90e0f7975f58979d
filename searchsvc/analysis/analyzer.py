"""Chinese oncology text analysis, shared by indexing and search.

The pipeline, as Whoosh composes it::

    OncologyTokenizer() | SubwordFilter() | StopFilter() | ConceptFilter()

- ``normalize`` (``textnorm``) folds full-width forms, dashes, apostrophes, case and
  Traditional characters while keeping every character's offset in the original text;
- ``OncologyTokenizer`` cuts with the ``Segmenter`` (``segment``): jieba with the oncology
  lexicon for Chinese (HMM off, so a word is cut the same way in a page and in a query),
  ``english`` rules for Latin script (``PD-1`` -> ``pd1`` whole, ``ES-SCLC`` -> ``es sclc``,
  ``KRASG12C`` -> ``kras g12c``, plurals and possessives folded), and a negating prefix
  joined to the word it negates (``非tnbc``, ``nonsmall``);
- ``SubwordFilter`` (index only: "index fine, query coarse") adds the dictionary words
  inside a long word at the same position, so 肺癌 finds 小细胞肺癌, but never a word that
  starts right after a negating or meaning-changing prefix (``lexicon/prefixes.tsv``);
- ``ConceptFilter`` (index only) adds each synonym group's concept token wherever any of its
  names occurs, and the tokens of every broader group (``lexicon/broader.tsv``), so search
  looks a lexicon term up as one term and 不良反应 finds a page that only writes irAE;
- the ``SynonymTable`` (``concepts``) maps a query's tokens to those groups.

This module re-exports the public names of those modules (``normalize``, ``lexicon``,
``Lexicon``, ``SynonymTable``, ``CONCEPT_MARK``, ``concept_token``, ``segmenter``...).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from whoosh.analysis import Filter, Token, Tokenizer

from .concepts import CONCEPT_MARK, SynonymTable, concept_token
from .english import DEFAULT_GENES, ROMAN, ROMAN_LETTERS, ROMAN_STAGE, VARIANT, singular
from .lexicon_data import KINDS, PREFIX_RULES, STOP_WORDS, Lexicon, lexicon, lexicon_dir
from .segment import SUBWORD_MIN_FREQ, Segmenter, segmenter
from .textnorm import CJK, FULLWIDTH, normalize

__all__ = [
    "CJK", "CONCEPT_MARK", "DEFAULT_GENES", "FULLWIDTH", "KINDS", "PREFIX_RULES", "ROMAN", "ROMAN_LETTERS",
    "ROMAN_STAGE", "STOP_WORDS", "SUBWORD_MIN_FREQ", "VARIANT", "ConceptFilter", "Lexicon", "OncologyTokenizer",
    "Segmenter", "StopFilter", "SubwordFilter", "SynonymTable", "analyzer", "concept_token", "explain",
    "fingerprint", "iter_terms", "lexicon", "lexicon_dir", "lexicon_problems", "normalize", "segmenter",
    "singular", "synonyms", "token_spans", "tokens", "warm_up",
]

# The modules whose code decides the indexed tokens (their source is part of the fingerprint)
TOKEN_MODULES = ("analyzer.py", "textnorm.py", "english.py", "segment.py", "concepts.py", "lexicon_data.py")


class OncologyTokenizer(Tokenizer):
    """Normalized, lexicon-aware tokens with positions and original offsets.

    Every token also carries ``span`` (start, end in the value), whether or not Whoosh asked
    for character offsets: ConceptFilter needs it to tell a name from one inside a longer name.
    """

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
            t.span = (0, len(value))
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
            t.span = (start, end)
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
            word, pos, start, span = t.text, getattr(t, "pos", None), getattr(t, "startchar", None), t.span
            for sub, offset in list(seg.subwords(word)):
                t.text = sub
                t.span = (span[0] + offset, span[0] + offset + len(sub))
                if start is not None:
                    t.startchar, t.endchar = start + offset, start + offset + len(sub)
                if pos is not None:
                    t.pos = pos
                yield t
            t.text, t.span = word, span


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


class ConceptFilter(Filter):
    """At index time, also index every lexicon term found in the text as its group's concept token.

    A group's names are matched as a phrase query would match them (consecutive positions,
    sub-words included), and the concept token is added at the first name token's position
    with offsets spanning the whole name. A query for a lexicon term then looks up one term
    instead of an OR of phrases over every name (uncached p95 0.28x on the 5k benchmark,
    bench/README.md). Queries never get concept tokens from the analyzer; the search
    module asks for them (``SynonymTable.concept``).

    Two rules on top of the names:

    - a name inside a longer name of another group does not count where the table says it
      is not that concept (``SynonymTable.read_inside``: a drug inside a longer drug's name,
      a pair of ``lookalikes.tsv``);
    - every concept found also indexes its ancestors (``broader.tsv``), once per text and only
      where the text never names the ancestor itself, at the first narrower mention.
    """

    def __call__(self, tokens):
        at: dict[int, list[tuple[str, tuple[int, int], int | None, int | None]]] = {}
        for t in tokens:
            if t.mode == "index" and not t.stopped:
                at.setdefault(t.pos, []).append(
                    (t.text, t.span, getattr(t, "startchar", None), getattr(t, "endchar", None)))
            yield t
        if not at:
            return
        table = synonyms()
        matches = _name_matches(table, at)
        kept = list(_read_as_meant(table, matches))
        found: dict[tuple[str, int], tuple[int, int | None, int | None]] = {}  # (token, pos) -> (last pos, start, end)
        for group, pos, last, _, start, end in kept:
            key = (table.concept_tokens[group], pos)
            # the shortest name read here: "KRAS G12C突变" marks as KRAS G12C, like the query that found it
            if key not in found or found[key][0] > last:
                found[key] = (last, start, end)
        # A broader concept counts once per text for its narrower mentions (a boolean "explosion", as
        # PubMed's): 不良反应 finds a page that writes only irAE, but thirty CAR-T mentions do not
        # outrank a page about 免疫治疗 itself. A text that names the broader concept has that.
        named = {token for token, _ in found}
        derived: dict[str, tuple[int, int, int | None, int | None]] = {}
        for group, pos, last, _, start, end in kept:
            for ancestor in table.ancestors_of[group]:
                token = table.concept_tokens[ancestor]
                if token not in named and token not in derived:
                    derived[token] = (pos, last, start, end)
        for token, (pos, last, start, end) in derived.items():
            found[(token, pos)] = (last, start, end)
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


# A name found in the text: (group, first pos, last pos, span in the value, start char, end char)
Match = tuple


def _name_matches(table: SynonymTable, at) -> list[Match]:
    """Every occurrence of every lexicon name among the tokens, as a phrase query would find it."""
    out: list[Match] = []
    for pos in sorted(at):
        for text, span, start, end in at[pos]:
            for seq, group in table.starting_with.get(text, ()):
                tail = _phrase_end(at, pos, seq, span[1], end)
                if tail is not None:
                    out.append((group, pos, pos + len(seq) - 1, (span[0], tail[0]), start, tail[1]))
    return out


def _phrase_end(at, pos: int, seq: tuple[str, ...], span_end: int, end: int | None):
    """(span end, char end) of ``seq`` read from ``pos`` on, or None when the text there is something else."""
    for k, word in enumerate(seq[1:], 1):
        hit = next(((s, e) for text, s, _, e in at.get(pos + k, ()) if text == word), None)
        if hit is None:
            return None
        span_end, end = hit[0][1], hit[1]
    return span_end, end


def _read_as_meant(table: SynonymTable, matches: list[Match]) -> Iterator[Match]:
    """The matches less those inside a longer name that the table says they do not mean."""
    if not any(m[0] in table.drug_groups or m[0] in table.not_inside for m in matches):
        yield from matches
        return
    starting: dict[int, list[Match]] = {}
    for m in matches:
        starting.setdefault(m[1], []).append(m)
    for m in matches:
        group, pos, last, span = m[0], m[1], m[2], m[3]
        if group in table.drug_groups or group in table.not_inside:
            around = (o for p in range(pos - table.longest + 1, pos + 1) for o in starting.get(p, ()))
            if any(o[0] != group and o[2] >= last and o[3][0] <= span[0] and span[1] <= o[3][1] and o[3] != span
                   and not table.read_inside(group, o[0]) for o in around):
                continue
        yield m


def analyzer():
    """The analyzer for every full-text field; Whoosh passes mode='index' or 'query'."""
    return OncologyTokenizer() | SubwordFilter() | StopFilter() | ConceptFilter()


def tokens(text: str, mode: str = "query") -> list[str]:
    return [t.text for t in analyzer()(text, mode=mode)]


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) over the original text, as the query analyzer cuts it."""
    return [(t.text, t.startchar, t.endchar) for t in analyzer()(text, mode="query", chars=True)]


@lru_cache(maxsize=1)
def synonyms() -> SynonymTable:
    return SynonymTable(lexicon(), tokens)


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What an index's tokens depend on: the analysis modules' code, jieba's and OpenCC's versions,
    and the lexicon files as the loaded lexicon read them.

    An index records the fingerprint it was built with; when anything here differs, search
    expands synonyms name by name instead of trusting the indexed concept tokens. (A change
    that leaves the tokens alone, a comment say, only costs speed until the next rebuild.)
    """
    from importlib.metadata import version

    digest = hashlib.sha1()
    for name in TOKEN_MODULES:
        digest.update(Path(__file__).with_name(name).read_bytes())
    digest.update(f"jieba {version('jieba')} opencc {version('opencc')}".encode())
    digest.update(lexicon().digest.encode())
    return digest.hexdigest()[:16]


def lexicon_problems() -> list[str]:
    """What is wrong with the lexicon files, each as 'file:line: reason' (empty when all is well)."""
    from .lexicon_check import problems

    return problems(tokens, synonyms(), names_in)


def names_in(text: str) -> list[tuple[int, tuple[int, int]]]:
    """(group, span) of every lexicon name read in ``text`` before the look-alike rules drop any."""
    at: dict[int, list] = {}
    for t in (OncologyTokenizer() | SubwordFilter() | StopFilter())(text, mode="index"):
        if not t.stopped:
            at.setdefault(t.pos, []).append((t.text, t.span, None, None))
    return [(m[0], m[3]) for m in _name_matches(synonyms(), at)]


def explain(text: str) -> list[str]:
    """How ``text`` is analysed, line by line (``searchsvc lexicon cut``)."""
    table = synonyms()
    indexed = tokens(text, mode="index")
    concepts = [t for t in indexed if t.startswith(CONCEPT_MARK)]
    lines = ["index: " + " ".join(t for t in indexed if not t.startswith(CONCEPT_MARK)),
             "concepts: " + " ".join(concepts)]
    named = {t for t in concepts if not any(t in table.ancestors(o) for o in concepts if o != t)}
    for token in dict.fromkeys(concepts):
        if token in named and table.ancestors(token):
            lines.append(f"  {token} is also indexed as its broader " + " ".join(table.ancestors(token)))
    query = tokens(text)
    lines.append("query: " + " ".join(query))
    for concept in table.concepts(query):
        if len(concept) > 1:
            token = table.concept(concept[0])
            own = [v for v in concept[1:] if table.by_tokens.get(v) == table.group_of.get(token)]
            line = f"  {' '.join(concept[0])} = " + " | ".join(" ".join(v) for v in own)
            narrower = len(concept) - 1 - len(own)
            lines.append(line + (f" (+ {narrower} names of narrower terms)" if narrower else ""))
    return lines


def warm_up() -> None:
    """Load jieba and the lexicon now (once per process) rather than on a first request."""
    synonyms()
    fingerprint()  # of the lexicon just loaded, not of the files as they are when a worker starts


def iter_terms(kinds: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    for term, kind in lexicon().terms():
        if kinds is None or kind in kinds:
            yield term, kind
