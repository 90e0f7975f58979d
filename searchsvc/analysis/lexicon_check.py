"""``searchsvc lexicon check``: every lexicon file read as the analyzer reads it, mistakes by file and line."""

from __future__ import annotations

import re
from typing import Callable

from .concepts import SynonymTable
from .lexicon_data import KINDS, PREFIX_RULES, numbered_rows
from .textnorm import CJK, normalize

Cut = Callable[[str], list[str]]
# text -> the (group, span) of every lexicon name the index reads in it
NamesIn = Callable[[str], list[tuple[int, tuple[int, int]]]]


def problems(cut: Cut, table: SynonymTable, names_in: NamesIn) -> list[str]:
    """What is wrong with the lexicon files, each as 'file:line: reason' (empty when all is well)."""
    found: list[str] = []
    owner, cut_owner = _check_synonyms(cut, found)
    _check_misspellings(owner, found)
    _check_userdict(found)
    terms = _check_lay(cut, owner, cut_owner, found)  # normalised term -> its group's line in synonyms.tsv
    _check_compounds(terms, table, found)
    _check_broader(terms, found)
    _check_lookalikes(terms, table, names_in, found)
    _check_prefixes(found)
    _check_word_lists(found)
    _check_in_running_text(table, names_in, found)
    return found


# One-word-a-line lists beside the lexicon (lexicon_data.word_list): file -> who reads it
WORD_LISTS = {"stop_words.txt": "analysis", "role_modifiers.txt": "affiliation", "institutions.txt": "affiliation"}


def _check_word_lists(found: list[str]) -> None:
    for name in WORD_LISTS:
        seen: dict[str, int] = {}
        try:
            numbered = list(numbered_rows(name, sep=None))
        except FileNotFoundError:
            found.append(f"{name}: missing (copy it from searchsvc/analysis/lexicon/)")
            continue
        for number, row in numbered:
            entry = " ".join(row)
            if len(row) != 1:
                found.append(f"{name}:{number}: one entry a line, without spaces, not {entry!r}")
            elif entry in seen:
                found.append(f"{name}:{number}: {entry!r} is listed twice (first on line {seen[entry]})")
            elif name == "stop_words.txt" and entry != normalize(entry):
                found.append(f"{name}:{number}: write {entry!r} as the analyzer does: {normalize(entry)!r}")
            seen.setdefault(entry, number)


def _check_synonyms(cut: Cut, found: list[str]):
    owner: dict[str, tuple[int, str]] = {}
    cut_owner: dict[tuple[str, ...], tuple[int, str]] = {}
    for number, row in _rows("synonyms.tsv"):
        where = f"synonyms.tsv:{number}"
        if row[0] not in KINDS:
            found.append(f"{where}: unknown kind {row[0]!r} (expected one of {', '.join(KINDS)})")
        terms = [t for t in row[1:] if t]
        if len(terms) < 2:
            found.append(f"{where}: a group needs a canonical term and at least one variant")
        for term in terms:
            key, words = normalize(term), tuple(cut(term))
            if key in owner and owner[key][0] != number:
                found.append(f"{where}: {term!r} is already in the group on line {owner[key][0]} ({owner[key][1]!r})")
            elif words in cut_owner and cut_owner[words][0] != number:
                line, other = cut_owner[words]
                found.append(f"{where}: {term!r} is cut into the same words as {other!r} on line {line} "
                             f"({' '.join(words)}): a search cannot tell the two groups apart")
            elif not words:
                found.append(f"{where}: {term!r} holds no word the analyzer keeps (stop words or punctuation only)")
            owner.setdefault(key, (number, term))
            cut_owner.setdefault(words, (number, term))
    return owner, cut_owner


def _check_misspellings(owner, found: list[str]) -> None:
    for number, row in _rows("misspellings.tsv"):
        if len(row) != 2:
            found.append(f"misspellings.tsv:{number}: expected 'wrong<TAB>right'")
        elif normalize(row[1]) not in owner:
            found.append(f"misspellings.tsv:{number}: the correction {row[1]!r} is not a term in synonyms.tsv")
        elif normalize(row[0]) in owner:
            found.append(f"misspellings.tsv:{number}: {row[0]!r} is a real term in synonyms.tsv, not a misspelling")


def _check_userdict(found: list[str]) -> None:
    for number, row in _rows("userdict.txt", sep=None, comments=False):
        if len(row) != 3 or not row[1].isdigit():
            found.append(f"userdict.txt:{number}: expected 'word freq pos', e.g. '脑转移 50000 nz'")


