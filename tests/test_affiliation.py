"""An expert's affiliation from the bio the interview gives (searchsvc/analysis/affiliation.py).

Bios are generated in the site's layout (sample data, fictional places): a first line
"<institution><department><role>，<more roles>", then research interests and society
posts; in Simplified or Traditional script, with or without an honour or a bare role
before the workplace.  The affiliation is the institution and department, as written.
"""

from __future__ import annotations

import opencc
from hypothesis import given, settings, strategies as st

from searchsvc.analysis.affiliation import MAX_CHARS, affiliation, expert_details
from searchsvc.article import Expert

TO_TRADITIONAL = opencc.OpenCC("s2t").convert

PLACES = ["江南", "西岭", "滨海", "东川", "北陵", "云岭", "南屿", "西江", "东阳", "北川"]
INSTITUTIONS = ["医科大学附属肿瘤医院", "大学附属第一医院", "省人民医院", "省肿瘤医院", "市中心医院", "大学肿瘤研究所",
                "医学院附属胸科医院", "省肿瘤防治中心", "大学医学院", "省医学科学院肿瘤医院", "大学附属第二医院"]
DEPARTMENTS = ["", "胸部肿瘤内科", "放射治疗科", "乳腺外科", "肝胆胰外科", "血液科", "病理科", "肺癌中心", "肿瘤内科二病区",
               "分子病理实验室", "消化内科"]
FIRST_ROLES = ["主任", "副主任", "主任医师", "副主任医师", "主治医师", "教授", "研究员", "首席专家", "名誉院长", "副院长",
               "所长", "学科带头人", "医生"]
MORE_ROLES = ["主任医师", "教授", "副教授", "博士研究生导师", "硕士研究生导师", "医学博士", "研究员", "博士生导师"]
HONOURS = ["中国工程院院士", "中国科学院院士"]
COMMAS = [",", "，", "、", "；"]
LATER_LINES = ["主要从事肺癌靶向治疗及耐药机制研究", "擅长乳腺癌的内科治疗与多学科综合诊疗",
               "中国抗癌协会肺癌专业委员会委员", "兼任省肿瘤质控中心专家委员会委员，省人民医院客座教授",
               "长期从事胃癌外科治疗研究"]


@st.composite
def bios(draw, with_workplace: bool = True):
    """(bio, expected affiliation in Simplified): a generated bio in the site's layout."""
    workplace = draw(st.sampled_from(PLACES)) + draw(st.sampled_from(INSTITUTIONS)) + draw(st.sampled_from(DEPARTMENTS))
    comma = draw(st.sampled_from(COMMAS))
    roles = [draw(st.sampled_from(FIRST_ROLES))] + draw(st.lists(st.sampled_from(MORE_ROLES), max_size=3))
    space = draw(st.sampled_from(["", " "]))
    first = [workplace + space + roles[0], *roles[1:]] if with_workplace else roles
    before = draw(st.sampled_from([[], [draw(st.sampled_from(HONOURS))], ["主任医师"]]))
    lines = [comma.join(before + first)] + draw(st.lists(st.sampled_from(LATER_LINES), max_size=3))
    return "\n".join(lines), workplace if with_workplace else ""


FAST = settings(max_examples=300, deadline=None)


@FAST
@given(bios())
def test_the_affiliation_is_the_workplace_the_first_line_names(case):
    bio, expected = case
    assert affiliation(bio) == expected


@FAST
@given(bios())
def test_a_traditional_bio_gives_the_same_affiliation_in_its_own_script(case):
    bio, expected = case
    traditional = TO_TRADITIONAL(bio)
    found = affiliation(traditional)
    assert found == TO_TRADITIONAL(expected)
    assert found in traditional.split("\n")[0]


@FAST
@given(bios(with_workplace=False))
def test_a_first_line_of_roles_and_honours_only_names_no_affiliation(case):
    bio, _ = case  # later lines may name a centre or a hospital: they are not where the expert works
    assert affiliation(bio) == ""


@FAST
@given(st.sampled_from(PLACES), st.integers(min_value=MAX_CHARS - 10, max_value=3 * MAX_CHARS), st.sampled_from(FIRST_ROLES))
def test_a_long_affiliation_is_cut_to_the_cap_and_says_so(place, length, role):
    workplace = (place + "联合医院" + "肿瘤防治协作网络" * 20)[:length]
    bio = workplace + role + "，教授"
    found = affiliation(bio)
    assert len(found) <= MAX_CHARS
    if len(workplace) <= MAX_CHARS:
        assert found == workplace
    else:
        assert found.endswith("…") and workplace.startswith(found[:-1]) and len(found) == MAX_CHARS


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_any_bio_gives_part_of_its_first_line_or_nothing(bio):
    found = affiliation(bio)
    assert len(found) <= MAX_CHARS
    if found:
        first = next(part for part in bio.replace("。", "\n").split("\n") if part.strip())
        assert found in first or (found.endswith("…") and found[:-1] in first)


def test_examples_as_bios_write_them():
    assert affiliation("国家癌症中心/中国医学科学院肿瘤医院主任医师,内科胸部肿瘤病区主任") == "国家癌症中心/中国医学科学院肿瘤医院"
    assert affiliation("南岭大学肿瘤研究所研究员，分子病理与精准医学实验室主任") == "南岭大学肿瘤研究所"
    assert affiliation("江南省人民医院结直肠肿瘤科主任医师，科室副主任") == "江南省人民医院结直肠肿瘤科"
    assert affiliation("") == "" and affiliation("\n\n") == ""


def test_expert_details_keep_the_interviews_order_name_and_title():
    experts = [Expert("甲医生", "教授", "滨海大学附属第一医院血液科主任，教授"), Expert("乙医生", "", "主要从事淋巴瘤研究"),
               Expert("丙医生")]
    assert [(d.name, d.title, d.affiliation) for d in expert_details(experts)] == [
        ("甲医生", "教授", "滨海大学附属第一医院血液科"), ("乙医生", "", ""), ("丙医生", "", "")]
