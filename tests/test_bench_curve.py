"""The benchmark's curve (issue 15): 1k, 5k and 20k side by side, from the results files.

Nothing here is timed. Results files are written by hand in ``bench/run.py``'s layout (one
per corpus size), and the tests read what a reader of ``curve.md`` and ``curve.png`` sees:
the values in the right column, the growth between sizes, the targets, and a chart. The
update phase's page swapping (pages changed in the corpus itself, then put back) is tested
on a small generated corpus.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def load(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


curve = load("curve")


# -- results files as bench/run.py writes them -------------------------------------------------
def stats(p50, p95, p99):
    return dict(n=304, p50=p50, p95=p95, p99=p99, mean=round((p50 + p95) / 2, 2), max=p99 * 1.5)


def results(size: str, pages: int, *, ingest_s: float, busiest_cpu_s: float, index_mb: float, visible_s: float,
            inproc: tuple, inproc_reader: tuple, http_uncached: tuple, http_reader: tuple, cached: tuple,
            rps: float, wrk_errors: int, worker_rss: list) -> dict:
    """One size's results, with the figures the curve reads; everything else as run.py leaves it."""
    slow = stats(*(v * 3 for v in inproc))  # the profiled pass: slower, and never a figure of the curve
    return {
        "size": size, "corpus": {"size": size, "pages": pages, "chars": pages * 3600, "bytes": pages * 10800,
                                 "generator": "0123456789ab"},
        "commit": "abc1234", "started": "2026-11-29 05:00:00", "finished": "2026-11-29 05:20:00",
        "machine": {"loadavg": ["1.10", "1.00", "0.90"]},
        "measured": {phase: {"at": "2026-11-29 05:00:00", "commit": "abc1234", "smoke": False, "loadavg": 1.1}
                     for phase in ("ingest", "update", "inproc", "http", "load")},
        "ingest": {"ours": [{"seconds": ingest_s, "cpu_s": ingest_s * 1.7, "busiest_process_cpu_s": busiest_cpu_s,
                             "interviews_per_s": round(pages / ingest_s, 1), "index_mb": index_mb,
                             "peak_process_mb": 270.5, "peak_total_mb": 690.0, "loadavg_before": 1.1}]},
        "update": {"ours": {"visible_s": visible_s, "command_s": visible_s + 0.1, "updated": 10, "added": 0}},
        "inproc": {"ours": {
            "pass1": {"all": stats(*(v * 1.2 for v in inproc)), "by_category": {}},
            "pass2": {"all": stats(*inproc), "by_category": {"reader": stats(*inproc_reader), "single": stats(1, 2, 3)}},
            "pass3": {"all": slow, "by_category": {"reader": slow}},
            "profiled_pass": "pass3"}},
        "http": {
            "ours": {"cold": stats(*(v * 1.1 for v in http_uncached)), "warm": stats(1.2, 1.6, 2.4),
                     "warm_new_connection": stats(*cached), "errors": 0, "worker_rss_mb": worker_rss,
                     "worker_pss_mb": [r / 2 for r in worker_rss]},
            "ours-nocache": {"cold": stats(*(v * 1.1 for v in http_uncached)), "warm": stats(*http_uncached),
                             "warm_by_category": {"reader": stats(*http_reader)}, "errors": 0,
                             "worker_rss_mb": worker_rss}},
        "load": {"ours": {"requests_per_s": rps, "errors": wrk_errors, "worker_rss_mb": worker_rss},
                 "ours-nocache": {"requests_per_s": rps / 10, "errors": 0, "worker_rss_mb": worker_rss}},
    }


# The issue's own figures at 5k and 20k (and a 1k run), so the table reads like the issue.
SIZES = {
    "1k": results("1k", 1000, ingest_s=18.3, busiest_cpu_s=16.2, index_mb=62.2, visible_s=1.4,
                  inproc=(11.8, 20.8, 29.6), inproc_reader=(14.2, 23.2, 29.7), http_uncached=(10.8, 19.4, 24.2),
                  http_reader=(13.1, 23.0, 24.3), cached=(1.95, 5.55, 7.79), rps=403.1, wrk_errors=0,
                  worker_rss=[149.0, 140.2, 139.9]),
    "5k": results("5k", 5000, ingest_s=82.4, busiest_cpu_s=76.7, index_mb=186.0, visible_s=1.65,
                  inproc=(13.6, 57.7, 79.1), inproc_reader=(21.5, 70.2, 95.0), http_uncached=(17.1, 60.1, 83.9),
                  http_reader=(24.0, 75.5, 99.0), cached=(1.39, 1.64, 3.1), rps=309.5, wrk_errors=0,
                  worker_rss=[130.0, 128.5, 127.0]),
    "20k": results("20k", 20000, ingest_s=773.0, busiest_cpu_s=304.6, index_mb=658.0, visible_s=4.2,
                   inproc=(53.0, 475.0, 667.0), inproc_reader=(81.0, 590.0, 924.0), http_uncached=(58.0, 741.0, 1165.0),
                   http_reader=(90.0, 880.0, 1300.0), cached=(30.0, 48.0, 60.0), rps=20.0, wrk_errors=67,
                   worker_rss=[139.0, 127.0, 133.0]),
}