def _check_lay(cut: Cut, owner, cut_owner, found: list[str]) -> dict[str, int]:
    """Lay words join their term's group; returns every term and lay word -> its group's line."""
    terms = {key: line for key, (line, _) in owner.items()}
    for number, row in _rows("lay.tsv"):
        where = f"lay.tsv:{number}"
        if len(row) != 2 or not all(row):
            found.append(f"{where}: expected 'lay word<TAB>clinical term', e.g. '副作用\t不良反应'")
            continue
        word, term = row
        key, words = normalize(word), tuple(cut(word))
        if normalize(term) not in owner:
            found.append(f"{where}: the clinical term {term!r} is not a term in synonyms.tsv")
        elif key in owner:
            found.append(f"{where}: {word!r} is already a term in synonyms.tsv (line {owner[key][0]}); "
                         "a lay word must be a name the lexicon does not have yet")
        elif key in terms:
            found.append(f"{where}: {word!r} is already a lay word on an earlier line")
        elif not words:
            found.append(f"{where}: {word!r} holds no word the analyzer keeps (stop words or punctuation only)")
        elif words in cut_owner and cut_owner[words][0] != owner[normalize(term)][0]:
            line, other = cut_owner[words]
            found.append(f"{where}: {word!r} is cut into the same words as {other!r} on synonyms.tsv line {line} "
                         f"({' '.join(words)}): a search cannot tell the two apart")
        else:
            terms[key] = owner[normalize(term)][0]
    return terms


def _check_compounds(terms: dict[str, int], table: SynonymTable, found: list[str]) -> None:
    from .lexicon_data import COMPOUND_HEAD

    for number, row in _rows("compounds.tsv"):
        where = f"compounds.tsv:{number}"
        if len(row) != 3 or not all(row):
            found.append(f"{where}: expected 'compound term<TAB>first term<TAB>second term', "
                         "e.g. 'EGFR 20号外显子插入\tEGFR\t20号外显子插入'")
            continue
        unknown = [t for t in row if normalize(t) not in terms]
        if unknown:
            found.append(f"{where}: unknown term {unknown[0]!r}: not in synonyms.tsv or lay.tsv")
            continue
        compound, first, second = (terms[normalize(t)] for t in row)
        if compound in (first, second) or first == second:
            found.append(f"{where}: the three terms must name three different groups")
        elif not any(COMPOUND_HEAD.fullmatch(name) for name in _names_on_line(table, terms, row[1])):
            found.append(f"{where}: {row[1]!r}'s group has no one-word name (such as EGFR) to write before {row[2]!r}")


def _names_on_line(table: SynonymTable, terms: dict[str, int], term: str) -> list[str]:
    for names in table.terms:
        if any(normalize(n) == normalize(term) for n in names):
            return names
    return []


def _check_broader(terms: dict[str, int], found: list[str]) -> None:
    parents: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    seen: dict[tuple[int, int], int] = {}
    for number, where, row in _term_pairs("broader.tsv", "'narrower term<TAB>broader term', e.g. '免疫相关不良反应\t不良反应'",
                                          terms, found):
        child, parent = (terms[normalize(t)] for t in row)
        names.setdefault(child, row[0])
        names.setdefault(parent, row[1])
        if child == parent:
            found.append(f"{where}: {row[0]!r} and {row[1]!r} are names of the same group (synonyms.tsv line {child})")
        elif (child, parent) in seen:
            found.append(f"{where}: repeats line {seen[(child, parent)]} (the same two groups)")
        elif (path := _path(parents, parent, child)) is not None:
            loop = " -> ".join(names.get(g, str(g)) for g in [child, *path])
            found.append(f"{where}: makes a cycle: {loop}")
        else:
            seen[(child, parent)] = number
            parents.setdefault(child, []).append(parent)


def _term_pairs(name: str, expected: str, terms: dict[str, int], found: list[str]):
    """(line number, 'file:line', row) of each line of two known lexicon terms; other lines are reported."""
    for number, row in _rows(name):
        where = f"{name}:{number}"
        if len(row) != 2 or not all(row):
            found.append(f"{where}: expected {expected}")
            continue
        unknown = [t for t in row if normalize(t) not in terms]
        if unknown:
            found.append(f"{where}: unknown term {unknown[0]!r}: not in synonyms.tsv or lay.tsv")
            continue
        yield number, where, row


