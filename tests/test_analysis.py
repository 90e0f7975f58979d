"""Clinical shorthand is cut and matched the way a specialist expects.

Each trap from the analysis issue is a test by name: first how the analyzer cuts
the text, then what a search over the sample corpus returns.
"""

from __future__ import annotations

import pytest

from searchsvc.analysis import analyzer, normalize, synonyms, tokens
from searchsvc.query.querylang import parse_query
from searchsvc.engine.search import Searcher


def sources(store, q: str, **kw) -> list[str]:
    searcher = Searcher(store)
    return [searcher.article(h.id).source for h in searcher.search(q, per_page=20, **kw).hits]


# -- segmentation ------------------------------------------------------------

def test_小细胞肺癌_stays_one_word_in_running_text():
    assert "小细胞肺癌" in tokens("以小细胞肺癌为例")
    assert tokens("广泛期小细胞肺癌") == ["广泛期", "小细胞肺癌"]


def test_非小细胞肺癌_never_yields_小细胞肺癌_even_as_a_subword():
    indexed = tokens("与非小细胞肺癌相比", mode="index")
    assert "非小细胞肺癌" in indexed and "肺癌" in indexed
    assert "小细胞肺癌" not in indexed


def test_index_fine_query_coarse():
    assert tokens("小细胞肺癌", mode="query") == ["小细胞肺癌"]
    assert {"小细胞肺癌", "肺癌"} <= set(tokens("小细胞肺癌", mode="index"))


def test_a_drug_inside_a_longer_drug_name_is_not_indexed_as_that_drug():
    assert "曲妥珠单抗" not in tokens("德曲妥珠单抗", mode="index")


def test_奥希替尼_is_one_token():
    assert tokens("奥希替尼耐药") == ["奥希替尼", "耐药"]


@pytest.mark.parametrize("text", ["KRASG12C", "KRAS G12C", "KRAS-G12C", "ＫＲＡＳ Ｇ１２Ｃ", "kras g12c"])
def test_every_way_of_writing_kras_g12c_gives_the_same_tokens(text):
    assert tokens(text) == ["kras", "g12c"]


@pytest.mark.parametrize("text, token", [("PD-1", "pd1"), ("PD-L1", "pdl1"), ("CAR-T", "cart"), ("T-DXd", "tdxd"), ("HER2", "her2")])
def test_hyphenated_and_alphanumeric_names_stay_whole(text, token):
    assert tokens(text) == [token]


def test_normalization_folds_width_case_and_traditional_characters():
    assert normalize("ＫＲＡＳ小細胞肺癌") == "kras小细胞肺癌"
    assert len(normalize("ＫＲＡＳ小細胞肺癌")) == len("ＫＲＡＳ小細胞肺癌")  # offsets still point into the original


def test_synonyms_group_a_query_into_concepts():
    [concept] = synonyms().concepts(tokens("osimertinib"))
    assert ("奥希替尼",) in concept and ("azd9291",) in concept
    [kras] = synonyms().concepts(tokens("KRAS G12C"))
    assert kras[0] == ("kras", "g12c")


# -- the traps, as a reader searching the sample corpus sees them ---------------

def test_trap_小细胞肺癌_finds_small_cell_pages_and_no_page_that_only_says_非小细胞肺癌(sample_index):
    found = sources(sample_index, "小细胞肺癌")
    assert found[0] == "02-es-sclc-immunotherapy.txt"
    assert "03-egfr-osimertinib.txt" not in found  # it says 非小细胞肺癌 eleven times
    assert "01-kras-g12c-nsclc.txt" not in found


def test_trap_肺癌_matches_both_small_cell_and_non_small_cell_pages(sample_index):
    found = sources(sample_index, "肺癌")
    assert {"02-es-sclc-immunotherapy.txt", "03-egfr-osimertinib.txt", "01-kras-g12c-nsclc.txt"} <= set(found)


@pytest.mark.parametrize("q", ["KRAS", "G12C", "KRAS G12C", "KRASG12C", "KRAS-G12C", "ＫＲＡＳ"])
def test_trap_kras_g12c_is_found_however_it_is_written(sample_index, q):
    found = sources(sample_index, q)
    assert found[0] == "01-kras-g12c-nsclc.txt"
    assert "03-egfr-osimertinib.txt" in found  # writes KRAS-G12C once, in passing


def test_trap_pd1_does_not_match_pdl1(sample_index):
    searcher = Searcher(sample_index)
    pd1 = {h.id for h in searcher.search("PD-1", per_page=50).hits}
    pdl1 = {h.id for h in searcher.search("PD-L1", per_page=50).hits}
    only_pdl1 = pdl1 - pd1
    assert only_pdl1, "some page mentions PD-L1 but never PD-1"
    for hit in searcher.search("PD-1", per_page=50).hits:
        for match in hit.matches:
            assert "<mark>PD-L1" not in match.snippet_html