def write_results(folder: Path, *sizes: str) -> None:
    for size in sizes:
        (folder / f"results-{size}.json").write_text(json.dumps(SIZES[size]), "utf-8")


def table_rows(markdown: str) -> dict[str, list[str]]:
    """The curve table's body rows by their first cell (the measure)."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) > 2 and not set(line) <= set("|-"):
            rows[cells[0]] = cells[1:]
    return rows


def require_matplotlib() -> None:
    """The chart is part of what these tests check: fail (never skip) when its library is missing."""
    if importlib.util.find_spec("matplotlib") is None:
        pytest.fail("matplotlib is not installed: scripts/setup.sh --test installs the 'bench' extra")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


# -- the curve from results files ---------------------------------------------------------------
def test_curve_puts_the_sizes_side_by_side_with_growth_and_targets(tmp_path):
    require_matplotlib()
    write_results(tmp_path, "1k", "5k", "20k")
    assert curve.main(["--sizes", "1k,5k,20k", "--dir", str(tmp_path)]) == 0
    text = (tmp_path / "curve.md").read_text("utf-8")
    rows = table_rows(text)
    assert rows["measure"] == ["unit", "1k", "5k", "20k", "5k / 1k (corpus 5.0×)", "20k / 5k (corpus 4.0×)",
                               "target (issue 15, at 20k)", "at 20k"]
    # value per size, growth between neighbours, target, and the verdict at the largest size
    assert rows["HTTP uncached, all queries p50"] == ["ms", "10.8", "17.1", "58", "1.6×", "3.4×", "≤ 25", "**not met**"]
    assert rows["HTTP uncached, all queries p95"] == ["ms", "19.4", "60.1", "741", "3.1×", "12.3×", "≤ 100", "**not met**"]
    assert rows["HTTP uncached, reader questions p99"] == ["ms", "24.3", "99", "1,300", "4.1×", "13.1×", "", "–"]
    assert rows["in process, reader questions p95"] == ["ms", "23.2", "70.2", "590", "3.0×", "8.4×", "", "–"]
    assert rows["HTTP cached, new connection per request p50"][:4] == ["ms", "1.95", "1.39", "30"]
    assert rows["HTTP cached, new connection per request p50"][-2:] == ["≤ 3", "**not met**"]
    assert rows["full ingest, wall"] == ["s", "18.3", "82.4", "773", "4.5×", "9.4×", "≤ 480", "**not met**"]
    assert rows["full ingest, CPU of the busiest process"][1:4] == ["16.2", "76.7", "305"]
    assert rows["index size"][1:4] == ["62.2", "186", "658"]
    assert rows["10 changed interviews visible after"][-2:] == ["≤ 3", "**not met**"]
    assert rows["wrk, cache on: requests/s"][1:4] == ["403", "310", "20"]
    assert rows["wrk, cache on: errors"][1:4] + rows["wrk, cache on: errors"][-2:] == ["0", "0", "67", "= 0", "**not met**"]
    assert rows["worker RSS after the HTTP passes (largest)"][1:4] == ["149", "130", "139"]
    assert rows["worker RSS after the HTTP passes (largest)"][-2:] == ["≤ 300", "met"]
    # in process: the last pass without cProfile (pass2), never the profiled pass3
    assert rows["in process, all queries p50"][1:4] == ["11.8", "13.6", "53"]
    # where each size came from
    assert "| 20k | results-20k.json | ingest 2026-11-29 05:00:00 abc1234 load 1.1;" in text

    data = json.loads((tmp_path / "curve.json").read_text("utf-8"))
    assert [s["size"] for s in data["sizes"]] == ["1k", "5k", "20k"]
    p95 = next(m for m in data["measures"] if m["key"] == "http.uncached.p95")
    assert p95["values"] == {"1k": 19.4, "5k": 60.1, "20k": 741.0} and p95["status"] == "not met"
    assert all(set(m["values"]) == {"1k", "5k", "20k"} and None not in m["values"].values()
               for m in data["measures"]), "every measure finds its figure in a complete results file"

    width, height = png_size(tmp_path / "curve.png")
    assert (width, height) == (1056, 418)
    assert 15_000 < (tmp_path / "curve.png").stat().st_size < 1_000_000
    assert data["chart"] == str(tmp_path / "curve.png")


def test_chart_draws_the_series_and_the_target_lines(tmp_path):
    require_matplotlib()
    import numpy as np
    from PIL import Image

    write_results(tmp_path, "1k", "5k", "20k")
    curve.main(["--sizes", "1k,5k,20k", "--dir", str(tmp_path)])
    pixels = np.asarray(Image.open(tmp_path / "curve.png").convert("RGB"), dtype=int)

    def count(rgb, tolerance=40):
        return int((np.abs(pixels - np.array(rgb)) <= tolerance).all(axis=-1).sum())

    assert count((0x1F, 0x77, 0xB4)) > 200, "in-process latency (blue)"
    assert count((0xFF, 0x7F, 0x0E)) > 200, "HTTP latency (orange)"
    assert count((0x2C, 0xA0, 0x2C)) > 200, "ingest (green)"
    assert count((0xD6, 0x27, 0x28)) > 300, "the target lines (red)"


def test_sizes_in_any_order_come_out_smallest_first_and_a_missing_phase_is_a_dash(tmp_path):
    require_matplotlib()
    write_results(tmp_path, "1k", "20k")
    partial = dict(SIZES["5k"])
    del partial["http"], partial["load"]
    (tmp_path / "results-5k.json").write_text(json.dumps(partial), "utf-8")
    curve.main(["--sizes", "20k,1k,5k", "--dir", str(tmp_path)])
    rows = table_rows((tmp_path / "curve.md").read_text("utf-8"))
    assert rows["measure"][1:4] == ["1k", "5k", "20k"]
    assert rows["HTTP uncached, all queries p50"][1:6] == ["10.8", "–", "58", "–", "–"]
    assert rows["full ingest, wall"][1:4] == ["18.3", "82.4", "773"]
    assert png_size(tmp_path / "curve.png") == (1056, 418)


def test_a_smoke_run_is_flagged_and_its_profiled_pass_named(tmp_path):
    smoke = json.loads(json.dumps(SIZES["1k"]))
    ours = smoke["inproc"]["ours"]
    ours["pass1"] = ours.pop("pass3")  # a --smoke run: one pass, under cProfile
    del ours["pass2"]
    ours["profiled_pass"] = "pass1"
    smoke["measured"]["load"]["smoke"] = True
    (tmp_path / "results-1k.json").write_text(json.dumps(smoke), "utf-8")
    curve.main(["--sizes", "1k", "--dir", str(tmp_path)])
    text = (tmp_path / "curve.md").read_text("utf-8")
    assert "in process: only pass1, which ran under cProfile" in text
    assert "load: a --smoke run (one profiled in-process pass" in text
    assert table_rows(text)["in process, all queries p50"][1] == "35.4"  # 11.8 × 3: the profiled figure, flagged


def test_a_missing_results_file_is_named_with_the_command_that_makes_it(tmp_path):
    write_results(tmp_path, "1k")
    with pytest.raises(SystemExit) as failure:
        curve.main(["--sizes", "1k,20k", "--dir", str(tmp_path)])
    assert str(tmp_path / "results-20k.json") in str(failure.value)
    assert f"python bench/run.py --size 20k --out {tmp_path}" in str(failure.value)
    assert not (tmp_path / "curve.md").exists()


def test_without_matplotlib_the_tables_are_written_and_the_chart_skipped_with_a_reason(tmp_path):
    write_results(tmp_path, "1k", "5k")
    code = ("import sys; sys.modules['matplotlib'] = None; sys.path.insert(0, sys.argv[1]); import curve; "
            "sys.exit(curve.main(['--sizes', '1k,5k', '--dir', sys.argv[2]]))")
    run = subprocess.run([sys.executable, "-c", code, str(BENCH), str(tmp_path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "chart skipped: matplotlib is not installed (pip install -e '.[bench]'" in run.stderr
    assert table_rows((tmp_path / "curve.md").read_text("utf-8"))["full ingest, wall"][1:3] == ["18.3", "82.4"]
    assert json.loads((tmp_path / "curve.json").read_text("utf-8"))["chart"] is None
    assert not (tmp_path / "curve.png").exists()


# -- the table holds for any sizes and figures ------------------------------------------------------
def number(cell: str) -> float:
    return float(cell.replace(",", "").rstrip("×"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(st.integers(100, 100_000), min_size=1, max_size=4, unique=True),
       factors=st.lists(st.floats(0.01, 100.0), min_size=4, max_size=4), data=st.data())
def test_every_value_lands_in_its_size_column_and_every_ratio_is_the_growth(pages, factors, data):
    """Sizes scaled from one results file: each cell is its figure (to 3 significant digits), each
    growth cell the ratio of its neighbours, and each verdict the target applied to the largest size."""
    base = SIZES["5k"]
    order = data.draw(st.permutations(pages))
    loaded = []
    for n, factor in zip(order, factors):
        text = json.dumps(base)
        scaled = json.loads(text, parse_float=lambda v, f=factor: float(v) * f)
        scaled.update(size=str(n), corpus={**base["corpus"], "size": str(n), "pages": n})
        loaded.append(scaled)
    loaded.sort(key=lambda r: r["corpus"]["pages"])
    built = curve.build(loaded)
    rows = table_rows(curve.markdown(built))
    names = [str(n) for n in sorted(pages)]
    assert rows["measure"][1:1 + len(names)] == names
    expected_base = {m.key: m.get(base) for m in curve.MEASURES}
    for m in built["measures"]:
        cells = rows[m["label"]]
        values = [m["values"][n] for n in names]
        for name, cell, value in zip(names, cells[1:], values):
            factor = factors[order.index(int(name))]
            if isinstance(expected_base[m["key"]], float):
                assert value == pytest.approx(expected_base[m["key"]] * factor)
            assert number(cell) == pytest.approx(value, rel=0.006, abs=0.006), (m["label"], name)
        for (a, b), cell in zip(zip(values, values[1:]), cells[1 + len(names):]):
            assert cell == "–" if not a else number(cell) == pytest.approx(b / a, abs=0.051)
        target = next(t.target for t in curve.MEASURES if t.key == m["key"])
        verdict = cells[-1]
        if target is None:
            assert verdict == "–"
        else:
            assert verdict == ("met" if target.met(values[-1]) else "**not met**")


# -- bench/run.py: the curve from reused sizes, and the update phase's page swap -----------------------
run = load("run")


def test_run_reuses_results_files_for_the_curve_without_measuring(tmp_path):
    require_matplotlib()
    write_results(tmp_path, "1k", "5k")
    assert run.main(["--sizes", "5k,1k", "--reuse", "all", "--out", str(tmp_path)]) == 0
    rows = table_rows((tmp_path / "curve.md").read_text("utf-8"))
    assert rows["measure"][1:3] == ["1k", "5k"]
    assert rows["index size"][1:3] == ["62.2", "186"]
    assert (tmp_path / "curve.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.json", "curve.md", "curve.png",
                                                          "results-1k.json", "results-5k.json"]


def test_run_checks_reused_sizes_before_measuring_anything(tmp_path):
    write_results(tmp_path, "1k")
    with pytest.raises(SystemExit) as failure:
        run.main(["--sizes", "1k,5k", "--reuse", "5k", "--out", str(tmp_path)])
    assert "results-5k.json" in str(failure.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results-1k.json"]


def test_update_phase_changes_pages_in_the_corpus_and_puts_them_back(tmp_path):
    gen = load("gen")
    info = gen.generate(40, tmp_path / "corpus")
    corpus = tmp_path / "corpus" / info["size"]
    before = {p: p.read_bytes() for p in corpus.rglob("*.txt")}
    elsewhere = tmp_path / "linked-copy"
    subprocess.run(["cp", "-al", str(corpus), str(elsewhere)], check=True)

    run.change_in_place(corpus, 10, "t1")
    changed = [p for p in before if p.read_bytes() != before[p]]
    assert len(changed) == 10
    assert all(f"{run.MARKER}t1" in p.read_text("utf-8").split("\n")[2] for p in changed)
    assert all((elsewhere / p.relative_to(corpus)).read_bytes() == before[p] for p in changed), \
        "a hard-linked copy keeps its pages"

    run.restore_pages(corpus)  # as at the end of the phase, or at the start of the next run after a crash
    assert {p: p.read_bytes() for p in corpus.rglob("*.txt")} == before
    assert not (corpus / run.UPDATE_PENDING).exists()
    run.restore_pages(corpus)  # nothing pending: nothing to do
    assert {p: p.read_bytes() for p in corpus.rglob("*.txt")} == before
