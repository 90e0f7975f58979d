"""Ingest source files into a new index snapshot.

Identity: a source file is known by its path relative to the corpus root that the
index records (chosen on the first ingest: the deepest folder holding every path it
names, or ``root``), by its real path, so every route to a file is one source.  An
article's id derives from its canonical URL (HTML), its record's id or url (JSON Lines),
else that path.  Two sources claiming one id is reported, never settled silently,
unless the earlier one's file is gone: then the article has moved.

Unchanged files (same size and mtime, or same bytes, read by the same ``FORMAT``) are
not re-parsed; a changed file replaces the articles it held; a new file with the bytes
of one that is gone replaces it (a move); ``prune`` drops the articles of files that
are gone from under the paths named in this run, and nothing else.  A run that changes
nothing publishes nothing.  Failures are collected per file (and per JSON line), never
raised; every question label a page holds becomes a Q&A or a warning naming its line.

Each run that finishes leaves its counts beside the snapshots (``write_last_report``,
``IndexStore.last_report``), which ``/metrics`` reads.

Writing the snapshot is ``build``'s: one writer for a few changed articles, a stream
to parallel writer processes for many (``STREAM_AFTER``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..article import Article
from .build import IngestError, StreamingBuild, write_snapshot
from ..crashpoint import checkpoint
from ..engine.index import IndexStore, Manifest
from .sources import Scan, Source, SourceError, SourceWarning, find_sources, read_source

STREAM_AFTER = 200  # changed articles held in memory before switching to the parallel, streaming writer
# What the parser and the document layout make of a page.  A source read under another
# FORMAT is read again (and its documents rewritten) even if its bytes did not change.
FORMAT = "4"  # 2: end matter by position, one tag per HTML tag element, canonical tag/expert keys, source_url;
# 3: speakers read from the page (issue 19), page kinds (interview, answers, prose), derived titles;
# 4: more label shapes (surname labels, brackets, full-width, institutions), unlabelled answers, site chrome


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    moved: int = 0  # files found at a new path (the old one gone): their articles followed them
    failures: list[SourceError] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)  # content of a page that was not indexed
    questions: int = 0  # question labels in the pages of this run
    qa: int = 0  # Q&As indexed from those pages
    version: str | None = None  # the snapshot published, or None if nothing changed
    root: str | None = None  # the corpus root the sources' identities are relative to
    lexicon_current: bool = True  # False: the index was built with another lexicon (searches still work, slower)
    # Each page read in this run (unchanged files are not read again): its kind, turns, experts and the
    # line numbers of whatever went into no field (each also a warning).
    pages: list[dict] = field(default_factory=list)

    @property
    def kinds(self) -> dict[str, int]:
        """Pages read in this run by kind: interview (questions and answers), answers (answers under
        subheadings), prose (a report or monologue: its paragraphs are indexed)."""
        out: dict[str, int] = {}
        for page in self.pages:
            out[page["kind"]] = out.get(page["kind"], 0) + 1
        return out

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def lost(self) -> int:
        """Question labels that did not become a Q&A (each one is also a warning)."""
        return len(self.warnings)

    def summary(self) -> str:
        moved = f", moved {self.moved}" if self.moved else ""
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"removed {self.removed}{moved}, failed {self.failed}; "
                f"Q&As {self.qa} from {self.questions} question labels, lost {self.lost}"
                + (f"; read as {', '.join(f'{kind} {n}' for kind, n in sorted(self.kinds.items()))}" if self.pages else ""))

    def to_dict(self) -> dict:
        return dict(added=self.added, updated=self.updated, unchanged=self.unchanged, removed=self.removed,
                    moved=self.moved, failed=self.failed, questions=self.questions, qa=self.qa, lost=self.lost,
                    version=self.version, root=self.root, lexicon_current=self.lexicon_current,
                    failures=[{"source": f.source, "reason": f.reason} for f in self.failures],
                    warnings=[{"source": w.source, "line": w.line, "reason": w.reason} for w in self.warnings],
                    kinds=self.kinds, pages=self.pages)


def content_hash(article: Article) -> str:
    data = article.to_dict()
    data.pop("source", None)
    data["format"] = FORMAT  # a new document layout rewrites the document
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class _Plan:
    """What the new snapshot changes relative to the current one."""

    upserts: dict[str, Article] = field(default_factory=dict)  # held in memory, not yet given to a writer
    deletes: set[str] = field(default_factory=set)
    owner: dict[str, str] = field(default_factory=dict)  # article id -> source identity
    upserted: set[str] = field(default_factory=set)  # ids of every changed article, written or held
    stream: "StreamingBuild | None" = None
    pending: list = field(default_factory=list)  # (source, article, manifest entry) whose id another source held

    @classmethod
    def over(cls, manifest: Manifest) -> "_Plan":
        return cls(owner={aid: key for key, entry in manifest.sources.items() for aid in entry["articles"]})

    def upsert(self, article: Article, store: IndexStore, rebuild: bool) -> None:
        self.upserted.add(article.id)
        if self.stream is not None:
            self.stream.add(article)
            return
        self.upserts[article.id] = article
        if len(self.upserts) >= STREAM_AFTER:
            self.stream = StreamingBuild(store, rebuild)
            for aid in sorted(self.upserts):
                self.stream.add(self.upserts.pop(aid))

    def cancel(self) -> None:
        if self.stream is not None:
            self.stream.cancel()
            self.stream = None


def ingest(paths: list[Path], store: IndexStore, *, prune: bool = False, rebuild: bool = False,
           root: Path | None = None, progress: Callable[[int], None] | None = None,
           on_sources: Callable[[int], None] | None = None) -> IngestReport:
    """Bring the index in line with the given files and directories.

    ``root``: the corpus root, for a new index (or with ``rebuild``), or to say where the
    corpus now is after it moved; else the root the index records.
    """
    report = IngestReport()
    with store.lock():
        checkpoint("ingest.locked")
        live = store.version()
        old = Manifest() if rebuild else store.manifest()
        chosen, prefix = _root(old, paths, root)
        old = _rekeyed(old, prefix)
        scan = find_sources(paths, chosen)
        report.root = str(scan.root)
        report.failures.extend(scan.errors)
        if on_sources:
            on_sources(len(scan.sources))
        new = Manifest(sources={k: v for k, v in old.sources.items()}, root=str(scan.root))
        plan = _Plan.over(old)
        run = _Run(scan, old, new, plan, report, store, rebuild)
        try:
            for source in scan.sources:
                checkpoint("ingest.source")
                run.ingest_source(source)
                if progress:
                    progress(1)
            run.settle_pending()
            for scope, error in scan.missing.items():
                if not (prune and any(_within(identity, scope) for identity in old.sources)):
                    report.failures.append(error)
            if prune:
                run.prune()
            checkpoint("ingest.parsed")
            plan.deletes -= plan.upserted
            if plan.stream is not None:
                report.version = plan.stream.publish(plan.deletes, new)
            elif plan.upserts or plan.deletes or rebuild or (new.root != old.root and old.sources):
                report.version = write_snapshot(store, plan.upserts, plan.deletes, new, rebuild)
            checkpoint("ingest.published")
            report.lexicon_current = store.version() is None or store.lexicon_is_current()
            write_last_report(store, report)
        except (OSError, IngestError) as exc:  # the disk is full, a file is too large, a writer died
            _cancel_quietly(plan)
            shutil.rmtree(store.tmp, ignore_errors=True)  # give the space back: we hold the lock, the builds are ours
            raise IngestError(_write_failure(store, exc, live)) from exc
        except BaseException:
            plan.cancel()
            raise
    return report


def write_last_report(store: IndexStore, report: IngestReport) -> None:
    """Keep the run's counts beside the snapshots (``store.last_report``), for /metrics; replaced atomically.

    A report that cannot be written is skipped: the index it describes is already published.
    """
    data = {key: getattr(report, key) for key in ("added", "updated", "unchanged", "removed", "failed", "lost")}
    data.update(version=report.version or store.version(), finished=round(time.time(), 3))
    target = store.last_report
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(json.dumps(data), "utf-8")
        os.replace(partial, target)
    except OSError:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass


def _root(old: Manifest, paths: list[Path], given: Path | None) -> tuple[Path, str]:
    """(the corpus root for this run, the prefix that re-keys the recorded identities, or '').

    A new index takes ``given`` or the deepest folder holding every named path.  An index
    keeps its root, widened to a common ancestor when a named path lies outside it (the
    identities it recorded gain the prefix; the ids of their articles do not change).
    ``given`` relocates a corpus that moved (its recorded root is gone; identities kept).
    """
    from .sources import corpus_root

    if not old.root or not old.sources:
        return Path(os.path.realpath(given)) if given else corpus_root(paths), ""
    recorded = Path(old.root)
    if given is not None:
        wanted = Path(os.path.realpath(given))
        if wanted == recorded or not recorded.exists():
            return wanted, ""  # the same root, or the corpus moved there
        if recorded.is_relative_to(wanted):
            return wanted, recorded.relative_to(wanted).as_posix()
        raise IngestError(f"this index's corpus root is {recorded}, and it is still there; --root {wanted} is neither "
                          f"it nor a folder above it. To start over with another root: --rebuild --root {wanted}")
    if not recorded.exists():
        raise IngestError(f"this index's corpus root {recorded} is gone; if the corpus moved, say where it is now "
                          "with --root NEW_ROOT (each page keeps its identity, relative to the root)")
    wanted = Path(os.path.commonpath([recorded, corpus_root(paths)]))
    return wanted, recorded.relative_to(wanted).as_posix() if wanted != recorded else ""


def _rekeyed(old: Manifest, prefix: str) -> Manifest:
    """The recorded sources with identities relative to a root ``prefix`` above the old one; ids unchanged."""
    if not prefix:
        return old
    return Manifest(sources={f"{prefix}/{identity}": {**entry, "key": entry.get("key") or identity}
                             for identity, entry in old.sources.items()}, root=old.root)


def _within(identity: str, scope: str) -> bool:
    return scope == "" or identity == scope or identity.startswith(scope + "/")


class _Run:
    """One ingest's reading of its sources against the previous manifest."""

    def __init__(self, scan: Scan, old: Manifest, new: Manifest, plan: "_Plan", report: IngestReport,
                 store: IndexStore, rebuild: bool):
        self.scan, self.old, self.new, self.plan, self.report = scan, old, new, plan, report
        self.store, self.rebuild = store, rebuild
        self.seen: set[str] = set()
        self._gone_by_digest: dict[str, str] | None = None
        self.keys = {entry.get("key") or identity for identity, entry in new.sources.items()}

    def key_for(self, source: Source, before: dict | None) -> str:
        """The id key of a source: the one it had, else its identity unless another source holds that."""
        if before is not None:
            return before.get("key") or source.identity
        key, n = source.identity, 1
        while key in self.keys:
            n += 1
            key = f"{source.identity}#{n}"
        self.keys.add(key)
        return key

    def gone(self, identity: str) -> bool:
        """Provably gone: the file is not at its path under the root (and was not read in this run)."""
        return identity not in self.seen and not (self.scan.root / identity).exists()

    def prune(self) -> None:
        """Drop the sources under the paths named in this run whose files are gone."""
        for identity in sorted(set(self.new.sources) - self.seen):
            if any(_within(identity, scope) for scope in self.scan.scopes) and self.gone(identity):
                self.release(identity)

    def release(self, identity: str) -> None:
        gone = self.new.sources.pop(identity)
        for aid in gone["articles"]:
            if self.plan.owner.get(aid) == identity:
                self.plan.owner.pop(aid)
                self.plan.deletes.add(aid)
                self.report.removed += 1

    def moved_from(self, digest: str) -> str | None:
        """The source that is gone and had exactly these bytes (the file moved), if any."""
        if self._gone_by_digest is None:
            self._gone_by_digest = {e["sha256"]: identity for identity, e in self.old.sources.items()
                                    if e.get("sha256") and identity not in self.seen and self.gone(identity)}
        identity = self._gone_by_digest.pop(digest, None)
        return identity if identity in self.new.sources and self.gone(identity) else None

    def count(self, entry: dict) -> None:
        self.report.questions += entry.get("questions", 0)
        self.report.qa += entry.get("qa", 0)

    def ingest_source(self, source: Source) -> None:
        report, plan, old, new = self.report, self.plan, self.old, self.new
        self.seen.add(source.identity)
        try:
            stat = source.path.stat()
            before = old.sources.get(source.identity)
            current = before is not None and before.get("format") == FORMAT
            if current and before["size"] == stat.st_size and before["mtime_ns"] == stat.st_mtime_ns:
                report.unchanged += len(before["articles"])
                self.count(before)
                return
            digest = _sha256(source.path)
        except OSError as exc:
            report.failures.append(SourceError(str(source.path), f"cannot read: {exc.strerror or exc}"))
            return
        entry = dict(path=os.path.realpath(source.path), size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=digest,
                     format=FORMAT, questions=0, qa=0, lost=0, articles={})
        if current and before["sha256"] == digest:
            new.sources[source.identity] = {**before, **{k: entry[k] for k in ("path", "size", "mtime_ns")}}
            report.unchanged += len(before["articles"])
            self.count(before)
            return
        if before is None and (origin := self.moved_from(digest)) is not None:
            report.moved += 1  # the same bytes at a new path: this file takes over what the old one held
            before = new.sources.pop(origin)
            for aid in before["articles"]:
                if plan.owner.get(aid) == origin:
                    plan.owner[aid] = source.identity
            before = {**before, "key": before.get("key") or origin}  # its ids (and URLs) stay as they were
        source.key = self.key_for(source, before)
        if source.key != source.identity:
            entry["key"] = source.key
        failed = False
        previous = dict(before["articles"]) if before else {}
        for item in read_source(source):
            if isinstance(item, SourceError):
                report.failures.append(item)
                failed = True
                continue
            self.census(source, item, entry)
            owner = plan.owner.setdefault(item.id, source.identity)
            if owner != source.identity:
                plan.pending.append((source, item, entry))  # its owner may give it up later in this run (a moved record)
                continue
            if item.id in entry["articles"]:
                report.failures.append(SourceError(item.source, f"duplicate article id {item.id}: twice in this file"))
                continue
            digest_a = content_hash(item)
            entry["articles"][item.id] = digest_a
            if previous.get(item.id) == digest_a:
                report.unchanged += 1
            else:
                plan.upsert(item, self.store, self.rebuild)
                if item.id in previous:
                    report.updated += 1
                else:
                    report.added += 1
        if failed and before:
            # A page or JSON line that fails keeps what it held before, and the file is read again next time.
            for aid, digest_a in previous.items():
                entry["articles"].setdefault(aid, digest_a)
            _read_again(entry)
        for gone in set(previous) - set(entry["articles"]):
            plan.deletes.add(gone)
            plan.owner.pop(gone, None)
            report.removed += 1
        new.sources[source.identity] = entry

    def census(self, source: Source, article: Article, entry: dict) -> None:
        census = article.census
        if census is None:
            return
        entry["questions"] += census.questions
        entry["qa"] += census.qa
        entry["lost"] += len(census.lost)
        self.report.questions += census.questions
        self.report.qa += census.qa
        where = article.source if "#" in article.source else str(source.path)
        for line, reason in census.lost:
            self.report.warnings.append(SourceWarning(where, line, reason))
        self.report.pages.append(dict(source=where, kind=census.kind, questions=census.questions, qa=census.qa,
                                      answers=census.answers, experts=list(census.experts or article.expert_names),
                                      title_derived=article.title_derived, lost=[line for line, _ in census.lost]))

    def settle_pending(self) -> None:
        """Articles whose id another source held when they were read: taken over if that source gave
        them up in this run or its file is gone (the article moved); else reported as a collision."""
        plan, report = self.plan, self.report
        for source, item, entry in plan.pending:
            owner = plan.owner.get(item.id)
            if owner is not None and owner != source.identity and owner in self.new.sources and self.gone(owner):
                held = self.new.sources[owner]["articles"]
                previous = held.pop(item.id, None)
                if not held:
                    self.new.sources.pop(owner)
                plan.owner.pop(item.id)
                report.moved += 1
                owner = None
            else:
                previous = None
            if owner is None:
                plan.owner[item.id] = source.identity
                digest_a = content_hash(item)
                entry["articles"][item.id] = digest_a
                if previous == digest_a:
                    report.unchanged += 1
                else:
                    plan.upsert(item, self.store, self.rebuild)
                    if previous is None:
                        report.added += 1
                    else:
                        report.updated += 1
            else:
                report.failures.append(SourceError(item.source, f"duplicate article id {item.id}: {owner} holds the same "
                                                   "URL or id (one of the two must change; neither was replaced)"))
                _read_again(entry)


def _write_failure(store: IndexStore, exc: Exception, before: str | None) -> str:
    reason = str(exc)
    if isinstance(exc, OSError):
        reason = exc.strerror or reason
        reason = f"{reason} ({exc.filename})" if exc.filename else reason
    now = store.version()
    if now != before:
        outcome = f"the new index {now} is live but the ingest did not finish"
    else:
        outcome = f"nothing was published; the live index is still {now}" if now else "nothing was published; there is no index yet"
    return f"cannot write the new index under {store.root}: {reason}; {outcome}"


def _cancel_quietly(plan: "_Plan") -> None:
    try:
        plan.cancel()
    except (OSError, IngestError):
        pass  # cancelling a writer on a full disk can fail again; the build is removed anyway


def _read_again(entry: dict) -> None:
    entry.update(sha256="", mtime_ns=-1)  # matches no file: the next ingest parses it again


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
