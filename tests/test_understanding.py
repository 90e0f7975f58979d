"""How a reader's question is understood: what is searched, what is ignored, what is corrected.

Each class of query the issue names is tested over generated variations: every lexicon
name the sample interviews hold, every question word in lexicon/question_words.txt, every
prefix of a name, every English dictionary word.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc import analysis
from searchsvc.search import Searcher
from searchsvc.wordlists import english_words, question_entries

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def searcher(sample_index) -> Searcher:
    return Searcher(sample_index)


@pytest.fixture(scope="module")
def names_in_samples(searcher) -> list[str]:
    """Lexicon names whose concept some sample interview holds (Chinese names of 3+ characters)."""
    _, whoosh_searcher = searcher.snapshots.current()
    table = analysis.synonyms()
    out = []
    for term, _kind in analysis.iter_terms():
        token = table.concept(tuple(analysis.tokens(term)))
        if re.fullmatch(rf"[{analysis.CJK}]{{3,}}", term) and token and whoosh_searcher.doc_frequency("answer", token):
            out.append(term)
    return sorted(set(out))


def ids(searcher: Searcher, q: str) -> list[str]:
    return [h.id for h in searcher.search(q, per_page=50).hits]


# -- question words -------------------------------------------------------------------

QUESTION_ENDINGS = [e for e in question_entries() if len(e) >= 2]


def test_the_question_word_list_is_data_and_every_entry_beside_a_topic_is_ignored(searcher):
    assert len(QUESTION_ENDINGS) > 40
    for entry in question_entries():
        understood = searcher.understand("骨髓瘤 " + entry)
        assert [u.text for u in understood.units] == ["骨髓瘤"], entry
        assert {"text": entry, "reason": "question"} in [vars(i) for i in understood.ignored] or \
            all(i.reason == "question" for i in understood.ignored), entry


def test_a_query_of_question_words_alone_searches_them(searcher):
    """有效, typed on the way to 有效率: never all ignored."""
    result = searcher.search("有效")
    assert result.total >= 1 and result.understood["words"] == ["有效"]


@SETTINGS
@given(data=st.data())
def test_a_question_word_never_changes_what_a_topic_finds(searcher, names_in_samples, data):
    """奥希替尼 and 奥希替尼耐药怎么办's 怎么办: the topic's interviews, in the same order."""
    name = data.draw(st.sampled_from(names_in_samples))
    ending = data.draw(st.sampled_from(QUESTION_ENDINGS))
    plain, asked = ids(searcher, name), ids(searcher, name + ending)
    assert asked[:3] == plain[:3] and set(plain) <= set(asked), (name, ending)
    ignored = searcher.search(name + ending).understood["ignored"]
    assert all(i["reason"] == "question" for i in ignored), ignored


@SETTINGS
@given(data=st.data())
def test_no_question_whose_topic_occurs_comes_back_empty(searcher, names_in_samples, data):
    """Topic words, question words and words no interview holds, run together without spaces."""
    topics = data.draw(st.lists(st.sampled_from(names_in_samples), min_size=1, max_size=3))
    noise = data.draw(st.lists(st.sampled_from(QUESTION_ENDINGS + ["量子纠缠", "火星", "区块链"]), max_size=3))
    words = data.draw(st.permutations(topics + noise))
    result = searcher.search("".join(words))
    assert result.total >= 1, "".join(words)
    everything = {i for t in topics for i in ids(searcher, t)}
    assert {h.id for h in result.hits[:1]} <= everything


def test_interviews_matching_more_of_a_question_rank_first(searcher):
    result = searcher.search("奥希替尼耐药怎么办", per_page=50)
    both = set(ids(searcher, "+奥希替尼 +耐药"))
    assert both and {h.id for h in result.hits[:len(both)]} == both
    understood = result.understood
    assert [c["canonical"] for c in understood["concepts"]] == ["奥希替尼", "耐药"]
    assert "osimertinib" in understood["concepts"][0]["synonyms"]
    assert understood["ignored"] == [{"text": "怎么办", "reason": "question"}]


# -- English and spaced names ------------------------------------------------------------

def english_names() -> list[str]:
    return sorted({t for t, _ in analysis.iter_terms() if re.fullmatch(r"[A-Za-z][A-Za-z ]+[A-Za-z]", t) and " " in t})


@pytest.mark.parametrize("name", ["small cell lung cancer", "lung cancer", "immunotherapy", "overall survival"])
def test_english_names_are_searched_as_their_concept(searcher, name):
    result = searcher.search(name)
    concept = result.understood["concepts"][0]
    assert result.total >= 1 and len(result.understood["concepts"]) == 1
    assert set(ids(searcher, name)) == set(ids(searcher, concept["canonical"]))
    assert result.suggestion is None


@SETTINGS
@given(name=st.sampled_from(english_names()))
def test_every_english_name_of_several_words_is_one_concept(searcher, name):
    understood = searcher.understand(name)
    concepts = [u for u in understood.units if u.node.__class__.__name__ == "Concept"]
    assert len(concepts) == 1 and concepts[0].text.lower() == name.lower(), [u.text for u in understood.units]
    assert understood.corrections == []


def hyphenated_codes() -> list[str]:
    return sorted({t for t, _ in analysis.iter_terms() if re.fullmatch(r"[A-Za-z]+-[A-Za-z0-9]+", t)})


@SETTINGS
@given(code=st.sampled_from(hyphenated_codes()))
def test_a_space_for_the_hyphen_finds_the_same_as_the_code(searcher, code):
    """CAR T is CAR-T, PD 1 is PD-1: the reader's space is not two words."""
    spaced = code.replace("-", " ")
    assert searcher.search(spaced).total == searcher.search(code).total
    assert ids(searcher, spaced)[:5] == ids(searcher, code)[:5]


