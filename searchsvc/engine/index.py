"""The Whoosh index: its schema, and snapshots published atomically.

Granularity: one Whoosh document per interview.  A reader's result list wants one
result per interview, its total counts interviews and its facets count interviews;
the Q&A that matched best is found inside the hit from the stored character
offsets of the matched terms (see ``highlight``), so no per-Q&A documents are
needed and every text is analysed and indexed once.

On disk (``index/`` by default)::

    index/current            -> snapshots/<version>   (a symlink, swapped atomically)
    index/snapshots/<version>/   Whoosh files + manifest.json (what each source held)
                                 + analysis.json (the lexicon fingerprint its tokens were made with)
                                 + format.json (the index format version: see ``_format``)
    index/tmp/<build>/           a build in progress; never read by a searcher
    index/ingest.lock            one ingest at a time
    index/last-ingest.json       the last finished ingest's counts (``ingest.write_last_report``; read by /metrics)

The ``expert`` and ``tag`` keyword fields also keep each document's values in a
list column: Whoosh's overlapping facets read that column instead of rebuilding a
document-to-values list from every posting of the field on every search (a third
of a search's time on a 5k index; see ``bench/README.md``).  An index written
before the column existed still works (Whoosh falls back); ``--rebuild`` adds it.

A build starts from hard links to the current snapshot's files (Whoosh never
rewrites a file it has written), adds and deletes documents, commits, writes its
manifest, fsyncs and is renamed into ``snapshots/``; then ``current`` is replaced
in one rename.  A kill at any point leaves ``current`` on the previous snapshot.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema

from .. import analysis, names
from ..analysis import analyzer
from ..article import Article
from .._format import (FORMAT_FILE, CharacterArray, ListKEYWORD, PositionArray, StrListColumn,  # noqa: F401
                      format_problem, write_format)
from . import whooshformat
from ..crashpoint import checkpoint
from ..settings import BY_NAME

# The default of SEARCHSVC_INDEX (settings.py); the command line and create_app read the variable itself
DEFAULT_INDEX_DIR = Path(BY_NAME["SEARCHSVC_INDEX"].default)
KEEP_SNAPSHOTS = 3
MANIFEST = "manifest.json"
INVENTORY = "files.json"  # name -> size of every file of a snapshot, written when it is published
ANALYSIS = "analysis.json"  # the analysis fingerprint the snapshot's tokens were made with
QA_SEPARATOR = "\n\n"

log = logging.getLogger("searchsvc.engine.index")


REBUILD_HINT = "(publish a new one with: searchsvc ingest --rebuild <folders>)"


class IndexUnavailable(RuntimeError):
    """There is no usable index at the given place; the message says why."""


TEXT_FIELDS = ("title", "lead", "question", "answer", "meta")  # what an unscoped query word is looked up in


def schema() -> Schema:
    text = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=_text(text, chars=True),
        lead=_text(text),  # the lead and the editor's note (never in a snippet: no character offsets)
        question=_text(text, chars=True),  # every question, in order: see field_layout
        answer=_text(text, chars=True),  # every answer, in order
        meta=_text(text),  # expert names and titles, tags
        expert=ListKEYWORD(stored=True, commas=True, scorable=True),
        tag=ListKEYWORD(stored=True, commas=True, scorable=True),
        year=NUMERIC(int, stored=True, sortable=True),
        date=DATETIME(stored=True, sortable=True),
        article=STORED,
    )


def _text(analyzer, chars: bool = False) -> TEXT:
    """A text field whose postings numpy reads whole (codec.py): positions, with or without offsets."""
    field = TEXT(analyzer=analyzer, chars=chars)
    field.format = (CharacterArray if chars else PositionArray)(field_boost=field.format.field_boost)
    return field


def outdated_layout(found: Schema) -> str | None:
    """Why an index's fields are not this release's (one written before a text field was split, say), or None."""
    missing = [name for name in schema().names() if name not in found.names()]
    if missing:
        return (f"was written by an earlier release: it has no {', '.join(missing)} field"
                f"{'s' if len(missing) > 1 else ''}, so this release cannot search it")
    return None


def field_layout(article: Article, fieldname: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The text indexed in ``question`` or ``answer`` and where each Q&A's part of it lies:
    (Q&A index, start, end). The highlighter maps a match's stored offset back to its Q&A."""
    parts = [qa.question if fieldname == "question" else qa.answer for qa in article.qa]
    regions, pos = [], 0
    for i, text in enumerate(parts):
        regions.append((i, pos, pos + len(text)))
        pos += len(text) + len(QA_SEPARATOR)
    return QA_SEPARATOR.join(parts), regions


