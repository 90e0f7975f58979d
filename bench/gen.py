"""Deterministic synthetic corpus in the site's plain-text page layout.

    python bench/gen.py --size 5k [--seed 20251118] [--out bench/corpus]

Writes ``bench/corpus/<size>/<nnn>/<nnnnn>.txt`` (1,000 pages per folder) and a
``corpus.json`` with its size in characters and bytes.  Page ``i`` depends only on
(seed, i) and the clinical-term table, so the 1k corpus is the first 1,000 pages of
the 5k one, and any page can be regenerated on its own (used to make "changed"
pages for the incremental benchmark).

The text is synthetic word salad, but with the statistics that matter to an index:

- general words drawn from jieba's own dictionary with their corpus frequencies
  (a Zipf-like distribution: a few very common words, a long tail of rare ones);
- a few hundred medical words (患者, 治疗, 疗效 ...) at the rates of the samples;
- clinical terms (drugs, genes, diseases, endpoints) from
  ``searchsvc/analysis/lexicon/synonyms.tsv`` when present (else a built-in table), Zipf over
  the table, bursty within an interview (each interview has 4-8 topic terms that
  recur), sometimes written as their English name or code (奥希替尼 / osimertinib);
- numbers and percentages, English trial names;
- the site's structure: breadcrumb, title, 作者/日期/浏览量, a notice line saying the
  page is synthetic benchmark data, lead, 编者按, 3-6 Q&As (《肿瘤瞭望》: / <name>教授:),
  expert name line and bio, disclaimer, tags and the share line; ~3,500 characters;
- in about one page in six, one to three look-alikes planted in answers: a sentence or
  a paragraph that looks like a part of the page around the body (the disclaimer, the
  share line, the expert's name line, 标签, 编者按), drawn from a random stream of their
  own so the rest of the page is what it was without them.

``qa.json`` beside the pages gives each page's number of Q&As (what ``run.py``'s
conservation phase checks the ingest against).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import os
import random
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNONYMS = ROOT / "searchsvc" / "analysis" / "lexicon" / "synonyms.tsv"
SIZES = {"1k": 1_000, "5k": 5_000, "20k": 20_000}
DEFAULT_SEED = 20251118
PAGE_CHARS = 3_500
MARKER = "示例数据：本页为性能基准测试自动生成的合成文本，并非真实访谈，专家、机构与数据均为虚构。"

# Clinical terms used when the lexicon file is absent (kind, canonical, variants...).
FALLBACK_TERMS = [
    ("disease", "非小细胞肺癌", "NSCLC"), ("disease", "小细胞肺癌", "SCLC"), ("disease", "肺腺癌"),
    ("disease", "乳腺癌"), ("disease", "三阴性乳腺癌", "TNBC"), ("disease", "胃癌"), ("disease", "结直肠癌", "CRC"),
    ("disease", "肝细胞癌", "HCC"), ("disease", "食管鳞癌", "ESCC"), ("disease", "胰腺癌"), ("disease", "淋巴瘤"),
    ("disease", "多发性骨髓瘤", "MM"), ("disease", "卵巢癌"), ("disease", "前列腺癌"), ("disease", "宫颈癌"),
    ("drug", "奥希替尼", "osimertinib"), ("drug", "阿美替尼", "aumolertinib"), ("drug", "吉非替尼", "gefitinib"),
    ("drug", "帕博利珠单抗", "pembrolizumab"), ("drug", "纳武利尤单抗", "nivolumab"), ("drug", "信迪利单抗"),
    ("drug", "卡瑞利珠单抗"), ("drug", "替雷利珠单抗"), ("drug", "阿替利珠单抗", "atezolizumab"),
    ("drug", "度伐利尤单抗", "durvalumab"), ("drug", "曲妥珠单抗", "trastuzumab"), ("drug", "德曲妥珠单抗", "T-DXd"),
    ("drug", "贝伐珠单抗", "bevacizumab"), ("drug", "仑伐替尼", "lenvatinib"), ("drug", "索托拉西布", "sotorasib"),
    ("drug", "阿来替尼", "alectinib"), ("drug", "洛拉替尼", "lorlatinib"), ("drug", "顺铂"), ("drug", "卡铂"),
    ("drug", "紫杉醇"), ("drug", "多西他赛"), ("drug", "培美曲塞"), ("drug", "奥沙利铂"), ("drug", "卡培他滨"),
    ("gene", "KRAS"), ("gene", "EGFR"), ("gene", "ALK"), ("gene", "ROS1"), ("gene", "RET"), ("gene", "MET"),
    ("gene", "HER2", "ERBB2"), ("gene", "BRAF V600E"), ("gene", "KRAS G12C"), ("gene", "EGFR L858R"),
    ("gene", "PD-L1"), ("gene", "MSI-H"), ("gene", "dMMR"), ("gene", "TMB"), ("gene", "BRCA1"), ("gene", "TP53"),
    ("endpoint", "客观缓解率", "ORR"), ("endpoint", "无进展生存期", "PFS"), ("endpoint", "总生存期", "OS"),
    ("endpoint", "无病生存期", "DFS"), ("endpoint", "病理完全缓解", "pCR"), ("endpoint", "疾病控制率", "DCR"),
    ("modality", "免疫治疗"), ("modality", "靶向治疗"), ("modality", "化疗"), ("modality", "放疗"),
    ("modality", "立体定向放疗", "SBRT"), ("modality", "新辅助治疗"), ("modality", "辅助治疗"), ("modality", "抗体偶联药物", "ADC"),
    ("stage", "广泛期"), ("stage", "局限期"), ("stage", "晚期"), ("stage", "可切除"),
    ("term", "脑转移"), ("term", "肝转移"), ("term", "不良反应"), ("term", "免疫相关不良反应", "irAE"),
    ("term", "耐药"), ("term", "基因检测"), ("term", "二代测序", "NGS"), ("term", "多学科诊疗", "MDT"),
]

# Medical words a clinical interview uses far more than general text (weights ~ per-mille of words).
MEDICAL_WORDS = (
    "患者 治疗 研究 临床 疗效 数据 生存 获益 方案 肿瘤 药物 联合 一线 二线 后线 中位 缓解 进展 显示 结果 "
    "随访 安全性 耐受性 毒性 剂量 人群 亚组 指南 推荐 标准 检测 靶点 突变 表达 阳性 阴性 转移 复发 手术 "
    "切除 病灶 影像 评估 分期 病理 诊断 筛查 早期 局部 系统 全身 控制 风险 预后 因素 机制 证据 试验 "
    "入组 对照 随机 Ⅲ期 Ⅱ期 探索 真实世界 回顾性 前瞻性 队列 分析 比例 延长 改善 降低 提高 显著 "
    "统计学 差异 意义 优势 策略 模式 管理 监测 处理 停药 减量 恢复 症状 体能 状态 评分 生活质量 "
    "医生 团队 专家 共识 学术 会议 大会 发布 国内 国际 国产 上市 获批 适应证 可及性 医保 费用"
).split()

SURNAMES = ("李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("晓舟砚秋牧川月华志杰文博建国海燕春梅立新明辉晨阳思远雨桐子涵宏伟丽娟振华永强国庆红霞静怡浩然嘉怡"
         "若兰清扬俊杰承志雅琴德明秀英卫东玉兰长青乐天知行慕白望舒景行")
PLACES = ("江南", "西岭", "东海", "北原", "南湖", "云州", "临川", "青岚", "白石", "松江", "晴川", "丹霞", "星河", "长风")
HOSPITAL_KINDS = ("医科大学附属肿瘤医院", "大学附属第一医院", "省肿瘤医院", "市人民医院", "医学院附属医院", "大学医学中心")
DEPARTMENTS = ("胸部肿瘤内科", "肿瘤内科", "乳腺外科", "胃肠外科", "肝胆外科", "放疗科", "血液科", "胸外科", "病理科", "消化内科")
EXPERT_TITLES = ("教授", "教授", "教授", "主任医师", "副教授")
CONFERENCES = ("胸部肿瘤学术周", "肺癌精准诊疗论坛", "乳腺癌高峰论坛", "消化道肿瘤大会", "肿瘤免疫治疗论坛", "血液肿瘤年会",
               "结直肠癌论坛", "肝癌多学科论坛", "临床肿瘤学大会")
TAGS = ("肺癌", "乳腺癌", "胃癌", "结直肠癌", "肝癌", "食管癌", "胰腺癌", "淋巴瘤", "白血病", "骨髓瘤", "卵巢癌", "前列腺癌",
        "免疫治疗", "靶向治疗", "化疗", "放疗", "精准医学", "临床研究", "指南解读", "多学科诊疗", "不良反应管理",
        "新药进展", "早筛早诊", "围手术期", "真实世界研究", "转化研究", "会议报道", "专家访谈")
TRIALS = ("KEYNOTE", "CheckMate", "IMpower", "FLAURA", "DESTINY-Breast", "CodeBreaK", "KRYSTAL", "ORIENT", "RATIONALE",
          "CameL", "PACIFIC", "ADAURA", "LAURA", "MARIPOSA", "TROPION", "CAPSTONE", "ASTRUM", "GEMSTONE")
QUESTION_OPENERS = ("能否请您谈谈", "您如何看待", "请您介绍一下", "在临床实践中", "从最新研究来看", "对于", "未来", "您认为",
                    "针对", "在", "关于")
QUESTION_CLOSERS = ("有哪些新进展？", "应当如何选择？", "有哪些值得关注的问题？", "的前景如何？", "需要注意哪些方面？",
                    "您有哪些经验可以分享？", "的地位发生了怎样的变化？", "如何优化治疗策略？")
# Words that would make a line look like a page part (disclaimer, notice, share) to the parser.
PAGE_PART = re.compile(r"仅供.{0,12}参考|免责声明|版权所有|谢绝.{0,8}转载|示例数据|未经授权|分享到")
# Look-alikes planted in answers (``Page.plant``): inline sentences and whole paragraphs.
LOOKALIKE_SENTENCES = ("以上数据仅供临床参考。", "这些结论仅供同行参考。", "这里并不是免责声明。", "欢迎把这些经验分享到科室群。",
                       "编者按中也提到了这一点。", "标签式的简单分层并不可取。")
LOOKALIKE_PARAGRAPHS = ("本内容仅供医学专业人士参考", "免责声明：个案经验不能替代指南。", "分享到: 更多", "标签",
                        "标签：肺癌", "编者按：以下为现场补充。", "{name}{title}", "肺癌")
UNSAFE = re.compile(r"仅供|免责|分享|示例|版权|转载|授权|编者|当前位置|作者|日期|浏览|阅读量|来源|时间|教授|医师|主任|博士|研究员|医生|老师")


def zipf_cum(n: int, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (r ** s) for r in range(1, n + 1)))


@lru_cache(maxsize=1)
def general_vocabulary(limit: int = 60_000) -> tuple[list[str], list[float]]:
    """jieba's dictionary words (CJK only), with cumulative corpus frequencies."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]{1,4}", parts[0]) and not UNSAFE.search(parts[0]):
                rows.append((int(parts[1]), parts[0]))
    rows.sort(key=lambda fw: (-fw[0], fw[1]))
    rows = rows[:limit]
    return [w for _, w in rows], list(itertools.accumulate(f for f, _ in rows))


