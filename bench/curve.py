"""The curve (issue 15): how ingest, search latency and memory grow with the corpus.

    python bench/curve.py --sizes 1k,5k,20k            # from bench/out/results-<size>.json
    python bench/curve.py --sizes 1k,5k,20k --docs     # and copy the chart to docs/bench-curve.png
    python bench/run.py --sizes 1k,5k,20k              # measure each size in turn, then the same

It reads the results file ``bench/run.py`` writes for each size and puts the sizes side by
side, with the growth between neighbouring sizes and the issue's targets:

- ``curve.md``   one table (a row per measure, a column per size, then the ratios);
- ``curve.json`` the same figures, and where each size's figures came from;
- ``curve.png``  p50/p95 search latency (in process and HTTP, uncached) and full-ingest time
  against the corpus size, with the targets as lines. The chart needs matplotlib, which is
  not a runtime dependency: ``pip install -e '.[bench]'`` (``scripts/setup.sh --test`` does
  it). Without it the chart is skipped with a message, and the tables are still written.

"Uncached HTTP" is the second pass over the query log of a server with the result cache off;
"cached, new connection" is the third pass of a server with the cache on, each request on a
new TCP connection. In-process figures come from the last pass that ran without cProfile.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
DOCS_CHART = BENCH.parent / "docs" / "bench-curve.png"


# -- reading one results file ---------------------------------------------------------------
def dig(data, *path):
    """``data[path[0]][path[1]]...``, or None where anything is missing."""
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def fastest_ingest(results: dict) -> dict | None:
    rows = dig(results, "ingest", "ours") or []
    return min(rows, key=lambda r: r["seconds"]) if rows else None


def inproc_pass(results: dict) -> tuple[str | None, bool]:
    """The last in-process pass of ours that ran without cProfile, and whether it had to be a
    profiled one (a smoke run has a single pass, under the profiler)."""
    ours = dig(results, "inproc", "ours") or {}
    passes = sorted((k for k in ours if k.startswith("pass")), key=lambda k: int(k[4:]))
    if not passes:
        return None, False
    profiled = ours.get("profiled_pass", passes[-1])  # run.py has always profiled ours' last pass
    clean = [p for p in passes if p != profiled]
    return (clean[-1], False) if clean else (passes[-1], True)


def inproc(results: dict, category: str, stat: str):
    name, _ = inproc_pass(results)
    if name is None:
        return None
    scope = ("all",) if category == "all" else ("by_category", category)
    return dig(results, "inproc", "ours", name, *scope, stat)


def largest(values) -> float | None:
    return max(values) if values else None


# -- the measures ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    op: str  # "<=", ">=" or "=="
    value: float

    def met(self, value) -> bool | None:
        if value is None:
            return None
        return {"<=": value <= self.value, ">=": value >= self.value, "==": value == self.value}[self.op]

    def __str__(self) -> str:
        return f"{ {'<=': '≤', '>=': '≥', '==': '='}[self.op]} {fmt(self.value)}".strip()


@dataclass(frozen=True)
class Measure:
    key: str  # stable name in curve.json
    label: str
    unit: str
    get: Callable[[dict], float | None]
    target: Target | None = None


def _percentiles(key: str, label: str, getter, targets: dict | None = None) -> list[Measure]:
    targets = targets or {}
    return [Measure(f"{key}.{p}", f"{label} {p}", "ms", lambda r, p=p: getter(r, p), targets.get(p))
            for p in ("p50", "p95", "p99")]


MEASURES: list[Measure] = [
    Measure("ingest.seconds", "full ingest, wall", "s", lambda r: dig(fastest_ingest(r), "seconds"), Target("<=", 480)),
    Measure("ingest.cpu_s", "full ingest, CPU of all processes", "s", lambda r: dig(fastest_ingest(r), "cpu_s")),
    Measure("ingest.busiest_cpu_s", "full ingest, CPU of the busiest process", "s",
            lambda r: dig(fastest_ingest(r), "busiest_process_cpu_s")),
    Measure("ingest.interviews_per_s", "full ingest, interviews per second", "/s",
            lambda r: dig(fastest_ingest(r), "interviews_per_s")),
    Measure("ingest.index_mb", "index size", "MB", lambda r: dig(fastest_ingest(r), "index_mb")),
    Measure("ingest.peak_process_mb", "ingest, largest process (peak RSS)", "MB",
            lambda r: dig(fastest_ingest(r), "peak_process_mb")),
    Measure("ingest.peak_total_mb", "ingest, all processes (peak RSS)", "MB",
            lambda r: dig(fastest_ingest(r), "peak_total_mb")),
    Measure("update.visible_s", "10 changed interviews visible after", "s",
            lambda r: dig(r, "update", "ours", "visible_s"), Target("<=", 3)),
    Measure("update.command_s", "10 changed interviews, ingest command", "s",
            lambda r: dig(r, "update", "ours", "command_s")),
    *_percentiles("inproc", "in process, all queries", lambda r, p: inproc(r, "all", p)),
    *_percentiles("inproc.reader", "in process, reader questions", lambda r, p: inproc(r, "reader", p)),
    *_percentiles("http.uncached", "HTTP uncached, all queries",
                  lambda r, p: dig(r, "http", "ours-nocache", "warm", p), {"p50": Target("<=", 25), "p95": Target("<=", 100)}),
    *_percentiles("http.uncached.reader", "HTTP uncached, reader questions",
                  lambda r, p: dig(r, "http", "ours-nocache", "warm_by_category", "reader", p)),
    *_percentiles("http.cold", "HTTP fresh server, first pass (cache on)", lambda r, p: dig(r, "http", "ours", "cold", p)),
    *_percentiles("http.cached", "HTTP cached, new connection per request",
                  lambda r, p: dig(r, "http", "ours", "warm_new_connection", p), {"p50": Target("<=", 3)}),
    Measure("http.errors", "HTTP passes, errors (all servers of ours)", "",
            lambda r: _sum(dig(r, "http", k, "errors") for k in ("ours", "ours-nocache")), Target("==", 0)),
    Measure("http.worker_rss_mb", "worker RSS after the HTTP passes (largest)", "MB",
            lambda r: largest(dig(r, "http", "ours", "worker_rss_mb")), Target("<=", 300)),
    Measure("http.worker_pss_mb", "worker PSS after the HTTP passes (largest)", "MB",
            lambda r: largest(dig(r, "http", "ours", "worker_pss_mb"))),
    Measure("load.rps", "wrk, cache on: requests/s", "/s", lambda r: dig(r, "load", "ours", "requests_per_s"),
            Target(">=", 100)),
    Measure("load.errors", "wrk, cache on: errors", "", lambda r: dig(r, "load", "ours", "errors"), Target("==", 0)),
    Measure("load.rps_uncached", "wrk, cache off: requests/s", "/s",
            lambda r: dig(r, "load", "ours-nocache", "requests_per_s")),
    Measure("load.errors_uncached", "wrk, cache off: errors", "", lambda r: dig(r, "load", "ours-nocache", "errors")),
    Measure("load.worker_rss_mb", "worker RSS after wrk, cache on (largest)", "MB",
            lambda r: largest(dig(r, "load", "ours", "worker_rss_mb")), Target("<=", 300)),
]


def _sum(values):
    values = [v for v in values if v is not None]
    return sum(values) if values else None


# -- the curve ---------------------------------------------------------------------------------
def results_path(size: str, folder: Path = OUT) -> Path:
    return folder / f"results-{size}.json"


def load_results(sizes: list[str], folder: Path = OUT) -> list[dict]:
    """The results file of each size, smallest corpus first."""
    loaded = []
    for size in sizes:
        path = results_path(size, folder)
        if not path.exists():
            where = "" if folder.resolve() == OUT.resolve() else f" --out {folder}"
            raise SystemExit(f"{path}: no results for size {size!r}; measure it first "
                             f"(python bench/run.py --size {size}{where})")
        try:
            data = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}: not valid JSON ({exc})") from exc
        if not dig(data, "corpus", "pages"):
            raise SystemExit(f"{path}: no corpus description (corpus.pages); is this a bench/run.py results file?")
        data["_path"] = str(path)
        loaded.append(data)
    return sorted(loaded, key=lambda r: r["corpus"]["pages"])


def notes(results: dict) -> list[str]:
    """What a reader of the curve must know about where one size's figures came from."""
    out = []
    name, profiled = inproc_pass(results)
    if profiled:
        out.append(f"in process: only {name}, which ran under cProfile (slower than the real figure)")
    measured = results.get("measured") or {}
    smoke = sorted((p for p, record in measured.items() if record.get("smoke")), key=phase_order)
    if smoke:
        out.append(("every phase" if len(smoke) == len(measured) else ", ".join(smoke))
                   + ": a --smoke run (one profiled in-process pass, 5 s of wrk without warm-up)")
    if dig(results, "load", "skipped"):
        out.append(f"load: skipped ({results['load']['skipped']})")
    update = dig(results, "update", "ours") or {}
    if "updated" in update and update.get("added"):
        out.append(f"update: the ingest added {update['added']} pages and updated {update['updated']} "
                   "(not the 10-changed-pages case)")
    unrecorded = [p for p in ("ingest", "update", "inproc", "http", "load") if p in results
                  and p not in (results.get("measured") or {})]
    if unrecorded:
        out.append(f"{', '.join(unrecorded)}: from a run before phases were recorded (when and which code unknown)")
    rows = dig(results, "ingest", "ours") or []
    if len(rows) > 1:
        out.append(f"ingest: the fastest of {len(rows)} runs")
    return out


