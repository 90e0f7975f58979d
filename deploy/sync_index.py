#!/usr/bin/env python3
"""Copy the live index snapshot of one index folder into another, and make it live there.

    python deploy/sync_index.py SOURCE_INDEX TARGET_INDEX

For replicas that each read their own index folder (one per machine, or per
container): run the ingest once, into SOURCE_INDEX, then sync every replica's
folder.  The snapshot keeps its name (the version), so every replica reports the
same X-Index-Version and the same ETags.  Like ``searchsvc ingest``'s own publish
step it is atomic: the files are copied under a temporary name, fsynced and
renamed into ``snapshots/``, then ``current`` is swapped in one rename; a replica
sees the old snapshot or the new one, never a half-copied one.  The newest three
snapshots are kept.  Standard library only: run it with any Python 3.

Across machines, do the same with rsync (copy to snapshots/.incoming-V, then
``mv`` it to snapshots/V, then ``ln -sfn snapshots/V current.tmp && mv -T
current.tmp current``), or run this script on the target over a shared mount.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

KEEP = 3


def live_version(index: Path) -> str:
    try:
        return os.readlink(index / "current").rsplit("/", 1)[-1]
    except OSError:
        raise SystemExit(f"error: {index} has no published snapshot ({index / 'current'} is not a link)") from None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync(source: Path, target: Path) -> str:
    version = live_version(source)
    snapshot = source / "snapshots" / version
    if not snapshot.is_dir():
        raise SystemExit(f"error: {source} is broken: its current snapshot {snapshot} is missing")
    snapshots = target / "snapshots"
    snapshots.mkdir(parents=True, exist_ok=True)
    final = snapshots / version
    if not final.is_dir():
        incoming = snapshots / f".incoming-{version}-{os.getpid()}"
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.copytree(snapshot, incoming)
        for item in incoming.iterdir():
            _fsync(item)
        _fsync(incoming)
        os.rename(incoming, final)
    link = target / f"current.sync-{os.getpid()}.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.join("snapshots", version), link)
    os.replace(link, target / "current")
    _fsync(target)
    names = sorted(p.name for p in snapshots.iterdir() if p.is_dir() and not p.name.startswith("."))
    for name in names[:-KEEP]:
        if name != version:
            shutil.rmtree(snapshots / name, ignore_errors=True)
    return version


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    version = sync(source, target)
    print(f"{target}: current -> snapshots/{version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
