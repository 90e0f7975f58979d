"""Analysis and the oncology lexicon: the one analyzer that indexing and search share.

Owns: character normalisation (``textnorm``), word segmentation with jieba and the lexicon
(``segment``), Latin-script terms (``english``), synonym groups as concept tokens
(``concepts``), the lexicon's data files (``lexicon/``, read by ``lexicon_data``, checked by
``lexicon_check``), the analyzer's stages and fingerprint (``analyzer``), and reading an
expert's affiliation from a bio (``affiliation``).

May import: Whoosh's public analysis API, jieba, OpenCC, and searchsvc's base modules
(``article``, ``names``, ``results``). Never query, engine, ingest or web.

This package hands on the analyzer's public names (``from searchsvc import analysis;
analysis.analyzer()``).
"""

from .analyzer import *  # noqa: F401,F403 (the analyzer's public names)
from .analyzer import __all__  # noqa: F401
