"""The release id: what a deploy changes, as a short hash (a part of every ETag).

A response depends on the code that made it (search, highlighting, the web layer), the
templates and static files, and the lexicon that analysed the query.  The release id
covers all of it: every file of the installed ``searchsvc`` package (wherever it is
installed, a checkout or a wheel in site-packages) and its templates (inside the package in a
wheel, beside it in a checkout), plus ``analysis.fingerprint()``,
which covers the lexicon in use (``$SEARCHSVC_LEXICON`` included) and the versions of
jieba and OpenCC.  So an upgrade that changes any of them changes every ETag, and
browsers and proxy caches fetch the new answers instead of revalidating the old ones.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # searchsvc/
SKIPPED_DIRS = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def package_files(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Every file the package ships, in a stable order (bytecode caches left out)."""
    return sorted(
        path for path in package_dir.rglob("*")
        if path.is_file() and path.suffix not in SKIPPED_SUFFIXES
        and not SKIPPED_DIRS.intersection(path.relative_to(package_dir).parts)
    )


def package_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """A hash of every shipped file's path (relative to the package) and content."""
    digest = hashlib.sha1()
    for path in package_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def release_id(package_dir: Path = PACKAGE_DIR) -> str:
    """The package's files, its templates and the analysis (lexicon in use, jieba and OpenCC versions), hashed."""
    from ..analysis import fingerprint

    beside = package_dir.parent / "templates"
    templates = package_digest(beside) if not (package_dir / "templates").is_dir() and beside.is_dir() else ""
    raw = f"{package_digest(package_dir)}|{templates}|{fingerprint()}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]
