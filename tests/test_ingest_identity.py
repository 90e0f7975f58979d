"""Article identity, prune scope and the Q&A census, as an editor running ``ingest`` sees them.

A page is known by its canonical URL, its JSON Lines id or url, else its path relative to
the corpus root the index records.  Two folders with the same file names stay apart;
the same file reached by another route is the same page; --prune only removes what is
gone from under the paths it is given; every question label is indexed or reported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import IngestError, ingest
from searchsvc.engine.search import Searcher

from conftest import ROOT
from test_web_support import page_text


def page(folder: Path, name: str, title: str, expert: str = "林测试", questions: int = 2, **extra) -> Path:
    qa = [(f"{title}的第{i + 1}个问题?", f"关于{title}的第{i + 1}个回答（示例数据）。") for i in range(questions)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(page_text(title=f"{expert}教授:{title}", date="2025/01/02 10:00:00", expert=expert, qa=qa,
                              tags=["肺癌"], **extra), encoding="utf-8")
    return path


def titles(store: IndexStore) -> list[str]:
    return sorted(h.title.split(":", 1)[1] for h in Searcher(store).articles(per_page=50).hits)


def test_two_folders_with_the_same_file_names_are_different_articles(tmp_path, fresh_store):
    page(tmp_path / "A", "x.txt", "甲文")
    page(tmp_path / "B", "x.txt", "乙文")
    page(tmp_path / "B", "y.txt", "丙文")
    report = ingest([tmp_path / "A", tmp_path / "B"], fresh_store)
    assert (report.added, report.failed) == (3, 0)
    assert titles(fresh_store) == ["丙文", "乙文", "甲文"]
    assert fresh_store.manifest().root == str(tmp_path.resolve())
    again = ingest([tmp_path / "B", tmp_path / "A"], fresh_store)  # the order of the folders changes nothing
    assert (again.unchanged, again.version) == (3, None)


def test_a_second_root_with_the_same_relative_names_widens_the_root_and_keeps_every_id(tmp_path, fresh_store):
    page(tmp_path / "A", "x.txt", "甲文")
    ingest([tmp_path / "A"], fresh_store)
    [first] = Searcher(fresh_store).articles().hits
    page(tmp_path / "B", "x.txt", "乙文")
    report = ingest([tmp_path / "B"], fresh_store)
    assert (report.added, report.failed) == (1, 0)
    assert fresh_store.manifest().root == str(tmp_path.resolve())
    assert titles(fresh_store) == ["乙文", "甲文"]
    assert Searcher(fresh_store).article(first.id).title == first.title  # its URL still works
    assert ingest([tmp_path / "A", tmp_path / "B"], fresh_store).version is None


def test_the_same_file_by_another_route_is_unchanged(tmp_path, fresh_store):
    corpus = tmp_path / "corpus"
    one = page(corpus / "lung", "one.txt", "甲文")
    page(corpus / "lung", "two.txt", "乙文")
    ingest([corpus], fresh_store)
    (tmp_path / "link").symlink_to(corpus / "lung")
    routes = [one, corpus / "lung" / ".." / "lung" / "one.txt", tmp_path / "link" / "one.txt", tmp_path / "link",
              Path(os.path.relpath(one))]
    for route in routes:
        report = ingest([route], fresh_store)
        assert (report.added, report.updated, report.failed, report.version) == (0, 0, 0, None), route
        assert report.unchanged >= 1
    assert Searcher(fresh_store).health()["articles"] == 2


def test_prune_removes_only_what_is_gone_under_the_named_folder(tmp_path, fresh_store):
    page(tmp_path / "A", "a1.txt", "甲一")
    page(tmp_path / "A", "a2.txt", "甲二")
    page(tmp_path / "B", "b1.txt", "乙一")
    ingest([tmp_path / "A", tmp_path / "B"], fresh_store)
    (tmp_path / "A" / "a2.txt").unlink()
    report = ingest([tmp_path / "B"], fresh_store, prune=True)
    assert report.removed == 0 and titles(fresh_store) == ["乙一", "甲一", "甲二"]  # A's missing file: not this run's
    report = ingest([tmp_path / "A"], fresh_store, prune=True)
    assert report.removed == 1 and titles(fresh_store) == ["乙一", "甲一"]


def test_prune_keeps_a_file_that_is_still_there_and_a_named_file_that_is_gone_is_pruned(tmp_path, fresh_store):
    page(tmp_path / "A", "a1.txt", "甲一")
    gone = page(tmp_path / "A", "a2.txt", "甲二")
    ingest([tmp_path / "A"], fresh_store)
    report = ingest([tmp_path / "A" / "a1.txt"], fresh_store, prune=True)  # a2 was not named: kept
    assert report.removed == 0 and titles(fresh_store) == ["甲一", "甲二"]
    gone.unlink()
    report = ingest([gone], fresh_store, prune=True)
    assert (report.removed, report.failed) == (1, 0) and titles(fresh_store) == ["甲一"]
    report = ingest([gone], fresh_store)  # without --prune a missing path is an error, as before
    assert report.failed == 1 and "no such file" in report.failures[0].reason


def test_a_moved_file_keeps_its_id_and_is_not_doubled(tmp_path, fresh_store):
    corpus = tmp_path / "corpus"
    old = page(corpus / "2024", "x.txt", "搬家的文章")
    ingest([corpus], fresh_store)
    [before] = Searcher(fresh_store).articles().hits
    (corpus / "archive").mkdir()
    shutil.move(old, corpus / "archive" / "x.txt")
    report = ingest([corpus], fresh_store)
    assert (report.moved, report.added, report.removed, report.failed) == (1, 0, 0, 0)
    [after] = Searcher(fresh_store).articles().hits
    assert after.id == before.id
    assert ingest([corpus], fresh_store).version is None


def test_two_files_with_one_canonical_url_are_reported_and_neither_replaces_the_other(tmp_path, fresh_store):
    html = (ROOT / "samples" / "04-rare-drivers-alk-ros1-ret.html").read_text("utf-8")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.html").write_text(html, "utf-8")
    (tmp_path / "c" / "b.html").write_text(html.replace("</h1>", "（另一版本）</h1>", 1), "utf-8")
    report = ingest([tmp_path / "c"], fresh_store)
    assert report.added == 1 and report.failed == 1
    assert "b.html" in report.failures[0].source and "holds the same URL" in report.failures[0].reason
    assert "a.html" in report.failures[0].reason


def test_a_moved_corpus_is_found_again_with_root_and_a_foreign_root_is_refused(tmp_path, fresh_store):
    page(tmp_path / "old" / "lung", "x.txt", "甲文")
    ingest([tmp_path / "old"], fresh_store)
    shutil.move(tmp_path / "old", tmp_path / "new")
    with pytest.raises(IngestError, match="is gone; if the corpus moved"):
        ingest([tmp_path / "new"], fresh_store)
    report = ingest([tmp_path / "new"], fresh_store, root=tmp_path / "new")
    assert (report.unchanged, report.added, report.failed) == (1, 0, 0)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(IngestError, match="still there"):
        ingest([tmp_path / "new"], fresh_store, root=tmp_path / "elsewhere")


def test_the_command_line_prints_the_q_and_a_totals_and_every_lost_question(tmp_path):
    corpus = tmp_path / "corpus"
    page(corpus, "good.txt", "完整的文章", questions=3)
    bad = page(corpus, "bad.txt", "缺回答的文章", questions=2)
    # the first question loses its answer (an answer without its label would be read as the question's answer)
    lines = bad.read_text("utf-8").split("\n")
    text = "\n".join(line for line in lines if not line.startswith("林测试教授:关于缺回答的文章的第1个回答"))
    bad.write_text(text, "utf-8")
    run = subprocess.run([sys.executable, "-m", "searchsvc.cli", "ingest", str(corpus), "--index", str(tmp_path / "ix")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "Q&As 4 from 5 question labels, lost 1; read as interview 2" in run.stdout.splitlines()[-1]
    line = next(n for n, l in enumerate(text.splitlines(), start=1) if "第1个问题" in l)
    assert f"warning: {bad}:{line}: question without an answer" in run.stderr
    as_json = subprocess.run([sys.executable, "-m", "searchsvc.cli", "ingest", str(corpus), "--index",
                              str(tmp_path / "ix2"), "--json"], capture_output=True, text=True, cwd=ROOT)
    report = json.loads(as_json.stdout)
    assert (report["questions"], report["qa"], report["lost"]) == (5, 4, 1)
    assert [(w["source"], w["line"]) for w in report["warnings"]] == [(str(bad), line)]
    assert {p["source"]: (p["kind"], p["lost"]) for p in report["pages"]}[str(bad)] == ("interview", [line])


def test_an_unchanged_run_still_reports_the_totals(tmp_path, fresh_store):
    page(tmp_path / "c", "x.txt", "甲文", questions=3)
    first = ingest([tmp_path / "c"], fresh_store)
    again = ingest([tmp_path / "c"], fresh_store)
    assert (first.questions, first.qa) == (again.questions, again.qa) == (3, 3)
