"""The lexicon is data an editor maintains: checked, and effective once edited."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from searchsvc.analysis import lexicon, lexicon_dir

from conftest import ROOT, SAMPLES


def run(*args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "searchsvc.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})})


def edited_lexicon(tmp_path, lines: str = ""):
    """A working copy of the lexicon with ``lines`` appended to synonyms.tsv (what SEARCHSVC_LEXICON points at)."""
    copy = tmp_path / "lexicon"
    shutil.copytree(lexicon_dir(), copy)
    with open(copy / "synonyms.tsv", "a", encoding="utf-8") as handle:
        handle.write(lines)
    return copy


NICKNAME = "term\t磨玻璃结节\tzebra-lung\n"  # a made-up nickname, for the tests only


def test_the_shipped_lexicon_has_the_drugs_genes_and_terms_the_issue_names():
    groups = lexicon().groups
    drugs = [terms for kind, terms in groups if kind == "drug"]
    assert len(drugs) >= 150
    assert all(any("\u4e00" <= c <= "\u9fff" for c in terms[0]) for terms in drugs)  # a Chinese generic name
    assert all(any(re.fullmatch(r"[a-z][a-z0-9 /-]{3,}", t) for t in terms) for terms in drugs)  # an English INN
    every = {t for _, terms in groups for t in terms}
    for term in ("奥希替尼", "osimertinib", "AZD9291", "德曲妥珠单抗", "T-DXd", "DS-8201", "KRAS G12C", "PD-L1",
                 "CTLA-4", "Claudin18.2", "MSI-H", "dMMR", "PFS", "无进展生存期", "ORR", "pCR", "MRD", "ctDNA",
                 "ADC", "TKI", "irAE", "SBRT", "SCLC", "NSCLC", "HCC", "TNBC", "DLBCL", "广泛期", "局限期"):
        assert term in every, term


def test_lexicon_check_passes_on_the_shipped_files():
    result = run("lexicon", "check")
    assert result.returncode == 0, result.stderr
    assert "0 problems" in result.stdout


def test_lexicon_check_names_the_file_and_line_of_a_mistake(tmp_path):
    copy = edited_lexicon(tmp_path, "drugs\t奥希替尼\tosimertinib-x\n")
    lines = (copy / "synonyms.tsv").read_text("utf-8").count("\n")
    result = run("lexicon", "check", env={"SEARCHSVC_LEXICON": str(copy)})
    assert result.returncode == 1
    assert f"synonyms.tsv:{lines}: unknown kind 'drugs'" in result.stderr
    assert f"synonyms.tsv:{lines}: '奥希替尼' is already in the group on line" in result.stderr


def test_a_synonym_an_editor_adds_takes_effect_at_query_time_without_reindexing(tmp_path):
    index = tmp_path / "ix"
    assert run("ingest", str(SAMPLES), "--index", str(index)).returncode == 0
    before = run("search", "zebra-lung", "--index", str(index))
    assert before.stdout.startswith("0 interviews")
    copy = edited_lexicon(tmp_path, NICKNAME)
    after = run("search", "zebra-lung", "--index", str(index), env={"SEARCHSVC_LEXICON": str(copy)})
    assert after.stdout.startswith("1 interviews")
    assert "[磨玻璃结节]" in after.stdout  # the synonym's term is what matched, and is marked


def test_after_a_lexicon_edit_the_index_is_stale_until_a_rebuild_and_search_stays_right(tmp_path):
    index = tmp_path / "ix"
    assert run("ingest", str(SAMPLES), "--index", str(index)).returncode == 0
    copy = edited_lexicon(tmp_path, NICKNAME)
    edited = {"SEARCHSVC_LEXICON": str(copy)}

    again = run("ingest", str(SAMPLES), "--index", str(index), env=edited)  # nothing changed on disk
    assert again.returncode == 0 and "index unchanged" in again.stdout
    assert "lexicon (or the analysis) changed since this index was built" in again.stderr
    assert f"rebuilt from all of its source folders: searchsvc ingest FOLDER... --index {index} --rebuild" in again.stderr

    rebuilt = run("ingest", str(SAMPLES), "--index", str(index), "--rebuild", env=edited)
    assert rebuilt.returncode == 0 and "changed since" not in rebuilt.stderr
    found = run("search", "zebra-lung", "--index", str(index), env=edited)
    assert found.stdout.startswith("1 interviews") and "[磨玻璃结节]" in found.stdout
    # the shipped lexicon is now the one that differs from the index's
    assert "changed since" in run("ingest", str(SAMPLES), "--index", str(index)).stderr


def test_lexicon_cut_shows_index_and_query_tokens_and_synonyms():
    result = run("lexicon", "cut", "与非小细胞肺癌相比 SCLC")
    assert "index: 非小细胞肺癌 细胞 肺癌 相比 sclc\n" in result.stdout
    assert "concepts: ~非小细胞肺癌 ~肺癌 ~小细胞肺癌\n" in result.stdout  # 非小细胞肺癌 never counts as 小细胞肺癌; SCLC does
    assert "query: 非小细胞肺癌 相比 sclc" in result.stdout
    assert "sclc = 小细胞肺癌" in result.stdout


def test_an_ingest_with_another_lexicon_leaves_the_index_stale_even_after_the_edit_is_undone(tmp_path):
    index = tmp_path / "ix"
    assert run("ingest", str(SAMPLES), "--index", str(index)).returncode == 0
    copy = edited_lexicon(tmp_path, NICKNAME)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(sorted(SAMPLES.glob("*.txt"))[0], extra / "copy.txt")
    # one page analysed with the edited lexicon, the rest with the shipped one
    assert "changed since" in run("ingest", str(extra), "--index", str(index), env={"SEARCHSVC_LEXICON": str(copy)}).stderr
    undone = run("ingest", str(extra), "--index", str(index))  # the edit is undone: the index is still mixed
    assert "changed since" in undone.stderr


def test_lexicon_check_reports_names_of_two_groups_that_search_cannot_tell_apart(tmp_path):
    copy = edited_lexicon(tmp_path, "drug\t测试药甲\tXYZ-1\ndrug\t测试药乙\tXYZ1\n")  # normalised apart, cut alike: xyz1
    lines = (copy / "synonyms.tsv").read_text("utf-8").count("\n")
    result = run("lexicon", "check", env={"SEARCHSVC_LEXICON": str(copy)})
    assert result.returncode == 1
    assert (f"synonyms.tsv:{lines}: 'XYZ1' is cut into the same words as 'XYZ-1' on line {lines - 1} (xyz1)"
            in result.stderr)


def test_the_fingerprint_describes_the_lexicon_this_process_loaded_not_the_files_as_they_are_now(tmp_path):
    copy = edited_lexicon(tmp_path)
    script = (
        "import pathlib, sys\n"
        "from searchsvc import analysis\n"
        "analysis.warm_up()\n"
        "loaded = analysis.fingerprint()\n"
        "pathlib.Path(sys.argv[1], 'synonyms.tsv').open('a').write('term\\t磨玻璃结节\\tzebra-lung\\n')\n"
        "analysis.fingerprint.cache_clear()\n"
        "print(loaded, analysis.fingerprint())\n"
    )
    import os

    env = {**os.environ, "SEARCHSVC_LEXICON": str(copy)}
    done = subprocess.run([sys.executable, "-c", script, str(copy)], capture_output=True, text=True, cwd=ROOT, env=env)
    loaded, after_the_edit = done.stdout.split()
    assert loaded == after_the_edit, done.stderr  # the edit is not what this process searches with
    fresh = subprocess.run([sys.executable, "-c", "from searchsvc import analysis; print(analysis.fingerprint())"],
                           capture_output=True, text=True, cwd=ROOT, env=env)
    assert fresh.stdout.strip() not in ("", loaded)  # a process started after the edit has another fingerprint


def lexicon_with(tmp_path, **appended: str):
    """A working copy of the lexicon with text appended to the named files (lay_tsv -> lay.tsv)."""
    copy = edited_lexicon(tmp_path)
    for name, text in appended.items():
        with open(copy / name.replace("_", "."), "a", encoding="utf-8") as handle:
            handle.write(text)
    return copy


def last_line(path) -> int:
    return path.read_text("utf-8").count("\n")


def test_lexicon_check_names_the_file_line_and_reason_of_a_mistake_in_each_new_file(tmp_path):
    copy = lexicon_with(
        tmp_path,
        lay_tsv="副作用\t不良反应\n",  # already a lay word
        broader_tsv="不良事件\t免疫相关不良反应\n",  # closes a cycle
        lookalikes_tsv="肺癌\t乳腺癌\n",  # no name of one is inside the other
        prefixes_tsv="超\tmaybe\n",  # no such rule
        compounds_tsv="EGFR突变\tEGFR\tEGFR\n",  # not three groups
    )
    result = run("lexicon", "check", env={"SEARCHSVC_LEXICON": str(copy)})
    assert result.returncode == 1
    expected = [
        f"lay.tsv:{last_line(copy / 'lay.tsv')}: '副作用' is already a lay word on an earlier line",
        f"broader.tsv:{last_line(copy / 'broader.tsv')}: makes a cycle: 不良事件 -> 免疫相关不良反应 -> 不良反应 -> 不良事件",
        f"lookalikes.tsv:{last_line(copy / 'lookalikes.tsv')}: no name of '乳腺癌' is read inside a name of '肺癌'",
        f"prefixes.tsv:{last_line(copy / 'prefixes.tsv')}: unknown rule 'maybe'",
        f"compounds.tsv:{last_line(copy / 'compounds.tsv')}: the three terms must name three different groups",
    ]
    for line in expected:
        assert line in result.stderr, (line, result.stderr)
    assert "5 problems" in result.stdout


def test_lexicon_check_reports_unknown_terms_in_relations(tmp_path):
    copy = lexicon_with(tmp_path, broader_tsv="免疫副反应x\t不良反应\n", lay_tsv="掉头发了\t脱发症x\n")
    result = run("lexicon", "check", env={"SEARCHSVC_LEXICON": str(copy)})
    assert f"broader.tsv:{last_line(copy / 'broader.tsv')}: unknown term '免疫副反应x'" in result.stderr
    assert f"lay.tsv:{last_line(copy / 'lay.tsv')}: the clinical term '脱发症x' is not a term in synonyms.tsv" in result.stderr


def test_lexicon_check_reports_a_dictionary_word_that_swallows_a_name_in_running_text(tmp_path):
    copy = lexicon_with(tmp_path, userdict_txt="乳腺癌患者 80000 nz\n")
    result = run("lexicon", "check", env={"SEARCHSVC_LEXICON": str(copy)})
    assert result.returncode == 1
    assert "'HER2阳性乳腺癌' is not read as its group in running text (在HER2阳性乳腺癌患者中)" in result.stderr


def test_a_relation_an_editor_adds_takes_effect_once_the_index_is_rebuilt(tmp_path):
    index = tmp_path / "ix"
    copy = lexicon_with(tmp_path, lay_tsv="磨玻璃小结节\t磨玻璃结节\n", broader_tsv="磨玻璃结节\t不良反应\n")  # nonsense, for the test
    edited = {"SEARCHSVC_LEXICON": str(copy)}
    assert run("ingest", str(SAMPLES), "--index", str(index), env=edited).returncode == 0
    def total(env=None) -> int:
        return int(run("search", "不良反应", "--index", str(index), env=env).stdout.split()[0])

    assert total(edited) > total()  # pages about 磨玻璃结节 are now found by the (nonsense) broader term
    assert run("search", "磨玻璃小结节", "--index", str(index), env=edited).stdout.startswith("1 interviews")


def test_lexicon_cut_shows_negation_lay_words_and_broader_terms():
    result = run("lexicon", "cut", "非TNBC患者的副作用 irAE")
    assert result.returncode == 0
    assert "index: 非tnbc 患者 副作用 作用 irae\n" in result.stdout  # 非 is part of its word: no TNBC
    assert "concepts: ~不良反应 ~不良事件 ~免疫相关不良反应\n" in result.stdout
    assert "  副作用 = 不良反应 | adverse reaction" in result.stdout  # the lay word is the clinical term
    assert "(+ " in result.stdout and "names of narrower terms)" in result.stdout
