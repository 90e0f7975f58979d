"""What Searcher gives the web layer: hits with their best Q&A, snippets, facets, related, suggestions."""

from __future__ import annotations

import re

import pytest

from searchsvc.engine.highlight import mark, snippet
from searchsvc.engine.search import Searcher


def searcher_over(tmp_path, expert: str, pages: dict[str, tuple[str, str]]) -> Searcher:
    """A Searcher over a fresh index of one-Q&A interviews by ``expert``: {title: (question, answer)}."""
    from test_web_support import build_index, write_page

    paths = [write_page(tmp_path / "pages", f"{n}.txt", title=title, date="2024/05/06 10:00:00", expert=expert,
                        tags=["肿瘤"], qa=[qa]) for n, (title, qa) in enumerate(pages.items())]
    return Searcher(build_index(tmp_path / "ix", paths))


def test_each_hit_shows_its_best_matching_question_first(sample_index):
    hit = Searcher(sample_index).search("奥希替尼 耐药").hits[0]
    assert "奥希替尼" in hit.title
    best = hit.matches[0]
    assert "耐药" in best.question_html and "<mark>" in best.snippet_html
    assert all(m.qa >= 1 for m in hit.matches) and len({m.qa for m in hit.matches}) == len(hit.matches)


def test_snippets_are_about_120_characters_of_whole_sentences_with_whole_tokens_marked(sample_index):
    for hit in Searcher(sample_index).search("KRAS G12C").hits:
        for match in hit.matches:
            text = re.sub(r"</?mark>", "", match.snippet_html)
            assert len(text) <= 200
            marks = re.findall(r"<mark>([^<]*)</mark>", match.question_html + match.snippet_html)
            assert marks
            if "<mark>" not in match.snippet_html:  # only the question matched: the answer's opening
                assert not match.snippet_html.startswith("…")
            for marked in marks:
                # the name as written ("KRAS G12C", "KRASG12C", "G12C"), never 突变 / 基因 from wider synonyms
                assert re.sub(r"[\s-]", "", marked.lower()) in {"kras", "g12c", "krasg12c"}, marked


def test_snippet_breaks_at_chinese_sentence_ends_and_escapes_before_marking():
    text = "第一句没有命中。第二句提到<b>KRAS</b>突变！第三句也没有。"
    start = text.index("KRAS")
    html = snippet(text, [(start, start + 4)], size=20)
    assert html.startswith("…第二句") and "！" in html
    assert "&lt;b&gt;<mark>KRAS</mark>&lt;/b&gt;" in html
    assert mark('<script>"x"</script>', [(8, 11)]) == "&lt;script&gt;<mark>&quot;x&quot;</mark>&lt;/script&gt;"


def test_query_words_for_an_article_page_mark_synonyms_but_not_exclusions_or_filters(sample_index):
    from searchsvc.engine.highlight import mark, spans_by_analysis

    words = Searcher(sample_index).query_words("osimertinib -EGFR tag:肺癌")
    text = "EGFR突变肺癌患者使用奥希替尼(osimertinib, AZD9291)。"
    marked = mark(text, spans_by_analysis(text, words))
    assert re.findall(r"<mark>([^<]*)</mark>", marked) == ["奥希替尼", "osimertinib", "AZD9291"]

def test_facets_count_interviews_by_tag_expert_and_year(sample_index):
    result = Searcher(sample_index).search("免疫治疗")
    tags = {f["value"]: f["count"] for f in result.facets["tags"]}
    assert tags["免疫治疗"] <= result.total
    years = [f["value"] for f in result.facets["years"]]
    assert years == sorted(years, reverse=True)
    narrowed = Searcher(sample_index).search("免疫治疗", tag="免疫治疗")
    assert narrowed.total == tags["免疫治疗"]


def test_a_page_past_the_last_one_is_empty_not_the_last_page_again(sample_index):
    result = Searcher(sample_index).search("肺癌", page=50, per_page=10)
    assert result.total > 0 and result.hits == []