def build(results_list: list[dict]) -> dict:
    """The curve's figures: a value per measure and size, and each size's provenance."""
    sizes = [r["size"] for r in results_list]
    if len(set(sizes)) != len(sizes):
        raise SystemExit(f"a size is given twice: {', '.join(sizes)}")
    generators = {dig(r, "corpus", "generator") for r in results_list}
    largest_size = results_list[-1]["size"] if results_list else None
    measures = []
    for m in MEASURES:
        values = {r["size"]: _number(m.get(r)) for r in results_list}
        met = m.target.met(values.get(largest_size)) if m.target else None
        measures.append(dict(key=m.key, label=m.label, unit=m.unit, values=values,
                             target=str(m.target) if m.target else None,
                             status=None if met is None else ("met" if met else "not met")))
    return dict(
        sizes=[dict(size=r["size"], pages=r["corpus"]["pages"], chars=dig(r, "corpus", "chars"),
                    generator=dig(r, "corpus", "generator"), results=r["_path"] if "_path" in r else None,
                    started=r.get("started"), finished=r.get("finished"), tree=r.get("tree"),
                    commit=r.get("commit"), loadavg_start=dig(r, "machine", "loadavg"), loadavg_end=r.get("loadavg_end"),
                    measured=r.get("measured") or {}, notes=notes(r))
               for r in results_list],
        targets_at=largest_size,
        same_generator=len(generators) <= 1,
        measures=measures,
    )


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def fmt(value) -> str:
    """Three significant figures or so; thousands grouped."""
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def growth(a, b) -> str:
    if a is None or b is None or a == 0:
        return "–"
    return f"{b / a:.1f}×"


