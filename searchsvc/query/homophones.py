"""Input-method slips: a lexicon name typed with the right sounds and the wrong characters.

A clinician on a phone types pinyin and picks a character; picking the wrong one of the same
sound gives 耐要 for 耐药, 化聊 for 化疗, 废癌 for 肺癌, 把向治疗 for 靶向治疗. Such a slip is
corrected to the lexicon name it sounds like when all of this holds, so that text written
right is never rewritten:

- the window is whole words of the segmenter's cut (never part of a word), not a name written
  right, and it cuts none (a name inside it, 单抗 in 嶅妥珠单抗, is kept as written);
- no interview holds the window as a word or begins a word with it (the reader may be typing
  依沃西单抗, not the brand 逸沃), and it is neither a word of jieba's dictionary nor part of a
  lexicon name;
- one of its words is a single character, or a word no interview holds (the slip leaves
  something the index cannot place);
- its toneless pinyin is that of names of exactly one synonym group, of the same length.

Sounds come from pypinyin's table of characters (each character's first reading), read as
data: its phrase dictionary is not needed here and would cost every worker 40 MB.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

from .. import analysis
from .queryplan import Vocabulary
from .wordlists import CJK_RUN, concept_for, is_known_chinese, lexicon_name_set

MIN_CHARS = 2
MAX_CHARS = 8


@lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    """Chinese character -> its first reading in pypinyin's table, without tone marks (疗 -> liao)."""
    spec = importlib.util.find_spec("pypinyin")
    folder = Path(next(iter(spec.submodule_search_locations)))
    table = json.loads(folder.joinpath("pinyin_dict.json").read_text("utf-8"))
    return {chr(int(code)): _toneless(readings.split(",")[0]) for code, readings in table.items()}


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


def sound(text: str) -> tuple[str, ...] | None:
    """The toneless pinyin of each character of ``text``; None if a character has no reading."""
    readings = _readings()
    out = tuple(readings.get(ch, "") for ch in text)
    return None if "" in out else out


@lru_cache(maxsize=1)
def names_by_sound() -> dict[tuple[str, ...], dict[str, str]]:
    """sound -> {concept token: a Chinese lexicon name of that group with that sound}."""
    out: dict[tuple[str, ...], dict[str, str]] = {}
    for name in sorted(lexicon_name_set()):
        if not (CJK_RUN.fullmatch(name) and MIN_CHARS <= len(name) <= MAX_CHARS):
            continue
        concept = concept_for(tuple(analysis.tokens(name)))
        key = sound(name)
        if concept is not None and key is not None:
            out.setdefault(key, {}).setdefault(concept.token, name)
    return out


def homophone_slips(norm: str, written: list[tuple[int, int]], vocabulary: Vocabulary) -> list[tuple[int, int, str]]:
    """(start, end, name) of each input-method slip of a lexicon name in ``norm`` (normalised query text).

    ``written``: spans of lexicon names written right, which no correction may touch.
    """
    edits: list[tuple[int, int, str]] = []
    for m in CJK_RUN.finditer(norm):
        pieces = [(start + m.start(), end + m.start()) for _, start, end in analysis.segmenter().pieces(m.group())]
        i = 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):  # the longest window of whole words first
                name = _slip_of(norm, pieces[i:j], written, vocabulary)
                if name:
                    edits.append((pieces[i][0], pieces[j - 1][1], name))
                    i = j
                    break
            else:
                i += 1
    return edits


def _slip_of(norm: str, window_pieces: list[tuple[int, int]], written: list[tuple[int, int]],
             vocabulary: Vocabulary) -> str | None:
    start, end = window_pieces[0][0], window_pieces[-1][1]
    window = norm[start:end]
    if not MIN_CHARS <= len(window) <= MAX_CHARS:
        return None
    key = sound(window)
    groups = names_by_sound().get(key) if key else None
    if not groups or len(groups) != 1:  # first, as it rules out nearly every window at the cost of a lookup
        return None
    if is_known_chinese(window) or any(a < end and start < b and not (start <= a and b <= end) for a, b in written):
        return None  # a word, a name written right or part of one, or a window cutting a name
    if vocabulary.frequency(window) > 0 or vocabulary.prefixed(window, 1):
        return None  # a word of the interviews, or the start of one being typed (依沃 of 依沃西单抗, not 逸沃)
    if not any(len(w) == 1 or vocabulary.frequency(w) == 0 for w in (norm[a:b] for a, b in window_pieces)):
        return None  # nothing the index cannot place
    name = next(iter(groups.values()))
    kept = all(name[a - start:b - start] == norm[a:b] for a, b in written if start <= a and b <= end)
    return name if kept else None  # 嶅妥珠单抗 -> 奥妥珠单抗 keeps the 单抗 written right
