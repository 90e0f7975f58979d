"""Write the fixed mixed query log, ``bench/queries.tsv`` (category TAB query).

    python bench/make_queries.py        # regenerates the committed file

Deterministic (seeded) from the generator's tables, so the log matches the
synthetic corpus: common and rare clinical terms, very common words, two- and
three-term queries from one interview's topics, quoted phrases, field filters
(tag:, expert:, year:), English aliases, queries with no hit at all, and reader
questions as clinicians type them on a phone (category "reader": one or two of an
interview's topics run together with question words, spaced and unspaced, with an
English alias, or a prefix typed mid-word).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen  # noqa: E402

OUT = Path(__file__).resolve().parent / "queries.tsv"


def build(seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    terms = gen.clinical_terms()
    head, tail = terms[:40], terms[-200:]
    words, _ = gen.general_vocabulary()
    out: list[tuple[str, str]] = []

    def canon(t):
        return t[1]

    for t in rng.sample(head, 25):
        out.append(("single", canon(t)))
    for t in rng.sample(terms[40:400], 15):
        out.append(("single", canon(t)))
    for w in ("患者", "治疗", "研究", "临床", "数据", "中国", "疗效", "发展", "显示", "联合"):
        out.append(("common", w))
    for w in rng.sample(words[:300], 5):
        out.append(("common", w))
    for t in rng.sample(tail, 15):
        out.append(("rare", canon(t)))
    for w in rng.sample(words[45_000:], 10):
        out.append(("rare", w))
    # Two and three terms as one interview would have them (its topics), and random pairs.
    for i in range(25):
        page = gen.Page(gen.DEFAULT_SEED, rng.randrange(1000))
        a, b = rng.sample(page.topic, 2)
        out.append(("two", f"{canon(a)} {canon(b)}"))
    for i in range(10):
        a, b = rng.sample(head, 2)
        out.append(("two", f"{canon(a)} {rng.choice(gen.MEDICAL_WORDS)}"))
    for i in range(20):
        page = gen.Page(gen.DEFAULT_SEED, rng.randrange(1000))
        a, b, c = rng.sample(page.topic, 3)
        out.append(("three", f"{canon(a)} {canon(b)} {canon(c)}"))
    for i in range(15):
        a = rng.choice(head)
        out.append(("phrase", f"\"{canon(a)}{rng.choice(['治疗', '患者', '研究', '联合', '疗效'])}\""))
    for i in range(5):
        a, b = rng.sample(head, 2)
        out.append(("phrase", f"\"{canon(a)} {canon(b)}\""))
    for i in range(8):
        out.append(("filter", f"tag:{rng.choice(gen.TAGS[:12])} {canon(rng.choice(head))}"))
    for i in range(6):
        e = gen.expert(gen.DEFAULT_SEED, rng.randrange(30))
        out.append(("filter", f"expert:{e['name']}" + (f" {canon(rng.choice(head))}" if i % 2 else "")))
    for i in range(6):
        out.append(("filter", f"year:{rng.randint(2016, 2025)} {canon(rng.choice(head))}"))
    for t in rng.sample([t for t in head + terms[40:200] if t[2]], 10):
        ascii_names = [v for v in t[2] if v.isascii()]
        if ascii_names:
            out.append(("alias", rng.choice(ascii_names)))
    for q in ("xqzvwk", "blorptamab", "量子纠缠", "区块链 挖矿", "火星殖民", "zzkras g99x", "宇宙飞船 燃料",
              "kras -kras", "\"患者 宇宙飞船\"", "tag:不存在的标签"):
        out.append(("nohit", q))
    for i in range(10):
        a, b = rng.sample(tail, 2)
        out.append(("nohit-or", f"{canon(a)} {canon(b)}"))  # rarely together: the ranked OR fallback
    out += reader_questions(rng, terms, head)
    return out


QUESTION_ENDINGS = ("怎么办", "能用什么药", "效果怎么样", "有必要吗", "会不会复发", "副作用大吗", "还能手术吗",
                    "怎么治", "能活多久", "需要注意什么", "哪个好", "能不能用", "要做多久", "是什么")


def reader_questions(rng: random.Random, terms, head) -> list[tuple[str, str]]:
    """Questions about one interview's topics, written the way readers type them."""
    out = []

    def canon(t):
        return t[1]

    for i in range(100):
        page = gen.Page(gen.DEFAULT_SEED, rng.randrange(1000))
        a, b = rng.sample(page.topic, 2)
        shape = i % 5
        if shape == 0:
            q = f"{canon(a)}{rng.choice(QUESTION_ENDINGS)}"
        elif shape == 1:
            q = f"{canon(a)}{canon(b)}{rng.choice(QUESTION_ENDINGS)}"
        elif shape == 2:
            q = f"{canon(a)} {canon(b)} {rng.choice(QUESTION_ENDINGS)}"
        elif shape == 3:
            ascii_names = [v for v in a[2] if v.isascii()] or [canon(a)]
            q = f"{rng.choice(ascii_names)} {canon(b)}{rng.choice(QUESTION_ENDINGS)}"
        else:
            name = canon(a)
            q = name[:max(2, len(name) - 2)]  # typed mid-word, as the widget searches
        out.append(("reader", q))
    return out


def main() -> int:
    rows = build()
    OUT.write_text("".join(f"{c}\t{q}\n" for c, q in rows), encoding="utf-8")
    print(f"{len(rows)} queries -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
