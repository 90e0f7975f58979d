"""Ingest keeps the index in line with the files: idempotent, incremental, atomic."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

from conftest import ROOT, SAMPLES


def titles(store: IndexStore, q: str) -> list[str]:
    return [h.title for h in Searcher(store).search(q, per_page=50).hits]


def test_a_first_ingest_adds_every_sample_and_publishes_a_snapshot(corpus, fresh_store):
    report = ingest([corpus], fresh_store)
    assert report.failed == 0 and report.added >= 16 and report.version == fresh_store.version()
    assert Searcher(fresh_store).health()["articles"] == report.added


def test_a_second_run_on_the_same_input_changes_nothing(corpus, fresh_store):
    first = ingest([corpus], fresh_store)
    again = ingest([corpus], fresh_store)
    assert (again.added, again.updated, again.removed, again.failed) == (0, 0, 0, 0)
    assert again.unchanged == first.added
    assert again.version is None and fresh_store.version() == first.version


def test_touching_a_file_without_changing_it_does_not_reparse_or_republish(corpus, fresh_store):
    ingest([corpus], fresh_store)
    before = fresh_store.version()
    page = corpus / "01-kras-g12c-nsclc.txt"
    os.utime(page, (time.time() + 10, time.time() + 10))
    report = ingest([corpus], fresh_store)
    assert report.updated == 0 and report.version is None and fresh_store.version() == before


def test_a_changed_page_replaces_its_old_version(corpus, fresh_store):
    ingest([corpus], fresh_store)
    page = corpus / "01-kras-g12c-nsclc.txt"
    text = page.read_text("utf-8")
    old_title = text.splitlines()[2]
    page.write_text(text.replace(old_title, "林晓舟教授:测试用新标题ZEBRAFISH"), "utf-8")
    report = ingest([corpus], fresh_store)
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert titles(fresh_store, "ZEBRAFISH") == ["林晓舟教授:测试用新标题ZEBRAFISH"]
    assert old_title not in [h.title for h in Searcher(fresh_store).articles(per_page=50).hits]


def test_prune_removes_articles_whose_source_is_gone_and_only_with_prune(corpus, fresh_store):
    first = ingest([corpus], fresh_store)
    (corpus / "16-haematology-export.jsonl").unlink()
    kept = ingest([corpus], fresh_store)
    assert kept.removed == 0 and Searcher(fresh_store).health()["articles"] == first.added
    pruned = ingest([corpus], fresh_store, prune=True)
    assert pruned.removed == 3
    assert Searcher(fresh_store).health()["articles"] == first.added - 3


def test_a_record_dropped_from_a_jsonl_export_is_removed(corpus, fresh_store):
    ingest([corpus], fresh_store)
    export = corpus / "16-haematology-export.jsonl"
    lines = export.read_text("utf-8").splitlines()
    export.write_text("\n".join(lines[:2]) + "\n", "utf-8")
    report = ingest([corpus], fresh_store)
    assert (report.removed, report.updated, report.unchanged > 0) == (1, 0, True)


def test_a_bad_file_is_reported_by_name_and_the_batch_goes_on(corpus, fresh_store):
    (corpus / "broken.txt").write_bytes(b"PK\x03\x04 not really a page")
    (corpus / "empty.html").write_text("")
    # issue 19: a page without questions and answers is no longer rejected (it is indexed as prose);
    # only a page without readable text fails
    (corpus / "noqa.txt").write_text("当前位置:肿瘤瞭望\n\n只有标题\n\n作者:肿瘤瞭望 日期:2025/1/1\n\n一段话。", "utf-8")
    (corpus / "notext.txt").write_text("……\n\n——  ——\n", "utf-8")
    report = ingest([corpus], fresh_store)
    reasons = {Path(f.source).name: f.reason for f in report.failures}
    assert set(reasons) == {"broken.txt", "empty.html", "notext.txt"}
    assert "ZIP archive" in reasons["broken.txt"] and "empty" in reasons["empty.html"]
    assert "no readable text" in reasons["notext.txt"]
    [noqa] = [p for p in report.pages if p["source"].endswith("noqa.txt")]
    assert (noqa["kind"], noqa["lost"]) == ("prose", [])
    assert report.added >= 17  # every good page still made it, the prose page too


def test_a_page_that_breaks_later_keeps_its_previous_version(corpus, fresh_store):
    ingest([corpus], fresh_store)
    page = corpus / "01-kras-g12c-nsclc.txt"
    page.write_bytes(b"\x00\x01garbage")
    report = ingest([corpus], fresh_store)
    assert report.failed == 1 and report.removed == 0
    assert titles(fresh_store, "KRASG12C")[0].startswith("林晓舟教授")


def test_the_command_line_exits_non_zero_and_names_the_file_when_one_fails(corpus, tmp_path):
    (corpus / "broken.txt").write_bytes(b"\x1f\x8b gzip")
    run = subprocess.run([sys.executable, str(ROOT / "ingest.py"), str(corpus), "--index", str(tmp_path / "ix")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "broken.txt" in run.stderr and "gzip archive" in run.stderr
    assert "failed 1" in run.stdout.splitlines()[-1] and re.search(r"\badded [1-9]", run.stdout)  # the good pages went in


def test_kill_9_in_the_middle_of_writing_leaves_the_previous_index_searchable(tmp_path):
    store = IndexStore(tmp_path / "ix")
    ingest([SAMPLES], store)
    before = store.version()
    expected = titles(store, "KRAS G12C")
    big = tmp_path / "big"
    for copy in range(10):
        shutil.copytree(SAMPLES, big / f"copy{copy:02d}", ignore=shutil.ignore_patterns("*.html", "*.jsonl"))
    # SIGKILL itself halfway through writing documents (searchsvc/crashpoint.py): no race with a timer
    env = {**os.environ, "SEARCHSVC_CRASH_AT": "write.doc:60", "SEARCHSVC_INGEST_PROCS": "1"}
    run = subprocess.run([sys.executable, "-m", "searchsvc.cli", "ingest", str(big), "--index", str(store.root)],
                         capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    assert any((store.root / "tmp").glob("build-*/*")), "killed before the new index had files"
    assert store.version() == before
    assert titles(store, "KRAS G12C") == expected
    recovered = ingest([big], store)  # the next ingest ends equal to a clean build
    clean = IndexStore(tmp_path / "clean")
    ingest([SAMPLES], clean)
    ingest([big], clean)
    assert recovered.failed == 0 and recovered.added == len(list(big.rglob("*.txt")))
    assert store.manifest().article_ids() == clean.manifest().article_ids()
    assert Searcher(store).health()["articles"] == Searcher(clean).health()["articles"]
    assert not any((store.root / "tmp").glob("build-*"))


def test_a_new_snapshot_never_changes_the_files_of_the_previous_one(corpus, fresh_store):
    import hashlib

    ingest([corpus], fresh_store)
    before = fresh_store.version()
    folder = fresh_store.snapshot_path(before)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    page = corpus / "01-kras-g12c-nsclc.txt"
    page.write_text(page.read_text("utf-8").replace("KRAS", "KRAS (changed)", 1), "utf-8")
    assert ingest([corpus], fresh_store).updated == 1
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()} == digests
    version, _ = fresh_store.open(before)  # still opens, its inventory intact
    assert version == before


def test_a_truncated_snapshot_file_is_refused_when_opened_not_mid_search(corpus, fresh_store):
    from searchsvc.engine.index import IndexUnavailable

    ingest([corpus], fresh_store)
    postings = next(fresh_store.snapshot_path(fresh_store.version()).glob("*.pst"))
    postings.write_bytes(postings.read_bytes()[:100])
    import pytest

    with pytest.raises(IndexUnavailable, match=rf"{postings.name} is 100 bytes"):
        fresh_store.open()


def _record(rid: str, title: str) -> str:
    import json

    return json.dumps({"id": rid, "title": title, "qa": [{"question": "问?", "answer": f"{title}的回答。"}]},
                      ensure_ascii=False)


def test_a_record_moved_to_another_export_file_is_kept_whatever_the_file_order(tmp_path, fresh_store):
    corpus = tmp_path / "exports"
    corpus.mkdir()
    (corpus / "z.jsonl").write_text(_record("r1", "迁移记录ZEBRA") + "\n" + _record("r2", "留下的记录"), "utf-8")
    ingest([corpus], fresh_store)
    (corpus / "a.jsonl").write_text(_record("r1", "迁移记录ZEBRA"), "utf-8")  # read before z.jsonl
    (corpus / "z.jsonl").write_text(_record("r2", "留下的记录"), "utf-8")
    report = ingest([corpus], fresh_store)
    assert report.failed == 0
    assert titles(fresh_store, "ZEBRA") == ["迁移记录ZEBRA"]
    assert ingest([corpus], fresh_store).version is None  # and it stays: the next run changes nothing
    assert titles(fresh_store, "ZEBRA") == ["迁移记录ZEBRA"]


def test_one_json_line_that_breaks_keeps_its_record_and_is_retried(tmp_path, fresh_store):
    corpus = tmp_path / "exports"
    corpus.mkdir()
    export = corpus / "e.jsonl"
    export.write_text(_record("r1", "第一篇ZEBRA") + "\n" + _record("r2", "第二篇"), "utf-8")
    ingest([corpus], fresh_store)
    export.write_text("{broken\n" + _record("r2", "第二篇改"), "utf-8")
    report = ingest([corpus], fresh_store)
    assert (report.failed, report.removed, report.updated) == (1, 0, 1)
    assert titles(fresh_store, "ZEBRA") == ["第一篇ZEBRA"]
    assert ingest([corpus], fresh_store).failed == 1  # read again, reported again, until it is fixed
