"""The reader's query language, parsed into clauses (no Whoosh here).

    奥希替尼耐药怎么办       words and questions: ranked by how much of it an interview matches
    +耐药                   a word every result must hold
    奥希替尼 OR 阿美替尼      either
    肺癌 -小细胞肺癌          exclude
    "广泛期 小细胞肺癌"       a phrase, required (also “…”)
    title:KRAS question:耐药 answer:奥希替尼     words in one part of the interview, required
    expert:王志杰 tag:肺癌 year:2025              filters

Nothing a reader types is an error: stray quotes, parentheses and colons are text. A
``name:`` that is not one of the fields above is searched as text too, and recorded in
``ParsedQuery.unknown_fields`` so that the reader is told (``unknown_field_message``) rather
than ``qustion:肺癌`` being silently read as the words "qustion" and "肺癌".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

TEXT_SCOPES = ("title", "question", "answer")
FIELDS = ("expert", "tag", "year", *TEXT_SCOPES)
TOKEN = re.compile(
    r"""(?P<sign>[-－+＋])?(?:(?P<field>[a-zA-Z]+)[:：])?(?:["“”](?P<phrase>[^"“”]*)["“”]?|(?P<word>[^\s"“”]+))"""
)
OR_WORDS = {"OR", "|", "或"}


def unknown_field_message(name: str) -> str:
    return (f"{name}: is not a field, so it was searched as text; the fields are "
            + ", ".join(f"{f}:" for f in FIELDS))


@dataclass
class Clause:
    text: str
    phrase: bool = False
    negated: bool = False
    field: str | None = None  # one of FIELDS, or None for the text fields
    required: bool = False  # written +word


@dataclass
class ParsedQuery:
    """AND over groups; each group is an OR over its clauses."""

    groups: list[list[Clause]] = field(default_factory=list)
    unknown_fields: list[str] = field(default_factory=list)  # name: written before text, naming no field

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
        word, phrase, sign = m["word"], m["phrase"], m["sign"]
        if word is not None and word in OR_WORDS and not sign and not m["field"]:
            join_next = bool(query.groups)
            continue
        if word == "AND" and not m["field"]:
            continue  # AND in capitals is the default; "and" is a word (Food and Drug Administration)
        name = (m["field"] or "").lower() or None
        value = phrase if phrase is not None else word
        if name is not None and name not in FIELDS:
            # a web address, BCR::ABL1 (a fusion) and a lone letter before a colon are text, and no mistake
            if not (value or "").startswith(("//", ":", "：")) and len(name) > 1 and m["field"] not in query.unknown_fields:
                query.unknown_fields.append(m["field"])
            value, name = f"{m['field']}:{value}", None
        value = (value or "").strip()
        if name == "year":
            value = unicodedata.normalize("NFKC", value)  # ２０２５ and ²⁰²⁵ are 2025
        if not value or (name is None and not re.search(r"\w", value)):
            continue
        clause = Clause(text=value, phrase=phrase is not None, negated=sign in ("-", "－"), field=name,
                        required=sign in ("+", "＋"))
        if join_next and query.groups:
            query.groups[-1].append(clause)
        else:
            query.groups.append([clause])
        join_next = False
    return query
