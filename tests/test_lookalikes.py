"""Look-alikes: a longer name is read as the names inside it only when it is one of them.

By default a lexicon name inside a longer name counts (小细胞肺癌 holds 肺癌 and is a lung
cancer; PD-1抑制剂 holds PD-1 and is about it). Three rules say otherwise, and together they
are the whole rule, which the first test checks over every pair of names in the lexicon:

- no sub-word starts right after a negating or meaning-changing prefix (test_negation.py);
- a drug inside a longer drug's name is not that drug (德曲妥珠单抗, trastuzumab deruxtecan);
- a pair listed in lexicon/lookalikes.tsv (VEGFR's name holds VEGF's; 临界可切除 holds 可切除).

And a gene-less variant is its own concept: 20号外显子插入 / exon 20 insertion / ex20ins /
ins20 is EGFR's only where the text names EGFR.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.analysis import lexicon, normalize, segmenter, synonyms, tokens
from searchsvc.analysis.textnorm import CJK

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=None)
def cut(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


def concept(text: str) -> str | None:
    return synonyms().concept(cut(text))


def indexed_concepts(text: str) -> set[str]:
    return {t for t in tokens(text, mode="index") if t.startswith("~")}


def group_of(name: str) -> int:
    return synonyms().by_tokens[cut(name)]


def kind_of(name: str) -> str:
    return synonyms().groups[group_of(name)][0]


# A Chinese name that the analyzer keeps as one word, and a shorter Chinese name of another group inside it
ONE_WORD = [t for t, _ in lexicon().terms()
            if re.fullmatch(rf"[{CJK}]{{3,}}", normalize(t)) and cut(t) == (normalize(t),) and concept(t)]
SHORT = sorted({t for t, _ in lexicon().terms() if re.fullmatch(rf"[{CJK}]{{2,}}", normalize(t)) and concept(t)})
PAIRS = [(longer, shorter) for longer in ONE_WORD for shorter in SHORT
         if normalize(shorter) in normalize(longer)[1:] or normalize(longer).startswith(normalize(shorter))
         if normalize(shorter) != normalize(longer) and group_of(shorter) != group_of(longer)]
LOOKALIKES = {(group_of(a), group_of(b)) for a, b in lexicon().lookalikes}


def expected_inside(longer: str, shorter: str) -> bool:
    """The whole rule, written out: is ``shorter`` read inside the word ``longer``?"""
    if kind_of(longer) == "drug":
        return False  # a drug's name holds no other word (and no other drug)
    if (group_of(longer), group_of(shorter)) in LOOKALIKES:
        return False
    word, part = normalize(longer), normalize(shorter)
    blocked = segmenter().after_prefix(word)
    return any(word.startswith(part, i) and i not in blocked for i in range(len(word)))


@SETTINGS
@given(pair=st.sampled_from(PAIRS))
def test_a_name_inside_a_longer_name_counts_exactly_when_the_rules_say_so(pair):
    longer, shorter = pair
    assert (concept(shorter) in indexed_concepts(longer)) == expected_inside(longer, shorter), pair


def test_the_pairs_cover_every_rule():
    """The generated pairs include a case of each rule, so the test above exercises them all."""
    kinds = {("drug" if kind_of(a) == "drug" else "lookalike" if (group_of(a), group_of(b)) in LOOKALIKES
              else "prefix" if not expected_inside(a, b) else "counts") for a, b in PAIRS}
    assert kinds == {"drug", "lookalike", "prefix", "counts"}


ENGLISH_DRUGS = [t for t, k in lexicon().terms() if k == "drug" and re.fullmatch(r"[A-Za-z0-9 ./-]+", t) and concept(t)]


@pytest.mark.parametrize("longer, shorter", [
    (a, b) for a in ENGLISH_DRUGS for b in ENGLISH_DRUGS
    if len(cut(b)) < len(cut(a)) and group_of(a) != group_of(b)
    and re.search(rf"(?:^| ){re.escape(' '.join(cut(b)))}(?: |$)", " ".join(cut(a)))
])
def test_an_english_drug_name_inside_a_longer_drug_name_is_not_that_drug(longer, shorter):
    assert concept(shorter) not in indexed_concepts(longer)
    assert concept(longer) in indexed_concepts(longer)


@pytest.mark.parametrize("longer, shorter", [
    ("trastuzumab deruxtecan", "trastuzumab"), ("trastuzumab emtansine", "trastuzumab"),
    ("德曲妥珠单抗", "曲妥珠单抗"), ("paclitaxel liposome", "paclitaxel"),
    ("human epidermal growth factor receptor 2", "EGFR"), ("人表皮生长因子受体2", "EGFR"),
    ("vascular endothelial growth factor receptor", "VEGF"), ("血管内皮生长因子受体", "VEGF"),
    ("borderline resectable", "可切除"), ("临界可切除", "可切除"), ("potentially resectable", "可切除"),
    ("HER2超低表达", "HER2低表达"), ("结直肠癌", "直肠癌"), ("驱动基因阴性", "驱动基因"),
])
def test_the_look_alikes_of_the_issue_are_not_read_as_each_other(longer, shorter):
    assert concept(shorter) not in indexed_concepts(longer)
    assert concept(longer) in indexed_concepts(longer)


# -- a gene-less variant ------------------------------------------------------------------------------

GENELESS = ["20号外显子插入", "20外显子插入", "exon 20 insertion", "exon 20 insertions", "ex20ins", "ins20", "20ins"]


@pytest.mark.parametrize("variant", GENELESS)
@pytest.mark.parametrize("gene, other", [("EGFR", "HER2"), ("HER2", "EGFR"), ("ERBB2", "EGFR")])
def test_an_exon_20_insertion_is_the_genes_that_the_text_names(variant, gene, other):
    text = f"{gene} {variant}"
    found = indexed_concepts(text)
    assert concept(f"{gene} ex20ins") in found and concept("ex20ins") in found, text
    assert concept(f"{other} ex20ins") not in found, text


@pytest.mark.parametrize("variant", GENELESS)
def test_an_exon_20_insertion_without_a_gene_is_no_genes(variant):
    found = indexed_concepts(f"在一段讨论HER2阳性乳腺癌的段落里，{variant}")
    assert concept("ex20ins") in found
    assert concept("EGFR ex20ins") not in found and concept("HER2 ex20ins") not in found


def test_a_query_for_the_gene_less_variant_finds_both_genes_insertions():
    """The gene-neutral concept is broader than each gene's: it is indexed wherever either is."""
    assert concept("ex20ins") in indexed_concepts("EGFRex20ins") & indexed_concepts("HER2 exon 20 insertion")