def document(article: Article) -> dict:
    """The Whoosh document for an article."""
    doc = dict(
        id=article.id,
        title=article.title,
        lead=QA_SEPARATOR.join(t for t in (article.lead, article.editor_note) if t),
        question=field_layout(article, "question")[0],
        answer=field_layout(article, "answer")[0],
        meta=" ".join([f"{e.name} {e.title}" for e in article.experts] + article.tags),
        expert=",".join(names.key(n).replace(",", " ") for n in article.expert_names),  # canonical keys: see names
        tag=",".join(names.key(t).replace(",", " ") for t in article.tags),
        article=json.dumps(article.to_dict(), ensure_ascii=False),
    )
    if article.year:
        doc["year"] = article.year
    if article.date:
        doc["date"] = datetime.fromisoformat(article.date)
    return doc


@dataclass
class Manifest:
    """What each source held at the last ingest: how unchanged files are skipped."""

    # identity (path relative to root) -> {path, size, mtime_ns, sha256, format, questions, qa, lost, articles: {id: hash}}
    sources: dict[str, dict] = field(default_factory=dict)
    root: str | None = None  # the corpus root every identity is relative to (None: an index from before roots)

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        path = folder / MANIFEST
        if not path.exists():
            return cls()
        data = json.loads(path.read_text("utf-8"))
        return cls(sources=data["sources"], root=data.get("root"))

    def write(self, folder: Path) -> None:
        path = folder / MANIFEST
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"root": self.root, "sources": self.sources}, handle, ensure_ascii=False, indent=0, sort_keys=True)
            checkpoint("manifest.unsynced")
            handle.flush()
            os.fsync(handle.fileno())

    def article_ids(self) -> set[str]:
        return {aid for entry in self.sources.values() for aid in entry["articles"]}


