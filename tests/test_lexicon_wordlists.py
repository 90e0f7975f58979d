"""Word lists are data beside the lexicon (searchsvc/analysis/lexicon/*.txt), read by ``lexicon_data.word_list``.

The stop words, the role modifiers and the institution words used to be literals in code; these
tests hold that the code reads the files (an entry added to a working copy is read), that a
missing list fails naming it, and that ``searchsvc lexicon check`` reports a malformed entry.
"""

from __future__ import annotations

import shutil

import pytest

from searchsvc.analysis import affiliation
from searchsvc import analysis
from searchsvc.analysis.lexicon_data import STOP_WORDS, TOKEN_FILES, lexicon_dir, word_list
from searchsvc.analysis.lexicon_check import WORD_LISTS


@pytest.fixture
def working_copy(tmp_path, monkeypatch):
    """A copy of the lexicon folder that SEARCHSVC_LEXICON points at, as an editor tries a change."""
    copy = tmp_path / "lexicon"
    shutil.copytree(lexicon_dir(), copy)
    monkeypatch.setenv("SEARCHSVC_LEXICON", str(copy))
    return copy


@pytest.mark.parametrize("name", sorted(WORD_LISTS))
def test_every_list_opens_with_a_comment_saying_what_it_is_and_who_reads_it(name):
    text = lexicon_dir().joinpath(name).read_text("utf-8")
    header = text.split("\n\n", 1)[0]
    assert header.startswith("# ") and all(line.startswith("#") for line in header.splitlines())
    assert f"searchsvc/{WORD_LISTS[name]}.py" in header or "lexicon_data.py" in header
    entries = word_list(name)
    assert entries and not any(e.startswith("#") or not e.strip() or " " in e for e in entries)
    assert len(set(entries)) == len(entries)


def test_the_code_reads_the_lists_not_literals():
    assert STOP_WORDS == frozenset(word_list("stop_words.txt"))
    assert affiliation.MODIFIERS == word_list("role_modifiers.txt")
    assert affiliation.INSTITUTIONS == word_list("institutions.txt")
    assert "stop_words.txt" in TOKEN_FILES  # it decides indexed tokens: part of the index's fingerprint


def test_a_stop_word_from_the_file_is_never_indexed_or_searched():
    for word in ("的", "the", "以及"):
        assert word in STOP_WORDS
        assert analysis.tokens(f"奥希替尼{word}耐药", mode="index").count(word) == 0
        assert word not in analysis.tokens(word)


def test_a_word_added_to_a_working_copy_is_read_and_changes_the_affiliation(working_copy):
    bio = "东海疗养院肿瘤科主任，主任医师"
    assert affiliation._affiliation.__wrapped__(bio) == ""  # 疗养院 is no institution word yet
    with open(working_copy / "institutions.txt", "a", encoding="utf-8") as out:
        out.write("# sanatoria\n疗养院\n\n")
    assert word_list("institutions.txt")[-1] == "疗养院"
    words = word_list("institutions.txt")
    original = affiliation.INSTITUTIONS
    try:
        affiliation.INSTITUTIONS = words  # what a restarted service reads
        assert affiliation._affiliation.__wrapped__(bio) == "东海疗养院肿瘤科"
    finally:
        affiliation.INSTITUTIONS = original


def test_a_missing_list_is_an_error_naming_it(working_copy):
    (working_copy / "role_modifiers.txt").unlink()
    with pytest.raises(FileNotFoundError, match="role_modifiers.txt is missing"):
        word_list("role_modifiers.txt")


def test_lexicon_check_reports_a_malformed_list_by_file_and_line(working_copy):
    lines = (working_copy / "stop_words.txt").read_text("utf-8").splitlines()
    first = next(n for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#"))
    with open(working_copy / "stop_words.txt", "a", encoding="utf-8") as out:
        out.write(f"{lines[first - 1]}\n两个 词\nThe\n")
    found = analysis.lexicon_problems()
    total = len(lines)
    assert f"stop_words.txt:{total + 1}: {lines[first - 1]!r} is listed twice (first on line {first})" in found
    assert f"stop_words.txt:{total + 2}: one entry a line, without spaces, not '两个 词'" in found
    assert f"stop_words.txt:{total + 3}: write 'The' as the analyzer does: 'the'" in found
