"""The index's on-disk names: every class pickled into an index, under a module path that never moves.

Whoosh's table of contents (``_MAIN_<n>.toc``) pickles the schema (field types, their
formats, analyzers, column types) and each segment (with its codec) by class *and module
path*. So the path a class is pickled under is part of the on-disk format. This module is
that path: ``searchsvc._format`` must never be moved or renamed, and the names below never
removed (add new ones; retire old ones only with a format version and a rebuild).

- The field formats and the list column (``PositionArray``, ``CharacterArray``,
  ``StrListColumn``, ``ListKEYWORD``) are defined here: they are small and are the format.
- The codec (``whooshformat.SplitBlockCodec``, which reaches into Whoosh's internals) and the
  analyzer's parts (``analysis``) live where their code belongs and are *bound* here:
  ``_bind`` sets their ``__module__`` to this module, so pickle writes ``searchsvc._format.X``
  and finds it here when an index is read. Moving ``analysis`` or ``whooshformat`` into a
  subpackage changes nothing on disk.

Indexes written before this module existed (format 1, up to commit 7b3f7ff) name
``searchsvc.codec.*``, ``searchsvc.index.*`` and ``searchsvc.analysis.*``. While those modules
exist they re-export the same classes; once one is moved away, ``LegacyNames`` (a finder
at the *end* of ``sys.meta_path``, so a real module always wins) answers its import with a
module holding the classes it used to define. Pickle's own lookup does the rest: there is
no Whoosh hook to patch, and nothing to keep at the old paths.

``FORMAT_VERSION`` is recorded in each snapshot (``format.json``, written by
``index.IndexStore.new_build``); a snapshot without the file is format 1. A snapshot of a
format this release cannot read makes ``IndexStore.open`` say to rebuild
(``searchsvc ingest --rebuild``) instead of failing with a traceback.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import sys
import types
from array import array
from pathlib import Path

from whoosh import columns
from whoosh.fields import KEYWORD
from whoosh.formats import Characters, Positions

from . import analysis
from .engine import whooshformat

FORMAT_VERSION = 2  # 1: names under searchsvc.codec/index/analysis (to 7b3f7ff); 2: names here, format.json
READABLE_FORMATS = (1, 2)
FORMAT_FILE = "format.json"


# -- field formats: a posting's value as raw int32, so a block's values are one numpy.frombuffer away ----

class PositionArray(Positions):
    """Positions of a posting as raw int32, absolute: a block's values read as one array."""

    STRIDE = 1

    def encode(self, poslist):
        return array("i", poslist).tobytes()

    def decode_positions(self, valuestring):
        return _ints(valuestring).tolist()

    def decode_frequency(self, valuestring):
        return len(valuestring) // 4

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost


class CharacterArray(Characters):
    """(position, start, end) of each occurrence as raw int32, absolute: a block's values read as one array."""

    STRIDE = 3

    def encode(self, poslist):
        return array("i", [n for occurrence in poslist for n in occurrence]).tobytes()

    def decode_characters(self, valuestring):
        ints = _ints(valuestring)
        return list(zip(ints[0::3], ints[1::3], ints[2::3]))

    def decode_positions(self, valuestring):
        return _ints(valuestring)[0::3].tolist()

    def decode_frequency(self, valuestring):
        return len(valuestring) // 12

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost


def _ints(valuestring: bytes) -> array:
    values = array("i")
    values.frombytes(valuestring)
    return values


# -- the expert and tag fields' list column ------------------------------------------------------------------

class StrListColumn(columns.PickleColumn):
    """A per-document list of strings: Whoosh's overlapping facets read it instead of
    rebuilding a doc->values list from every posting of the field on every search."""

    def __init__(self):
        super().__init__(columns.VarBytesColumn())

    def stores_lists(self):
        return True

    class Reader(columns.PickleColumn.Reader):
        def __getitem__(self, docnum):
            return super().__getitem__(docnum) or []


class ListKEYWORD(KEYWORD):
    """A comma-separated KEYWORD field whose values are also kept in a list column (for facets)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.column_type = StrListColumn()

    def to_column_value(self, value):
        return [v.strip() for v in value.split(",") if v.strip()]


# -- classes whose code lives elsewhere, pickled under this module's name -------------------------------------

def _bind(cls: type) -> type:
    cls.__module__ = __name__
    return cls


SplitBlockCodec = _bind(whooshformat.SplitBlockCodec)
OncologyTokenizer = _bind(analysis.OncologyTokenizer)
SubwordFilter = _bind(analysis.SubwordFilter)
StopFilter = _bind(analysis.StopFilter)
ConceptFilter = _bind(analysis.ConceptFilter)

PICKLED = (PositionArray, CharacterArray, StrListColumn, ListKEYWORD, SplitBlockCodec, OncologyTokenizer,
           SubwordFilter, StopFilter, ConceptFilter)

# Format 1 (indexes written up to commit 7b3f7ff): the module paths it pickled, and what each held.
LEGACY_NAMES = {
    "searchsvc.codec": ("SplitBlockCodec", "PositionArray", "CharacterArray"),
    "searchsvc.index": ("ListKEYWORD", "StrListColumn"),
    "searchsvc.analysis": ("OncologyTokenizer", "SubwordFilter", "StopFilter", "ConceptFilter"),
}


class LegacyNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers the import of a format-1 module path that no longer exists with the classes it held."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in LEGACY_NAMES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name, f"format-1 names of {spec.name}, now in {__name__}")
        for name in LEGACY_NAMES[spec.name]:
            setattr(module, name, globals()[name])
        return module

    def exec_module(self, module):
        pass


def install_legacy_names() -> None:
    """Put ``LegacyNames`` last on ``sys.meta_path`` (once): only an import nothing else answers reaches it."""
    if not any(isinstance(finder, LegacyNames) for finder in sys.meta_path):
        sys.meta_path.append(LegacyNames())


install_legacy_names()


# -- the format version of a snapshot ---------------------------------------------------------------------------

def write_format(folder: Path) -> None:
    (Path(folder) / FORMAT_FILE).write_text(
        json.dumps({"format": FORMAT_VERSION, "whoosh-reloaded": whooshformat.WHOOSH_RELOADED}), "utf-8")


def read_format(folder: Path) -> int | str:
    """The format version a snapshot records (1 when it records none: written before versions were);
    a string saying what is wrong when the record cannot be read."""
    path = Path(folder) / FORMAT_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return 1
    except (OSError, ValueError) as exc:
        return f"its {FORMAT_FILE} cannot be read ({type(exc).__name__}: {exc})"
    version = data.get("format") if isinstance(data, dict) else None
    return version if isinstance(version, int) else f"its {FORMAT_FILE} records no format version"


def format_problem(folder: Path) -> str | None:
    """Why this release cannot read the snapshot at ``folder`` (its format version), or None."""
    version = read_format(folder)
    if isinstance(version, str):
        return version
    if version not in READABLE_FORMATS:
        newer = version > FORMAT_VERSION
        return (f"is in index format {version}, which this release does not read (it reads formats "
                f"{', '.join(map(str, READABLE_FORMATS))}{'; the index was written by a newer release' if newer else ''})")
    return None