@pytest.mark.parametrize("q, expected", [
    ("SCLC", "02-es-sclc-immunotherapy.txt"),
    ("osimertinib", "03-egfr-osimertinib.txt"),
    ("AZD9291", "03-egfr-osimertinib.txt"),
    ("DS-8201", "09-her2-breast-tdxd.txt"),
    ("小細胞肺癌", "02-es-sclc-immunotherapy.txt"),
])
def test_trap_synonyms_and_scripts_find_pages_that_never_write_the_query(sample_index, q, expected):
    assert sources(sample_index, q)[0] == expected


def test_trap_无进展生存期_finds_pages_that_only_write_PFS(sample_index):
    searcher = Searcher(sample_index)
    with_pfs = {h.id for h in searcher.search("PFS", per_page=50).hits}
    with_chinese = {h.id for h in searcher.search('"无进展生存期"', per_page=50).hits}
    expanded = {h.id for h in searcher.search("无进展生存期", per_page=50).hits}
    assert with_pfs - with_chinese, "some sample writes only PFS"
    assert with_pfs | with_chinese <= expanded


def test_trap_phrase_queries_use_token_positions(sample_index):
    assert "02-es-sclc-immunotherapy.txt" in sources(sample_index, '"广泛期 小细胞肺癌"')
    assert sources(sample_index, '"小细胞肺癌 广泛期"') == []  # same words, wrong order


def test_trap_misspelled_drug_names_get_a_suggestion(sample_index):
    result = Searcher(sample_index).search("奥西替尼")
    assert result.suggestion == "奥希替尼"
    assert Searcher(sample_index).search(result.suggestion).total >= 1


def test_english_typos_are_corrected_from_the_lexicon(sample_index):
    assert Searcher(sample_index).search("osimertnib").suggestion == "osimertinib"


# -- the query language ----------------------------------------------------------------

def test_interviews_with_every_word_rank_first_plus_requires_a_word_and_or_widens(sample_index):
    searcher = Searcher(sample_index)

    def ids(q):
        return [h.id for h in searcher.search(q, per_page=50).hits]

    both = set(ids("+KRAS +胰腺癌"))
    ranked = ids("KRAS 胰腺癌")
    assert both and set(ranked[:len(both)]) == both and len(ranked) > len(both)
    kras = set(ids("KRAS"))
    assert both < kras <= set(ids("KRAS OR 胰腺癌"))


def test_exclusion_removes_pages(sample_index):
    assert "02-es-sclc-immunotherapy.txt" in sources(sample_index, "肺癌")
    assert "02-es-sclc-immunotherapy.txt" not in sources(sample_index, "肺癌 -小细胞肺癌")


def test_field_filters(sample_index):
    assert sources(sample_index, "expert:林晓舟") == ["01-kras-g12c-nsclc.txt"]
    assert set(sources(sample_index, "tag:肝细胞癌")) == {"13-hcc-systemic-locoregional.txt"}
    assert sources(sample_index, "title:G12C")[0] == "01-kras-g12c-nsclc.txt"
    assert all(Searcher(sample_index).article(h.id).date.startswith("2024")
               for h in Searcher(sample_index).search("year:2024 免疫治疗").hits)


def test_terms_that_never_meet_rank_partial_matches_and_say_so(sample_index):
    result = Searcher(sample_index).search("KRAS 多发性骨髓瘤")
    assert result.mode == "or" and result.total >= 2
    assert result.understood["results_matching_everything"] == 0
    assert Searcher(sample_index).search("KRAS G12C").mode == "and"


def test_a_term_no_interview_holds_is_reported_and_the_rest_searched(sample_index):
    result = Searcher(sample_index).search("KRAS 骨肉瘤")
    assert result.total == Searcher(sample_index).search("KRAS").total >= 1
    assert {"text": "骨肉瘤", "reason": "absent"} in result.understood["ignored"]


@pytest.mark.parametrize("q, mode", [('"unbalanced', "and"), ("((", "all"), ("expert:", "and"), ("::", "all"),
                                     ("-", "all"), ('tag:"', "all"), ("OR OR", "all"), ("-- -", "all"),
                                     ('"KRAS', "and")])
def test_stray_syntax_is_text_not_an_error(sample_index, q, mode):
    result = Searcher(sample_index).search(q)
    assert result.mode == mode
    if mode == "all":  # nothing searchable: every interview, newest first
        assert result.total == Searcher(sample_index).articles().total
    if q == '"KRAS':  # an unclosed quote is a phrase to the end
        assert result.total == Searcher(sample_index).search("KRAS").total