def test_sort_by_date_is_newest_first(sample_index):
    dates = [h.date for h in Searcher(sample_index).search("免疫治疗", sort="date", per_page=50).hits]
    assert dates == sorted(dates, reverse=True)


def test_related_interviews_share_distinctive_terms_and_exclude_the_interview_itself(sample_index):
    searcher = Searcher(sample_index)
    kras = searcher.search("KRASG12C").hits[0]
    related = searcher.related(kras.id, limit=3)
    assert kras.id not in {r.id for r in related} and len(related) == 3
    sources = [searcher.article(r.id).source for r in related]
    assert "17-pancreatic-mixed.txt" in sources  # the other KRAS interview
    assert searcher.related("000000000000") is None


def test_suggestions_complete_experts_tags_and_lexicon_terms(sample_index):
    searcher = Searcher(sample_index)
    assert {"text": "林晓舟", "kind": "expert"} in searcher.suggest("林")
    assert searcher.suggest("奥希")[0] == {"text": "奥希替尼", "kind": "drug"}
    assert "KRAS G12C" in [s["text"] for s in searcher.suggest("kras")]
    assert searcher.suggest("") == []


def test_a_spelling_fix_keeps_the_query_s_operators_and_fields(sample_index):
    searcher = Searcher(sample_index)
    result = searcher.search("奥西替尼 OR 骨肉瘤")
    assert result.suggestion == "奥希替尼 OR 骨肉瘤"
    assert result.total == searcher.search("奥希替尼 OR 骨肉瘤").total >= 1
    assert searcher.search("expert:林晓舟 osimertnib").suggestion == "expert:林晓舟 osimertinib"


def test_a_lexicon_term_finds_every_name_of_its_group_and_marks_the_whole_name(tmp_path):
    searcher = searcher_over(tmp_path, "甘若溪", {
        "甘若溪教授:慢性髓系白血病的长期管理": ("诊断时需要做哪些检查?", "骨髓细胞遗传学检查可以发现Philadelphia chromosome,这是诊断的关键。"),
        "甘若溪教授:Ph染色体阳性急性淋巴细胞白血病": ("靶向药物如何选择?", "Ph染色体阳性的患者可以联合酪氨酸激酶抑制剂。"),
        "甘若溪教授:染色体检查的意义": ("染色体检查有什么用?", "染色体核型分析可以帮助判断预后,PH值与此无关。"),
    })
    result = searcher.search("费城染色体")
    assert {h.title for h in result.hits} == {"甘若溪教授:慢性髓系白血病的长期管理", "甘若溪教授:Ph染色体阳性急性淋巴细胞白血病"}
    marks = {m for h in result.hits for match in h.matches
             for m in re.findall(r"<mark>([^<]*)</mark>", match.snippet_html + match.question_html)}
    assert marks == {"Philadelphia chromosome", "Ph染色体"}
    assert searcher.health()["lexicon"] == "current"


def test_stages_match_their_own_numeral_in_any_script_and_no_other(tmp_path):
    searcher = searcher_over(tmp_path, "苏映川", {
        "苏映川教授:II期非小细胞肺癌的辅助治疗": ("术后如何治疗?", "II期患者术后推荐辅助化疗。"),
        "苏映川教授:IVA期非小细胞肺癌的一线治疗": ("一线如何选择?", "IVA期患者应先完成驱动基因检测。"),
        "苏映川教授:Ⅰ-Ⅱ期肺癌的立体定向放疗": ("哪些患者适合?", "无法手术的Ⅰ-Ⅱ期患者可以考虑立体定向放疗。"),
    })

    def titles(q):
        return sorted(h.title.split(":")[1][:4] for h in searcher.search(q).hits)

    assert titles("Ⅱ期") == titles("2期") == titles("stage II") == ["II期非", "Ⅰ-Ⅱ期"]
    assert titles("ⅣA期") == titles("IVA期") == ["IVA期"]
    assert titles("Ⅲ期") == []  # Ⅰ-Ⅱ is a range, not ⅰⅱ run together into iii


