"""English and mixed names: one spelling finds every other, and a code is never mistaken for another.

The classes (searchsvc/analysis/english.py):

- every dash a paper or PDF uses (‐ ‑ ‒ – — − ﹣ －) is a hyphen, and an offset still points
  at the page's own character;
- a hyphen inside a code joins (PD-1, PD-L1, CAR-T, T-DXd, DS-8201, 5-FU), a hyphen between
  words separates (small-cell, ES-SCLC, anti-PD-1, G12C-mutated, HER2-positive), so a code
  with an affix is still the code and PD-1 is never PD-L1;
- a possessive ('s, ’s) is dropped and a regular plural folds to its singular, the same
  way in pages, lexicon names and queries (a rule, not a list). Words ending in -us or -is
  (virus, metastasis) keep their s, so their plurals (and menus, stimuli) are not folded:
  the lexicon lists such plurals as names.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.analysis import lexicon, normalize, segmenter, singular, synonyms, token_spans, tokens
from searchsvc.analysis.english import acronyms_of

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
NAMES = sorted({t for t, _ in lexicon().terms()})
HYPHENATED = [n for n in NAMES if "-" in n]
# A code: one run of letters and digits with a hyphen or a digit in it (PD-1, T-DXd, KRAS, DS-8201)
CODES = [n for n in NAMES if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+|[A-Za-z]+[0-9][A-Za-z0-9]*", n)]
ACRONYMS = acronyms_of(NAMES) | segmenter().english.genes


def concept(text: str) -> str | None:
    return synonyms().concept(tuple(tokens(text)))


def indexed_concepts(text: str) -> set[str]:
    return {t for t in tokens(text, mode="index") if t.startswith("~")}


# -- dashes ----------------------------------------------------------------------------------

@SETTINGS
@given(name=st.sampled_from(HYPHENATED), dash=st.sampled_from(DASHES))
def test_every_dash_is_a_hyphen_in_every_hyphenated_name(name, dash):
    written = name.replace("-", dash)
    assert tokens(written) == tokens(name), written
    assert len(normalize(written)) == len(written)  # length-preserving: offsets stay valid


def test_a_dashed_name_is_marked_on_the_page_as_written():
    text = "患者接受anti\u2013PD\u20111治疗"
    spans = [text[s:e] for t, s, e in token_spans(text) if t == "pd1"]
    assert spans == ["PD\u20111"]


# -- codes and words -----------------------------------------------------------------------------

@SETTINGS
@given(code=st.sampled_from([c for c in CODES if not c[0].isdigit()]), prefix=st.sampled_from(["anti-", "anti–", "pan-"]))
def test_a_hyphenated_prefix_never_glues_onto_a_code(code, prefix):
    assert tokens(prefix + code)[1:] == tokens(code), prefix + code


@SETTINGS
@given(code=st.sampled_from(CODES),
       suffix=st.sampled_from(["mutated", "mutant", "positive", "negative", "based", "related", "directed", "targeted"]))
def test_a_hyphenated_suffix_never_glues_onto_a_code(code, suffix):
    assert tokens(f"{code}-{suffix}") == tokens(code) + [suffix], code


@pytest.mark.parametrize("text, expected", [
    ("ES-SCLC", ["es", "sclc"]), ("LS-SCLC", ["ls", "sclc"]), ("anti-PD-1", ["anti", "pd1"]),
    ("G12C-mutated", ["g12c", "mutated"]), ("KRASG12C-mutated", ["kras", "g12c", "mutated"]),
    ("HER2-positive", ["her2", "positive"]), ("small-cell", ["small", "cell"]),
    ("PD-1", ["pd1"]), ("PD-L1", ["pdl1"]), ("CAR-T", ["cart"]), ("T-DXd", ["tdxd"]), ("DS-8201", ["ds8201"]),
    ("HER2", ["her2"]), ("5-FU", ["5fu"]), ("CAR-T-related", ["cart", "related"]), ("anti-c-MET", ["anti", "cmet"]),
    ("3-4级", ["3", "4", "级"]),
])
def test_the_issues_examples_cut_as_a_specialist_reads_them(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize("text, found", [
    ("ES-SCLC", ["SCLC", "广泛期", "广泛期 小细胞肺癌"]),
    ("LS-SCLC", ["SCLC", "局限期", "局限期 小细胞肺癌"]),
    ("anti-PD-1", ["PD-1", "PD-1抑制剂"]),
    ("G12C-mutated", ["KRAS G12C"]),
    ("KRASG12C-mutated", ["KRAS", "KRAS G12C"]),
])
def test_a_name_with_an_affix_is_still_found_as_the_name(text, found):
    assert {concept(f) for f in found} <= indexed_concepts(text)


@SETTINGS
@given(a=st.sampled_from(CODES), b=st.sampled_from(CODES))
def test_two_codes_of_different_groups_never_cut_alike(a, b):
    """PD-1 is never PD-L1, T-DXd never T-DM1: a code is one token of its own."""
    if concept(a) and concept(b) and concept(a) != concept(b):
        assert tokens(a) != tokens(b), (a, b)
    assert "pd1" not in tokens("PD-L1") and "pdl1" not in tokens("PD-1")


# -- possessives and plurals -------------------------------------------------------------------------

def plural(word: str) -> str:
    """The regular English plural."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|ch|sh)$", word):
        return word + "es"
    return word + "s"


