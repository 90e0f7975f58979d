"""Negation: a name is never read inside a word or phrase that negates it.

The classes (lexicon/prefixes.tsv holds the prefixes, lexicon/README.md the rule):

- inside a Chinese word, no sub-word starts right after 非 (or another negating or
  meaning-changing prefix), wherever the 非 stands: 非鳞状非小细胞肺癌 holds no 小细胞肺癌;
- a 非 standing as its own token is joined to the word after it: 非三阴性乳腺癌, 非 TNBC,
  非转移性去势抵抗性前列腺癌 (nmCRPC: a CRPC, not an mCRPC), 非肌层浸润性膀胱癌 (not MIBC);
- English ``non`` is joined to the word it negates however it is written (non-small,
  non–small, Non Small-Cell, non small-cell), so NSCLC is never SCLC and NHL never HL;
- an English ``-free`` negates the word before it (relapse-free survival holds no relapse),
  as 无复发生存期 holds no 复发.

Each class is checked over every lexicon name it applies to (hypothesis draws them), then by
the hand-written examples of the issue, then as a reader searching sees it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.analysis import concept_token, lexicon, normalize, segmenter, synonyms, tokens
from searchsvc.analysis.textnorm import CJK

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\uff0d"]


def indexed_concepts(text: str) -> set[str]:
    return {t for t in tokens(text, mode="index") if t.startswith("~")}


def concept_of(term: str) -> str:
    return synonyms().concept(tuple(tokens(term)))


def own_concept(term: str) -> str:
    """The concept token of the group that lists ``term``."""
    key = normalize(term)
    for _, terms in lexicon().groups:
        if any(normalize(t) == key for t in terms):
            return concept_token(terms[0])
    raise KeyError(term)


def chinese_names() -> list[str]:
    return sorted({t for t, _ in lexicon().terms() if re.fullmatch(rf"[{CJK}]{{2,}}", normalize(t))})


def negatable(name: str) -> bool:
    """A name whose meaning hangs on its first word: drop that word and it no longer names its group
    (for 'EGFR 19del' the rest, 19del, is itself a name of the group and stays one after a 非)."""
    rest = name[1:] if re.match(rf"[{CJK}]", name) else re.sub(r"^\S+?(?:[\s-]|$)", "", name, count=1)
    return own_concept(name) not in indexed_concepts(rest) if rest.strip() else True


NEGATABLE_CHINESE = [n for n in chinese_names() if negatable(n)]
NEGATABLE_ALL = sorted({t for t, _ in lexicon().terms() if negatable(t)})


# -- 非 inside a word ----------------------------------------------------------------------

@SETTINGS
@given(name=st.sampled_from(NEGATABLE_CHINESE), before=st.sampled_from(["", "与", "是", "或", "和", "在", "对于", "鳞状", "晚期", "转移性"]),
       after=st.sampled_from(["", "患者", "相比", "的治疗"]))
def test_no_lexicon_name_is_read_right_after_a_非_inside_a_word(name, before, after):
    text = f"{before}非{name}{after}"
    assert own_concept(name) not in indexed_concepts(text), text


@SETTINGS
@given(word=st.sampled_from(chinese_names()), prefix=st.sampled_from(["非", "不", "无", "未", "超", "新", "亚"]))
def test_no_sub_word_starts_right_after_a_prefix_anywhere_in_a_word(word, prefix):
    seg = segmenter()
    for glued in (prefix + word, word[:1] + prefix + word[1:]):  # at the start, and inside
        blocked = seg.after_prefix(glued)
        assert not [sub for sub, offset in seg.subwords(glued) if offset in blocked], glued


@pytest.mark.parametrize("text, negated, still", [
    ("非鳞状非小细胞肺癌", "小细胞肺癌", ["非小细胞肺癌", "非鳞状非小细胞肺癌", "肺癌"]),
    ("鳞状非小细胞肺癌", "小细胞肺癌", ["非小细胞肺癌", "肺癌"]),
    ("非三阴性乳腺癌", "三阴性乳腺癌", ["乳腺癌"]),
    ("非TNBC", "三阴性乳腺癌", []),
    ("非 TNBC", "三阴性乳腺癌", []),
    ("非转移性去势抵抗性前列腺癌", "mCRPC", ["CRPC", "nmCRPC", "前列腺癌"]),
    ("非肌层浸润性膀胱癌", "MIBC", ["NMIBC", "膀胱癌"]),
    ("非霍奇金淋巴瘤", "霍奇金淋巴瘤", ["非霍奇金淋巴瘤", "淋巴瘤"]),
    ("不可切除", "可切除", ["不可切除"]),
    ("HER2超低表达", "HER2低表达", ["HER2超低表达", "HER2"]),
    ("无驱动基因", "驱动基因", ["驱动基因阴性"]),
    ("新辅助治疗", "辅助治疗", ["新辅助治疗"]),
    ("亚肺叶切除", "肺叶切除术", ["亚肺叶切除"]),
])
def test_the_issues_examples_never_index_what_they_negate(text, negated, still):
    found = indexed_concepts(text)
    assert concept_of(negated) not in found
    assert {concept_of(term) for term in still} <= found


def test_a_standing_非_is_part_of_its_word_in_a_page_and_in_a_query_alike():
    assert tokens("非TNBC患者") == ["非tnbc", "患者"]
    assert tokens("非 TNBC") == tokens("非TNBC") == ["非tnbc"]
    assert tokens("非三阴性乳腺癌") == ["非三阴性乳腺癌"]


def test_legitimate_sub_words_are_still_read():
    """The rule only stops what follows a prefix: 肺癌 is still inside 小细胞肺癌 and 非小细胞肺癌."""
    assert {concept_of("小细胞肺癌"), concept_of("肺癌")} <= indexed_concepts("广泛期小细胞肺癌")
    assert concept_of("肺癌") in indexed_concepts("非小细胞肺癌")
    assert concept_of("非小细胞肺癌") in indexed_concepts("非鳞状非小细胞肺癌")  # a 非 may start a sub-word


# -- non- in English ---------------------------------------------------------------------------

SMALL_CELL = ["small cell", "small-cell", "Small-Cell", "SMALL CELL", "small\u2011cell"]
NON = ["non-", "non ", "Non ", "NON-", "non\u2013", "non\u2014", "non\u2010", "Non\u2011", "non－"]


@SETTINGS
@given(non=st.sampled_from(NON), small_cell=st.sampled_from(SMALL_CELL),
       disease=st.sampled_from(["lung cancer", "lung carcinoma", "lung cancers"]))
def test_non_small_cell_is_nsclc_however_it_is_written_and_never_sclc(non, small_cell, disease):
    text = f"{non}{small_cell} {disease}"
    found = indexed_concepts(text)
    assert concept_of("SCLC") not in found, text
    assert concept_of("NSCLC") in found, text


@SETTINGS
@given(non=st.sampled_from(NON), hodgkin=st.sampled_from(["Hodgkin", "hodgkin", "Hodgkin's", "Hodgkin\u2019s", "HODGKIN"]),
       disease=st.sampled_from(["lymphoma", "lymphomas"]))
def test_non_hodgkin_is_nhl_however_it_is_written_and_never_hodgkin(non, hodgkin, disease):
    text = f"{non}{hodgkin} {disease}"
    found = indexed_concepts(text)
    assert concept_of("Hodgkin lymphoma") not in found, text
    assert concept_of("NHL") in found, text


@SETTINGS
@given(name=st.sampled_from([n for n in NEGATABLE_ALL if re.match(r"[A-Za-z]", n)]), non=st.sampled_from(NON))
def test_no_english_name_is_read_after_a_non(name, non):
    assert own_concept(name) not in indexed_concepts(non + name), non + name


@pytest.mark.parametrize("text, negated", [
    ("relapse-free survival", "复发"),
    ("recurrence-free survival", "复发"),
    ("metastasis-free survival", "转移"),
    ("relapse free survival", "复发"),
])
def test_free_negates_the_word_before_it_as_无_does(text, negated):
    found = indexed_concepts(text)
    assert concept_of(negated) not in found
    assert concept_of("生存期") in found  # still a survival endpoint
    assert concept_of(negated) not in indexed_concepts("无复发生存期 无转移生存期")


# -- as a reader searching sees it ---------------------------------------------------------------

def test_a_search_for_小细胞肺癌_never_finds_a_page_that_only_says_非鳞状非小细胞肺癌(tmp_path):
    from test_search import searcher_over

    searcher = searcher_over(tmp_path, "甄若川", {
        "甄若川教授:非鳞状非小细胞肺癌的一线选择": ("非鳞状非小细胞肺癌如何选择方案?", "培美曲塞联合铂类仍是基础方案。"),
        "甄若川教授:广泛期小细胞肺癌的免疫治疗": ("广泛期小细胞肺癌有哪些进展?", "一线化疗联合免疫已成为标准。"),
        "甄若川教授:non-small cell lung cancer": ("What about non–small cell?", "Non Small-Cell disease is common."),
    })
    assert [h.title for h in searcher.search("小细胞肺癌").hits] == ["甄若川教授:广泛期小细胞肺癌的免疫治疗"]
    assert {h.title for h in searcher.search("肺癌").hits} >= {"甄若川教授:非鳞状非小细胞肺癌的一线选择",
                                                            "甄若川教授:广泛期小细胞肺癌的免疫治疗"}
    assert "甄若川教授:non-small cell lung cancer" in {h.title for h in searcher.search("NSCLC").hits}