@lru_cache(maxsize=1)
def clinical_terms() -> list[tuple[str, str, list[str]]]:
    """(kind, canonical, variants usable in running text), in a fixed order."""
    groups = []
    if SYNONYMS.exists():
        for line in SYNONYMS.read_text("utf-8").splitlines():
            parts = [p.strip() for p in line.split("\t")]
            if line.startswith("#") or len(parts) < 2 or not parts[1]:
                continue
            groups.append((parts[0], parts[1], [p for p in parts[2:] if p and len(p) <= 24]))
    if not groups:
        groups = [(g[0], g[1], list(g[2:])) for g in FALLBACK_TERMS]
    # A fixed "popularity" order: a seeded shuffle, so the Zipf head is not just the file's first lines.
    order = random.Random("clinical-terms").sample(range(len(groups)), len(groups))
    return [groups[i] for i in order]


def term_table_hash() -> str:
    return hashlib.sha256(json.dumps(clinical_terms(), ensure_ascii=False).encode()).hexdigest()[:12]


class Page:
    """One synthetic interview, generated from (seed, number)."""

    def __init__(self, seed: int, number: int, salt: str = ""):
        self.rng = random.Random(f"{seed}:{number}:{salt}")
        self.seed, self.number, self.salt = seed, number, salt
        self.qa_count = 0
        self.words, self.word_cum = general_vocabulary()
        self.terms = clinical_terms()
        self.term_cum = zipf_cum(len(self.terms), 1.05)
        self.medical_cum = zipf_cum(len(MEDICAL_WORDS), 0.8)
        rng = self.rng
        self.topic = [self._zipf_term() for _ in range(rng.randint(4, 8))]
        self.experts = [expert(seed, self._zipf_index(2_000, 1.1)) for _ in range(2 if rng.random() < 0.2 else 1)]

    # -- drawing ---------------------------------------------------------------------
    def _zipf_index(self, n: int, s: float) -> int:
        return bisect.bisect_left(zipf_cum(n, s), self.rng.random() * zipf_cum(n, s)[-1])

    def _zipf_term(self) -> tuple[str, str, list[str]]:
        i = bisect.bisect_left(self.term_cum, self.rng.random() * self.term_cum[-1])
        return self.terms[min(i, len(self.terms) - 1)]

    def term_text(self, term) -> str:
        kind, canonical, variants = term
        if variants and self.rng.random() < 0.18:
            return self.rng.choice(variants)
        return canonical

    def word(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.055:  # a clinical term; most often one of the interview's topics
            term = rng.choice(self.topic) if rng.random() < 0.65 else self._zipf_term()
            return self.term_text(term)
        if r < 0.15:
            i = bisect.bisect_left(self.medical_cum, rng.random() * self.medical_cum[-1])
            return MEDICAL_WORDS[min(i, len(MEDICAL_WORDS) - 1)]
        if r < 0.165:
            return self.numeral()
        i = bisect.bisect_left(self.word_cum, rng.random() * self.word_cum[-1])
        return self.words[min(i, len(self.words) - 1)]

    def numeral(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            return f"{rng.randint(1, 95)}%"
        if kind < 0.7:
            return f"{rng.randint(2, 40)}.{rng.randint(0, 9)}个月"
        if kind < 0.85:
            return f"{rng.choice(TRIALS)}-{rng.randint(1, 900)}研究"
        return f"{rng.randint(2, 2000)}例"

    def sentence(self) -> str:
        rng = self.rng
        parts, clause = [], []
        for _ in range(rng.randint(10, 26)):
            w = self.word()
            if clause and (w[:1].isascii() or clause[-1][-1:].isascii()):
                clause.append(" ")
            clause.append(w)
            if rng.random() < 0.09:
                parts.append("".join(clause))
                clause = []
        if clause:
            parts.append("".join(clause))
        return "，".join(parts) + rng.choice("。。。。；！")

    def paragraph(self, chars: int) -> str:
        out = []
        while sum(map(len, out)) < chars:
            sentence = self.sentence()
            if not PAGE_PART.search(sentence):
                out.append(sentence)
        return "".join(out)

    # -- the page ----------------------------------------------------------------------
    def text(self) -> str:
        rng = self.rng
        year = 2016 + self._zipf_index(10, 0.3) if rng.random() < 0.2 else rng.randint(2016, 2025)
        date = f"{year}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        names = "、".join(f"{e['name']}{e['title']}" for e in self.experts)
        t1, t2 = self.term_text(self.topic[0]), self.term_text(self.topic[1])
        title = (f"{names}:{t1}{self.word()}{self.word()}{t2}{self.word()}{self.word()}丨"
                 f"{year}{rng.choice(PLACES)}{rng.choice(CONFERENCES)}")
        n_qa = rng.randint(3, 6)
        answer_chars = (PAGE_CHARS - 900) // n_qa
        lines = [
            "当前位置:肿瘤瞭望>资讯>专家访谈>正文", "", title, "",
            f"作者:肿瘤瞭望   日期:{date}  浏览量:{int(rng.paretovariate(1.2) * 200)}", "",
            MARKER, "",
            f"{year}年,{rng.choice(PLACES)}{rng.choice(CONFERENCES)}顺利召开。会议期间,《肿瘤瞭望》特邀"
            + "、".join(f"{e['hospital']}{e['name']}{e['title']}" for e in self.experts)
            + f",就{t1}与{t2}等话题分享见解。" + self.paragraph(90), "",
            "编者按:" + self.paragraph(160), "",
        ]
        answers = []  # (index in lines, expert) of every answer paragraph
        for i in range(n_qa):
            who = self.experts[i % len(self.experts)]
            topic = self.term_text(rng.choice(self.topic))
            question = f"{rng.choice(QUESTION_OPENERS)}{topic}{self.word()}{self.word()}{self.term_text(rng.choice(self.topic))}{rng.choice(QUESTION_CLOSERS)}"
            lines += [f"《肿瘤瞭望》:{question}", ""]
            paragraphs = rng.randint(1, 3)
            for p in range(paragraphs):
                body = self.paragraph(answer_chars // paragraphs)
                answers.append((len(lines), who))
                lines += [f"{who['name']}{who['title']}:{body}" if p == 0 else body, ""]
        self.qa_count = n_qa
        self.plant(lines, answers)
        lines.append("")
        for e in self.experts:
            lines += [f"{e['name']}{e['title']}", e["bio"]]
        tags = sorted({TAGS[self._zipf_index(len(TAGS), 1.0)] for _ in range(rng.randint(1, 3))})
        lines += ["", "本内容仅供医学专业人士参考", "", "", *tags, "", "分享到: 更多", ""]
        return "\n".join(lines)

    def plant(self, lines: list[str], answers: list[tuple[int, dict]]) -> None:
        """Plant look-alikes of the page's other parts in about one page in six (a stream of their own)."""
        rng = random.Random(f"{self.seed}:{self.number}:{self.salt}:lookalikes")
        if rng.random() >= 1 / 6:
            return
        for index, who in sorted(rng.sample(answers, min(len(answers), rng.randint(1, 3))), reverse=True):
            if rng.random() < 0.5:
                sentence = rng.choice(LOOKALIKE_SENTENCES)
                text = lines[index]
                cut = text.rfind("。", 0, len(text) - 1) + 1 or len(text)
                lines[index] = text[:cut] + sentence + text[cut:]
            else:
                paragraph = rng.choice(LOOKALIKE_PARAGRAPHS).format(name=who["name"], title=who["title"])
                lines[index + 1:index + 1] = [paragraph, ""]  # a paragraph of its own after this one


@lru_cache(maxsize=4096)
def expert(seed: int, number: int) -> dict:
    rng = random.Random(f"{seed}:expert:{number}")
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    hospital = f"{rng.choice(PLACES)}{rng.choice(HOSPITAL_KINDS)}"
    title = rng.choice(EXPERT_TITLES)
    bio = (f"{hospital}{rng.choice(DEPARTMENTS)}科室负责人,博士研究生导师,"
           f"{rng.choice(PLACES)}省抗癌协会{rng.choice(TAGS)}专业委员会委员")
    return dict(name=name, title=title, hospital=hospital, bio=bio)


def page_text(seed: int, number: int, salt: str = "") -> str:
    return Page(seed, number, salt).text()


def page_path(root: Path, number: int) -> Path:
    return root / f"{number // 1000:03d}" / f"{number:05d}.txt"


def _write_range(args) -> tuple[int, int, dict[str, int]]:
    seed, root, start, stop = args
    chars = size = 0
    qa = {}
    for i in range(start, stop):
        page = Page(seed, i)
        text = page.text()
        path = page_path(Path(root), i)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        chars += len(text)
        size += len(data)
        qa[path.relative_to(root).as_posix()] = page.qa_count
    return chars, size, qa


def generate(size: str | int, out: Path, seed: int = DEFAULT_SEED, procs: int | None = None) -> dict:
    """Write the corpus (unless an identical one is there) and return its description."""
    count = SIZES.get(str(size)) or int(size)
    name = str(size) if str(size) in SIZES else str(count)
    root = out / name
    info = dict(size=name, pages=count, seed=seed, terms=len(clinical_terms()), term_table=term_table_hash(),
                generator=hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12])
    stamp = root / "corpus.json"
    if stamp.exists():
        old = json.loads(stamp.read_text())
        if all(old.get(k) == v for k, v in info.items()):
            return old
    import shutil
    from multiprocessing import Pool

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    step = 250
    ranges = [(seed, str(root), s, min(s + step, count)) for s in range(0, count, step)]
    with Pool(procs or os.cpu_count()) as pool:
        totals = pool.map(_write_range, ranges)
    counts = {name: n for _, _, qa in totals for name, n in qa.items()}
    (root / "qa.json").write_text(json.dumps(counts, sort_keys=True))
    info.update(chars=sum(c for c, _, _ in totals), bytes=sum(b for _, b, _ in totals), qa=sum(counts.values()),
                seconds=round(time.perf_counter() - started, 1))
    stamp.write_text(json.dumps(info, indent=1))
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1k", help="1k, 5k, 20k or a number of pages")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "corpus")
    parser.add_argument("--show", type=int, metavar="N", help="print page N and exit")
    args = parser.parse_args(argv)
    if args.show is not None:
        sys.stdout.write(page_text(args.seed, args.show))
        return 0
    info = generate(args.size, args.out, args.seed)
    print(json.dumps(info, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
