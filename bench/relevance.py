#!/usr/bin/env python3
"""Relevance on the judged query set: nDCG@10, MRR, recall@10 and zero-result questions, three systems in one run.

    python bench/relevance.py                     # per set and overall, reader questions per shape
    python bench/relevance.py --set reader        # one set: keyword | reader | all
    python bench/relevance.py --per-query         # also every query's nDCG@10 per system
    python bench/relevance.py --json              # the same figures as JSON
    python bench/relevance.py --only ours         # one system (repeatable)

The judged set (bench/judged_queries.json) was graded by reading the sample
interviews, not from any engine's output.  It holds two sets: 'keyword' (queries
as typed in a search box) and 'reader' (questions as clinicians type them on a
phone), each reader question with a 'shape' naming its class.

Systems, all indexing the same parsed articles in the same run:
  ours          searchsvc's Searcher
  baseline-and  what a developer gets out of the box: jieba's ChineseAnalyzer with
                Whoosh's defaults (MultifieldParser, AND grouping, BM25F), one
                document per Q&A, an interview ranked at its best Q&A
  baseline-or   the same index queried like Elasticsearch's default `match` query:
                any term (OR group), BM25, more matched terms rank higher

A zero-result question is one with at least one relevant interview that gets no
results at all (the keyword set's no-result queries are not counted).  The machine
load (`uptime`) is printed with the figures: the run shares two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from searchsvc.engine.index import IndexStore  # noqa: E402
from searchsvc.ingest.pipeline import ingest  # noqa: E402
from searchsvc.engine.search import RANKING, Ranking, Searcher  # noqa: E402

JUDGED = HERE / "judged_queries.json"
K = 10
SYSTEMS = ("ours", "baseline-and", "baseline-or")
SETS = ("keyword", "reader")
METRICS = ("queries", "ndcg", "mrr", "recall", "zero")


def load_judged(path: Path = JUDGED, which: str = "all") -> list[dict]:
    queries = json.loads(path.read_text("utf-8"))["queries"]
    if which not in (*SETS, "all"):
        raise ValueError(f"unknown set {which!r}: choose one of {', '.join((*SETS, 'all'))}")
    return [q for q in queries if which == "all" or q["set"] == which]


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
    """bench/baseline.py: jieba's ChineseAnalyzer + Whoosh defaults, one document per Q&A.

    ``group`` is "and" (Whoosh's default parser) or "or" (Elasticsearch's ``match`` shape).
    Pass ``index`` (an earlier Baseline) to query its index instead of building another.
    """

    def __init__(self, corpus: Path, workdir: Path, group: str = "and", index: "Baseline | None" = None):
        import baseline

        self.name = f"baseline-{group}"
        if index is None:
            baseline.build(corpus, workdir / "baseline")
            self.folder = workdir / "baseline"
            self.source_of = {a.id: a.source for a in baseline._articles([corpus])}
        else:
            self.folder, self.source_of = index.folder, index.source_of
        self.searcher = baseline.BaselineSearcher(self.folder, group)

    def ranked(self, query: str) -> list[str]:
        results = self.searcher.searcher.search(self.searcher.parser.parse(query), limit=200)
        out: list[str] = []
        for hit in results:
            source = self.source_of[hit["article"]]
            if source not in out:
                out.append(source)
        return out[:K]


def build(systems: list[str], corpus: Path, workdir: Path) -> list:
    """The requested systems, in the order asked; the two baselines share one index."""
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {unknown}: choose from {', '.join(SYSTEMS)}")
    built: dict[str, object] = {}
    for name in systems:
        if name == "ours":
            built[name] = Ours(corpus, workdir)
        else:
            shared = next((e for e in built.values() if isinstance(e, Baseline)), None)
            built[name] = Baseline(corpus, workdir, name.removeprefix("baseline-"), index=shared)
    return [built[name] for name in systems]


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


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    return dict(queries=n, ndcg=sum(r["ndcg"] for r in rows) / n if n else 0.0,
                mrr=sum(r["mrr"] for r in rows) / n if n else 0.0,
                recall=sum(r["recall"] for r in rows) / n if n else 0.0,
                zero=sum(r["zero"] for r in rows))


def evaluate(engine, queries: list[dict]) -> dict:
    """Every query's ranking and scores, and their means. A query the engine fails on counts as no results."""
    rows = []
    for q in queries:
        error = None
        try:
            ranked = engine.ranked(q["query"])
        except Exception as exc:  # noqa: BLE001 - a failing query is a finding to report, not a reason to stop
            ranked, error = [], f"{type(exc).__name__}: {exc}"
        grades = {s: g for s, g in q["relevant"].items() if g > 0}
        rows.append(dict(id=q["id"], set=q.get("set", "keyword"), shape=q.get("shape"), query=q["query"],
                         trap=q.get("trap") or "", ranked=ranked, error=error,
                         ndcg=ndcg(ranked, grades), mrr=mrr(ranked, grades), recall=recall(ranked, grades),
                         zero=bool(grades) and not ranked))
    return dict(engine=engine.name, rows=rows, **summary(rows))


def breakdown(rows: list[dict]) -> dict:
    """Means per set ('keyword', 'reader', 'all') and per shape of the reader questions."""
    sets = {name: summary([r for r in rows if r["set"] == name]) for name in SETS if any(r["set"] == name for r in rows)}
    sets["all"] = summary(rows)
    shapes = sorted({r["shape"] for r in rows if r["set"] == "reader" and r["shape"]})
    return dict(sets=sets, shapes={s: summary([r for r in rows if r["set"] == "reader" and r["shape"] == s])
                                   for s in shapes})