PHASE_ORDER = ("ingest", "update", "inproc", "http", "load", "conservation")  # as bench/run.py runs them


def phase_order(phase: str) -> int:
    return PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)


def markdown(curve: dict) -> str:
    sizes = curve["sizes"]
    names = [s["size"] for s in sizes]
    pairs = list(zip(sizes, sizes[1:]))
    lines = ["## The curve: " + ", ".join(f"{s['size']} ({s['pages']:,} interviews"
                                           + (f", {s['chars'] / 1e6:.1f} M characters" if s.get("chars") else "") + ")"
                                           for s in sizes), ""]
    at = curve["targets_at"]
    header = ["measure", "unit", *names, *(f"{b['size']} / {a['size']} (corpus {b['pages'] / a['pages']:.1f}×)" for a, b in pairs),
              "target (issue 15, at 20k)", f"at {at}" if at else "status"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for m in curve["measures"]:
        values = [m["values"].get(n) for n in names]
        ratios = [growth(m["values"].get(a["size"]), m["values"].get(b["size"])) for a, b in pairs]
        status = {"met": "met", "not met": "**not met**", None: "–"}[m["status"]]
        lines.append("| " + " | ".join([m["label"], m["unit"], *map(fmt, values), *ratios, m["target"] or "", status]) + " |")
    lines += ["", "| size | results file | phases measured (when, code, load average) | notes |", "|---|---|---|---|"]
    for s in sizes:
        phases = "; ".join(f"{phase} {rec.get('at', '?')} {rec.get('commit') or ''} load {rec.get('loadavg', '?')}".replace("  ", " ")
                           for phase, rec in sorted(s["measured"].items(), key=lambda item: phase_order(item[0])))
        if not phases:
            phases = f"{s.get('started')} – {s.get('finished')}, tree {s.get('tree')}, load {s.get('loadavg_start')}"
        lines.append(f"| {s['size']} | {Path(s['results']).name if s.get('results') else '–'} | {phases} | "
                     f"{'; '.join(s['notes']) or '–'} |")
    if not curve["same_generator"]:
        lines += ["", "**The sizes come from different versions of bench/gen.py** (corpus.generator differs): "
                      "the columns are not the same corpus at different lengths."]
    return "\n".join(lines) + "\n"


# -- the chart ---------------------------------------------------------------------------------
CHART_LATENCY = (  # (measure key, legend, line style)
    ("inproc.p50", "in process p50", dict(color="tab:blue", linestyle="-", marker="o")),
    ("inproc.p95", "in process p95", dict(color="tab:blue", linestyle="--", marker="o")),
    ("http.uncached.p50", "HTTP uncached p50", dict(color="tab:orange", linestyle="-", marker="s")),
    ("http.uncached.p95", "HTTP uncached p95", dict(color="tab:orange", linestyle="--", marker="s")),
)
CHART_INGEST = (
    ("ingest.seconds", "wall", dict(color="tab:green", linestyle="-", marker="o")),
    ("ingest.busiest_cpu_s", "busiest process CPU", dict(color="tab:green", linestyle=":", marker="^")),
)


def target_line(ax, y: float, text: str, linestyle: str = "-") -> None:
    ax.axhline(y, color="tab:red", linewidth=1.2, linestyle=linestyle, label=text)


def provenance(curve: dict) -> str:
    """The footnote: when the sizes were measured, and with which code."""
    days = sorted({str(rec.get("at", ""))[:10] for s in curve["sizes"] for rec in s["measured"].values()} - {""})
    commits = sorted({rec.get("commit") for s in curve["sizes"] for rec in s["measured"].values()} - {None})
    when = f"{days[0]} – {days[-1]}" if len(days) > 1 else (days[0] if days else "date not recorded")
    return f"bench/run.py, {when}, code {', '.join(commits) or 'not recorded'}"


def render_chart(curve: dict, path: Path) -> str | None:
    """Draw the chart to ``path``; returns why it was skipped, or None when it was drawn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]', or scripts/setup.sh --test)"
    by_key = {m["key"]: m for m in curve["measures"]}
    pages = {s["size"]: s["pages"] for s in curve["sizes"]}

    def series(key):
        points = [(pages[n], v) for n, v in by_key[key]["values"].items() if v is not None]
        return [x for x, _ in points], [y for _, y in points]

    fig, (lat, ing) = plt.subplots(1, 2, figsize=(9.6, 3.8), dpi=110)
    for ax in (lat, ing):
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(sorted(pages.values())))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x >= 1000 else f"{x:g}"))
        ax.set_xlabel("interviews in the corpus")
        ax.grid(True, which="major", alpha=0.3)
        if len(pages) == 1:  # one point: give the axis some room around it
            only = next(iter(pages.values()))
            ax.set_xlim(only / 2, only * 2)
    for key, legend, style in CHART_LATENCY:
        xs, ys = series(key)
        if xs:
            lat.plot(xs, ys, label=legend, **style)
    target_line(lat, 25, "target: HTTP p50 ≤ 25 ms")
    target_line(lat, 100, "target: HTTP p95 ≤ 100 ms", "--")
    lat.set_yscale("log")
    lat.set_ylabel("ms (log scale)")
    lat.set_title("Search latency, uncached", fontsize=10)
    lat.legend(fontsize=7, loc="best")
    for key, legend, style in CHART_INGEST:
        xs, ys = series(key)
        if xs:
            ing.plot(xs, ys, label=legend, **style)
    for x, y in zip(*series(CHART_INGEST[0][0])):  # the wall times, written out
        ing.annotate(f"{fmt(y)} s", (x, y), xytext=(-6, 6), textcoords="offset points", fontsize=7, ha="right")
    target_line(ing, 480, "target at 20k: ≤ 480 s")
    ing.set_ylim(bottom=0, top=max([540, *(y for k, _, _ in CHART_INGEST for y in series(k)[1])]) * 1.1)
    ing.set_ylabel("seconds")
    ing.set_title("Full ingest", fontsize=10)
    ing.legend(fontsize=7, loc="best")
    fig.text(0.99, 0.01, provenance(curve), ha="right", va="bottom", fontsize=6, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return None


# -- writing it all ----------------------------------------------------------------------------
def write(results_list: list[dict], out: Path = OUT, docs: Path | None = None) -> dict:
    """Write curve.md, curve.json and curve.png into ``out`` (the PNG also to ``docs``)."""
    curve = build(results_list)
    out.mkdir(parents=True, exist_ok=True)
    chart = out / "curve.png"
    skipped = render_chart(curve, chart)
    if skipped:
        print(f"curve: chart skipped: {skipped}", file=sys.stderr)
        curve.update(chart=None, chart_skipped=skipped)
    else:
        curve.update(chart=str(chart), chart_skipped=None)
        if docs:
            docs.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(chart, docs)
            curve["chart_copy"] = str(docs)
    (out / "curve.json").write_text(json.dumps(curve, ensure_ascii=False, indent=1) + "\n", "utf-8")
    text = markdown(curve)
    (out / "curve.md").write_text(text, "utf-8")
    return curve


def parse_sizes(text: str) -> list[str]:
    sizes = [s.strip() for s in text.split(",") if s.strip()]
    if not sizes:
        raise SystemExit("--sizes: give one or more sizes, comma-separated (e.g. 1k,5k,20k)")
    return sizes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Put the results of several corpus sizes side by side (curve.md, curve.json, curve.png).",
        epilog="Each size is read from DIR/results-<size>.json, as bench/run.py --size <size> writes it. "
               "Targets are issue 15's, judged at the largest size given.")
    parser.add_argument("--sizes", default="1k,5k,20k", type=parse_sizes, help="comma-separated (default 1k,5k,20k)")
    parser.add_argument("--dir", type=Path, default=OUT, metavar="DIR",
                        help="where the results files are and the curve is written (default bench/out)")
    parser.add_argument("--docs", nargs="?", const=DOCS_CHART, type=Path, metavar="PNG",
                        help=f"also copy the chart there (default {DOCS_CHART.relative_to(BENCH.parent)}), for the README")
    args = parser.parse_args(argv)
    curve = write(load_results(args.sizes, args.dir), args.dir, args.docs)
    print(markdown(curve))
    print(f"wrote {args.dir / 'curve.md'}, {args.dir / 'curve.json'}"
          + (f", {curve['chart']}" if curve["chart"] else " (no chart)")
          + (f", {curve['chart_copy']}" if curve.get("chart_copy") else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