class IndexStore:
    """The index folder: its published snapshots and the builds that replace them."""

    def __init__(self, root: Path | str = DEFAULT_INDEX_DIR):
        self.root = Path(root)
        self.current = self.root / "current"
        self.snapshots = self.root / "snapshots"
        self.tmp = self.root / "tmp"
        self.last_report = self.root / "last-ingest.json"

    def version(self) -> str | None:
        """The published snapshot's name, or None when nothing is published."""
        try:
            return os.readlink(self.current).rsplit("/", 1)[-1]
        except OSError:
            return None

    def snapshot_path(self, version: str) -> Path:
        return self.snapshots / version

    def open(self, version: str | None = None):
        """(version, Whoosh index) of the published snapshot, or IndexUnavailable."""
        version = version or self.version()
        if version is None:
            if not self.root.exists():
                raise IndexUnavailable(f"no index at {self.root}: the folder does not exist (run an ingest first)")
            if not self.root.is_dir() or not os.access(self.root, os.R_OK | os.X_OK):
                raise IndexUnavailable(f"no index at {self.root}: not a folder this process can read")
            if self.current.exists() or self.current.is_symlink():
                raise IndexUnavailable(f"the index at {self.root} is broken: {self.current} is not a link to a snapshot "
                                       "(run an ingest to publish one)")
            raise IndexUnavailable(f"no index at {self.root}: nothing has been published yet (run an ingest first)")
        path = self.snapshot_path(version)
        if not path.is_dir():
            raise IndexUnavailable(f"the index at {self.root} is broken: its current snapshot {path} is missing "
                                   "(run an ingest to publish a new one)")
        problem = format_problem(path)
        if problem:
            raise IndexUnavailable(f"the index at {path} {problem} {REBUILD_HINT}")
        try:
            _check_inventory(path)
            ix = whoosh_index.open_dir(str(path))
            ix.reader().close()  # opens every segment: a missing or truncated file is found here, not mid-search
        except (OSError, whoosh_index.EmptyIndexError) as exc:
            raise IndexUnavailable(f"the index at {path} cannot be opened: {exc} {REBUILD_HINT}") from exc
        except Exception as exc:  # a corrupt TOC surfaces as unpickling errors of many kinds
            raise IndexUnavailable(f"the index at {path} is unreadable: {type(exc).__name__}: {exc} {REBUILD_HINT}") from exc
        outdated = outdated_layout(ix.schema)
        if outdated:
            raise IndexUnavailable(f"the index at {path} {outdated} {REBUILD_HINT}")
        slower = sorted(seg for seg, how in whooshformat.read_paths(ix).items() if how == whooshformat.PUBLIC)
        if slower:  # a codec the engine cannot read a block at a time: same results, read posting by posting
            log.warning("index %s: segments %s were written by a codec the engine reads through Whoosh's public "
                        "readers (slower; `searchsvc ingest --rebuild` rewrites them)", path, ", ".join(slower))
        return version, ix

    def analysis_fingerprint(self, version: str) -> str | None:
        """The fingerprint of the analysis (code and lexicon) that wrote this snapshot's tokens."""
        try:
            return json.loads((self.snapshot_path(version) / ANALYSIS).read_text("utf-8"))["fingerprint"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # written before fingerprints were kept, or unreadable: treat as a different lexicon

    def lexicon_is_current(self, version: str | None = None) -> bool:
        """Whether the published index was built with the lexicon this process has loaded."""
        version = version or self.version()
        return version is not None and self.analysis_fingerprint(version) == analysis.fingerprint()

    def manifest(self) -> Manifest:
        version = self.version()
        return Manifest.read(self.snapshot_path(version)) if version else Manifest()

    @contextmanager
    def lock(self):
        """Hold the ingest lock (one ingest at a time); released even on a crash."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "ingest.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def new_build(self, rebuild: bool = False) -> Path:
        """A private folder holding a copy of the current snapshot (or an empty index)."""
        shutil.rmtree(self.tmp, ignore_errors=True)  # builds left by a killed ingest
        version = None if rebuild else self.version()
        if version is not None and not self.snapshot_path(version).is_dir():
            version = None  # 'current' points at a snapshot that is gone: build everything afresh
        if version is not None:
            problem = format_problem(self.snapshot_path(version))
            if problem:
                raise IndexUnavailable(f"the index at {self.root} {problem}; an update cannot add to it "
                                       f"{REBUILD_HINT}")
            outdated = outdated_layout(whoosh_index.open_dir(str(self.snapshot_path(version))).schema)
            if outdated:
                raise IndexUnavailable(f"the index at {self.root} {outdated}; an update cannot add to it "
                                       f"{REBUILD_HINT}")
        build = self.tmp / f"build-{os.getpid()}-{time.time_ns()}"
        build.mkdir(parents=True)
        checkpoint("build.created")
        if version is None:
            whoosh_index.create_in(str(build), schema())
            fingerprint = analysis.fingerprint()
        else:
            _link_tree(self.snapshot_path(version), build)
            # documents added now get today's tokens, the rest keep theirs: one lexicon throughout, or
            # None (stale, whatever is loaded later) until a rebuild
            previous = self.analysis_fingerprint(version)
            fingerprint = previous if previous == analysis.fingerprint() else None
        (build / ANALYSIS).write_text(json.dumps({"fingerprint": fingerprint}), "utf-8")
        write_format(build)  # every segment of the build is read, and the TOC rewritten, by this release
        checkpoint("build.ready")
        return build

    def publish(self, build: Path) -> str:
        """Move a finished build into place and point ``current`` at it, atomically."""
        _write_inventory(build)
        _fsync_tree(build)
        version = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        self.snapshots.mkdir(parents=True, exist_ok=True)
        target = self.snapshot_path(version)
        checkpoint("publish.synced")
        os.rename(build, target)
        checkpoint("publish.renamed")
        link = self.root / f"current.{os.getpid()}.tmp"
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(os.path.join("snapshots", version), link)
        checkpoint("publish.linked")
        os.replace(link, self.current)
        checkpoint("publish.swapped")
        _fsync_dir(self.root)
        self._drop_old_snapshots(keep=version)
        return version

    def _drop_old_snapshots(self, keep: str) -> None:
        names = sorted(p.name for p in self.snapshots.iterdir() if p.is_dir())
        for name in names[:-KEEP_SNAPSHOTS]:
            if name != keep:
                checkpoint("publish.dropping")
                shutil.rmtree(self.snapshots / name, ignore_errors=True)


def _write_inventory(folder: Path) -> None:
    """Record every file's size: Whoosh reads postings lazily, so a truncated or missing file
    would otherwise surface mid-search instead of when the snapshot is opened."""
    sizes = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file() and p.name != INVENTORY}
    target = folder / INVENTORY
    target.unlink(missing_ok=True)
    target.write_text(json.dumps(sizes, sort_keys=True), "utf-8")


def _check_inventory(folder: Path) -> None:
    try:
        sizes = json.loads((folder / INVENTORY).read_text("utf-8"))
    except FileNotFoundError:
        return  # published before inventories were written
    for name, size in sizes.items():
        path = folder / name
        if path.is_dir():
            raise OSError(errno.EISDIR, "Is a directory", str(path))
        actual = path.stat().st_size  # FileNotFoundError: "No such file or directory"
        if actual != size and not name.endswith((".toc", ".lock")) and name != MANIFEST:
            raise ValueError(f"{name} is {actual} bytes; {size} were written")


def _link_tree(src: Path, dst: Path) -> None:
    for item in src.iterdir():
        if item.name in (MANIFEST, INVENTORY, ANALYSIS, FORMAT_FILE) or item.name.endswith((".lock", "WRITELOCK")):
            continue  # rewritten for the new snapshot: a hard link would change the old one too
        try:
            os.link(item, dst / item.name)
        except OSError:
            shutil.copy2(item, dst / item.name)


def _fsync_tree(folder: Path) -> None:
    for item in folder.iterdir():
        with open(item, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
