#!/usr/bin/env python3
"""Before/after search latency in one run: a commit's searchsvc on its index against the checkout on its own.

    python bench/ab.py --before c0a68b0 --before-index /tmp/ix-before --after-index /tmp/ix-after [--rounds 2]

Each index must have been built by its own code (``python bench/revcli.py TREE ingest ...`` for the
commit; ``searchsvc ingest`` for the checkout): a change to the analysis changes what is indexed.
Per round, in alternating order so that a change in the machine's load hits both sides alike:

- in process: ``bench/inproc.py`` (``Searcher.search``, uncached, highlighting on; its second pass);
- over HTTP: ``searchsvc serve`` with its default workers and the result cache off
  (``SEARCHSVC_CACHE_MB=0``), one kept-alive connection, the query log twice (the second pass counts).

Prints one JSON document: the figures per side and round, and after/before ratios of the medians
over rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, machine, queries, summary_ms  # noqa: E402
from run import PY, ROOT, Server, env_for, free_port, latency_pass, log, revision_tree  # noqa: E402

FIGURES = ("p50", "p95", "p99", "mean")


def inproc(tree: Path | None, index: Path) -> dict:
    env = env_for()
    env.pop("BENCH_TREE", None)
    if tree:
        env["BENCH_TREE"] = str(tree)
    done = subprocess.run([PY, str(BENCH / "inproc.py"), "ours", str(index), "--passes", "2"], env=env,
                          capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout)
    highlight = result.get("highlight")  # None where the tree's Searcher cannot highlight alone
    return dict(all=result["pass2"]["all"], by_category=dict(result["pass2"]["by_category"]),
                highlight_p50=highlight["index"]["p50"] if highlight else None, totals=result["totals"])


def http(tree: Path | None, index: Path) -> dict:
    head = [PY, str(BENCH / "revcli.py"), str(tree)] if tree else [PY, "-m", "searchsvc.cli"]
    port = free_port()
    env = env_for(SEARCHSVC_CACHE_MB=0, SEARCHSVC_CACHE_SIZE=0)
    env.pop("BENCH_TREE", None)
    server = Server([*head, "serve", "--index", str(index), "--port", str(port), "--no-access-log"], port, env)
    rows = queries()
    try:
        latency_pass(port, rows)  # every worker opens the index and warms its page cache
        times, errors = latency_pass(port, rows)
    finally:
        server.stop()
    cats: dict[str, list[float]] = {}
    for (c, _), t in zip(rows, times):
        cats.setdefault(c, []).append(t)
    return dict(all=summary_ms(times), errors=errors, by_category={c: summary_ms(ts) for c, ts in cats.items()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, metavar="REV")
    parser.add_argument("--before-index", required=True, type=Path)
    parser.add_argument("--after-index", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    before_tree = revision_tree(args.before, own_lexicon=True)
    # the checkout by its path, like the commit: run plainly, bench/inproc.py would import whatever the
    # editable install points at (another worktree's main checkout, say), not this tree
    sides = {"before": (before_tree, args.before_index), "after": (ROOT, args.after_index)}
    out = dict(machine=machine(), before=args.before, rounds=[])
    for n in range(args.rounds):
        order = ["before", "after"] if n % 2 == 0 else ["after", "before"]
        row = {}
        for side in order:
            tree, index = sides[side]
            log(f"round {n + 1}: {side} in process ...")
            row[side] = dict(inproc=inproc(tree, index))
            log(f"round {n + 1}: {side} over HTTP ...")
            row[side]["http"] = http(tree, index)
            log(f"  {side}: in process {row[side]['inproc']['all']}; HTTP {row[side]['http']['all']}")
        out["rounds"].append(row)
    ratios = {}
    for kind in ("inproc", "http"):
        for fig in FIGURES:
            before = statistics.median(r["before"][kind]["all"][fig] for r in out["rounds"])
            after = statistics.median(r["after"][kind]["all"][fig] for r in out["rounds"])
            ratios[f"{kind}_{fig}"] = dict(before=before, after=after, ratio=round(after / before, 2))
    first = out["rounds"][0]
    out["totals_differ"] = {q: [t, first["after"]["inproc"]["totals"][q]]
                            for q, t in first["before"]["inproc"]["totals"].items()
                            if first["after"]["inproc"]["totals"].get(q) != t}
    for r in out["rounds"]:
        for side in r.values():
            side["inproc"].pop("totals")
    out["ratios"] = ratios
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
