"""The oncology lexicon as read from its data files (``searchsvc/analysis/lexicon/``; formats in its README),
and the word lists beside it (``word_list``: stop words here, affiliation's role and institution words).

Plain data, no analysis: ``analysis`` cuts the names into tokens, ``concepts`` builds the
synonym table and the broader-term graph from them, and ``lexicon_check`` validates the files.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterator

from .. import settings
from .textnorm import normalize

KINDS = ("drug", "gene", "disease", "stage", "endpoint", "term", "modality")
# What an affix in prefixes.tsv does (lexicon/README.md, "prefixes.tsv"):
#   inside - no sub-word starts right after it inside a Chinese word (HER2超低表达 holds no 低表达)
#   word   - that, and standing as its own token it is joined to the next word (非 TNBC, non-small)
#   after  - an English word joined to the word before it (relapse-free, metastasis-free)
#   split  - a jieba word that swallows a prefix (与非): never cut as one word
#   apart  - an English prefix that stays a word of its own before a code (anti-PD-1, anti-C225)
PREFIX_RULES = ("inside", "word", "after", "split", "apart")
# The files whose content decides the indexed tokens (misspellings.tsv is read at query time only)
TOKEN_FILES = ("synonyms.tsv", "userdict.txt", "lay.tsv", "compounds.tsv", "broader.tsv", "lookalikes.tsv",
               "prefixes.tsv", "stop_words.txt")
# A name of a compound's first group that is written before the second's names (HER2, ERBB2; not
# "human epidermal growth factor receptor 2"): one word of letters and digits
COMPOUND_HEAD = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,9}")


@dataclass
class Lexicon:
    """Synonym groups (lay words included), jieba words, misspellings and the term relations."""

    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # (kind, terms); terms[0] canonical
    words: list[str] = field(default_factory=list)  # Chinese words jieba must keep whole
    misspellings: dict[str, str] = field(default_factory=dict)
    lay: dict[str, str] = field(default_factory=dict)  # lay word -> the clinical term whose group it joined
    compounds: list[tuple[str, str, str]] = field(default_factory=list)  # (compound, first, second)
    broader: list[tuple[str, str]] = field(default_factory=list)  # (narrower term, broader term)
    lookalikes: list[tuple[str, str]] = field(default_factory=list)  # (longer term, shorter term it is not)
    prefixes: list[tuple[str, str]] = field(default_factory=list)  # (prefix, rule), normalised
    digest: str = ""  # of the files as read that indexed tokens depend on

    @classmethod
    def load(cls) -> "Lexicon":
        lex = cls()
        digest = hashlib.sha1()
        for name in TOKEN_FILES:
            try:
                digest.update(name.encode() + b"\0" + lexicon_dir().joinpath(name).read_bytes())
            except FileNotFoundError:
                digest.update(name.encode() + b"\0missing")
        lex.digest = digest.hexdigest()
        for row in rows("synonyms.tsv"):
            if len(row) >= 2:
                lex.groups.append((row[0], [t for t in row[1:] if t]))
        group_of = lex.group_index()
        for row in rows("lay.tsv"):
            if len(row) == 2 and normalize(row[1]) in group_of and normalize(row[0]) not in group_of:
                lex.groups[group_of[normalize(row[1])]][1].append(row[0])
                lex.lay[row[0]] = row[1]
                group_of[normalize(row[0])] = group_of[normalize(row[1])]
        for row in rows("compounds.tsv"):
            if len(row) == 3 and all(normalize(t) in group_of for t in row):
                lex.compounds.append((row[0], row[1], row[2]))
                names = lex.groups[group_of[normalize(row[0])]][1]
                have = {normalize(t) for t in names}
                for head in lex.groups[group_of[normalize(row[1])]][1]:
                    for tail in lex.groups[group_of[normalize(row[2])]][1]:
                        name = f"{head} {tail}"
                        if COMPOUND_HEAD.fullmatch(head) and normalize(name) not in have:
                            names.append(name)  # EGFR ins20, ERBB2 exon 20 insertion, ...
                            have.add(normalize(name))
        lex.broader = [(row[0], row[1]) for row in rows("broader.tsv") if len(row) == 2]
        lex.lookalikes = [(row[0], row[1]) for row in rows("lookalikes.tsv") if len(row) == 2]
        lex.prefixes = [(normalize(row[0]), row[1]) for row in rows("prefixes.tsv")
                        if len(row) >= 2 and row[0] and row[1] in PREFIX_RULES]
        for row in rows("userdict.txt", sep=None):
            lex.words.append(row[0])
        for row in rows("misspellings.tsv"):
            if len(row) == 2:
                lex.misspellings[normalize(row[0])] = row[1]
        return lex

    def group_index(self) -> dict[str, int]:
        """Normalised term -> its group's index (the first group that lists it)."""
        out: dict[str, int] = {}
        for index, (_, terms) in enumerate(self.groups):
            for term in terms:
                out.setdefault(normalize(term), index)
        return out

    @property
    def genes(self) -> set[str]:
        from .english import DEFAULT_GENES

        genes = set(DEFAULT_GENES)
        for kind, terms in self.groups:
            if kind == "gene":
                genes.update(normalize(t) for t in terms if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,7}", t))
        return genes

    def terms(self) -> Iterator[tuple[str, str]]:
        """(term, kind) for every term in the tables, lay words included."""
        for kind, terms in self.groups:
            for term in terms:
                yield term, kind


def lexicon_dir():
    """The lexicon folder: $SEARCHSVC_LEXICON (an editor's working copy), else the package's own."""
    override = settings.value("SEARCHSVC_LEXICON")
    return Path(override) if override else resources.files("searchsvc.analysis").joinpath("lexicon")


def word_list(name: str) -> tuple[str, ...]:
    """The entries of a one-word-a-line list in the lexicon folder (``#`` comments and blank lines
    skipped), in the file's order.  A missing list is an error naming it: an empty list would change
    what is indexed or read without a word said."""
    path = lexicon_dir().joinpath(name)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the word list {name} is missing (every lexicon folder holds it; "
                                "copy it from searchsvc/analysis/lexicon/)") from None
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


# Function words: dropped from pages and queries alike (analysis.StopFilter); lexicon/stop_words.txt
STOP_WORDS = frozenset(word_list("stop_words.txt"))


def rows(name: str, sep: str | None = "\t") -> Iterator[list[str]]:
    """The data rows of a lexicon file (``#`` comments and blank lines skipped); none if it is absent."""
    for _, row in numbered_rows(name, sep, missing_ok=True):
        yield row


def numbered_rows(name: str, sep: str | None = "\t", comments: bool = True,
                  missing_ok: bool = False) -> Iterator[tuple[int, list[str]]]:
    try:
        text = lexicon_dir().joinpath(name).read_text("utf-8")
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not (comments and line.startswith("#")):
            yield number, [part.strip() for part in line.split(sep)]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon.load()
