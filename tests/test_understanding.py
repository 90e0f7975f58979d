"""How a reader's question is understood: what is searched, what is ignored, what is corrected.

Each class of query the issue names is tested over generated variations: every lexicon
name the sample interviews hold, every question word in lexicon/question_words.txt, every
prefix of a name, every English dictionary word.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from searchsvc import analysis
from searchsvc.query import homophones
from searchsvc.engine.search import Searcher
from searchsvc.query.wordlists import english_words, is_everyday, question_entries

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
    assert result.total >= 1, prefix
    completed = {t for c in result.understood["completions"] for t in c["to"]}
    completed |= {c["to"] for c in result.understood["corrections"]}  # 德曲妥珠, a short form, is searched as the name
    # the best hit holds the prefix as written (a phrase, never one of its characters alone) or a term it begins
    holders = set(ids(searcher, f'"{prefix}"')) | {i for t in completed for i in ids(searcher, t)}
    assert result.hits[0].id in holders, (prefix, completed)


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


# -- the review's cases: what a correct word, a filter or a rare word must never do ------------------

@pytest.fixture(scope="module")
def index_words(searcher) -> list[str]:
    """Chinese words of three characters or more that the sample interviews hold."""
    _, whoosh_searcher = searcher.snapshots.current()
    reader = whoosh_searcher.reader()
    return sorted({w for f in ("question", "answer") for w in reader.field_terms(f)
                   if isinstance(w, str) and re.fullmatch(rf"[{analysis.CJK}]{{3,}}", w)})


def dictionary_words() -> list[str]:
    """Every Chinese word of four to seven characters in jieba's dictionary, a sample of them."""
    words = [w for w, n in analysis.segmenter().jieba.FREQ.items()
             if n > 0 and re.fullmatch(rf"[{analysis.CJK}]{{4,7}}", w)]
    return sorted(random_sample(words, 3000))


