#!/usr/bin/env python3
"""Related interviews on the judged pairs: precision@3 of Searcher.related over samples/.

    python bench/related_eval.py            # one row per interview, then the totals
    python bench/related_eval.py --json     # the totals as JSON
    python bench/related_eval.py --index DIR  # an index of samples/ already built

The judgments (bench/related_judged.json) were graded by reading the sample
interviews, not from any engine's output.  precision@3 counts a related interview
of grade >= 1 as a hit; strict precision@3 counts grade 2 only; nDCG@3 uses the grades.
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

from searchsvc.engine.index import IndexStore  # noqa: E402
from searchsvc.ingest.pipeline import ingest  # noqa: E402
from searchsvc.engine.search import Searcher  # noqa: E402

JUDGED = HERE / "related_judged.json"
K = 3


def load_judged(path: Path = JUDGED) -> dict[str, dict[str, int]]:
    return json.loads(path.read_text("utf-8"))["judgments"]


def source_name(source: str) -> str:
    """samples/01-x.txt or /abs/path/16-y.jsonl#2 -> 01-x.txt, 16-y.jsonl#2."""
    return Path(source.split("#")[0]).name + ("#" + source.split("#", 1)[1] if "#" in source else "")


def evaluate(searcher: Searcher, judged: dict[str, dict[str, int]] | None = None) -> dict:
    judged = judged or load_judged()
    by_source = {}
    everything = searcher.articles(1, 50)
    for hit in everything.hits:
        by_source[source_name(searcher.article(hit.id).source)] = hit.id
    name_of = {v: k for k, v in by_source.items()}
    rows = []
    for source, grades in judged.items():
        article_id = by_source[source]
        related = searcher.related(article_id, limit=K) or []
        got = [name_of.get(r.id, r.id) for r in related]
        gains = [grades.get(name, 0) for name in got]
        ideal = sorted(grades.values(), reverse=True)[:K]
        dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
        idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        rows.append({"source": source, "related": got, "gains": gains,
                     "p3": sum(1 for g in gains if g >= 1) / K, "strict_p3": sum(1 for g in gains if g >= 2) / K,
                     "ndcg3": dcg / idcg if idcg else 0.0,
                     "why": [{k: getattr(r, f"shared_{k}", []) for k in ("experts", "tags", "concepts")}
                             for r in related]})
    n = len(rows)
    return {"interviews": n, "precision_at_3": sum(r["p3"] for r in rows) / n,
            "strict_precision_at_3": sum(r["strict_p3"] for r in rows) / n,
            "ndcg_at_3": sum(r["ndcg3"] for r in rows) / n, "rows": rows}


def sample_searcher(folder: Path | None = None) -> Searcher:
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="related-eval-"))
        report = ingest([ROOT / "samples"], IndexStore(folder))
        assert report.failed == 0, [f.reason for f in report.failures]
    return Searcher(IndexStore(folder))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the totals as JSON")
    parser.add_argument("--index", type=Path, help="an index of samples/ (default: build one in a temporary folder)")
    args = parser.parse_args(argv)
    result = evaluate(sample_searcher(args.index))
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))
        return 0
    for row in result["rows"]:
        print(f"{row['source']:<36} p@3 {row['p3']:.2f}  strict {row['strict_p3']:.2f}  "
              f"nDCG@3 {row['ndcg3']:.2f}  {list(zip(row['related'], row['gains']))}")
    print(f"\n{result['interviews']} interviews: precision@3 {result['precision_at_3']:.3f}, "
          f"strict precision@3 {result['strict_precision_at_3']:.3f}, nDCG@3 {result['ndcg_at_3']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
