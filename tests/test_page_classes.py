"""Every real interview is searchable (issue 19): the speakers are read from the page's own structure.

One fictional page per class of real page (tests/fixtures/pages, sample data): another outlet's
labels, 记者/主持人, Q1-style, a label on its own line, bare names and unusual titles, a roundtable,
answers under subheadings, bios before the Q&A, a monologue, a news report, a page without a title,
Traditional characters, English turns before their translation, unlabelled questions, a portal's
Question/answer block.  Each must come out with its kind, its experts and its Q&As as written.

Then generated variations: the Q&As of every sample page (samples/ and the class pages) are written
again through each label class -- the outlet in any form, a generic interviewer, Q/Q1 (also alone on
its line), the label alone on its line, a name with any title and optional spaces, a bare name,
Traditional characters -- and the same questions, answers and experts must come out.  Finally each
class page is found by a search for its expert's name and for a word of its text, over a real index.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.names import to_simplified
from searchsvc.ingest.parse import parse_page
from searchsvc.engine.search import Searcher
from searchsvc.ingest.sources import decode

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TO_TRADITIONAL = opencc.OpenCC("s2t")
CHECK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parsed(name: str):
    return parse_page((PAGES / name).read_text("utf-8"))


# --- each class, as written -----------------------------------------------------------------------

# file: (kind, experts, [(question opening, expert) per Q&A])
CLASSES = {
    "outlet-other.txt": ("interview", ["支慕言"], [("支教授您好", "支慕言"), ("对于HER2阳性", "支慕言"), ("治疗过程中", "支慕言")]),
    "reporter-host.txt": ("interview", ["于承泽"], [("于理事长您好", "于承泽"), ("对于合并食管", "于承泽"), ("局部治疗", "于承泽")]),
    "q1-style.txt": ("interview", ["贺知秋"], [("哪些早期乳腺癌", "贺知秋"), ("保乳术后", "贺知秋"), ("前哨淋巴结", "贺知秋")]),
    "label-own-line.txt": ("interview", ["邝若水"], [("转移性激素敏感性", "邝若水"), ("非转移性去势抵抗性", "邝若水")]),
    "bare-names.txt": ("interview", ["陈见山"], [("哪些人属于", "陈见山"), ("高危人群应当", "陈见山"), ("筛查发现", "陈见山")]),
    "roundtable.txt": ("interview", ["朱暮白", "盛远帆", "李望舒"],
                       [("广泛期小细胞肺癌", "朱暮白"), ("广泛期小细胞肺癌", "盛远帆"), ("广泛期小细胞肺癌", "李望舒"),
                        ("脑转移", "朱暮白"), ("脑转移", "李望舒")]),
    "subheadings.txt": ("answers", ["邵川柏", "顾南星"],
                        [("CAR-T细胞治疗的患者选择", "邵川柏"), ("细胞因子释放综合征的管理", "顾南星"), ("双特异性抗体的定位", "邵川柏")]),
    "bios-before.txt": ("interview", ["韦书宁", "卫清远"], [("HPV疫苗", "韦书宁"), ("打了疫苗", "韦书宁")]),
    "monologue.txt": ("prose", ["梁映川"], [("", "梁映川")]),
    "news-report.txt": ("prose", ["梁北辰", "温可岚"], [("", "")]),
    "no-title.txt": ("interview", ["黄启明"], [("体检发现甲状腺结节", "黄启明"), ("甲状腺微小乳头状癌", "黄启明")]),
    "traditional.txt": ("interview", ["黃啟明"], [("晚期透明細胞腎癌", "黃啟明"), ("聯合治療", "黃啟明")]),
    "english-first.txt": ("interview", ["史密斯"], [("What has changed", "史密斯"), ("What is the main", "史密斯")]),
    "question-lines.txt": ("interview", ["李望川"], [("淋巴瘤早期", "李望川"), ("确诊淋巴瘤", "李望川"), ("淋巴瘤能治愈吗", "李望川")]),
    "portal-qa.txt": ("interview", ["温思远"], [("体检CT发现", "温思远"), ("什么样的肺结节", "温思远")]),
    # a roundtable whose experts the lead does not name, each alone on a line before every answer
    "roundtable-names-alone.txt": ("interview", ["韩明远", "苏静怡"],
                                   [("PD-L1联合阳性", "韩明远"), ("PD-L1联合阳性", "苏静怡"),
                                    ("HER2阳性胃癌", "韩明远"), ("HER2阳性胃癌", "苏静怡")]),
    # labelled questions, and one question line without a label between two answers of the expert;
    # a photo caption inside an answer
    "mixed-questions.txt": ("interview", ["魏长青"], [("低剂量CT", "魏长青"), ("那么随访间隔", "魏长青"),
                                                     ("什么情况下", "魏长青")]),
    # answers labelled by surname and title (钱教授:, 欧阳主任:), the lead naming each expert in full
    "surname-labels.txt": ("interview", ["钱立群", "欧阳舒"], [("钱教授您好", "钱立群"), ("欧阳主任", "欧阳舒"),
                                                              ("钱教授,高龄", "钱立群")]),
    # labelled questions, unlabelled answers: the expert is named only in the title and lead
    "unlabelled-answers.txt": ("interview", ["董小舟"], [("为什么内分泌", "董小舟"), ("出现关节痛", "董小舟"),
                                                        ("年轻患者", "董小舟")]),
    # a site's path above the title, an outlet-and-date line, the host's thanks, related links below
    "site-chrome.txt": ("interview", ["林海"], [("林教授,局部进展期", "林海"), ("哪些患者适合", "林海")]),
    # an institution before the name, an affiliation after it, a newspaper's reporter asking
    "affiliated-labels.txt": ("interview", ["孙立平", "刘春明"], [("结直肠癌肝转移", "孙立平"), ("转化治疗应该", "刘春明"),
                                                                 ("转化成功后", "孙立平")]),
    # 【记者】/【name】 labels, the expert named on a 受访专家: line, 问:…?答:… on one line
    "bracket-labels.txt": ("interview", ["赵明远"], [("免疫治疗已经", "赵明远"), ("局部晚期", "赵明远"),
                                                    ("同步放化疗", "赵明远")]),
    # full-width Ｑ１:/Ａ１: labels
    "fullwidth-labels.txt": ("interview", ["许文静"], [("PARP抑制剂", "许文静"), ("维持治疗要", "许文静"),
                                                      ("服药期间", "许文静")]),
    # an expert's own article: the byline names the expert and the institution
    "expert-byline.txt": ("prose", ["蔡雪梅"], [("", "蔡雪梅")]),
    # a news report naming experts title first (…主任傅某某说, …副主任医师温某某表示)
    "news-said.txt": ("prose", ["傅晓东", "温若川"], [("", "")]),
    # bullets before the labels, a brand's label mixing scripts, 采访嘉宾:, （编辑:…） and （完） at the end
    "decorated-labels.txt": ("interview", ["唐宁"], [("经动脉化疗栓塞", "唐宁"), ("栓塞联合", "唐宁")]),
    # numbered questions without a label after a 受访专家: line, references at the end
    "numbered-questions.txt": ("interview", ["邓川"], [("晚期透明细胞肾癌", "邓川"), ("低危患者", "邓川"),
                                                      ("减瘤性肾切除", "邓川")]),
    # readers ask (患者:, 网友:), anonymous answers (医生:, 专家:); the lead names the one expert
    "patient-questions.txt": ("interview", ["严秋"], [("乳腺癌术后还可以", "严秋"), ("化疗会掉头发", "严秋"),
                                                     ("术后患侧手臂", "严秋")]),
    # the name, then the institution and title (周某 南湖大学附属医院甲状腺外科主任:)
    "name-first-labels.txt": ("interview", ["周明"], [("低危甲状腺乳头状癌", "周明"), ("术后都需要", "周明")]),
    # a 编者按 first, no title, numbered subheadings over prose
    "note-numbered-prose.txt": ("prose", ["戚远山"], [("免疫单药的获益人群", "戚远山"), ("免疫相关不良反应的管理", "戚远山")]),
}


def test_every_class_page_is_a_fixture_and_every_fixture_a_class():
    assert set(CLASSES) == {p.name for p in PAGES.glob("*.txt")}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_gives_its_kind_experts_and_turns(name):
    kind, experts, turns = CLASSES[name]
    fields, census = parsed(name)
    assert fields["kind"] == kind
    assert [e.name for e in fields["experts"]] == experts
    assert [(q.question[:len(opening)], q.expert) for q, (opening, _) in zip(fields["qa"], turns)] == turns
    assert len(fields["qa"]) == len(turns)
    assert all(q.answer for q in fields["qa"])
    assert census.lost == [] and census.kind == kind and census.experts == experts


def test_a_bio_line_a_byline_and_a_caption_are_never_turns():
    fields, census = parsed("roundtable.txt")
    text = "\n".join([fields["lead"], *(q.question + q.answer for q in fields["qa"])])
    assert "陈某" not in text and "图源" not in text  # the byline and the caption are dropped, not indexed
    fields, _ = parsed("bios-before.txt")
    bios = {e.name: e.bio for e in fields["experts"]}
    assert bios["韦书宁"].startswith("东江市妇幼保健院妇科肿瘤科主任") and "东江市医学会" in bios["韦书宁"]
    assert bios["卫清远"] == "东江大学医学博士、副主任医师"
    assert not any("妇幼保健院" in q.answer or "医学博士" in q.answer for q in fields["qa"])


def test_a_caption_inside_an_answer_is_dropped_and_the_answer_goes_on():
    fields, census = parsed("mixed-questions.txt")
    follow_up = fields["qa"][1].answer
    assert follow_up.startswith("首次发现后") and follow_up.endswith("以免增加不必要的辐射。")
    assert "摄影" not in follow_up and census.lost == []
    fields, _ = parsed("roundtable-names-alone.txt")
    assert {e.name: e.bio for e in fields["experts"]}["韩明远"] == "南屿大学附属肿瘤医院消化内科"


def test_an_affiliation_under_a_name_alone_is_its_bio_and_numbering_lines_are_dropped():
    fields, census = parsed("label-own-line.txt")
    [expert] = fields["experts"]
    assert expert.bio == "西川医科大学附属医院泌尿外科"
    assert fields["qa"][0].answer.startswith("过去转移性激素敏感性前列腺癌")
    assert not any(q.question.strip() in ("01", "02") or "01" == q.answer[:2] for q in fields["qa"])
    assert fields["outlet"] == "肿瘤瞭望-泌尿时讯"


def test_a_page_without_a_title_line_gets_a_derived_title_marked_as_such():
    fields, _ = parsed("no-title.txt")
    assert fields["title_derived"] is True
    assert fields["title"] == "甲状腺结节越来越常见,体检中的检出率很高,但真正需要手术的只是少数"  # the notice is skipped
    assert fields["qa"][0].answer.startswith("绝大多数甲状腺结节是良性的")


def test_answers_under_subheadings_keep_the_subheading_as_their_heading():
    fields, census = parsed("subheadings.txt")
    assert [q.question for q in fields["qa"]] == ["CAR-T细胞治疗的患者选择", "细胞因子释放综合征的管理", "双特异性抗体的定位"]
    assert census.questions == 0 and census.answers == 3


def test_prose_pages_keep_every_paragraph_and_name_their_experts():
    page = (PAGES / "news-report.txt").read_text("utf-8")
    fields, census = parsed("news-report.txt")
    text = "\n\n".join([fields["lead"], *(q.answer for q in fields["qa"])])
    paragraphs = [p for p in page.split("\n\n")[2:] if p.strip()]  # below the title and the notice
    assert text == "\n\n".join(p.strip() for p in paragraphs)
    assert census.lost == []


def test_the_lead_keeps_its_text_when_a_question_is_glued_to_its_end():
    fields, _ = parsed("question-lines.txt")
    assert fields["lead"].endswith("以启迪临床实践。")
    assert fields["qa"][0].question == "淋巴瘤早期有哪些表现?"
    assert fields["qa"][2].question == "淋巴瘤能治愈吗?霍奇金淋巴瘤属于一种什么样的疾病?"


def test_an_english_turn_and_its_translation_are_one_turn():
    fields, census = parsed("english-first.txt")
    assert fields["qa"][0].question == ("What has changed for patients with HER2-low breast cancer?\n"
                                        "HER2低表达乳腺癌患者的治疗发生了哪些变化?")
    assert fields["qa"][1].answer.startswith("Interstitial lung disease needs close monitoring.\n\n间质性肺病")
    assert census.questions == 2 and [e.name for e in fields["experts"]] == ["史密斯"]


def test_site_chrome_is_neither_title_nor_text_and_the_date_line_gives_date_and_outlet():
    fields, census = parsed("site-chrome.txt")
    assert fields["title"] == "胃癌围手术期治疗怎么选" and not fields["title_derived"]
    assert (fields["date"], fields["outlet"]) == ("2025-10-11T09:30:00", "医谈网")
    text = "\n".join([fields["lead"], *(q.question + q.answer for q in fields["qa"])])
    assert "首页" not in text and "相关阅读" not in text and "幽门螺杆菌" not in text and "感谢" not in text
    assert fields["qa"][-1].answer.endswith("多学科讨论的框架下进行。") and census.lost == []


def test_an_affiliation_in_the_label_and_a_byline_stay_out_of_the_answer():
    fields, _ = parsed("affiliated-labels.txt")
    assert fields["outlet"] == "南湖日报"
    assert [q.answer[:4] for q in fields["qa"]] == ["有。初始", "先要检测", "一般在肿"]
    fields, _ = parsed("expert-byline.txt")
    [expert] = fields["experts"]
    assert (expert.name, expert.bio) == ("蔡雪梅", "南湖省肿瘤医院营养科")
    assert "作者" not in fields["lead"] + "".join(q.answer for q in fields["qa"])


def test_end_matter_after_the_last_answer_stays_out_of_it():
    fields, census = parsed("decorated-labels.txt")
    assert fields["qa"][-1].answer.endswith("给肝脏留出恢复时间。") and census.lost == []
    # references are the text's own: they stay with the last answer, searchable
    fields, census = parsed("numbered-questions.txt")
    assert fields["qa"][-1].answer.endswith("[2] 示例文献二（示例数据）。") and census.lost == []
    fields, _ = parsed("decorated-labels.txt")
    assert fields["outlet"] == "杏林汇-肿瘤医生APP" and fields["experts"][0].title == "主任医师"


@pytest.mark.parametrize("credit", ["责任编辑：宋某", "审核:韩某", "（编辑：宋某）", "图源：主办方"])
def test_a_credit_under_the_experts_bio_is_no_part_of_it(credit):
    page = (PAGES / "label-own-line.txt").read_text("utf-8")
    fields, _ = parsed("label-own-line.txt")
    bios = {e.name: e.bio for e in fields["experts"]}
    lines = page.rstrip("\n").split("\n")
    last_answer = max(i for i, line in enumerate(lines) if line.startswith(fields["qa"][-1].answer[:10]))
    with_bio = "\n".join(lines[:last_answer + 1] + ["", "邝若水 教授", "西川医科大学附属医院泌尿外科", credit] + lines[last_answer + 1:])
    got, census = parse_page(with_bio)
    assert {e.name: e.bio for e in got["experts"]} == bios and census.lost == []
    assert credit not in "".join(q.answer for q in got["qa"])


def test_an_expert_labelled_by_a_bare_name_takes_the_title_the_lead_gives():
    fields, _ = parsed("bare-names.txt")
    assert [(e.name, e.title) for e in fields["experts"]] == [("陈见山", "主任医师")]


def test_a_question_with_nothing_under_it_is_reported_as_lost_with_its_line_number():
    page = (PAGES / "reporter-host.txt").read_text("utf-8")
    page = page.replace("记者:于理事长您好", "记者:于理事长您好,这个问题没有回答?\n\n\n记者:于理事长您好", 1)
    _, census = parse_page(page)
    assert [line for line, _ in census.lost] == [7]


def test_the_paragraphs_under_a_question_that_no_answer_label_follows_are_its_answer():
    page = (PAGES / "reporter-host.txt").read_text("utf-8")
    page = page.replace("记者:于理事长您好", "记者:于理事长您好,肝癌高危人群应当多久复查一次?\n\n\n"
                        "一般每六个月做一次超声和甲胎蛋白检查。\n\n肝硬化患者可以缩短间隔。\n\n记者:于理事长您好", 1)
    fields, census = parse_page(page)
    assert census.lost == []
    first = fields["qa"][0]
    assert first.question.endswith("多久复查一次?")
    assert first.answer == "一般每六个月做一次超声和甲胎蛋白检查。\n\n肝硬化患者可以缩短间隔。"
    assert first.expert == "于承泽"  # the one expert the page names
    assert len(fields["qa"]) == 4


def test_a_hosts_closing_remark_is_no_lost_question():
    page = (PAGES / "reporter-host.txt").read_text("utf-8") + "\n主持人:感谢于理事长的分享。\n"
    fields, census = parse_page(page)
    assert census.lost == [] and len(fields["qa"]) == 3
    assert all("感谢" not in q.question + q.answer for q in fields["qa"])


# --- generated variations: every sample's Q&As through every label class ----------------------------

def _structures() -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """(name, [(question, answer, expert, expert's title)]) of every interview among the samples."""
    out = []
    for path in [*sorted(SAMPLES.glob("*.txt")), *(PAGES / n for n in sorted(CLASSES) if CLASSES[n][0] == "interview")]:
        fields, _ = parse_page(decode(path.read_bytes(), str(path)))  # one sample is GB18030
        if fields["kind"] != "interview" or "english" in path.name:
            continue
        titles = {e.name: e.title for e in fields["experts"]}
        qa = [(to_simplified(q.question), to_simplified(q.answer), to_simplified(q.expert),
               to_simplified(titles.get(q.expert) or "教授")) for q in fields["qa"] if q.expert and q.question]
        if qa:
            out.append((path.name, qa))
    return out


STRUCTURES = _structures()
TITLES = ["教授", "主任", "主任医师", "副主任医师", "院长", "理事长", "院士", "研究员", "医生", "副教授"]
TEXT_TITLES = ["教授", "主任", "主任医师", "院长", "理事长", "院士", "研究员", "副教授"]
OUTLETS = ["《肿瘤瞭望》", "肿瘤瞭望", "《肿瘤瞭望-泌尿时讯》", "肿瘤瞭望消化时讯", "医脉通", "康迅网", "《健康之友》", "齐鲁壹点"]
ASKERS = ["记者", "主持人", "主持人张某", "问", "Q", "Q{n}", "Q{n}\n", "{outlet}\n", "记者\n", "{outlet}:\n",
          "【记者】", "[问]", "【{outlet}】", "Ｑ{N}", "南湖日报记者", "患者", "网友"]
PLACES = ["东川大学附属第一医院", "南湖省肿瘤医院胸外科", "西湾市人民医院肿瘤科", "北屿医科大学附属医院"]
ANSWER_STYLES = ["{name}{title}:", "{name} {title}:", "{name}{title} :", "{name}:", "{name}{title}\n", "{name}{title}:\n",
                 "{name} {title}\n", "【{name}】", "{place}{name}{title}:", "{name}（{place}）:", "{name}{title}（{place}）:",
                 "{name} {place}{title}:"]
LEAD_NAMED_STYLES = ["{surname}{title}:"]  # the lead must name the experts in full, and no two share a surname
ONE_EXPERT_STYLES = ["答:", "Ａ{N}:", "", "问答一行", "医生:", "专家:"]  # the page's one expert is named only in its title and lead
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _surname(name: str) -> str:
    from searchsvc.ingest.labels import words
    return name[:2] if name[:2] in words().get("surname2", ()) else name[:1]


@st.composite
def variations(draw):
    name, qa = draw(st.sampled_from(STRUCTURES))
    asker = draw(st.sampled_from(ASKERS + [None] * 4))  # None: the outlet as a colon label
    outlet = draw(st.sampled_from(OUTLETS))
    colon = draw(st.sampled_from([":", "：", " : ", "： "]))
    experts = list(dict.fromkeys(e for _, _, e, _ in qa))
    styles = list(ANSWER_STYLES)
    if len({_surname(e) for e in experts}) == len(experts):
        styles += LEAD_NAMED_STYLES
    one_line = all(re.search(r"[?？]$", q) and "\n" not in q for q, _, _, _ in qa)
    if len(experts) == 1 and one_line:  # an unlabelled answer ends where the next question starts
        styles += ONE_EXPERT_STYLES
    if any(len(e) > 3 for e in experts):
        styles = [a for a in styles if "{place}{name}" not in a]  # a name after an institution: two or three characters
    answer_style = draw(st.sampled_from(styles))
    bare = answer_style in ("{name}:", "【{name}】", "{name}（{place}）:")
    titles = {e: draw(st.sampled_from(TEXT_TITLES if bare else TITLES)) for e in experts}
    traditional = draw(st.booleans())
    # the lead need not name the experts when each speaks at least twice (a name alone on its line
    # twice is a speaker label; once, after another expert's answer, it reads as a photo caption)
    answers = Counter(e for _, _, e, _ in qa)
    lead_names = draw(st.booleans()) if len(answers) == 1 or min(answers.values()) >= 2 else True
    if answer_style in LEAD_NAMED_STYLES + ONE_EXPERT_STYLES:
        lead_names = True
    # a follow-up question ending in a question mark may come without a label, between two answers of one expert
    unlabelled = draw(st.booleans()) and answer_style not in ONE_EXPERT_STYLES
    if answer_style == "问答一行":
        asker = "问"
    elif all(re.search(r"[?？]$", q) for q, _, _, _ in qa) and draw(st.integers(0, 9)) == 0:
        asker = "杏林汇-肿瘤医生APP"  # a brand's label that no word marks: it asks because its turns do
    if answer_style == "【{name}】" and not (asker or "").startswith(("【", "[")):
        lead_names = True  # a bracketed name on a page that does not bracket its questions: a heading, unless the lead names it
    answer_style = answer_style.replace("{place}", draw(st.sampled_from(PLACES)))
    return name, qa, asker, outlet, answer_style, colon, titles, traditional, lead_names, unlabelled, \
        draw(st.sampled_from(["", "▍", "■ "])), draw(st.sampled_from(["", "\n（编辑：宋某）\n", "\n（完）\n"]))


def decorate(page: str, bullet: str, tail: str) -> str:
    """Put a bullet before every label line of a rendered page (not the title, lead or answers' later
    paragraphs), and a closing line after it."""
    if bullet:
        page = "\n".join(bullet + line if re.match(r"^\S{1,30}?\s*[:：】]|^[【\[]", line) and i > 2 else line
                         for i, line in enumerate(page.split("\n")))
    return page + tail


def render(qa, asker, outlet, answer_style, colon, titles, lead_names=True, unlabelled=False) -> str:
    experts = list(dict.fromkeys(e for _, _, e, _ in qa))
    lead_titles = {e: (t if t in TEXT_TITLES else "教授") for e, t in titles.items()}
    lead = (f"示例会议期间,{outlet.strip('《》')}特邀几位专家分享了临床经验。" if not lead_names else
            f"示例会议期间,{outlet.strip('《》')}特邀" + "、".join(f"{e}{lead_titles[e]}" for e in experts) + "分享了临床经验。")
    lines = [f"{experts[0]}{titles[experts[0]]}{colon}示例访谈标题（示例数据）" if lead_names else "示例访谈标题（示例数据）", "",
             lead, ""]
    previous_q = None
    previous_expert = None
    n = 0
    for question, answer, expert, _ in qa:
        if question != previous_q:
            n += 1
            label = (asker or outlet + ":").replace("{n}", str(n)).replace("{outlet}", outlet)
            label = label.replace("{N}", str(n).translate(FULLWIDTH_DIGITS))
            if unlabelled and n > 1 and expert == previous_expert and re.search(r"[?？]$", question) \
                    and "\n" not in question:
                lines += [question, ""]
            elif answer_style == "问答一行":  # 问:…?答:… on one line
                first, *rest = answer.split("\n\n")
                lines += [f"问{colon}{question}答{colon}{first}", "", *sum(([p, ""] for p in rest), [])]
                previous_q, previous_expert = question, expert
                continue
            elif label.endswith("】") or label.endswith("]"):
                lines += [label + question, ""]
            elif label.endswith("\n"):
                lines += [label.rstrip("\n").replace(":", colon.strip() or ":"), question, ""]
            else:
                lines += [(label if label.endswith(":") else label + ":").replace(":", colon) + question, ""]
            previous_q = question
        previous_expert = expert
        a = answer_style.format(name=expert, title=titles[expert], surname=_surname(expert), N=str(n).translate(FULLWIDTH_DIGITS))
        paragraphs = answer.split("\n\n")
        if not a or a.endswith("】"):  # no label: the answer's paragraphs under the question; or 【name】text
            lines += [a + paragraphs[0], "", *sum(([p, ""] for p in paragraphs[1:]), [])]
        elif a.endswith("\n"):
            lines += [a.rstrip("\n").replace(":", colon.strip() or ":"), *sum(([p, ""] for p in paragraphs), [])]
        else:
            lines += [a.replace(":", colon) + paragraphs[0], "", *sum(([p, ""] for p in paragraphs[1:]), [])]
    return "\n".join(lines)


@CHECK
@given(variations())
def test_every_label_class_gives_the_same_questions_answers_and_experts(case):
    name, qa, asker, outlet, answer_style, colon, titles, traditional, lead_names, unlabelled, bullet, tail = case
    page = decorate(render(qa, asker, outlet, answer_style, colon, titles, lead_names, unlabelled), bullet, tail)
    if traditional:
        page = TO_TRADITIONAL.convert(page)
    fields, census = parse_page(page)
    got = [(to_simplified(q.question), to_simplified(q.answer), to_simplified(q.expert)) for q in fields["qa"]]
    want = [(to_simplified(TO_TRADITIONAL.convert(q)) if traditional else q,
             to_simplified(TO_TRADITIONAL.convert(a)) if traditional else a,
             to_simplified(TO_TRADITIONAL.convert(e)) if traditional else e) for q, a, e, _ in qa]
    assert got == want, (name, page[:600])
    assert [to_simplified(e.name) for e in fields["experts"]] == list(dict.fromkeys(e for _, _, e in want))
    assert fields["kind"] == "interview" and census.lost == []


# --- every class page is found by its expert's name and by a word of its text -------------------------

FINDS = {  # file: (the expert searched for, a word of its text)
    "outlet-other.txt": ("支慕言", "KEYNOTE-811"),
    "reporter-host.txt": ("于承泽", "静脉曲张"),
    "q1-style.txt": ("贺知秋", "腋窝淋巴结清扫"),
    "label-own-line.txt": ("邝若水", "PSA倍增时间"),
    "bare-names.txt": ("陈见山", "超声内镜"),
    "roundtable.txt": ("盛远帆", "预防性全脑照射"),
    "subheadings.txt": ("顾南星", "托珠单抗"),
    "bios-before.txt": ("韦书宁", "HPV疫苗"),
    "monologue.txt": ("梁映川", "转化治疗"),
    "news-report.txt": ("温可岚", "内镜黏膜下剥离术"),
    "no-title.txt": ("黄启明", "细针穿刺"),
    "traditional.txt": ("黄启明", "阿昔替尼"),
    "english-first.txt": ("史密斯", "间质性肺病"),
    "question-lines.txt": ("李望川", "霍奇金淋巴瘤"),
    "portal-qa.txt": ("温思远", "磨玻璃结节"),
    "roundtable-names-alone.txt": ("苏静怡", "抗体克隆"),
    "mixed-questions.txt": ("魏长青", "胸膜牵拉"),
    "surname-labels.txt": ("欧阳舒", "肺段切除"),
    "unlabelled-answers.txt": ("董小舟", "卵巢功能抑制"),
    "site-chrome.txt": ("林海", "FLOT"),
    "affiliated-labels.txt": ("刘春明", "抗EGFR单抗"),
    "bracket-labels.txt": ("赵明远", "纳武利尤单抗"),
    "fullwidth-labels.txt": ("许文静", "同源重组缺陷"),
    "expert-byline.txt": ("蔡雪梅", "口服营养补充"),
    "news-said.txt": ("傅晓东", "超声内镜"),
    "decorated-labels.txt": ("唐宁", "门静脉主干癌栓"),
    "numbered-questions.txt": ("邓川", "减瘤性肾切除"),
    "patient-questions.txt": ("严秋", "淋巴水肿"),
    "name-first-labels.txt": ("周明", "放射性碘"),
    "note-numbered-prose.txt": ("戚远山", "糖皮质激素"),
}


@pytest.fixture(scope="module")
def class_index(tmp_path_factory):
    store = IndexStore(tmp_path_factory.mktemp("classes") / "index")
    report = ingest([PAGES], store)
    assert report.failed == 0 and report.added == len(CLASSES), [f.reason for f in report.failures]
    return store


def test_finds_cover_every_class():
    assert set(FINDS) == set(CLASSES)


@pytest.mark.parametrize("name", sorted(FINDS))
def test_every_class_page_is_found_by_its_experts_name_and_a_word_of_its_text(class_index, name):
    searcher = Searcher(class_index)
    title = parsed(name)[0]["title"]
    expert, word = FINDS[name]
    for query in (expert, word):
        titles = [hit.title for hit in searcher.search(query, per_page=20).hits]
        assert title in titles, (query, titles)


# --- generated variations: site chrome around an interview --------------------------------------------

SEPARATORS = [" > ", ">", "＞", " » ", " › "]
MORE_HEADINGS = ["相关阅读", "延伸阅读", "推荐阅读", "相关文章", "猜你喜欢", "往期回顾"]


@st.composite
def chrome(draw):
    crumbs = draw(st.lists(st.sampled_from(["首页", "健康", "肿瘤频道", "专家访谈", "资讯", "正文"]), min_size=3, max_size=5))
    sep = draw(st.sampled_from(SEPARATORS))
    day = draw(st.dates(min_value=__import__("datetime").date(2012, 1, 1), max_value=__import__("datetime").date(2026, 12, 1)))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    date_line = draw(st.sampled_from(["{outlet}　{d} {t}", "{d} {t} {outlet}", "发布时间：{d} {t}", "{d}", "{outlet} | {d}"]))
    date_style = draw(st.sampled_from(["{y}-{m:02d}-{dd:02d}", "{y}年{m}月{dd}日", "{y}/{m}/{dd}"]))
    outlet = draw(st.sampled_from(["医谈网", "健康时报", "东川晚报", "杏林在线"]))
    more = draw(st.sampled_from(MORE_HEADINGS))
    links = draw(st.lists(st.sampled_from(["肺癌筛查的五个误区", "乳腺癌术后怎么复查", "化疗期间的饮食建议"]), max_size=3))
    thanks = draw(st.booleans())
    d = date_style.format(y=day.year, m=day.month, dd=day.day)
    line = date_line.format(outlet=outlet, d=d, t=f"{hour:02d}:{minute:02d}")
    timed = "{t}" in date_line and date_style != "{y}年{m}月{dd}日"
    return sep.join(crumbs), line, more, links, thanks, (day, hour, minute, timed), outlet


@CHECK
@given(chrome())
def test_site_chrome_in_any_form_leaves_title_date_and_qa_as_written(case):
    crumbs, date_line, more, links, thanks, (day, hour, minute, timed), outlet = case
    page = (PAGES / "reporter-host.txt").read_text("utf-8")
    plain, _ = parse_page(page)
    title, rest = page.split("\n", 1)
    tail = ("\n主持人:感谢于理事长的分享。\n" if thanks else "") + f"\n{more}:\n\n" + "\n\n".join(links) + "\n"
    fields, census = parse_page(f"{crumbs}\n\n{title}\n\n{date_line}\n{rest}{tail}")
    assert fields["title"] == plain["title"] and not fields["title_derived"]
    assert [(q.question, q.answer, q.expert) for q in fields["qa"]] == [(q.question, q.answer, q.expert) for q in plain["qa"]]
    assert fields["date"].startswith(day.isoformat())
    if timed:
        assert fields["date"] == f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"
    if date_line.startswith(outlet):
        assert fields["outlet"] == outlet
    assert census.lost == [] and fields["lead"] == plain["lead"]


# --- generated variations: questions without a label, numbered any way ----------------------------------

ONE_LINE = [(n, qa) for n, qa in STRUCTURES if all(re.search(r"[?？]$", q) and "\n" not in q for q, _, _, _ in qa)]


@CHECK
@given(st.sampled_from(ONE_LINE), st.sampled_from(["{n}、", "{n}.", "{n}. ", "Q{n}.", "Q{n}、", "Ｑ{n}．", ""]),
       st.sampled_from(["{name}{title}:", "{name}{title}：", "{name} {title}:"]))
def test_numbered_questions_without_a_label_are_read_without_their_numbers(structure, numbering, answer_style):
    name, qa = structure
    lines = ["示例访谈标题（示例数据）", ""]
    previous = None
    n = 0
    for question, answer, expert, title in qa:
        if question != previous:
            n += 1
            lines += [numbering.format(n=n) + question, ""]
            previous = question
        first, *rest = answer.split("\n\n")
        lines += [answer_style.format(name=expert, title=title) + first, "", *sum(([p, ""] for p in rest), [])]
    fields, census = parse_page("\n".join(lines))
    assert [(q.question, q.answer, q.expert) for q in fields["qa"]] == [(q, a, e) for q, a, e, _ in qa], name
    assert census.lost == []
