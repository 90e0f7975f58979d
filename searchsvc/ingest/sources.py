"""Read source files (.txt, .html/.htm, .jsonl) into Articles.

Each file yields Articles and SourceErrors; one bad file or JSON line never stops
the others.  Decoding: UTF-8 (with or without BOM) first, then charset-normalizer's
best guess (GB18030/GBK and friends); bytes that decode to nothing sensible are
reported, not guessed at.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..article import QA, Article, Census, Expert, article_id
from .parse import ParseError, article_from_text, iso_date, repeats

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_PAGE_BYTES = 8 * 1024 * 1024
MAX_HTML_DEPTH = 400
MAX_HTML_TAGS = 200_000

MAGIC = {
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf\x27\x1c": "a 7z archive",
    b"Rar!": "a RAR archive",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"\x28\xb5\x2f\xfd": "a zstd archive",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office document",
}


class SourceError(Exception):
    """A file (or one record of it) that could not be read; the message says why."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class SourceWarning:
    """Something a file held that did not make it into the index (a question without an answer, say)."""

    def __init__(self, source: str, line: int | None, reason: str):
        self.source, self.line, self.reason = source, line, reason

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}" if self.line else f"{self.source}: {self.reason}"


@dataclass
class Source:
    """A file to ingest and the identity its articles' ids derive from."""

    path: Path
    identity: str  # the file's path relative to the corpus root, with '/' separators
    key: str = ""  # what its articles' ids derive from when the page names no URL: the identity it was
    # first ingested under (kept when the root widens or the file moves), '' for the identity itself

    @property
    def kind(self) -> str:
        suffix = self.path.suffix.lower()
        if suffix in HTML_SUFFIXES:
            return "html"
        return "jsonl" if suffix in JSONL_SUFFIXES else "text"


@dataclass
class Scan:
    """What the paths named in one run hold, relative to the corpus root."""

    root: Path
    sources: list[Source] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)  # identity prefixes of the named paths ("" = the whole root)
    missing: dict[str, SourceError] = field(default_factory=dict)  # scope of a named path that does not exist -> error


def corpus_root(paths: list[Path]) -> Path:
    """The root a new index chooses: the deepest folder holding every named path (a file counts as its folder)."""
    folders = [os.path.realpath(p if Path(p).is_dir() else os.path.dirname(os.path.abspath(p))) for p in paths]
    return Path(os.path.commonpath(folders)) if folders else Path.cwd().resolve()


