"""Ingest source files into a new index snapshot.

Unchanged files (same size and mtime, or same bytes) are not re-parsed; a changed
file replaces the articles it held; ``prune`` drops articles whose source is gone.
A run that changes nothing publishes nothing.  Failures are collected per file
(and per JSON line), never raised.

Writing (see ``bench/README.md`` for the profile behind it): a few changed
articles are kept in memory and written at the end by one writer, in id order.
Once there are many (``STREAM_AFTER``), the new snapshot is written while the
files are still being read: the parsed articles stream to Whoosh's multiprocess
writer, whose worker processes each analyse and write a segment of their own
(analysis and the posting writer are ~90% of an ingest), so memory is bounded
by the writers' pools, not by the corpus.  The workers are forked after jieba is
loaded (one initialisation, shared) and die with the ingest, so a kill -9 leaves
neither a worker nor a held lock; the build is still published atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .article import Article
from .crashpoint import checkpoint
from .index import IndexStore, Manifest, document
from .sources import Source, SourceError, find_sources, read_source

STREAM_AFTER = 200  # changed articles held in memory before switching to the parallel, streaming writer
WRITER_LIMIT_MB = 128  # posting buffer of each writer process (Whoosh spills sorted runs to disk beyond it)
# Segments as separate files, not one compound file: Whoosh reads a compound segment through
# BytesIO(mmap slice), a private copy of each sub-file for every open searcher (one per thread),
# which cost 84 MB per searcher on the 1k index.
COMPOUND = False


class IngestError(RuntimeError):
    """The new snapshot could not be written (disk full, a writer process died); nothing was published."""


def writer_procs() -> int:
    """Writer processes for a large ingest: SEARCHSVC_INGEST_PROCS, else one per CPU core."""
    try:
        wanted = int(os.environ.get("SEARCHSVC_INGEST_PROCS", "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or os.cpu_count() or 1)


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failures: list[SourceError] = field(default_factory=list)
    version: str | None = None  # the snapshot published, or None if nothing changed
    lexicon_current: bool = True  # False: the index was built with another lexicon (searches still work, slower)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"removed {self.removed}, failed {self.failed}")

    def to_dict(self) -> dict:
        return dict(added=self.added, updated=self.updated, unchanged=self.unchanged, removed=self.removed,
                    failed=self.failed, version=self.version, lexicon_current=self.lexicon_current,
                    failures=[{"source": f.source, "reason": f.reason} for f in self.failures])


def content_hash(article: Article) -> str:
    data = article.to_dict()
    data.pop("source", None)
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class _Plan:
    """What the new snapshot changes relative to the current one."""

    upserts: dict[str, Article] = field(default_factory=dict)  # held in memory, not yet given to a writer
    deletes: set[str] = field(default_factory=set)
    owner: dict[str, str] = field(default_factory=dict)  # article id -> source identity
    upserted: set[str] = field(default_factory=set)  # ids of every changed article, written or held
    stream: "_StreamingBuild | None" = None
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
            self.stream = _StreamingBuild(store, rebuild)
            for aid in sorted(self.upserts):
                self.stream.add(self.upserts.pop(aid))

    def cancel(self) -> None:
        if self.stream is not None:
            self.stream.cancel()
            self.stream = None


def ingest(paths: list[Path], store: IndexStore, *, prune: bool = False, rebuild: bool = False,
           progress: Callable[[int], None] | None = None, on_sources: Callable[[int], None] | None = None) -> IngestReport:
    """Bring the index in line with the given files and directories."""
    report = IngestReport()
    with store.lock():
        checkpoint("ingest.locked")
        live = store.version()
        old = Manifest() if rebuild else store.manifest()
        sources, errors = find_sources(paths)
        report.failures.extend(errors)
        if on_sources:
            on_sources(len(sources))
        new = Manifest(sources={k: v for k, v in old.sources.items()})
        plan = _Plan.over(old)
        seen: set[str] = set()
        try:
            for source in sources:
                checkpoint("ingest.source")
                seen.add(source.identity)
                _ingest_source(source, old, new, plan, report, store, rebuild)
                if progress:
                    progress(1)
            if prune:
                for identity in sorted(set(old.sources) - seen):
                    gone = new.sources.pop(identity)
                    plan.deletes.update(gone["articles"])
                    for aid in gone["articles"]:
                        plan.owner.pop(aid, None)
                    report.removed += len(gone["articles"])
            _settle_pending(plan, report, store, rebuild)
            checkpoint("ingest.parsed")
            plan.deletes -= plan.upserted
            if plan.stream is not None:
                report.version = plan.stream.publish(plan.deletes, new)
            elif plan.upserts or plan.deletes or rebuild:
                report.version = _write_snapshot(store, plan, new, rebuild)
            checkpoint("ingest.published")
            report.lexicon_current = store.version() is None or store.lexicon_is_current()
        except (OSError, IngestError) as exc:  # the disk is full, a file is too large, a writer died
            _cancel_quietly(plan)
            shutil.rmtree(store.tmp, ignore_errors=True)  # give the space back: we hold the lock, the builds are ours
            raise IngestError(_write_failure(store, exc, live)) from exc
        except BaseException:
            plan.cancel()
            raise
    return report


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


def _ingest_source(source: Source, old: Manifest, new: Manifest, plan: _Plan, report: IngestReport,
                   store: IndexStore, rebuild: bool) -> None:
    try:
        stat = source.path.stat()
        before = old.sources.get(source.identity)
        if before and before["size"] == stat.st_size and before["mtime_ns"] == stat.st_mtime_ns:
            report.unchanged += len(before["articles"])
            return
        digest = _sha256(source.path)
    except OSError as exc:
        report.failures.append(SourceError(str(source.path), f"cannot read: {exc.strerror or exc}"))
        return
    entry = dict(path=str(source.path), size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=digest, articles={})
    if before and before["sha256"] == digest:
        entry["articles"] = before["articles"]
        new.sources[source.identity] = entry
        report.unchanged += len(before["articles"])
        return
    failed = False
    previous = dict(before["articles"]) if before else {}
    for item in read_source(source):
        if isinstance(item, SourceError):
            report.failures.append(item)
            failed = True
            continue
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
            plan.upsert(item, store, rebuild)
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


def _read_again(entry: dict) -> None:
    entry.update(sha256="", mtime_ns=-1)  # matches no file: the next ingest parses it again


def _settle_pending(plan: "_Plan", report: IngestReport, store: IndexStore, rebuild: bool) -> None:
    """Articles whose id another source held when they were read: taken over if it gave them up."""
    for source, item, entry in plan.pending:
        owner = plan.owner.get(item.id)
        if owner is None:
            plan.owner[item.id] = source.identity
            entry["articles"][item.id] = content_hash(item)
            plan.upsert(item, store, rebuild)
            report.added += 1
        else:
            report.failures.append(SourceError(item.source, f"duplicate article id {item.id}: {owner} holds the same URL or id"))
            _read_again(entry)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_snapshot(store: IndexStore, plan: _Plan, manifest: Manifest, rebuild: bool) -> str:
    from whoosh import index as whoosh_index

    build = store.new_build(rebuild=rebuild)
    ix = whoosh_index.open_dir(str(build))
    writer = ix.writer(limitmb=256, compound=COMPOUND)
    try:
        for aid in sorted(plan.deletes | set(plan.upserts)):
            writer.delete_by_term("id", aid)
        checkpoint("write.deleted")
        for aid in sorted(plan.upserts):
            checkpoint("write.doc")
            writer.add_document(**document(plan.upserts[aid]))
        checkpoint("write.commit")
        writer.commit(optimize=rebuild)
        checkpoint("write.committed")
    except BaseException:
        try:
            writer.cancel()
        except OSError:
            pass  # a full disk: the build is removed by the caller
        raise
    ix.close()
    manifest.write(build)
    return store.publish(build)


class _StreamingBuild:
    """A new snapshot written while the sources are still being read, by several processes.

    Whoosh's ``MpWriter`` with ``multisegment=True``: the parent pickles batches of
    documents to job files; each worker analyses its batches and writes its own
    segment (so both the analysis and the posting writer run in parallel, and
    nothing is merged at the end).  An old copy of an article is deleted as the new
    one is added; deletes of articles that are gone are applied at the end.
    """

    def __init__(self, store: IndexStore, rebuild: bool):
        from whoosh import index as whoosh_index

        from .analysis import segmenter

        segmenter()  # load jieba once, here: the forked workers share it
        self.store = store
        self.rebuild = rebuild
        self.build = store.new_build(rebuild=rebuild)
        self.ix = whoosh_index.open_dir(str(self.build))
        self.writer = _writer(self.ix, writer_procs())

    def add(self, article: Article) -> None:
        checkpoint("stream.doc")
        self.writer.delete_by_term("id", article.id)
        self.writer.add_document(**document(article))

    def publish(self, deletes: set[str], manifest: Manifest) -> str:
        try:
            for aid in sorted(deletes):
                self.writer.delete_by_term("id", aid)
            checkpoint("stream.commit")
            self.writer.commit(optimize=self.rebuild)
            checkpoint("stream.committed")
        except BaseException:
            self.cancel()
            raise
        self.writer = None
        self.ix.close()
        manifest.write(self.build)
        return self.store.publish(self.build)

    def cancel(self) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.cancel()


def _writer(ix, procs: int):
    """Whoosh's multiprocess writer, with workers that die with this process (one process: a plain writer)."""
    if procs <= 1:
        return ix.writer(limitmb=WRITER_LIMIT_MB, compound=COMPOUND)

    from whoosh.multiproc import MpWriter, SubWriterTask

    parent = os.getpid()

    class Task(SubWriterTask):
        errors = None

        def run(self):
            _die_with(parent)
            try:
                super().run()
            except BaseException as exc:  # tell the parent why (a full disk, say), then exit 1 quietly
                self.errors.put(f"{type(exc).__name__}: {exc}")
                self.errors.close()
                self.errors.join_thread()
                os._exit(1)

    class Writer(MpWriter):
        """MpWriter that notices a dead worker: Whoosh would skip its results and publish without its documents."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            import multiprocessing

            self.errors = multiprocessing.Queue()
            self.jobqueue = _GuardedQueue(self.jobqueue, self._check_workers)

        def _check_workers(self):
            for task in self.tasks:
                if task.exitcode not in (None, 0):
                    try:
                        why = self.errors.get(timeout=1)
                    except queue.Empty:
                        code = task.exitcode
                        why = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
                    raise IngestError(f"a writer process died ({why})")

        def _commit_toc(self, segments):
            self._check_workers()  # every worker has exited by now; all must have succeeded
            super()._commit_toc(segments)

        def _new_task(self):
            task = Task(self.storage, self.indexname, self.jobqueue.queue, self.resultqueue, self.subargs,
                        self.multisegment)
            task.errors = self.errors
            task.daemon = True
            self.tasks.append(task)
            task.start()
            return task

        def cancel(self):
            try:
                for task in self.tasks:
                    if task.is_alive():
                        task.terminate()
                        task.join(5)
            finally:
                from whoosh.writing import SegmentWriter

                SegmentWriter.cancel(self)

    return Writer(ix, procs=procs, multisegment=True, limitmb=WRITER_LIMIT_MB, compound=COMPOUND)


class _GuardedQueue:
    """The writer's job queue: a put never waits forever on workers that have died."""

    def __init__(self, jobs, check):
        self.queue, self.check = jobs, check

    def put(self, item) -> None:
        while True:
            self.check()
            try:
                self.queue.put(item, timeout=1)
                return
            except queue.Full:
                continue

    def __getattr__(self, name):
        return getattr(self.queue, name)


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this (forked) process when its parent dies, kill -9 included."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
