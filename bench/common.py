"""Helpers shared by the benchmarks: process-tree memory, percentiles, the query log."""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def searchsvc_module(name: str):
    """``searchsvc.<name>`` as this checkout lays it out (``engine.search``), or as an older tree
    passed to ``use_tree`` did, before the parts became folders (``search``)."""
    import importlib

    try:
        return importlib.import_module(f"searchsvc.{name}")
    except ModuleNotFoundError:
        return importlib.import_module(f"searchsvc.{name.rsplit('.', 1)[-1]}")


def use_tree(tree: str | None = None) -> None:
    """Import searchsvc from another source tree (``BENCH_TREE``) instead of the checkout.

    The package is installed editable, and its import hook wins over PYTHONPATH, so the
    hook is dropped.  Call before anything imports searchsvc.
    """
    import sys

    tree = tree or os.environ.get("BENCH_TREE")
    if not tree:
        return
    tree = os.path.abspath(tree)
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "") + repr(f)]
    sys.path.insert(0, tree)


def queries(path: Path = BENCH / "queries.tsv") -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            category, q = line.split("\t", 1)
            rows.append((category, q))
    return rows


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return dict(n=len(ms), p50=round(percentile(ms, 50), 2), p95=round(percentile(ms, 95), 2),
                p99=round(percentile(ms, 99), 2), mean=round(sum(ms) / max(len(ms), 1), 2),
                max=round(max(ms), 2) if ms else None)


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid: int) -> list[int]:
    kids = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Samples the RSS of a process and its descendants every 50 ms.

    ``peak_total_mb``: the largest sum over the tree (what the ingest as a whole
    holds); ``peak_process_mb``: the largest single process (from VmHWM, exact).
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_total = 0
        self.hwm: dict[int, int] = {}
        self.cpu: dict[int, float] = {}  # last CPU seconds seen per process
        self.running = True

    def run(self):
        tick = os.sysconf("SC_CLK_TCK")
        while self.running:
            pids = tree(self.pid)
            total = 0
            for p in pids:
                rss = status_kb(p, "VmRSS")
                total += rss
                self.hwm[p] = max(self.hwm.get(p, 0), status_kb(p, "VmHWM"), rss)
                try:
                    with open(f"/proc/{p}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                    self.cpu[p] = (int(fields[11]) + int(fields[12])) / tick
                except (OSError, ValueError, IndexError):
                    pass
            self.peak_total = max(self.peak_total, total)
            time.sleep(self.interval)

    def stop(self) -> dict:
        self.running = False
        self.join()
        return dict(peak_total_mb=round(self.peak_total / 1024, 1),
                    peak_process_mb=round(max(self.hwm.values(), default=0) / 1024, 1),
                    processes=len(self.hwm),
                    # the busiest process's CPU time: a lower bound of the wall time with free cores
                    busiest_process_cpu_s=round(max(self.cpu.values(), default=0.0), 1))


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run a command; wall time, exit code, output and the memory of its process tree."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mem = TreeMemory(proc.pid)
    mem.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    memory = mem.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return dict(seconds=round(seconds, 2), cpu_s=round(cpu, 2), loadavg_before=round(load, 2), rc=proc.returncode,
                stdout=out, stderr=err[-3000:], **memory)


def machine() -> dict:
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    return dict(
        nproc=sh("nproc"),
        cpu=sh("lscpu | grep -m1 'Model name' | sed 's/.*: *//'"),
        lscpu=sh("lscpu | head -15"),
        memory=sh("free -h | sed -n 2p"),
        python=platform.python_version(),
        kernel=platform.release(),
        loadavg=open("/proc/loadavg").read().split()[:3],
    )
