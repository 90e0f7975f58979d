"""Character-level normalisation shared by pages, lexicon names and queries.

Every fold here maps one character to one character, so an offset in the normalised
text is the same offset in the original (highlighting marks the page's own characters).
"""

from __future__ import annotations

from functools import lru_cache

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20})
# Hyphens and dashes as papers and PDFs write them: ‐ ‑ ‒ – — ― ⁃ − ﹣ (the full-width － is in
# FULLWIDTH). "non–small cell" and "anti‑PD‑1" must read as "non-small cell" and "anti-PD-1".
DASHES = {cp: ord("-") for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2043, 0x2212, 0xFE63)}
# Apostrophes, so "Hodgkin’s" is "Hodgkin's" (the tokenizer drops a possessive 's).
APOSTROPHES = {cp: ord("'") for cp in (0x2018, 0x2019, 0x2032, 0x0060)}
FOLDS = {**FULLWIDTH, **DASHES, **APOSTROPHES}


def normalize(text: str) -> str:
    """Full-width to half-width, dashes to '-', case, Traditional to Simplified; same length."""
    folded = text.translate(FOLDS)
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