def random_sample(items: list, k: int) -> list:
    import random

    return random.Random(11).sample(items, min(k, len(items)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_word_the_interviews_hold_is_never_corrected_written_plain_quoted_or_scoped(searcher, index_words, data):
    word = data.draw(st.sampled_from(index_words))
    for q in (word, f'"{word}"', f"title:{word}", f"tag:{word}"):
        assert searcher.understand(q).corrections == [], q


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.sampled_from(dictionary_words()))
def test_a_dictionary_word_is_never_rewritten_into_another(searcher, word):
    """皮肤毒性 is not 皮肝毒性, 巩固放疗 not 巩固治疗, 横纹肌肉瘤 not 骨肉瘤."""
    assert searcher.understand(word).corrections == [], word


@pytest.mark.parametrize("q", ["靶向和免疫", "免疫与化疗", "巩固放疗", "皮肤毒性", "免疫抑制剂", "生存获益", "长期生存"])
def test_words_around_a_function_word_or_made_of_whole_words_are_left_alone(searcher, q):
    assert searcher.understand(q).corrections == []


def test_a_rare_word_beside_common_ones_does_not_push_out_what_matches_the_rest(searcher):
    """免疫治疗 副作用 BCMA: BCMA is in one interview; those about the other two still answer most of it."""
    both = set(ids(searcher, "+免疫治疗 +副作用"))
    with_rare = set(ids(searcher, "免疫治疗 副作用 BCMA"))
    assert both and both <= with_rare


@SETTINGS
@given(data=st.data())
def test_a_rare_word_added_to_a_question_keeps_what_the_question_found(searcher, index_words, names_in_samples, data):
    topics = data.draw(st.lists(st.sampled_from(names_in_samples), min_size=2, max_size=2, unique=True))
    rare = data.draw(st.sampled_from(index_words))
    every = set(ids(searcher, " ".join(f"+{t}" for t in topics)))
    assert every <= set(ids(searcher, " ".join(topics + [rare]))), (topics, rare)


def test_filters_and_scopes_inside_or_mean_either(searcher):
    one, other = set(ids(searcher, "expert:林晓舟")), set(ids(searcher, "expert:禚文澜"))
    assert one and other and set(ids(searcher, "expert:林晓舟 OR expert:禚文澜")) == one | other
    myeloma = set(ids(searcher, "骨髓瘤"))
    assert set(ids(searcher, "expert:林晓舟 OR 骨髓瘤")) == one | myeloma
    in_title, in_question = set(ids(searcher, "title:KRAS")), set(ids(searcher, "question:骨髓瘤"))
    assert set(ids(searcher, "title:KRAS OR question:骨髓瘤")) == in_title | in_question
    lung = set(ids(searcher, "肺癌"))
    assert not set(ids(searcher, "KRAS OR -肺癌")) & lung  # an exclusion inside an OR still excludes


def test_question_words_beside_a_filter_or_an_exclusion_change_nothing(searcher):
    for q, plain in [("expert:林晓舟 怎么办", "expert:林晓舟"), ("tag:肺癌 有哪些", "tag:肺癌"), ("-肺癌 什么", "-肺癌")]:
        assert ids(searcher, q) == ids(searcher, plain) and ids(searcher, plain), q


@SETTINGS
@given(data=st.data())
def test_a_prefix_keeps_every_interview_holding_it_as_written(searcher, index_words, data):
    """新辅助 (on the way to 新辅助治疗) also finds 新辅助奥希替尼: completion adds, never hides."""
    word = data.draw(st.sampled_from(index_words))
    prefix = word[:data.draw(st.integers(2, len(word) - 1))]
    if not analysis.tokens(prefix) or not searcher.understand(prefix).units:
        return  # a function word (一个), searched as nothing
    holding = set(ids(searcher, f'"{prefix}"'))
    assert holding <= set(ids(searcher, prefix)), prefix


# -- everyday words ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def everyday_words_in_samples(searcher) -> list[str]:
    _, whoosh_searcher = searcher.snapshots.current()
    return sorted({w for w in whoosh_searcher.reader().field_terms("answer") if isinstance(w, str) and is_everyday(w)})


def test_everyday_words_are_common_chinese_the_lexicon_does_not_hold(everyday_words_in_samples):
    assert {"引起", "处理", "选择", "影响"} <= set(everyday_words_in_samples)
    assert not any(is_everyday(w) for w in ("肺炎", "耐药", "症状", "放疗", "化疗", "免疫治疗", "不良反应"))


@SETTINGS
@given(data=st.data())
def test_an_everyday_word_in_a_question_does_not_decide_what_matches_everything(
        searcher, everyday_words_in_samples, names_in_samples, data):
    """In a small archive 引起 may be rarer than 肺炎; the question is still about 免疫治疗 and 肺炎."""
    topics = data.draw(st.lists(st.sampled_from(names_in_samples), min_size=2, max_size=2, unique=True))
    everyday = data.draw(st.sampled_from(everyday_words_in_samples))
    both = searcher.search(" ".join(f"+{t}" for t in topics), per_page=50)
    asked = searcher.search(f"{topics[0]}{everyday}{topics[1]}怎么办", per_page=50)
    assert asked.understood["results_matching_everything"] == both.total, (topics, everyday)


def test_the_interview_about_the_topic_beats_one_that_holds_the_everyday_word(searcher):
    """免疫治疗引起肺炎怎么处理: the irAE interview (免疫治疗, 肺炎, 处理) over one with 免疫治疗 and 引起 only."""
    assert ids(searcher, "免疫治疗引起肺炎怎么处理")[0] == ids(searcher, "+免疫治疗 +肺炎 +处理")[0]


# -- input-method slips: the right sounds, the wrong characters -----------------------------------

@pytest.fixture(scope="module")
def characters_by_sound() -> dict[tuple[str, ...], list[str]]:
    out: dict = {}
    for ch in map(chr, range(0x4E00, 0x9FA6)):
        key = homophones.sound(ch)
        # Simplified characters common enough that an input method offers them first
        if key and analysis.normalize(ch) == ch and analysis.segmenter().jieba.FREQ.get(ch, 0) >= 1000:
            out.setdefault(key, []).append(ch)
    return out


@SETTINGS
@given(data=st.data())
def test_a_name_typed_with_a_sound_alike_character_is_corrected_and_said(
        searcher, names_in_samples, characters_by_sound, data):
    """耐要 for 耐药, 化聊 for 化疗: each name the samples hold, one character swapped for another of its sound."""
    name = data.draw(st.sampled_from([n for n in names_in_samples if len(n) <= homophones.MAX_CHARS]))
    at = data.draw(st.integers(0, len(name) - 1))
    others = [c for c in characters_by_sound.get(homophones.sound(name[at]), []) if c != name[at]]
    assume(others)
    typo = name[:at] + data.draw(st.sampled_from(sorted(others))) + name[at + 1:]
    _, whoosh_searcher = searcher.snapshots.current()
    # a word in its own right, or the sound of two groups' names, is not a slip to correct
    assume(not analysis.segmenter().jieba.FREQ.get(typo, 0) and len(homophones.names_by_sound()[homophones.sound(name)]) == 1
           and not any(whoosh_searcher.doc_frequency(f, typo) for f in ("question", "answer", "title")))
    asked = searcher.search(f"{typo}怎么办", per_page=50)
    meant = searcher.search(name, per_page=50)
    assert asked.understood["corrections"], (typo, name)
    assert [h.id for h in asked.hits] == [h.id for h in meant.hits], (typo, name)


@pytest.mark.parametrize("typed, meant", [("奥希替尼耐要怎么办", "耐药"), ("废癌靶向药", "肺癌"),
                                          ("把向治疗耐药", "靶向治疗"), ("三阴性乳腺癌新辅助化聊", "化疗")])
def test_the_phone_slips_readers_make(searcher, typed, meant):
    understood = searcher.understand(typed)
    assert any(right == meant or meant in right for _, right in understood.corrections), understood.corrections


@SETTINGS
@given(data=st.data())
def test_the_start_of_a_name_being_typed_is_never_taken_for_a_slip(searcher, data):
    """依沃, on the way to 依沃西单抗, sounds like the brand 逸沃 (ipilimumab): it is not a slip of it."""
    name = data.draw(st.sampled_from(sorted(t for t, _ in analysis.iter_terms()
                                            if re.fullmatch(rf"[{analysis.CJK}]{{3,}}", t))))
    prefix = name[:data.draw(st.integers(2, len(name) - 1))]
    fixed = [c for c in searcher.understand(prefix).corrections if c[0] == prefix]
    assert not fixed or homophones.sound(fixed[0][1]) != homophones.sound(prefix), (prefix, fixed)
