#!/usr/bin/env python3
"""Relevance on the judged query set: nDCG@10, MRR and recall@10, ours vs the plain baseline.

    python bench/relevance.py                 # table per query, then the totals
    python bench/relevance.py --json          # the figures as JSON
    python bench/relevance.py --only ours     # skip the baseline

The judged set (bench/judged_queries.json) was graded by reading the sample
interviews, not from any engine's output.  The baseline is what a developer gets
out of the box: jieba's ChineseAnalyzer with Whoosh's defaults (QueryParser, AND
grouping, BM25F), one document per Q&A, an interview ranked at its best Q&A.
Both engines index the same parsed articles in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from searchsvc.index import IndexStore  # noqa: E402
from searchsvc.ingest import ingest  # noqa: E402
from searchsvc.search import RANKING, Ranking, Searcher  # noqa: E402

JUDGED = HERE / "judged_queries.json"
K = 10


def load_judged(path: Path = JUDGED) -> list[dict]:
    return json.loads(path.read_text("utf-8"))["queries"]


class Ours:
    name = "ours"

    def __init__(self, corpus: Path, workdir: Path, ranking: Ranking = RANKING):
        self.store = IndexStore(workdir / "ours")
        ingest([corpus], self.store)
        self.searcher = Searcher(self.store, ranking)
        self.source_of = {}

    def with_ranking(self, ranking: Ranking) -> "Ours":
        other = object.__new__(Ours)
        other.store, other.source_of = self.store, self.source_of
        other.searcher = Searcher(self.store, ranking)
        return other

    def ranked(self, query: str) -> list[str]:
        result = self.searcher.search(query, per_page=K)
        out = []
        for hit in result.hits:
            if hit.id not in self.source_of:
                self.source_of[hit.id] = self.searcher.article(hit.id).source
            out.append(self.source_of[hit.id])
        return out


class Baseline:
    """bench/baseline.py: jieba's ChineseAnalyzer + Whoosh defaults, one document per Q&A."""

    name = "baseline"

    def __init__(self, corpus: Path, workdir: Path):
        import baseline

        baseline.build(corpus, workdir / "baseline")
        self.searcher = baseline.BaselineSearcher(workdir / "baseline")
        self.source_of = {a.id: a.source for a in baseline._articles([corpus])}

    def ranked(self, query: str) -> list[str]:
        results = self.searcher.searcher.search(self.searcher.parser.parse(query), limit=200)
        out: list[str] = []
        for hit in results:
            source = self.source_of[hit["article"]]
            if source not in out:
                out.append(source)
        return out[:K]


def ndcg(ranked: list[str], grades: dict[str, int]) -> float:
    if not grades:
        return 1.0 if not ranked else 0.0
    dcg = sum((2 ** grades.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(ranked[:K]))
    ideal = sorted(grades.values(), reverse=True)[:K]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg


def mrr(ranked: list[str], grades: dict[str, int]) -> float:
    if not grades:
        return 1.0 if not ranked else 0.0
    return next((1 / (i + 1) for i, s in enumerate(ranked[:K]) if grades.get(s, 0) > 0), 0.0)


def recall(ranked: list[str], grades: dict[str, int]) -> float:
    if not grades:
        return 1.0 if not ranked else 0.0
    relevant = {s for s, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:K])) / len(relevant)


def evaluate(engine, queries: list[dict]) -> dict:
    rows = []
    for q in queries:
        ranked = engine.ranked(q["query"])
        grades = {s: g for s, g in q["relevant"].items() if g > 0}
        rows.append(dict(id=q["id"], query=q["query"], trap=q.get("trap") or "", ranked=ranked,
                         ndcg=ndcg(ranked, grades), mrr=mrr(ranked, grades), recall=recall(ranked, grades)))
    n = len(rows)
    return dict(engine=engine.name, queries=n, rows=rows,
                ndcg=sum(r["ndcg"] for r in rows) / n, mrr=sum(r["mrr"] for r in rows) / n,
                recall=sum(r["recall"] for r in rows) / n)


def run(engines: list[str], corpus: Path = ROOT / "samples") -> dict[str, dict]:
    queries = load_judged()
    with tempfile.TemporaryDirectory() as tmp:
        built = {"ours": Ours, "baseline": Baseline}
        return {name: evaluate(built[name](corpus, Path(tmp)), queries) for name in engines}