def identity_under(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root`` with '/' separators, by its real path (so every route to a file,
    symlinks and '..' included, gives one identity), else by its absolute path; None when outside."""
    for candidate in (os.path.realpath(path), os.path.abspath(path)):
        rel = os.path.relpath(candidate, root)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return "" if rel == os.curdir else Path(rel).as_posix()
    return None


def find_sources(paths: list[Path], root: Path | None = None) -> Scan:
    """Expand files and directories (recursively) into the sources to ingest, each identified by
    its path relative to ``root`` (default: the deepest folder holding every path)."""
    scan = Scan(root=Path(os.path.realpath(root)) if root else corpus_root(paths))
    found: dict[str, Source] = {}
    for given in paths:
        scope = identity_under(scan.root, given)
        if scope is None:
            scan.errors.append(SourceError(str(given), f"outside the corpus root {scan.root} (ids are paths relative to "
                                           "it): move it under the root, or start a new index with --rebuild --root"))
            continue
        if given.is_dir():
            scan.scopes.append(scope)
            for path, identity in _walk(given, scan.root):
                _add(scan, found, path, identity)
        elif given.is_file():
            if given.suffix.lower() not in SUFFIXES:
                scan.errors.append(SourceError(str(given), f"unsupported file type {given.suffix!r} (expected .txt, .html, .htm or .jsonl)"))
            else:
                scan.scopes.append(scope)
                _add(scan, found, given)
        else:
            scan.scopes.append(scope)
            scan.missing[scope] = SourceError(str(given), "no such file or directory")
    scan.sources = list(found.values())
    return scan


def _walk(folder: Path, root: Path):
    """(path, identity or None) of every page file under ``folder``, hidden folders and files left out, in
    order. A folder's real path is resolved once and its files' identities follow from it; a file that
    is itself a symlink is resolved on its own (it may point anywhere)."""
    base = os.path.join(os.path.realpath(root), "")
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        real_dir = os.path.join(os.path.realpath(dirpath), "")
        for name in sorted(filenames):
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in SUFFIXES:
                continue
            path = Path(dirpath, name)
            if os.path.islink(path) or not (real_dir + name).startswith(base):
                yield path, None  # resolved on its own
            else:
                yield path, (real_dir + name)[len(base):]


def _add(scan: Scan, found: dict[str, Source], path: Path, identity: str | None = None) -> None:
    if not path.is_file():
        return
    identity = identity or identity_under(scan.root, path)
    if identity is None:  # a symlink inside a named folder whose target is outside the root
        scan.errors.append(SourceError(str(path), f"resolves outside the corpus root {scan.root} ({os.path.realpath(path)})"))
    else:
        found.setdefault(identity, Source(path, identity))


def check_not_binary(head: bytes, source: str) -> None:
    """SourceError when the file's first bytes say it is an archive, image or other binary file."""
    for magic, what in MAGIC.items():
        if head.startswith(magic):
            raise SourceError(source, f"this is {what}, not a text or HTML page")
    if head[257:262] == b"ustar":
        raise SourceError(source, "this is a tar archive, not a text or HTML page")
    if b"\x00" in head[:65536]:
        raise SourceError(source, "binary data (NUL bytes), not a text page")


def decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise SourceError(source, "the file is empty")
    check_not_binary(data, source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise SourceError(source, "cannot decode: not UTF-8, and no encoding could be detected with confidence")
    text = str(best)
    if "\ufffd" in text or not re.search(r"[\u4e00-\u9fff]", text):
        raise SourceError(source, f"cannot decode: the best guess ({best.encoding}) gives no Chinese text")
    return text


def read_source(source: Source) -> Iterator[Article | SourceError]:
    """The articles in one source file, and an error for each part that failed."""
    name = str(source.path)
    try:
        size = source.path.stat().st_size
        if source.kind == "jsonl":
            yield from _read_jsonl(source)
            return
        if size > MAX_PAGE_BYTES:
            raise SourceError(name, f"file too large for one page ({size / 1e6:.1f} MB > {MAX_PAGE_BYTES / 1e6:.0f} MB)")
        text = decode(source.path.read_bytes(), name)
        if source.kind == "html":
            from .htmlpage import page_text

            text, hints, canonical = page_text(text, max_depth=MAX_HTML_DEPTH, max_tags=MAX_HTML_TAGS)
            identity = canonical or source.key or source.identity
        else:
            hints, identity, canonical = None, source.key or source.identity, ""
        yield article_from_text(text, id=article_id(identity), source=source.identity, hints=hints,
                                source_url=canonical)
    except SourceError as exc:
        yield exc
    except ParseError as exc:
        yield SourceError(name, str(exc))
    except (OSError, RecursionError, ValueError) as exc:
        yield SourceError(name, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a parser bug on hostile input must cost this file, not the batch
        yield SourceError(name, f"unexpected {type(exc).__name__} while reading: {exc}")


def _read_jsonl(source: Source) -> Iterator[Article | SourceError]:
    with open(source.path, "rb") as handle:
        head = handle.read(65536)
        if not head.strip() and len(head) < 65536:
            raise SourceError(str(source.path), "the file is empty")
        check_not_binary(head, str(source.path))
        handle.seek(0)
        number = 0
        while raw := handle.readline(MAX_PAGE_BYTES + 1):  # a line is one article: bounded like a page
            number += 1
            where = f"{source.path}:{number}"
            if len(raw) > MAX_PAGE_BYTES and not raw.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the line
                yield SourceError(where, f"line too long for one record (more than {MAX_PAGE_BYTES / 1e6:.0f} MB)")
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig"))
                yield article_from_record(record, source=f"{source.identity}#{number}")
            except UnicodeDecodeError:
                yield SourceError(where, "not UTF-8 (JSON Lines files must be UTF-8)")
            except json.JSONDecodeError as exc:
                yield SourceError(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
            except (TypeError, ValueError, KeyError) as exc:
                yield SourceError(where, str(exc))


def article_from_record(record: object, *, source: str) -> Article:
    """One JSON Lines record (schema in README) as an Article."""
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object")
    identity = record.get("id") or record.get("url")
    if not isinstance(identity, str) or not identity.strip():
        raise ValueError("a record needs a non-empty 'id' or 'url' string")
    url = record.get("url")
    url = url.strip() if isinstance(url, str) and re.match(r"https?://\S+$", url.strip()) else ""
    title = _text(record, "title")
    if not title:
        raise ValueError("a record needs a non-empty 'title'")
    qa = [
        QA(question=_text(item, "question"), answer=_text(item, "answer"), expert=_text(item, "expert"))
        for item in _list(record, "qa")
    ]
    if not any(item.answer for item in qa):
        raise ValueError("a record needs 'qa': a list of {question, answer, expert} with at least one answer")
    experts = [  # a comma cannot be part of a name: the index lists names separated by commas
        Expert(name=_text(e, "name").replace(",", " ").replace("，", " ").strip(), title=_text(e, "title"),
               bio=_text(e, "bio")) for e in _list(record, "experts")
    ]
    views = record.get("views")
    lead, editor_note = _text(record, "lead"), _text(record, "editor_note")
    article = Article(
        id=article_id(identity.strip()),
        title=title,
        date=iso_date(str(record.get("date") or "")),
        outlet=_text(record, "outlet"),
        views=int(views) if isinstance(views, (int, float)) or (isinstance(views, str) and views.isdigit()) else None,
        lead="" if repeats(lead, editor_note) else lead,
        editor_note=editor_note,
        experts=[e for e in experts if e.name],
        tags=_tags(_list(record, "tags")),
        qa=qa,
        source=source,
        source_url=url,
    )
    article.census = Census(questions=len(qa), qa=len(qa), kind=article.kind, answers=len(qa),
                            experts=[e.name for e in article.experts])
    return article


def _tags(values: list) -> list[str]:
    """Tags as the text pages give them: a comma inside one splits it, as on a tag line."""
    tags: list[str] = []
    for value in values:
        for tag in re.split(r"[,，、]", value) if isinstance(value, str) else []:
            if tag.strip() and tag.strip() not in tags:
                tags.append(tag.strip())
    return tags


def _text(record: object, key: str) -> str:
    if not isinstance(record, dict):
        raise ValueError(f"expected an object holding {key!r}")
    value = record.get(key) or ""
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value.strip()


def _list(record: dict, key: str) -> list:
    value = record.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"{key!r} must be a list")
    return value
