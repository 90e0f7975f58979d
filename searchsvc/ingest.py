"""Ingest source files into a new index snapshot.

Unchanged files (same size and mtime, or same bytes) are not re-parsed; a changed
file replaces the articles it held; ``prune`` drops articles whose source is gone.
A run that changes nothing publishes nothing.  Failures are collected per file
(and per JSON line), never raised.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .article import Article
from .index import IndexStore, Manifest, document
from .sources import Source, SourceError, find_sources, read_source


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failures: list[SourceError] = field(default_factory=list)
    version: str | None = None  # the snapshot published, or None if nothing changed

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"removed {self.removed}, failed {self.failed}")

    def to_dict(self) -> dict:
        return dict(added=self.added, updated=self.updated, unchanged=self.unchanged, removed=self.removed,
                    failed=self.failed, version=self.version,
                    failures=[{"source": f.source, "reason": f.reason} for f in self.failures])


def content_hash(article: Article) -> str:
    data = article.to_dict()
    data.pop("source", None)
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class _Plan:
    """What the new snapshot changes relative to the current one."""

    upserts: dict[str, Article] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    owner: dict[str, str] = field(default_factory=dict)  # article id -> source identity

    @classmethod
    def over(cls, manifest: Manifest) -> "_Plan":
        return cls(owner={aid: key for key, entry in manifest.sources.items() for aid in entry["articles"]})


def ingest(paths: list[Path], store: IndexStore, *, prune: bool = False, rebuild: bool = False,
           progress: Callable[[int], None] | None = None, on_sources: Callable[[int], None] | None = None) -> IngestReport:
    """Bring the index in line with the given files and directories."""
    report = IngestReport()
    with store.lock():
        old = Manifest() if rebuild else store.manifest()
        sources, errors = find_sources(paths)
        report.failures.extend(errors)
        if on_sources:
            on_sources(len(sources))
        new = Manifest(sources={k: v for k, v in old.sources.items()})
        plan = _Plan.over(old)
        seen: set[str] = set()
        for source in sources:
            seen.add(source.identity)
            _ingest_source(source, old, new, plan, report)
            if progress:
                progress(1)
        if prune:
            for identity in sorted(set(old.sources) - seen):
                gone = new.sources.pop(identity)
                plan.deletes.update(gone["articles"])
                report.removed += len(gone["articles"])
        plan.deletes -= set(plan.upserts)
        if plan.upserts or plan.deletes or rebuild:
            report.version = _write_snapshot(store, plan, new, rebuild)
    return report


def _ingest_source(source: Source, old: Manifest, new: Manifest, plan: _Plan, report: IngestReport) -> None:
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
        if owner != source.identity or item.id in entry["articles"]:
            report.failures.append(SourceError(item.source, f"duplicate article id {item.id}: {owner} holds the same URL or id"))
            continue
        digest_a = content_hash(item)
        entry["articles"][item.id] = digest_a
        if previous.get(item.id) == digest_a:
            report.unchanged += 1
        else:
            plan.upserts[item.id] = item
            if item.id in previous:
                report.updated += 1
            else:
                report.added += 1
    if failed and not entry["articles"] and before:
        return  # the file broke: keep what it held before, and retry next time
    for gone in set(previous) - set(entry["articles"]):
        plan.deletes.add(gone)
        plan.owner.pop(gone, None)
        report.removed += 1
    new.sources[source.identity] = entry


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
    writer = ix.writer(limitmb=256)
    try:
        for aid in sorted(plan.deletes | set(plan.upserts)):
            writer.delete_by_term("id", aid)
        for aid in sorted(plan.upserts):
            writer.add_document(**document(plan.upserts[aid]))
        writer.commit(optimize=rebuild)
    except BaseException:
        writer.cancel()
        raise
    ix.close()
    manifest.write(build)
    return store.publish(build)