def run(systems: list[str] = SYSTEMS, which: str = "all", corpus: Path = ROOT / "samples") -> dict[str, dict]:
    """{system: {"rows": [...], "sets": {set: means}, "shapes": {shape: means}, plus the overall means}}."""
    queries = load_judged(which=which)
    with tempfile.TemporaryDirectory() as tmp:
        out = {}
        for engine in build(list(systems), corpus, Path(tmp)):
            result = evaluate(engine, queries)
            result.update(breakdown(result["rows"]))
            out[engine.name] = result
        return out


def machine() -> dict:
    """The load the figures were measured under (`uptime`; the machine is shared)."""
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        uptime = "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return dict(uptime=uptime, cpus=os.cpu_count())


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


def recency(corpus: Path = ROOT / "samples", which: str = "all") -> dict[float, float]:
    queries = load_judged(which=which)
    with tempfile.TemporaryDirectory() as tmp:
        ours = Ours(corpus, Path(tmp))
        return {w: evaluate(WithRecencyPrior(ours, w), queries)["ndcg"] for w in (0.0, 0.1, 0.25, 0.5, 1.0)}


def tune(corpus: Path = ROOT / "samples", which: str = "all") -> list[tuple[float, Ranking]]:
    """nDCG@10 of a grid of field boosts (title, meta; body is 1) and BM25F parameters, best first."""
    import itertools

    queries = load_judged(which=which)
    with tempfile.TemporaryDirectory() as tmp:
        ours = Ours(corpus, Path(tmp))
        scored = []
        for title, meta, b, k1 in itertools.product((1.0, 2.0, 3.0, 5.0), (1.0, 2.0, 4.0), (0.3, 0.5, 0.75, 0.9),
                                                    (0.9, 1.2, 2.0, 3.0)):
            ranking = Ranking(title=title, meta=meta, B=b, K1=k1)
            scored.append((evaluate(ours.with_ranking(ranking), queries)["ndcg"], ranking))
    scored.sort(key=lambda sr: -sr[0])
    return scored


def report(results: dict[str, dict], load: dict, per_query: bool = False) -> str:
    names = list(results)
    first = results[names[0]]
    lines = [f"machine: {load['cpus']} CPUs; before: {load['before']}", f"         after:  {load['after']}", ""]
    if per_query:
        lines.append(f"{'id':5} {'set':7} {'shape':11} {'query':28} " + " ".join(f"{n:>13}" for n in names))
        for i, row in enumerate(first["rows"]):
            cells = " ".join(f"{results[n]['rows'][i]['ndcg']:13.3f}" for n in names)
            lines.append(f"{row['id']:5} {row['set']:7} {(row['shape'] or row['trap'])[:11]:11} {row['query'][:28]:28} {cells}")
        lines.append("")
    lines.append(f"{'set':9} {'queries':>7}  {'system':13} {'nDCG@10':>8} {'MRR':>6} {'recall@10':>9} {'zero-result':>11}")
    for group in first["sets"]:
        for name in names:
            m = results[name]["sets"][group]
            lines.append(f"{group:9} {m['queries']:7d}  {name:13} {m['ndcg']:8.3f} {m['mrr']:6.3f} {m['recall']:9.3f} "
                         f"{m['zero']:11d}")
    if first["shapes"]:
        lines += ["", "reader questions by shape, nDCG@10 / MRR / zero-result:",
                  f"{'shape':12} {'n':>3}  " + "  ".join(f"{n:>21}" for n in names)]
        for shape, m in first["shapes"].items():
            cells = "  ".join(f"{results[n]['shapes'][shape]['ndcg']:7.3f} {results[n]['shapes'][shape]['mrr']:6.3f} "
                              f"{results[n]['shapes'][shape]['zero']:6d}" for n in names)
            lines.append(f"{shape:12} {m['queries']:3d}  {cells}")
    errors = [(n, r["id"], r["query"], r["error"]) for n in names for r in results[n]["rows"] if r["error"]]
    if errors:
        lines += ["", "queries that raised (counted as no results):"]
        lines += [f"  {n} {i} {q!r}: {e}" for n, i, q, e in errors]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", dest="which", choices=(*SETS, "all"), default="all",
                        help="which judged queries to run (default: all, reported per set and overall)")
    parser.add_argument("--only", action="append", choices=SYSTEMS, metavar="SYSTEM",
                        help=f"evaluate only this system (repeatable; default: {', '.join(SYSTEMS)})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--per-query", action="store_true", help="also list every query's nDCG@10 per system")
    parser.add_argument("--tune", action="store_true", help="grid-search field boosts and BM25F parameters (ours)")
    parser.add_argument("--recency", action="store_true", help="nDCG@10 with a recency prior of several weights (ours)")
    args = parser.parse_args()
    if args.recency:
        for weight, score in recency(which=args.which).items():
            print(f"recency weight {weight:<5} nDCG@10 {score:.4f}")
        return
    if args.tune:
        scored = tune(which=args.which)
        current = next(score for score, r in scored if r == RANKING) if any(r == RANKING for _, r in scored) else None
        for score, ranking in scored[:10]:
            print(f"nDCG@10 {score:.4f}  {ranking}")
        print(f"... {len(scored)} settings; worst {scored[-1][0]:.4f}; current default {current}")
        return
    before = machine()
    results = run(args.only or SYSTEMS, args.which)
    after = machine()
    load = dict(cpus=after["cpus"], before=before["uptime"], after=after["uptime"])
    if args.json:
        keep = ("sets", "shapes") + (("rows",) if args.per_query else ())
        print(json.dumps(dict(machine=load, systems={n: {k: r[k] for k in keep} for n, r in results.items()}),
                         indent=2, ensure_ascii=False))
        return
    print(report(results, load, args.per_query))


if __name__ == "__main__":
    main()
