"""What Searcher gives the web layer: hits with their best Q&A, snippets, facets, related, suggestions."""

from __future__ import annotations

import re

from searchsvc.highlight import mark, snippet
from searchsvc.search import Searcher, query_words


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
                assert marked.lower() in {"kras", "g12c", "krasg12c"}, marked  # no 突变 / 基因 from wide synonyms


def test_snippet_breaks_at_chinese_sentence_ends_and_escapes_before_marking():
    text = "第一句没有命中。第二句提到<b>KRAS</b>突变！第三句也没有。"
    start = text.index("KRAS")
    html = snippet(text, [(start, start + 4)], size=20)
    assert html.startswith("…第二句") and "！" in html
    assert "&lt;b&gt;<mark>KRAS</mark>&lt;/b&gt;" in html
    assert mark('<script>"x"</script>', [(8, 11)]) == "&lt;script&gt;<mark>&quot;x&quot;</mark>&lt;/script&gt;"


def test_query_words_for_an_article_page_include_synonyms_but_not_exclusions_or_filters():
    words = query_words("osimertinib -EGFR tag:肺癌")
    assert {"osimertinib", "奥希替尼", "azd9291"} <= words
    assert "egfr" not in words and "肺癌" not in words


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