def _path(parents: dict[int, list[int]], start: int, goal: int) -> list[int] | None:
    """The groups from ``start`` up to ``goal`` along broader edges, if ``goal`` is an ancestor (or ``start``)."""
    stack, came = [start], {start: None}
    while stack:
        g = stack.pop()
        if g == goal:
            path = [g]
            while came[path[-1]] is not None:
                path.append(came[path[-1]])
            return path[::-1]
        for p in parents.get(g, ()):
            if p not in came:
                came[p] = g
                stack.append(p)
    return None


def _check_lookalikes(terms: dict[str, int], table: SynonymTable, names_in: NamesIn, found: list[str]) -> None:
    group_of: dict[str, int] = {}
    for group, names in enumerate(table.terms):
        for name in names:
            group_of.setdefault(normalize(name), group)
    for _, where, row in _term_pairs("lookalikes.tsv", "'longer term<TAB>shorter term it is not', e.g. '临界可切除\t可切除'",
                                     terms, found):
        outer, inner = (group_of[normalize(t)] for t in row)
        if outer == inner:
            found.append(f"{where}: {row[0]!r} and {row[1]!r} are names of the same group")
        elif inner in table.ancestors_of[outer]:
            found.append(f"{where}: broader.tsv says {row[0]!r} is a kind of {row[1]!r}; it cannot also be a look-alike")
        elif not any(g == inner and span != (0, len(normalize(name)))
                     for name in table.terms[outer] for g, span in names_in(name)):
            found.append(f"{where}: no name of {row[1]!r} is read inside a name of {row[0]!r}; the line has no effect")


def _check_prefixes(found: list[str]) -> None:
    seen: dict[str, int] = {}
    prefixes = [(normalize(row[0]), row[1]) for _, row in _rows("prefixes.tsv") if len(row) >= 2]
    for number, row in _rows("prefixes.tsv"):
        where = f"prefixes.tsv:{number}"
        if len(row) < 2 or not row[0]:
            found.append(f"{where}: expected 'prefix<TAB>rule<TAB>example', e.g. '非\tword\t非小细胞肺癌 is not 小细胞肺癌'")
            continue
        prefix, rule = normalize(row[0]), row[1]
        if rule not in PREFIX_RULES:
            found.append(f"{where}: unknown rule {rule!r} (expected one of {', '.join(PREFIX_RULES)})")
        elif not (re.fullmatch(rf"[{CJK}]+", prefix) or re.fullmatch(r"[a-z]+", prefix)):
            found.append(f"{where}: {row[0]!r} must be Chinese characters or Latin letters only")
        elif rule == "inside" and not re.fullmatch(rf"[{CJK}]+", prefix):
            found.append(f"{where}: {row[0]!r} is Latin script and an English word has no sub-words; use 'word'")
        elif rule == "split" and not (re.fullmatch(rf"[{CJK}]{{2,}}", prefix)
                                      and any(prefix.endswith(p) for p, r in prefixes if r in ("inside", "word"))):
            found.append(f"{where}: 'split' is for a Chinese word that ends in a prefix listed here; {row[0]!r} is not one")
        elif rule in ("after", "apart") and not re.fullmatch(r"[a-z]+", prefix):
            found.append(f"{where}: {rule!r} is for an English word; {row[0]!r} is not one")
        elif prefix in seen:
            found.append(f"{where}: {row[0]!r} is already on line {seen[prefix]}")
        else:
            seen[prefix] = number


# Running text a name must be read in: jieba's cut depends on the neighbours, and a dictionary word
# that swallows a name's end (乳腺癌患者 in 在HER2阳性乳腺癌患者中) loses the name.
CONTEXTS = (("在", "患者中"), ("与", "相比"), ("接受", "治疗后"))


def _check_in_running_text(table: SynonymTable, names_in: NamesIn, found: list[str]) -> None:
    lines = {}
    for number, row in _rows("synonyms.tsv"):
        for term in row[1:]:
            lines.setdefault(term, number)
    for group, names in enumerate(table.terms):
        for name in names:
            for before, after in CONTEXTS:
                text = f"{before}{name}{after}"
                if not any(g == group for g, _ in names_in(text)):
                    where = f"synonyms.tsv:{lines[name]}" if name in lines else "lay.tsv/compounds.tsv"
                    found.append(f"{where}: {name!r} is not read as its group in running text ({text}); "
                                 "a userdict.txt word may swallow part of it")
                    break


def _rows(name: str, sep: str | None = "\t", comments: bool = True):
    """A file's numbered rows; a missing optional file has none (synonyms.tsv must exist)."""
    return numbered_rows(name, sep, comments, missing_ok=name != "synonyms.tsv")
