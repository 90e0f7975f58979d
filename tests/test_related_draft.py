"""Related interviews for an editor's draft (issue 21, item 3): ``Searcher.related_for_draft``.

A draft and an indexed interview go through one ranking (``related.rank`` over a
``related.Profile``): an interview's own text pasted as a draft finds that interview first,
a draft written on a topic finds that topic's interview first and the same cancer site next,
and the reasons name the concepts both share.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from searchsvc.engine import related as related_module
from searchsvc.results import BadRequest
from searchsvc.engine.search import MAX_DRAFT_CHARS, Searcher

from conftest import SAMPLES


def _name(source: str) -> str:
    return Path(source.split("#")[0]).name + ("#" + source.split("#", 1)[1] if "#" in source else "")


def _sample_names() -> list[str]:
    """Every interview in samples/ (a .jsonl export holds several, named file#n), read from the files."""
    import json
    out = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix == ".jsonl":
            lines = [line for line in path.read_text("utf-8").splitlines() if line.strip() and json.loads(line)]
            out += [f"{path.name}#{i}" for i in range(1, len(lines) + 1)]
        elif path.suffix in (".txt", ".html"):
            out.append(path.name)
    return out


SAMPLE_NAMES = _sample_names()


@pytest.fixture(scope="module")
def searcher(sample_index) -> Searcher:
    return Searcher(sample_index)


@pytest.fixture(scope="module")
def by_name(searcher) -> dict:
    """samples/ name -> Article, for every indexed interview."""
    everything = searcher.articles(1, 50)
    articles = {_name(searcher.article(h.id).source): searcher.article(h.id) for h in everything.hits}
    assert everything.total == len(articles)
    return articles


def _pasted(article, qas=None) -> str:
    """What an editor pastes: the title on the first line, then the chosen Q&As' text."""
    chosen = article.qa if qas is None else [article.qa[i] for i in qas]
    return "\n".join([article.title] + [f"{qa.question}\n{qa.answer}" for qa in chosen])


def test_every_sample_is_indexed(by_name):
    assert sorted(by_name) == sorted(SAMPLE_NAMES)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_an_interviews_own_text_as_a_draft_finds_it_first(searcher, by_name, name):
    article = by_name[name]
    results = searcher.related_for_draft(_pasted(article), limit=5)
    assert results[0].id == article.id
    # the reasons are read in the draft: concepts, no tags or experts (a draft has none)
    assert results[0].shared_concepts and not results[0].shared_tags and not results[0].shared_experts
    assert len({r.id for r in results}) == len(results) and [r.score for r in results] == sorted(
        (r.score for r in results), reverse=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_title_with_any_of_its_qas_in_any_order_finds_its_interview_first(searcher, by_name, data):
    article = by_name[data.draw(st.sampled_from(SAMPLE_NAMES))]
    qas = data.draw(st.lists(st.integers(0, len(article.qa) - 1), unique=True, min_size=0, max_size=len(article.qa)))
    spacing = data.draw(st.sampled_from(["\n", "\r\n", "\n\n  "]))
    draft = _pasted(article, qas).replace("\n", spacing)
    assert searcher.related_for_draft(draft, limit=3)[0].id == article.id


# Drafts written for this test (fictional, in an editor's words): topic interview, its cancer site (the
# sample interviews' tag), concepts the reasons must name.
TOPIC_DRAFTS = {
    "egfr-resistance": (
        "EGFR-TKI耐药之后：再活检与后续治疗的选择\n"
        "奥希替尼一线治疗EGFR突变非小细胞肺癌，中位无进展生存已接近19个月，但几乎所有患者最终会进展。"
        "进展时再次取组织或做液体活检，明确C797S突变、MET扩增或小细胞转化等耐药机制，再决定后续方案；"
        "寡进展者可考虑局部治疗后继续原TKI。",
        "03-egfr-osimertinib.txt", "肺癌", {"EGFR", "奥希替尼", "耐药"}),
    "her2-breast-adc": (
        "抗体偶联药物如何改写HER2乳腺癌的治疗顺序\n"
        "德曲妥珠单抗在HER2阳性晚期乳腺癌二线显著优于T-DM1，并把获益带到HER2低表达人群。"
        "用药期间要定期随访胸部CT，警惕间质性肺病，一旦出现影像改变应及时停药评估。",
        "09-her2-breast-tdxd.txt", "乳腺癌", {"HER2", "抗体偶联药物"}),
    "hcc-systemic": (
        "晚期肝细胞癌的系统治疗与局部治疗如何配合\n"
        "阿替利珠单抗联合贝伐珠单抗已是不可切除肝细胞癌的一线选择，仑伐替尼等靶向药物也有一席之地。"
        "对于中期患者，TACE与系统治疗联合能否进一步延长生存，正在多项研究中探索。",
        "13-hcc-systemic-locoregional.txt", "肝癌", {"肝细胞癌", "系统治疗"}),  # the title's concepts (four are shown)
}


@pytest.mark.parametrize("topic", sorted(TOPIC_DRAFTS))
def test_a_draft_on_a_topic_finds_its_interview_first_and_names_what_they_share(searcher, by_name, topic):
    draft, source, site, concepts = TOPIC_DRAFTS[topic]
    results = searcher.related_for_draft(draft, limit=5)
    assert results[0].id == by_name[source].id
    assert concepts <= set(results[0].shared_concepts), results[0].shared_concepts
    for r in results:  # every result says why, in the draft's own words
        assert r.shared_concepts and all(c in draft for c in r.shared_concepts), (r.title, r.shared_concepts)


@pytest.mark.parametrize("topic", ["egfr-resistance", "her2-breast-adc"])
def test_same_cancer_site_comes_before_shared_themes(searcher, by_name, topic):
    """After the topic's interview, the next is one of the same site (lung for EGFR, breast for HER2 ADCs)
    although other sites share the draft's themes (HER2 in gastric cancer, resistance to a TKI in CLL)."""
    draft, source, site, _ = TOPIC_DRAFTS[topic]
    results = searcher.related_for_draft(draft, limit=10)
    same_site = {a.id for a in by_name.values() if any(site in tag for tag in a.tags)} - {by_name[source].id}
    other_sites = [r for r in results if r.id not in same_site and r.id != by_name[source].id]
    assert results[0].id == by_name[source].id and results[1].id in same_site
    assert other_sites and all(set(r.shared_concepts) & set(results[1].shared_concepts) for r in other_sites[:1]), \
        "another site shares the draft's themes: otherwise this test proves nothing"


def test_a_draft_uses_the_same_ranking_as_an_indexed_interview(searcher, by_name, monkeypatch):
    """One code path: ``related`` and ``related_for_draft`` both end in ``related.rank`` over a Profile."""
    seen = []
    real = related_module.rank

    def recording(engine, profile, limit):
        seen.append(profile)
        return real(engine, profile, limit)

    monkeypatch.setattr(related_module, "rank", recording)
    article = by_name["03-egfr-osimertinib.txt"]
    searcher.related(article.id, limit=3)
    searcher.related_for_draft(_pasted(article), limit=3)
    indexed, draft = seen
    assert indexed.docnum is not None and draft.docnum is None
    # the same text gives the same concepts (the same analyzer, the same tf-idf)
    assert {t for _, t in draft.concepts} & {t for _, t in indexed.concepts}


@pytest.mark.parametrize("draft", ["Xylophone quartz zebra", "量子计算机的纠错码"])
def test_a_draft_sharing_no_word_with_any_interview_finds_nothing(searcher, draft):
    assert searcher.related_for_draft(draft) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_an_empty_draft_is_refused_naming_text(searcher, text):
    with pytest.raises(BadRequest) as raised:
        searcher.related_for_draft(text)
    assert raised.value.param == "text" and "empty" in str(raised.value)


def test_an_oversized_draft_is_refused_naming_text_and_the_limit(searcher):
    with pytest.raises(ValueError) as raised:
        searcher.related_for_draft("肺癌" * (MAX_DRAFT_CHARS // 2 + 1))
    assert raised.value.param == "text" and str(MAX_DRAFT_CHARS) in str(raised.value)
    assert searcher.related_for_draft("奥希替尼" + " " * (MAX_DRAFT_CHARS - 4))  # the limit itself is allowed


@pytest.mark.parametrize("limit", [0, -1, 51, True, 2.5, "3"])
def test_a_bad_limit_is_refused_naming_limit(searcher, limit):
    with pytest.raises(BadRequest) as raised:
        searcher.related_for_draft("奥希替尼耐药", limit=limit)
    assert raised.value.param == "limit"
