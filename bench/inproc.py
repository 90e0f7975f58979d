"""In-process search timings (run by ``bench/run.py`` in a fresh process per system).

    python bench/inproc.py ours INDEX [--passes 2] [--profile OUT.prof]
    python bench/inproc.py baseline INDEX

Prints JSON: per pass the latency summary (overall and per query category), and for
ours the highlighting cost with stored offsets vs re-running the analyzer per hit.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import queries, searchsvc_module, status_kb, summary_ms, use_tree  # noqa: E402

use_tree()  # BENCH_TREE: benchmark another commit's searchsvc


def _by_category(rows, times):
    cats: dict[str, list[float]] = {}
    for (category, _), t in zip(rows, times):
        cats.setdefault(category, []).append(t)
    return {c: summary_ms(ts) for c, ts in cats.items()}


def run_ours(index: Path, passes: int, profile: str | None) -> dict:
    from searchsvc.analysis import warm_up
    IndexStore = searchsvc_module("engine.index").IndexStore
    Searcher = searchsvc_module("engine.search").Searcher

    rows = queries()
    t0 = time.perf_counter()
    warm_up()
    searcher = Searcher(IndexStore(index))
    searcher.health()
    out = dict(startup_s=round(time.perf_counter() - t0, 3))
    totals = {}
    if profile:
        import cProfile

        prof = cProfile.Profile()
    for n in range(passes):
        times = []
        if profile and n == passes - 1:
            prof.enable()
        for category, q in rows:
            started = time.perf_counter()
            result = searcher.search(q)
            times.append(time.perf_counter() - started)
            totals[q] = result.total
        if profile and n == passes - 1:
            prof.disable()
            prof.dump_stats(profile)
        out[f"pass{n + 1}"] = dict(all=summary_ms(times), by_category=_by_category(rows, times))
    if profile:
        out["profiled_pass"] = f"pass{passes}"  # slower than the others: not a latency figure
    out["totals"] = totals
    # highlighting alone, both offset sources: this release's Searcher only (an older tree has no snapshots)
    out["highlight"] = highlight_modes(searcher, rows) if hasattr(searcher, "snapshots") else None
    out["rss_mb"] = round(status_kb(__import__("os").getpid(), "VmHWM") / 1024, 1)
    return out


def highlight_modes(searcher, rows) -> dict:
    """Time Highlighter.matches for the first page of every query, both offset sources."""
    import json as _json

    from searchsvc.article import Article
    Highlighter = searchsvc_module("engine.highlight").Highlighter

    _, whoosh_searcher = searcher.snapshots.current()
    concepts = searcher.snapshots.concepts_indexed()
    pages = []
    for _, q in rows:
        result = searcher.search(q, per_page=10)
        if not result.hits:
            continue
        words = searcher.understand(q, whoosh_searcher).words(concepts)
        docs = [(whoosh_searcher.document_number(id=h.id), None) for h in result.hits]
        docs = [(d, Article.from_dict(_json.loads(whoosh_searcher.stored_fields(d)["article"]))) for d, _ in docs]
        pages.append((words, docs))
    out = {}
    for mode in ("index", "analysis"):
        per_page = []
        for _ in range(2):  # the second round is the one reported (warm)
            per_page = []
            for words, docs in pages:
                gc.collect(0)
                started = time.perf_counter()
                h = Highlighter(whoosh_searcher, words, offsets=mode)
                for docnum, article in docs:
                    h.matches(docnum, article)
                per_page.append(time.perf_counter() - started)
        out[mode] = summary_ms(per_page)
    out["ratio_p50"] = round(out["analysis"]["p50"] / max(out["index"]["p50"], 1e-9), 1)
    out["ratio_mean"] = round(out["analysis"]["mean"] / max(out["index"]["mean"], 1e-9), 1)
    out["pages"] = len(pages)
    return out


def run_baseline(index: Path, passes: int) -> dict:
    from baseline import BaselineSearcher

    rows = queries()
    t0 = time.perf_counter()
    searcher = BaselineSearcher(index)
    out = dict(startup_s=round(time.perf_counter() - t0, 3))
    totals = {}
    for n in range(passes):
        times = []
        for category, q in rows:
            started = time.perf_counter()
            totals[q] = searcher.search(q)
            times.append(time.perf_counter() - started)
        out[f"pass{n + 1}"] = dict(all=summary_ms(times), by_category=_by_category(rows, times))
    out["totals"] = totals
    out["rss_mb"] = round(status_kb(__import__("os").getpid(), "VmHWM") / 1024, 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=("ours", "baseline"))
    parser.add_argument("index", type=Path)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--profile")
    args = parser.parse_args()
    out = run_ours(args.index, args.passes, args.profile) if args.system == "ours" else run_baseline(args.index, args.passes)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