REGULAR_NOUNS = sorted({w for n in NAMES for w in re.findall(r"[a-z]{3,}", n)
                        if w not in ACRONYMS and not re.search(r"(u|i|o|f|fe|z|s)$", w)})


@SETTINGS
@given(word=st.sampled_from(REGULAR_NOUNS))
def test_a_regular_plural_folds_to_its_singular(word):
    assert tokens(plural(word)) == tokens(word), plural(word)


@SETTINGS
@given(name=st.sampled_from([n for n in NAMES if re.search(r"(?:^|[\s-])[a-z]{3,}$", n) and concept(n)]))
def test_a_name_with_its_last_word_in_the_plural_is_the_same_concept(name):
    head, last = re.match(r"(.*?)([a-z]+)$", name).groups()
    if last in ACRONYMS or re.search(r"(u|i|o|f|fe|z|s)$", last):
        return  # irregular, or not a noun the rule is for (the lexicon lists those plurals)
    assert concept(head + plural(last)) == concept(name), head + plural(last)


@SETTINGS
@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12))
def test_the_plural_rule_is_idempotent(word):
    once = singular(word, ACRONYMS)
    assert singular(once, ACRONYMS) == once


@pytest.mark.parametrize("acronym", sorted(a for a in ACRONYMS if a.endswith("s")))
def test_a_name_written_in_capitals_never_loses_its_final_s(acronym):
    assert tokens(acronym.upper()) == [acronym]


@SETTINGS
@given(name=st.sampled_from([n for n in NAMES if re.search(r"[A-Za-z]{3,}", n)]),
       mark=st.sampled_from(["'s", "\u2019s", "\u2018s"]))
def test_a_possessive_is_dropped_from_any_word_of_a_name(name, mark):
    words = name.split(" ")
    for i, word in enumerate(words):
        if re.fullmatch(r"[A-Za-z]{3,}", word):
            written = " ".join(words[:i] + [word + mark] + words[i + 1:])
            assert tokens(written) == tokens(name), written


@pytest.mark.parametrize("text, same_as", [
    ("exon 20 insertions", "exon 20 insertion"), ("HER2 mutations", "HER2 mutation"), ("therapies", "therapy"),
    ("Hodgkin's lymphoma", "Hodgkin lymphoma"), ("non-Hodgkin's lymphoma", "non-Hodgkin lymphoma"),
    ("TKIs", "TKI"), ("irAEs", "irAE"), ("NSCLCs", "NSCLC"),
])
def test_the_issues_plurals_and_possessives(text, same_as):
    assert tokens(text) == tokens(same_as)
