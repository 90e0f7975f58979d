"""The reader's query language, parsed into clauses (no Whoosh here).

    KRAS G12C              both concepts (AND is the default)
    奥希替尼 OR 阿美替尼      either
    肺癌 -小细胞肺癌          exclude
    "广泛期 小细胞肺癌"       a phrase (also “…”)
    expert:王志杰 tag:肺癌 title:KRAS year:2025    field filters

Anything else is text: stray quotes, parentheses and colons never make an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

FIELDS = ("expert", "tag", "title", "year")
TOKEN = re.compile(
    r"""(?P<neg>[-－])?(?:(?P<field>[a-zA-Z]+)[:：])?(?:["“”](?P<phrase>[^"“”]*)["“”]?|(?P<word>[^\s"“”]+))"""
)
OR_WORDS = {"OR", "|", "或"}


@dataclass
class Clause:
    text: str
    phrase: bool = False
    negated: bool = False
    field: str | None = None  # one of FIELDS, or None for the text fields


@dataclass
class ParsedQuery:
    """AND over groups; each group is an OR over its clauses."""

    groups: list[list[Clause]] = field(default_factory=list)

    @property
    def clauses(self) -> list[Clause]:
        return [c for g in self.groups for c in g]

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    def is_empty(self) -> bool:
        return not self.positive


def parse_query(text: str) -> ParsedQuery:
    query = ParsedQuery()
    join_next = False
    for m in TOKEN.finditer(text or ""):
        word, phrase = m["word"], m["phrase"]
        if word is not None and word in OR_WORDS and not m["neg"] and not m["field"]:
            join_next = bool(query.groups)
            continue
        if word is not None and word.upper() == "AND" and not m["field"]:
            continue
        name = (m["field"] or "").lower() or None
        value = phrase if phrase is not None else word
        if name not in FIELDS and name is not None:
            value = f"{m['field']}:{value}"  # not one of ours: plain text
            name = None
        value = (value or "").strip()
        if name == "year":
            value = unicodedata.normalize("NFKC", value)  # ２０２５ and ²⁰²⁵ are 2025
        if not value or (name is None and not re.search(r"\w", value)):
            continue
        clause = Clause(text=value, phrase=phrase is not None, negated=bool(m["neg"]), field=name)
        if join_next and query.groups:
            query.groups[-1].append(clause)
        else:
            query.groups.append([clause])
        join_next = False
    return query
