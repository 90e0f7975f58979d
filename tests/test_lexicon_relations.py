"""Every way a reader or a page names a term finds it: variant spellings, lay words, broader terms.

- every name in the lexicon, written in running text, is read as its group (so a variant an
  editor adds, 何杰金氏淋巴瘤 or 三阴型乳腺癌, is found wherever a page writes it);
- a lay word (lexicon/lay.tsv) is a name of its clinical term's group: 副作用 is 不良反应;
- a broader term (lexicon/broader.tsv) is recorded wherever any name of a narrower one occurs,
  once per text (a boolean "explosion"), so 不良反应 finds a page that only writes irAE;
- the table answers what a concept's names, lay words, broader and narrower concepts are.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.analysis import concept_token, lexicon, normalize, synonyms, tokens

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=None)
def cut(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


def concept(text: str) -> str | None:
    return synonyms().concept(cut(text))


def indexed(text: str) -> list[str]:
    return [t for t in tokens(text, mode="index") if t.startswith("~")]


def own(term: str) -> str:
    key = normalize(term)
    return next(concept_token(terms[0]) for _, terms in lexicon().groups if any(normalize(t) == key for t in terms))


NAMES = sorted({t for t, _ in lexicon().terms()})
CHINESE_CONTEXT = [("", ""), ("患者", "治疗"), ("对于", "的患者"), ("我们认为", "，"), ("在", "患者中"), ("与", "相比"), ("接受", "后")]
ENGLISH_CONTEXT = [("", ""), ("patients with ", " were treated"), ("(", ")"), ("在", "患者中"), ("，", "。"), ("与", "相比"), ("接受", "后")]


# -- variant spellings ----------------------------------------------------------------------------

def test_every_name_in_running_text_is_read_as_its_group():
    """Every name of every group, in a few sentences around it (jieba's cut depends on the neighbours)."""
    missed = []
    for _, terms in lexicon().groups:
        for name in terms:
            contexts = CHINESE_CONTEXT if re.match(r"[\u4e00-\u9fff]", name) else ENGLISH_CONTEXT
            missed += [f"{b}{name}{a}" for b, a in contexts if own(name) not in indexed(f"{b}{name}{a}")]
    assert missed == []


@pytest.mark.parametrize("variant, term", [
    ("何杰金氏淋巴瘤", "霍奇金淋巴瘤"), ("何傑金淋巴瘤", "霍奇金淋巴瘤"), ("霍奇金氏淋巴瘤", "霍奇金淋巴瘤"),
    ("Hodgkin's lymphoma", "霍奇金淋巴瘤"), ("Hodgkin’s disease", "霍奇金淋巴瘤"),
    ("非霍奇金氏淋巴瘤", "非霍奇金淋巴瘤"), ("non-Hodgkin's lymphoma", "非霍奇金淋巴瘤"), ("非何杰金淋巴瘤", "非霍奇金淋巴瘤"),
    ("三阴型乳腺癌", "三阴性乳腺癌"), ("三阴乳癌", "三阴性乳腺癌"), ("乳癌", "乳腺癌"), ("食道癌", "食管癌"),
    ("exon 20 insertions", "20号外显子插入"), ("ins20", "20号外显子插入"), ("HER2 mutations", "HER2突变"),
    ("慢淋", "慢性淋巴细胞白血病"), ("骨髓瘤", "多发性骨髓瘤"), ("nmCRPC", "非转移性去势抵抗性前列腺癌"),
    ("NMIBC", "非肌层浸润性膀胱癌"), ("ES-SCLC", "广泛期 小细胞肺癌"), ("广泛期SCLC", "广泛期 小细胞肺癌"),
])
def test_the_missed_mentions_of_the_issue_are_found(variant, term):
    assert concept(term) in indexed(variant)


# -- lay words -----------------------------------------------------------------------------------------

LAY = sorted(lexicon().lay.items())


@pytest.mark.parametrize("word, term", LAY)
def test_a_lay_word_is_found_and_finds_exactly_what_its_clinical_term_does(word, term):
    assert concept(word) == concept(term)  # a query for the lay word looks the clinical concept up
    assert concept(term) in indexed(f"患者问到{word}的问题")  # and a page that uses it is found by the term


@pytest.mark.parametrize("word, wrong", [
    ("副作用", "不良事件"),  # not the same group: an adverse reaction is a kind of adverse event
    ("免疫药", "免疫治疗"), ("靶向药", "酪氨酸激酶抑制剂"), ("肺部结节", "结节"),
])
def test_a_lay_word_joins_one_group_and_never_a_broader_or_narrower_one(word, wrong):
    assert concept(word) != concept(wrong)


@pytest.mark.parametrize("text, not_read_as", [
    ("无进展生存期", "复发"),  # 生存期 is its own (broader) concept, never OS: it is inside every PFS
    ("细胞毒性药物", "不良反应"),  # 毒性 is no lay word for adverse reactions
    ("甲状腺结节", "肺结节"),  # a nodule is not a lung nodule
    ("磨玻璃影、网格影等间质改变", "磨玻璃结节"),  # an opacity in interstitial disease is not a nodule
    ("小肠癌", "结直肠癌"),
])
def test_a_lay_word_never_drags_in_a_concept_the_text_is_not_about(text, not_read_as):
    assert concept(not_read_as) not in indexed(text)
    assert concept("总生存期") not in indexed("无进展生存期 生存期")


# -- broader terms ---------------------------------------------------------------------------------

TABLE = synonyms()
NARROWER_NAMES = [(name, ancestor) for group, ancestors in enumerate(TABLE.ancestors_of) if ancestors
                  for name in TABLE.terms[group] for ancestor in ancestors]


@SETTINGS
@given(pair=st.sampled_from(NARROWER_NAMES))
def test_every_name_of_a_narrower_term_is_recorded_as_each_broader_term(pair):
    name, ancestor = pair
    assert TABLE.concept_tokens[ancestor] in indexed(f"患者{name}治疗"), pair


def test_免疫治疗_副作用_finds_a_page_that_only_writes_irAE(tmp_path):
    from test_search import searcher_over

    searcher = searcher_over(tmp_path, "萧靖远", {
        "萧靖远教授:PD-1抑制剂的irAE管理": ("帕博利珠单抗治疗后出现irAE怎么办?", "多数irAE为1-2级，激素可控制。"),
        "萧靖远教授:免疫相关不良反应的随访": ("免疫检查点抑制剂的免疫相关不良反应如何随访?", "需定期监测甲状腺功能。"),
        "萧靖远教授:放疗计划": ("立体定向放疗如何设计?", "剂量与分割取决于病灶部位。"),
    })
    found = {h.title for h in searcher.search("免疫治疗 副作用").hits}
    assert found == {"萧靖远教授:PD-1抑制剂的irAE管理", "萧靖远教授:免疫相关不良反应的随访"}
    assert {h.title for h in searcher.search("不良反应").hits} == found


def test_the_explosion_is_boolean_a_broader_term_counts_once_for_its_narrower_mentions():
    assert indexed("irAE irAE irAE").count(concept("不良反应")) == 1
    assert indexed("不良反应 irAE 不良反应").count(concept("不良反应")) == 2  # the text's own mentions count


def test_a_narrower_mention_inside_a_name_marks_itself_not_the_whole_name():
    text = "广泛期小细胞肺癌"
    spans = [(t.text, text[t.startchar:t.endchar]) for t in __import__("searchsvc.analysis.analyzer", fromlist=["analyzer"])
             .analyzer()(text, mode="index", chars=True) if t.text == concept("SCLC")]
    assert spans == [(concept("SCLC"), "小细胞肺癌")]


# -- the table as the query side sees it ------------------------------------------------------------------

def test_the_table_describes_a_concept():
    table = synonyms()
    irae = concept("irAE")
    assert table.names(irae)[0] == "免疫相关不良反应" and "irAE" in table.names(irae)
    assert table.lay_names(concept("不良反应")) == ["副作用", "副反应", "毒副作用", "毒副反应", "side effect"]
    assert table.kind(concept("奥希替尼")) == "drug"
    assert table.broader(irae) == [concept("不良反应")]
    assert table.ancestors(irae) == [concept("不良反应"), concept("不良事件")]
    assert irae in table.narrower(concept("不良反应")) and irae in table.descendants(concept("不良事件"))
    assert table.broader("~no such concept") == [] and table.names("~no such concept") == []


def test_a_query_for_a_broader_term_lists_the_names_an_index_without_concept_tokens_must_search():
    """``concepts`` gives the group's names, then every narrower group's: what finds the concept."""
    [alternatives] = synonyms().concepts(list(cut("不良反应")))
    assert alternatives[0] == cut("不良反应")
    assert cut("irAE") in alternatives and cut("免疫相关性肺炎") in alternatives


def test_the_expansion_of_a_concept_is_what_its_query_lists_for_a_stale_index():
    table = synonyms()
    for term in ("不良反应", "肺癌", "奥希替尼", "PD-1抑制剂"):
        [alternatives] = table.concepts(list(cut(term)))
        assert set(table.expansion(concept(term))) == set(alternatives)
    assert cut("帕博利珠单抗") in table.expansion(concept("PD-1抑制剂"))