def test_the_parser_reads_operators():
    parsed = parse_query('KRAS "广泛期 小细胞肺癌" -EGFR expert:林晓舟 奥希替尼 OR 阿美替尼')
    shape = [[(c.text, c.phrase, c.negated, c.field) for c in g] for g in parsed.groups]
    assert shape == [
        [("KRAS", False, False, None)],
        [("广泛期 小细胞肺癌", True, False, None)],
        [("EGFR", False, True, None)],
        [("林晓舟", False, False, "expert")],
        [("奥希替尼", False, False, None), ("阿美替尼", False, False, None)],
    ]


# -- stages written with Roman numerals ----------------------------------------

@pytest.mark.parametrize("text", ["III期", "Ⅲ期", "iii期", "ⅢB期", "Ⅳ期"])
def test_roman_numeral_stages_keep_their_numeral(text):
    numeral = tokens(text)[0]
    assert numeral in {"iii", "iiib", "iv"} and tokens(text)[1:] == ["期"]


def test_a_stage_query_never_matches_every_page_that_says_期():
    for q in ("IVA期", "Ⅱ期", "2期", "IIIA期"):
        (concept,) = synonyms().concepts(tokens(q))
        assert ("期",) not in concept, (q, concept)
    assert ("iii", "期") in synonyms().concepts(tokens("Ⅲ期"))[0]
    assert ("ib", "期") not in synonyms().concepts(tokens("ⅢB期"))[0]  # ⅢB is not IB


@pytest.mark.parametrize("chinese, roman", [("三期", "III期"), ("四期", "IV期")])
def test_a_stage_typed_with_a_chinese_numeral_is_that_stage_and_a_trial_phase_is_not_a_stage(chinese, roman):
    stage = concept_spans(roman)[0][0]
    assert [c for c, _ in concept_spans(f"{chinese}肺癌能手术吗")][0] == stage
    for trial in ("三期临床试验", "三期临床研究", "三期研究"):
        assert "~iii期" not in [c for c, _ in concept_spans(f"{trial}显示")], trial
    assert [c for c, _ in concept_spans("三期临床研究")] == [c for c, _ in concept_spans("III期临床研究")]


# -- concept tokens: one indexed term per lexicon term -----------------------------

def concept_spans(text: str) -> list[tuple[str, str]]:
    """(concept token, the text it spans) for every concept the index would hold."""
    return [(t.text, text[t.startchar:t.endchar]) for t in analyzer()(text, mode="index", chars=True)
            if t.text.startswith("~")]


def test_every_name_of_a_group_is_indexed_as_the_same_concept_spanning_the_whole_name():
    assert concept_spans("Ph染色体阳性") == [("~费城染色体", "Ph染色体")]
    assert concept_spans("Philadelphia  chromosome") == [("~费城染色体", "Philadelphia  chromosome")]
    assert concept_spans("费城染色体") == [("~费城染色体", "费城染色体")]
    assert [c for c, _ in concept_spans("奥希替尼(osimertinib)") if c == "~奥希替尼"] == ["~奥希替尼", "~奥希替尼"]


def test_concepts_follow_the_subword_rules():
    assert ("~小细胞肺癌", "小细胞肺癌") in concept_spans("广泛期小细胞肺癌")
    assert "~小细胞肺癌" not in [c for c, _ in concept_spans("与非小细胞肺癌相比")]
    assert "~曲妥珠单抗" not in [c for c, _ in concept_spans("德曲妥珠单抗")]


def test_one_mention_is_one_concept_however_many_of_its_names_it_holds():
    # "KRAS G12C突变" holds the names "KRAS G12C" and "G12C": one mention, marked as the shortest name
    assert [s for c, s in concept_spans("KRAS G12C突变") if c == synonyms().concept(("kras", "g12c"))] == ["KRAS G12C"]


def test_queries_are_never_given_concept_tokens_by_the_analyzer():
    assert tokens("Ph染色体 奥希替尼") == ["ph", "染色体", "奥希替尼"]


@pytest.mark.parametrize("text, numerals", [("Ⅰ-Ⅱ期", ["i", "ii"]), ("Ⅱ－Ⅲ期", ["ii", "iii"]), ("I-II期", ["i", "ii"]),
                                            ("ⅢB-ⅣA期", ["iiib", "iva"])])
def test_a_range_of_stages_is_two_numerals_not_one_longer_numeral(text, numerals):
    assert tokens(text) == [*numerals, "期"]