class WithRecencyPrior(Ours):
    """Our ranking, re-ranked by score x (1 + weight x 0.5^(age in years)): the prior under test."""

    def __init__(self, ours: Ours, weight: float):
        self.store, self.source_of, self.searcher, self.weight = ours.store, ours.source_of, ours.searcher, weight
        self.name = f"ours+recency{weight}"
        self.newest = max(a.date for a in (ours.searcher.article(h.id) for h in ours.searcher.articles(per_page=50).hits))

    def ranked(self, query: str) -> list[str]:
        from datetime import datetime

        newest = datetime.fromisoformat(self.newest)
        hits = self.searcher.search(query, per_page=50).hits
        def prior(hit):
            age = (newest - datetime.fromisoformat(hit.date)).days / 365.25 if hit.date else 10
            return hit.score * (1 + self.weight * 0.5 ** age)
        out = []
        for hit in sorted(hits, key=prior, reverse=True)[:K]:
            self.source_of.setdefault(hit.id, self.searcher.article(hit.id).source)
            out.append(self.source_of[hit.id])
        return out


def recency(corpus: Path = ROOT / "samples") -> dict[float, float]:
    queries = load_judged()
    with tempfile.TemporaryDirectory() as tmp:
        ours = Ours(corpus, Path(tmp))
        return {w: evaluate(WithRecencyPrior(ours, w), queries)["ndcg"] for w in (0.0, 0.1, 0.25, 0.5, 1.0)}


def tune(corpus: Path = ROOT / "samples") -> list[tuple[float, Ranking]]:
    """nDCG@10 of a grid of field boosts (title, meta; body is 1) and BM25F parameters, best first."""
    import itertools

    queries = load_judged()
    with tempfile.TemporaryDirectory() as tmp:
        ours = Ours(corpus, Path(tmp))
        scored = []
        for title, meta, b, k1 in itertools.product((1.0, 2.0, 3.0, 5.0), (1.0, 2.0, 4.0), (0.3, 0.5, 0.75, 0.9),
                                                    (0.9, 1.2, 2.0, 3.0)):
            ranking = Ranking(title=title, meta=meta, B=b, K1=k1)
            scored.append((evaluate(ours.with_ranking(ranking), queries)["ndcg"], ranking))
    scored.sort(key=lambda sr: -sr[0])
    return scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", choices=["ours", "baseline"], help="evaluate one engine")
    parser.add_argument("--tune", action="store_true", help="grid-search field boosts and BM25F parameters")
    parser.add_argument("--recency", action="store_true", help="nDCG@10 with a recency prior of several weights")
    args = parser.parse_args()
    if args.recency:
        for weight, score in recency().items():
            print(f"recency weight {weight:<5} nDCG@10 {score:.4f}")
        return
    if args.tune:
        scored = tune()
        current = next(score for score, r in scored if r == RANKING) if any(r == RANKING for _, r in scored) else None
        for score, ranking in scored[:10]:
            print(f"nDCG@10 {score:.4f}  {ranking}")
        print(f"... {len(scored)} settings; worst {scored[-1][0]:.4f}; current default {current}")
        return
    results = run([args.only] if args.only else ["ours", "baseline"])
    if args.json:
        print(json.dumps({k: {m: v[m] for m in ("queries", "ndcg", "mrr", "recall")} for k, v in results.items()}, indent=2))
        return
    names = list(results)
    print(f"{'id':5} {'trap':18} {'query':26} " + " ".join(f"{n + ' nDCG':>14}" for n in names))
    for i, row in enumerate(results[names[0]]["rows"]):
        cells = " ".join(f"{results[n]['rows'][i]['ndcg']:14.3f}" for n in names)
        print(f"{row['id']:5} {row['trap'][:18]:18} {row['query'][:26]:26} {cells}")
    print()
    for name, res in results.items():
        print(f"{name:9} queries {res['queries']}  nDCG@10 {res['ndcg']:.3f}  MRR {res['mrr']:.3f}  recall@10 {res['recall']:.3f}")


if __name__ == "__main__":
    main()
