"""Write a new index snapshot and publish it (for ``ingest``, which decides what changes).

Writing (see ``bench/README.md`` for the profile behind it): a few changed
articles are kept in memory and written at the end by one writer, in id order.
Once there are many (``ingest.STREAM_AFTER``), the new snapshot is written while the
files are still being read: the parsed articles stream to Whoosh's multiprocess
writer, whose worker processes each analyse and write a segment of their own
(analysis and the posting writer are ~90% of an ingest), so memory is bounded
by the writers' pools, not by the corpus.  The workers are forked after jieba is
loaded (one initialisation, shared) and die with the ingest, so a kill -9 leaves
neither a worker nor a held lock; the build is still published atomically.
"""

from __future__ import annotations

import os
import queue
import signal

from .. import settings
from ..article import Article
from ..engine.codec import CODEC
from ..crashpoint import checkpoint
from ..engine.index import IndexStore, Manifest, document

WRITER_LIMIT_MB = 128  # posting buffer of each writer process (Whoosh spills sorted runs to disk beyond it)
# Segments as separate files, not one compound file: Whoosh reads a compound segment through
# BytesIO(mmap slice), a private copy of each sub-file for every open searcher (one per thread),
# which cost 84 MB per searcher on the 1k index.
COMPOUND = False


class IngestError(RuntimeError):
    """The new snapshot could not be written (disk full, a writer process died); nothing was published."""


def writer_procs() -> int:
    """Writer processes for a large ingest: SEARCHSVC_INGEST_PROCS, else one per CPU core (the CLI has
    checked the setting before any work: a bad value stops it with a message naming it)."""
    return max(1, settings.value("SEARCHSVC_INGEST_PROCS") or os.cpu_count() or 1)


def write_snapshot(store: IndexStore, upserts: dict[str, Article], deletes: set[str], manifest: Manifest,
                   rebuild: bool) -> str:
    """A new snapshot with ``upserts`` written (in id order) and ``deletes`` gone, by one writer; published."""
    from whoosh import index as whoosh_index

    build = store.new_build(rebuild=rebuild)
    ix = whoosh_index.open_dir(str(build))
    writer = ix.writer(limitmb=256, compound=COMPOUND, codec=CODEC)
    try:
        for aid in sorted(deletes | set(upserts)):
            writer.delete_by_term("id", aid)
        checkpoint("write.deleted")
        for aid in sorted(upserts):
            checkpoint("write.doc")
            writer.add_document(**document(upserts[aid]))
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


class StreamingBuild:
    """A new snapshot written while the sources are still being read, by several processes.

    Whoosh's ``MpWriter`` with ``multisegment=True``: the parent pickles batches of
    documents to job files; each worker analyses its batches and writes its own
    segment (so both the analysis and the posting writer run in parallel, and
    nothing is merged at the end).  An old copy of an article is deleted as the new
    one is added; deletes of articles that are gone are applied at the end.
    """

    def __init__(self, store: IndexStore, rebuild: bool):
        from whoosh import index as whoosh_index

        from ..analysis import segmenter

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
        return ix.writer(limitmb=WRITER_LIMIT_MB, compound=COMPOUND, codec=CODEC)

    from whoosh.multiproc import SubWriterTask

    from ..engine.whooshformat import hooked_mp_writer_class

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

    class Writer(hooked_mp_writer_class()):
        """MpWriter that notices a dead worker: Whoosh would skip its results and publish without its documents."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            import multiprocessing

            self.errors = multiprocessing.Queue()
            self.jobqueue = _GuardedQueue(self.jobqueue, self.check_workers)

        def check_workers(self):
            for task in self.tasks:
                if task.exitcode not in (None, 0):
                    try:
                        why = self.errors.get(timeout=1)
                    except queue.Empty:
                        code = task.exitcode
                        why = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
                    raise IngestError(f"a writer process died ({why})")

        def before_toc(self):
            self.check_workers()  # every worker has exited by now; all must have succeeded

        def make_task(self, args):
            storage, indexname, jobs, results, subargs, multisegment = args
            task = Task(storage, indexname, jobs.queue, results, subargs, multisegment)  # the queue, unguarded
            task.errors = self.errors
            task.daemon = True
            return task

        def cancel(self):
            try:
                for task in self.tasks:
                    if task.is_alive():
                        task.terminate()
                        task.join(5)
            finally:
                self.cancel_segments()

    return Writer(ix, procs=procs, multisegment=True, limitmb=WRITER_LIMIT_MB, compound=COMPOUND, codec=CODEC)


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
