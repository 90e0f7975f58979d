"""Canonical keys for tags and expert names.

A Traditional page writes 免疫治療 and 邵聞笙 where a Simplified one writes 免疫治疗 and
邵闻笙.  Pages show what the interview wrote; facets, filters, listings and URLs use the
key, so both scripts count, filter and link as one tag or one expert.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters (and phrases) to Simplified; Simplified text is left as it is."""
    return _converter().convert(text)


@lru_cache(maxsize=65536)
def key(name: str) -> str:
    """The canonical form of a tag or an expert's name: NFKC (full-width letters and digits
    to ASCII), no space around it, Simplified characters.  Case and inner spacing are kept:
    ``KRAS G12C`` stays as it is."""
    return to_simplified(unicodedata.normalize("NFKC", name or "").strip())