# -- prefixes as typed --------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_a_prefix_ranks_the_term_it_begins_first(searcher, names_in_samples, data):
    """小细胞 (typed on the way to 小细胞肺癌): a one-character match never outranks the topic."""
    name = data.draw(st.sampled_from([n for n in names_in_samples if len(n) >= 4]))
    cut = data.draw(st.integers(2, len(name) - 1))
    prefix = name[:cut]
    if analysis.normalize(prefix) in {analysis.normalize(t) for t, _ in analysis.iter_terms()}:
        return  # a whole term of its own
    result = searcher.search(prefix)
    completed = {t for c in result.understood["completions"] for t in c["to"]}
    top = result.hits[0].id if result.hits else None
    ends = {i for t in completed for i in ids(searcher, t)}
    if completed:
        assert top in ends, (prefix, completed)
    else:  # the prefix is a word the index holds as typed
        assert result.total >= 1


def test_the_issue_prefix_example(searcher):
    result = searcher.search("小细胞")
    assert "小细胞肺癌" in result.understood["completions"][0]["to"]
    sclc = set(ids(searcher, "小细胞肺癌"))
    assert {h.id for h in result.hits[:len(sclc)]} == sclc


# -- did-you-mean never makes a right word wrong --------------------------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.sampled_from(sorted(english_words())))
def test_an_english_dictionary_word_is_never_corrected(searcher, word):
    understood = searcher.understand(word)
    assert understood.corrections == [] and understood.searched == word


@SETTINGS
@given(data=st.data())
def test_a_lexicon_name_is_never_corrected(searcher, data):
    term = data.draw(st.sampled_from(sorted({t for t, _ in analysis.iter_terms()})))
    understood = searcher.understand(term)
    assert understood.corrections == [], term


def test_a_misspelt_drug_is_corrected_and_the_reader_told(searcher):
    for typed, meant in [("osimertnib", "osimertinib"), ("德曲妥株单抗", "德曲妥珠单抗"), ("奥希替泥耐药", "奥希替尼耐药")]:
        result = searcher.search(typed)
        assert result.suggestion == meant and result.total == searcher.search(meant).total >= 1


def test_a_character_beside_a_name_is_not_a_slip_of_a_longer_name(searcher):
    """以小细胞肺癌为例 is 以 + 小细胞肺癌, never 非小细胞肺癌; 戈沙妥珠单抗 is not a slip of 托珠单抗."""
    for q in ("以小细胞肺癌为例", "戈沙妥珠单抗", "无进展生存期"):
        assert searcher.understand(q).corrections == [], q


# -- the query language's scopes ------------------------------------------------------------

def test_question_and_answer_scopes_look_in_that_part_only(searcher):
    in_questions = searcher.search("question:耐药", per_page=50)
    for hit in in_questions.hits:
        article = searcher.article(hit.id)
        assert any("耐药" in qa.question for qa in article.qa)
    in_answers = set(ids(searcher, "answer:耐药"))
    assert set(h.id for h in in_questions.hits) <= in_answers
    assert in_questions.understood["required"] == [{"text": "耐药", "fields": ["question"]}]


def test_an_unknown_scope_is_text_and_says_which_scopes_exist(searcher):
    result = searcher.search("qustion:肺癌")
    assert result.total >= 1
    assert "question:" in result.understood["notices"][0] and "qustion" in result.understood["notices"][0]
    assert searcher.search("BCR::ABL1").understood["notices"] == []  # a fusion, not a scope
