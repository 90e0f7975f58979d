"""An expert's affiliation, read from the bio the interview gives.

A bio on the site opens with where the expert works and what they are there:

    江南医科大学附属肿瘤医院胸部肿瘤内科主任，主任医师，教授，博士研究生导师
    主要从事……（research interests）
    ……学会……委员（society posts）

The rule, which a listing (search results, expert and tag pages, related interviews,
feeds) uses to show each expert as "name, title, affiliation":

1. Only the bio's first line (up to a "。") is read: later lines are research interests
   and society memberships, not where the expert works.
2. The line is cut into segments at commas, semicolons and 、.
3. From each segment the trailing run of role words (主任医师, 教授, 副院长, 博士研究生导师,
   首席专家…, with modifiers such as 副 and 名誉 from lexicon/role_modifiers.txt) is cut
   off.  A segment whose roles end in 院士 is an academy honour (中国工程院院士), not a
   workplace, and is skipped.
4. The first remaining text that names an institution (医院, 大学, 学院, 研究所, 中心…, the
   words of lexicon/institutions.txt) is the affiliation, institution and department as the bio writes them
   (国家癌症中心/中国医学科学院肿瘤医院 keeps its slash).  None: "".
5. At most ``MAX_CHARS`` characters: a longer one is cut, ending in "…".

Words are matched on the Simplified form, so a Traditional bio (醫院, 主任醫師) reads the
same way, and the affiliation is returned in the bio's own script: it is always a part
of the bio's first line (or that part cut, plus "…"), never rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from .lexicon_data import word_list
from ..names import to_simplified
from ..results import ExpertDetail

MAX_CHARS = 40

SEGMENT_BREAK = re.compile(r"[,，;；、]")
LINE_BREAK = re.compile(r"[\n。]")
# The word lists are data beside the lexicon (searchsvc/analysis/lexicon/, each file's header says what it is).
# Every title of roles.txt, label-only ones too: in a bio a title ends the affiliation whatever its kind.
ROLES = tuple(line.split("\t")[0].strip() for line in word_list("roles.txt"))
MODIFIERS = word_list("role_modifiers.txt")
INSTITUTIONS = word_list("institutions.txt")
HONOUR = "院士"

_ROLE = "(?:{})*(?:{})".format("|".join(MODIFIERS), "|".join(sorted(ROLES, key=len, reverse=True)))
ROLE_TAIL = re.compile(rf"(?:\s*{_ROLE})+\s*$")
EDGES = " \t\u3000/／·・:："


def affiliation(bio: str) -> str:
    """Where the bio says the expert works (see the module's rule); "" when its first line names no institution."""
    return _affiliation(bio or "")


@lru_cache(maxsize=8192)
def _affiliation(bio: str) -> str:
    line = next((part.strip() for part in LINE_BREAK.split(bio) if part.strip()), "")
    for segment in SEGMENT_BREAK.split(line):
        simple = _aligned_simplified(segment)
        tail = ROLE_TAIL.search(simple)
        cut = tail.start() if tail else len(simple)
        if tail and tail.group().rstrip().endswith(HONOUR):
            continue
        name = segment[:cut]
        start = len(name) - len(name.lstrip(EDGES))
        name, simple_name = name.strip(EDGES), simple[start:start + len(name.strip(EDGES))]
        if name and any(word in simple_name for word in INSTITUTIONS):
            return name if len(name) <= MAX_CHARS else name[:MAX_CHARS - 1] + "…"
    return ""


def _aligned_simplified(text: str) -> str:
    """``text`` in Simplified characters (NFKC), character by character, so positions carry over."""
    out = []
    for ch in text:
        simple = to_simplified(unicodedata.normalize("NFKC", ch))
        out.append(simple if len(simple) == 1 else ch)
    return "".join(out)


def expert_details(experts: Iterable) -> list[ExpertDetail]:
    """Name, title and affiliation of each expert (``article.Expert`` objects), in the interview's order."""
    return [ExpertDetail(name=e.name, title=e.title or "", affiliation=affiliation(e.bio)) for e in experts]