def found_by(searcher: Searcher, q: str, concept_tokens: bool) -> set[int]:
    """Interviews ``q`` finds through concept tokens (True) or by expanding every name (False)."""
    from searchsvc.engine.ranker import Engine, filter_mask
    from searchsvc.engine.index import TEXT_FIELDS

    _, whoosh_searcher = searcher.snapshots.current()
    columns = searcher.snapshots.columns(whoosh_searcher)
    understood = searcher.understand(q, whoosh_searcher)
    engine = Engine(columns, whoosh_searcher, searcher.ranking, TEXT_FIELDS, concepts_indexed=concept_tokens)
    return set(engine.rank(understood, filter_mask(columns), by_date=False).order.tolist())


@pytest.mark.parametrize("q", ["osimertinib", "KRAS G12C", "SCLC", "无进展生存期", "PD-1抑制剂", "小细胞肺癌 免疫治疗",
                               "肺癌 -小细胞肺癌", "T-DXd", "Ⅲ期", "广泛期", "CAR-T", "ctDNA MRD"])
def test_indexed_concepts_find_exactly_what_expanding_every_name_finds(sample_index, q):
    """The fast path (one concept token per lexicon term) and the fallback for a stale index agree."""
    searcher = Searcher(sample_index)
    assert found_by(searcher, q, True) and found_by(searcher, q, True) == found_by(searcher, q, False)


def test_for_every_name_in_the_lexicon_both_paths_find_the_same_interviews(sample_index):
    from searchsvc.analysis import iter_terms

    searcher = Searcher(sample_index)
    differ = []
    for term, _ in iter_terms():
        if found_by(searcher, term, True) != found_by(searcher, term, False):
            differ.append(term)
    assert differ == []


def test_names_with_a_function_word_inside_are_found(tmp_path):
    """维A酸 is 维 a 酸 and "quality of life" holds "of": the stop word must not break the name."""
    searcher = searcher_over(tmp_path, "温砚舟", {
        "温砚舟教授:急性早幼粒细胞白血病的诱导治疗": ("诱导方案如何选择?", "全反式维A酸联合砷剂是低中危患者的标准诱导方案。"),
        "温砚舟教授:老年白血病患者的治疗目标": ("治疗目标是什么?", "除了生存,改善quality of life同样重要。"),
    })
    assert [h.title for h in searcher.search("维A酸").hits] == ["温砚舟教授:急性早幼粒细胞白血病的诱导治疗"]
    assert [h.title for h in searcher.search("生活质量").hits] == ["温砚舟教授:老年白血病患者的治疗目标"]
    assert searcher.search('"quality of life"').total == 1
    marks = re.findall(r"<mark>([^<]*)</mark>", searcher.search("生活质量").hits[0].matches[0].snippet_html)
    assert marks == ["quality of life"]


def test_an_interview_without_a_date_comes_last_when_newest_come_first(tmp_path):
    from test_web_support import build_index, write_page

    pages = [write_page(tmp_path / "pages", f"{n}.txt", title=f"甘若溪教授:胸腺瘤随访{n}", date=date, expert="甘若溪",
                        tags=["胸部肿瘤"], qa=[("胸腺瘤术后如何随访?", "胸腺瘤术后需要定期复查胸部CT。")])
             for n, date in enumerate(["2024/05/06 10:00:00", "无日期", "2025/01/02 10:00:00"])]
    searcher = Searcher(build_index(tmp_path / "ix", pages))
    for result in (searcher.articles(), searcher.search("胸腺瘤", sort="date")):
        assert [h.date[:4] for h in result.hits] == ["2025", "2024", ""]
