"""The benchmark suite: prints figures (never asserts on time).

    python bench/run.py --size 5k                       # everything, with the plain baseline
    python bench/run.py --size 1k --smoke               # CI smoke test: the whole path, short runs
    python bench/run.py --size 5k --only ingest,update --before 4d3efed   # before/after an optimisation
    python bench/run.py --sizes 1k,5k,20k --no-baseline                    # the curve: each size, then side by side
    python bench/run.py --sizes 1k,5k,20k --reuse 5k,20k                   # measure 1k again, reuse the others' results

Phases (``--only`` picks some):
  ingest      full build: interviews/s, MB/s, peak RSS of the ingest (ours, baseline, and
              ``--before REV``: the write path of an older commit, run on the same corpus)
  update      10 changed interviews: seconds from the ingest command's start until a
              search sees all 10 (polled every 50 ms), and the command's own time
  inproc      in-process search latency over the query log (``Searcher``), and highlighting
              with stored offsets vs re-running the analyzer per hit
  http        ``searchsvc serve`` (default workers): start-up time, latency p50/p95/p99 over
              the query log cold (fresh server) and warm (cached) on one kept-alive
              connection, then the warm pass again with a new connection per request (as
              browsers and proxies send repeats, landing on any worker), the same with the
              result cache off, and the RSS of each worker; the baseline behind gunicorn alike.
              The rate limiter is on (2000/minute: its shared counters are part of the cost);
              the load phase runs with it off (one client sending thousands of requests)
  load        sustained requests/s with wrk on loopback (errors counted), ours and baseline
  conservation  every Q&A the generator wrote is served: per page, the Q&As in the index (ours)
              against ``qa.json``; lost Q&As, pages short, failed files (must all be 0)

Results go to ``bench/out/results-<size>.json`` (written after each phase, so a failure late in
a long run keeps what was measured; ``measured`` records when, with which code and at what load
each phase ran) and a Markdown table to ``bench/out/report-<size>.md``; the corpus to
``bench/corpus/<size>/`` (both ignored by git).

``--sizes`` measures several sizes in turn, then writes the curve (``bench/curve.py``):
``bench/out/curve.md``, ``curve.json`` and ``curve.png``. ``--reuse`` takes the named sizes from
their results files instead of measuring them again.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import io
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import curve  # noqa: E402
import gen  # noqa: E402
from common import BENCH, ROOT, machine, pss_kb, queries, run_measured, status_kb, summary_ms, tree  # noqa: E402

OUT = BENCH / "out"
PY = sys.executable
PHASES = ("ingest", "update", "inproc", "http", "load", "conservation")
MARKER = "zqbenchupd"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# -- systems ----------------------------------------------------------------------------
TREE: Path | None = None  # --tree: the searchsvc every "ours" command runs (None: the checkout)


def revision_tree(rev: str, own_lexicon: bool = False) -> Path:
    """The searchsvc package of a commit, for before/after runs (with the lexicon of ``--tree``,
    or of the checkout, unless ``own_lexicon``: so that only the code differs)."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    target = OUT / f"rev-{sha}{'-own' if own_lexicon else ''}"
    if not (target / "searchsvc").exists():
        data = subprocess.run(["git", "archive", sha, "searchsvc"], cwd=ROOT, capture_output=True, check=True).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(target)
        if not own_lexicon:  # the lexicon folder moved into searchsvc/analysis/ (older trees: searchsvc/lexicon)
            ours = next(p for p in ((TREE or ROOT) / "searchsvc" / "analysis" / "lexicon",
                                    (TREE or ROOT) / "searchsvc" / "lexicon") if p.is_dir())
            theirs = next((p for p in (target / "searchsvc" / "analysis" / "lexicon", target / "searchsvc" / "lexicon")
                           if p.is_dir()), target / "searchsvc" / "analysis" / "lexicon")
            shutil.rmtree(theirs, ignore_errors=True)
            shutil.copytree(ours, theirs)
    return target


def env_for(pythonpath: Path | None = None, **extra) -> dict:
    env = dict(os.environ)
    if TREE:
        env["BENCH_TREE"] = str(TREE)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(pythonpath) if pythonpath else "", str(BENCH)) if p)
    env["SEARCHSVC_RATE_LIMIT"] = "off"  # the benchmark is one client sending thousands of requests
    env.update({k: str(v) for k, v in extra.items()})
    return env


def ingest_cmd(corpus: Path, index: Path, tree_path: Path | None = None) -> list[str]:
    tree_path = tree_path or TREE
    head = [PY, str(BENCH / "revcli.py"), str(tree_path)] if tree_path else [PY, "-m", "searchsvc.cli"]
    return [*head, "ingest", str(corpus), "--index", str(index), "--no-progress", "--json"]


# -- phases -----------------------------------------------------------------------------
def _ingest_report(run: dict) -> dict | None:
    """The ingest's JSON report; None when it did not finish. An ingest that failed some pages
    exits non-zero but still published the rest (an older revision fails pages this corpus
    plants look-alikes in): the row records how many."""
    try:
        return json.loads(run["stdout"])
    except ValueError:
        return None


def phase_ingest(info: dict, corpus: Path, work: Path, before: str | None, repeat: int, baseline: bool = True) -> dict:
    mb = info["bytes"] / 1e6
    systems = [("ours", TREE)]
    if before:
        systems.insert(0, (f"before:{before}", revision_tree(before)))
    out = {}
    for round_ in range(repeat):  # alternate systems, so background load hits them alike
        for name, tree_path in systems:
            index = work / f"index-{name.replace(':', '-')}"
            shutil.rmtree(index, ignore_errors=True)
            log(f"ingest {name} round {round_ + 1} ...")
            r = run_measured(ingest_cmd(corpus, index, tree_path), env=env_for(tree_path))
            report = _ingest_report(r)
            if report is None:
                raise SystemExit(f"ingest {name} failed (exit {r['rc']}): {r['stderr'][-3000:]}")
            row = dict(seconds=r["seconds"], cpu_s=r["cpu_s"], loadavg_before=r["loadavg_before"], interviews_per_s=round(info["pages"] / r["seconds"], 1),
                       mb_per_s=round(mb / r["seconds"], 3), peak_total_mb=r["peak_total_mb"],
                       peak_process_mb=r["peak_process_mb"], processes=r["processes"], added=report["added"],
                       busiest_process_cpu_s=r["busiest_process_cpu_s"],
                       failed=report["failed"], lost=report.get("lost"), index_mb=round(_du(index) / 1e6, 1))
            out.setdefault(name, []).append(row)
            log(f"  {row}")
    if not baseline:
        return out
    log("ingest baseline ...")
    index = work / "index-baseline"
    shutil.rmtree(index, ignore_errors=True)
    r = run_measured([PY, str(BENCH / "baseline.py"), "build", str(corpus), str(index)], env=env_for())
    if r["rc"] != 0:
        raise SystemExit(f"baseline build failed: {r['stderr']}")
    report = json.loads(r["stdout"])
    out["baseline"] = [dict(seconds=r["seconds"], cpu_s=r["cpu_s"], loadavg_before=r["loadavg_before"], interviews_per_s=round(info["pages"] / r["seconds"], 1),
                            mb_per_s=round(mb / r["seconds"], 3), peak_total_mb=r["peak_total_mb"],
                            peak_process_mb=r["peak_process_mb"], processes=r["processes"],
                            documents=report["documents"], index_mb=round(_du(index) / 1e6, 1))]
    log(f"  {out['baseline'][0]}")
    return out


def phase_conservation(corpus: Path, work: Path, built_now: bool) -> dict:
    """Every Q&A the generator wrote is in the index ours serves: per page, from the stored articles."""
    from whoosh import index as whoosh_index

    expected = json.loads((corpus / "qa.json").read_text())
    index = work / "index-ours"
    report = None
    if not built_now:  # an index from an earlier run may be of another corpus or code: build one here
        index = work / "index-conservation"
        shutil.rmtree(index, ignore_errors=True)
        log("conservation: ingest ...")
        r = subprocess.run(ingest_cmd(corpus, index), env=env_for(), cwd=ROOT, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            raise SystemExit(f"conservation ingest failed: {r.stderr[-3000:]}")
        report = json.loads(r.stdout)
    served: dict[str, int] = {}
    ix = whoosh_index.open_dir(str(index / "current"))
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            article = json.loads(fields["article"])
            served[article["source"].split("#")[0]] = served.get(article["source"].split("#")[0], 0) + len(article["qa"])
    short = sorted((name, n, served.get(name, 0)) for name, n in expected.items() if served.get(name, 0) != n)
    out = dict(pages=len(expected), expected_qa=sum(expected.values()), served_qa=sum(served.get(n, 0) for n in expected),
               lost_qa=sum(max(0, n - got) for _, n, got in short), pages_short=len(short),
               pages_missing=sum(1 for name in expected if name not in served), examples=short[:10])
    if report is not None:
        out.update(failed=report["failed"], reported_lost=report.get("lost"), reported_qa=report.get("qa"),
                   reported_questions=report.get("questions"))
    log(f"  {out}")
    return out


def _du(path: Path) -> int:
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


UPDATE_PENDING = ".bench-update-pending.json"  # in a corpus: pages changed in place, to put back


def _changed_numbers(corpus: Path, count: int) -> list[int]:
    pages = json.loads((corpus / "corpus.json").read_text())["pages"]
    return [(k * 7919 + 13) % pages for k in range(count)]


def _marked_page(number: int, salt: str) -> str:
    """Page ``number`` rewritten (new text), with a marker word on its title line (indexed by every system)."""
    lines = gen.page_text(gen.DEFAULT_SEED, number, salt=salt).split("\n")
    lines[2] += f" {MARKER}{salt}"
    return "\n".join(lines)


def _write_page(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)  # a new file: never through a hard link into another copy
    path.write_text(text, encoding="utf-8")


def _changed_corpus(corpus: Path, work: Path, count: int, salt: str) -> tuple[Path, list[Path]]:
    """A hard-linked copy of the corpus with ``count`` pages rewritten (new text and a marker)."""
    copy = work / "corpus-updated"
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-al", str(corpus), str(copy)], check=True)
    changed = []
    for number in _changed_numbers(corpus, count):
        path = gen.page_path(copy, number)
        _write_page(path, _marked_page(number, salt))
        changed.append(path)
    return copy, changed


def change_in_place(corpus: Path, count: int, salt: str) -> None:
    """Rewrite ``count`` pages of the corpus itself; ``restore_pages`` puts them back.

    In place, because our index knows a page by its path under the corpus root it recorded:
    the same change in a copy elsewhere would be the whole corpus added again, not 10 changed
    pages. The list of changed pages is written first, so an interrupted run is repaired by
    the next one."""
    numbers = _changed_numbers(corpus, count)
    (corpus / UPDATE_PENDING).write_text(json.dumps(dict(seed=gen.DEFAULT_SEED, pages=numbers)))
    for number in numbers:
        _write_page(gen.page_path(corpus, number), _marked_page(number, salt))


def restore_pages(corpus: Path) -> None:
    """Put back the pages ``change_in_place`` rewrote (as the generator wrote them)."""
    pending = corpus / UPDATE_PENDING
    if not pending.exists():
        return
    data = json.loads(pending.read_text())
    for number in data["pages"]:
        _write_page(gen.page_path(corpus, number), gen.page_text(data["seed"], number))
    pending.unlink()


def phase_update(corpus: Path, work: Path, before: str | None, count: int = 10, baseline: bool = True) -> dict:
    from searchsvc.engine.index import IndexStore
    from searchsvc.engine.search import Searcher

    out = {}
    # Only ours: an older commit's index may not be searchable by today's Searcher (the poller),
    # and a 10-article update takes the same one-writer path before and after the streaming change.
    systems = [("ours", TREE)]
    for name, tree_path in systems:
        built = work / f"index-{name.replace(':', '-')}"
        if not built.exists():
            log(f"update {name}: no index (run the ingest phase first)")
            continue
        index = work / f"update-{name.replace(':', '-')}"  # a copy: later phases search the fresh build
        shutil.rmtree(index, ignore_errors=True)
        subprocess.run(["cp", "-a", str(built), str(index)], check=True)
        salt = f"{int(time.time())}x{name[:3]}"
        store = IndexStore(index)
        searcher = Searcher(store)
        searcher.search("患者")  # a running service: opened and warm
        token = f"{MARKER}{salt}"
        log(f"update {name} ...")
        change_in_place(corpus, count, salt)
        try:
            started = time.perf_counter()
            proc = subprocess.Popen(ingest_cmd(corpus, index, tree_path), env=env_for(tree_path), cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            visible = None
            while visible is None and time.perf_counter() - started < 600:
                try:
                    if searcher.search(token).total >= count:
                        visible = time.perf_counter() - started
                        break
                except Exception:
                    pass
                if proc.poll() is not None and visible is None:
                    if searcher.search(token).total >= count:
                        visible = time.perf_counter() - started
                    break
                time.sleep(0.05)
            stdout, stderr = proc.communicate()
            command = time.perf_counter() - started
        finally:
            restore_pages(corpus)
        report = json.loads(stdout) if stdout.strip() else {"stderr": stderr[-2000:]}
        out[name] = dict(visible_s=round(visible, 2) if visible else None, command_s=round(command, 2),
                         updated=report.get("updated"), added=report.get("added"), unchanged=report.get("unchanged"))
        if report.get("updated") != count:  # anything else is not the case this phase measures
            log(f"  update {name}: the ingest updated {report.get('updated')} pages and added {report.get('added')} "
                f"(expected {count} updated): {report.get('stderr', '')}")
        log(f"  {out[name]}")
    # The baseline: the same 10 pages re-indexed (it has no change detection: it is told which).
    index = work / "update-baseline"
    shutil.rmtree(index, ignore_errors=True)
    if baseline and (work / "index-baseline").exists():
        from baseline import BaselineSearcher

        subprocess.run(["cp", "-a", str(work / "index-baseline"), str(index)], check=True)

        salt = f"{int(time.time())}xbas"
        copy, changed = _changed_corpus(corpus, work, count, salt)
        bs = BaselineSearcher(index)
        token = f"{MARKER}{salt}"
        log("update baseline ...")
        started = time.perf_counter()
        proc = subprocess.Popen([PY, str(BENCH / "baseline.py"), "update", str(index), *map(str, changed)],
                                env=env_for(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        visible = None
        while time.perf_counter() - started < 600:
            bs.refresh()
            hits = bs.search(token)
            if hits >= count:
                visible = time.perf_counter() - started
                break
            if proc.poll() is not None:
                bs.refresh()
                if bs.search(token) >= count:
                    visible = time.perf_counter() - started
                break
            time.sleep(0.05)
        proc.communicate()
        out["baseline"] = dict(visible_s=round(visible, 2) if visible else None,
                               command_s=round(time.perf_counter() - started, 2))
        log(f"  {out['baseline']}")
    return out


def phase_inproc(work: Path, passes: int, baseline: bool = True) -> dict:
    out = {}
    systems = [("ours", ["ours", str(work / "index-ours")])]
    if baseline:
        systems.append(("baseline", ["baseline", str(work / "index-baseline")]))
    for name, args in systems:
        log(f"in-process search {name} ...")
        prof = OUT / f"search-{name}.prof"
        extra = ["--profile", str(prof)] if name == "ours" else []
        r = subprocess.run([PY, str(BENCH / "inproc.py"), *args, "--passes", str(passes), *extra],
                           env=env_for(), cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"inproc {name} failed: {r.stderr[-3000:]}")
        out[name] = json.loads(r.stdout)
        log(f"  pass1 {out[name]['pass1']['all']}  last {out[name][f'pass{passes}']['all']}")
        if "highlight" in out[name]:
            log(f"  highlight {out[name]['highlight']}")
    return out


# -- HTTP -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, cmd: list[str], port: int, env: dict):
        self.port = port
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.ready_s = self._wait()

    def _wait(self) -> float:
        while time.perf_counter() - self.started < 120:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {self.proc.stderr.read()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("server did not become healthy in 120 s")

    def workers(self) -> list[int]:
        return [p for p in tree(self.proc.pid) if p != self.proc.pid]

    def memory(self) -> dict:
        return dict(master_rss_mb=round(status_kb(self.proc.pid, "VmRSS") / 1024, 1),
                    # RSS = anonymous memory + mapped files (Whoosh mmaps the index: shared page cache)
                    worker_anon_mb=[round(status_kb(p, "RssAnon") / 1024, 1) for p in self.workers()],
                    worker_file_mb=[round(status_kb(p, "RssFile") / 1024, 1) for p in self.workers()],
                    worker_rss_mb=[round(status_kb(p, "VmRSS") / 1024, 1) for p in self.workers()],
                    worker_peak_rss_mb=[round(status_kb(p, "VmHWM") / 1024, 1) for p in self.workers()],
                    worker_pss_mb=[round(pss_kb(p) / 1024, 1) for p in self.workers()])

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)


def _get(conn: http.client.HTTPConnection, path: str) -> bool:
    """One GET read to its last byte; True for a 200."""
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    return resp.status == 200


# What the HTTP phases request: the API by default; the results page with --insights (the page a
# reader's search is recorded from: issue 21's "latency with insights on vs off").
SEARCH_PATH = "/api/search?"
INSIGHTS = False


def latency_pass(port: int, rows) -> tuple[list[float], int]:
    """The query log over one kept-alive connection (a new one after a failure)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, errors = [], 0
    for _, q in rows:
        path = SEARCH_PATH + urllib.parse.urlencode({"q": q})
        started = time.perf_counter()
        try:
            ok = _get(conn, path)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        times.append(time.perf_counter() - started)
        errors += not ok
    conn.close()
    return times, errors


def new_connection_pass(port: int, rows) -> tuple[list[float], int]:
    """The query log with a new TCP connection per request; each time covers connect to last byte."""
    times, errors = [], 0
    for _, q in rows:
        path = SEARCH_PATH + urllib.parse.urlencode({"q": q})
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            ok = _get(conn, path)
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            conn.close()
        times.append(time.perf_counter() - started)
        errors += not ok
    return times, errors


def _by_category(rows, times):
    cats: dict[str, list[float]] = {}
    for (c, _), t in zip(rows, times):
        cats.setdefault(c, []).append(t)
    return {c: summary_ms(ts) for c, ts in cats.items()}


def serve_cmd(system: str, work: Path, port: int) -> list[str]:
    if system == "ours":
        head = [PY, str(BENCH / "revcli.py"), str(TREE)] if TREE else [PY, "-m", "searchsvc.cli"]
        return [*head, "serve", "--index", str(work / "index-ours"), "--port", str(port),
                "--no-access-log"]
    return [PY, str(BENCH / "baseline_app.py"), str(work / "index-baseline"), str(port)]


def drop_page_cache() -> bool:
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as handle:
            handle.write("3\n")
        return True
    except OSError:
        return False


def served_systems(baseline: bool = True):
    """(label, system, environment) for each server the HTTP phases measure."""
    if INSIGHTS:  # the results page with search insights recorded (the default) and off, in one run
        yield "ours-insights-on", "ours", env_for(SEARCHSVC_INSIGHTS_STORAGE="")
        yield "ours-insights-off", "ours", env_for(SEARCHSVC_INSIGHTS_STORAGE="off")
        return
    yield "ours", "ours", env_for()
    yield "ours-nocache", "ours", env_for(SEARCHSVC_CACHE_MB=0, SEARCHSVC_CACHE_SIZE=0)  # (the latter: older trees)
    if baseline:
        yield "baseline", "baseline", env_for()


def phase_http(work: Path, baseline: bool = True) -> dict:
    rows = queries()
    out = {}
    for key, system, env in served_systems(baseline):
        # the rate limiter on, as deployed (its shared counters cost a little on every API request), with a
        # limit above the phase's ~600 requests from this one client
        env = {**env, "SEARCHSVC_RATE_LIMIT": "2000/minute"}
        dropped = drop_page_cache()
        port = free_port()
        log(f"http {key} ...")
        server = Server(serve_cmd(system, work, port), port, env)
        try:
            cold, e1 = latency_pass(port, rows)
            warm, e2 = latency_pass(port, rows)
            fresh, e3 = new_connection_pass(port, rows)  # repeats again, each on a new connection
            out[key] = dict(ready_s=round(server.ready_s, 2), page_cache_dropped=dropped,
                            cold=summary_ms(cold), warm=summary_ms(warm), warm_new_connection=summary_ms(fresh),
                            errors=e1 + e2 + e3,
                            cold_by_category=_by_category(rows, cold), warm_by_category=_by_category(rows, warm),
                            workers=len(server.workers()), **server.memory())
        finally:
            server.stop()
        log(f"  ready {out[key]['ready_s']} s cold {out[key]['cold']} warm {out[key]['warm']} "
            f"warm, new connection per request {out[key]['warm_new_connection']} "
            f"workers RSS {out[key]['worker_rss_mb']}")
    return out


WRK_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, \\"status\\": %%d, \\"timeout\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d}\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def phase_load(work: Path, seconds: int, connections: int, warmup: int = 0, baseline: bool = True) -> dict:
    if not shutil.which("wrk"):
        log("load: wrk is not installed (apt-get install -y wrk); skipped")
        return {"skipped": "wrk not installed"}
    rows = queries()
    paths = OUT / "wrk-paths.txt"
    paths.write_text("".join(SEARCH_PATH + urllib.parse.urlencode({"q": q}) + "\n" for _, q in rows))
    script = OUT / "wrk-mixed.lua"
    script.write_text(WRK_LUA % paths)
    out = {}
    for key, system, env in served_systems(baseline):
        port = free_port()
        log(f"load {key} ...")
        server = Server(serve_cmd(system, work, port), port, env)
        try:
            if warmup:  # let every worker see the log once, as a service that has been up a while has
                subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{warmup}s", "--timeout", "10s",
                                "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True)
            r = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                                "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True)
            line = next((l for l in r.stdout.splitlines() if l.startswith("JSON ")), None)
            if line is None:
                raise SystemExit(f"wrk failed: {r.stdout}\n{r.stderr}")
            data = json.loads(line[5:])
            errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
            out[key] = dict(requests_per_s=round(data["requests"] / (data["duration_us"] / 1e6), 1),
                            requests=data["requests"], errors=errors, warmup_s=warmup,
                            error_kinds={k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]},
                            p50_ms=round(data["p50_us"] / 1000, 2),
                            p99_ms=round(data["p99_us"] / 1000, 2), connections=connections, seconds=seconds,
                            **server.memory())
        finally:
            server.stop()
        log(f"  {out[key]}")
    return out


# -- report -----------------------------------------------------------------------------------
def ratio(a, b):
    try:
        return f"{a / b:.2f}×"
    except (TypeError, ZeroDivisionError):
        return "–"


def report(results: dict) -> str:
    lines = [f"## {results['size']} corpus ({results['corpus']['pages']} interviews, "
             f"{results['corpus']['chars'] / 1e6:.1f} M characters, {results['corpus']['bytes'] / 1e6:.1f} MB)", ""]
    ing = results.get("ingest")
    if ing:
        lines += ["| full ingest | seconds | CPU s | busiest process CPU s | load avg before | interviews/s | MB/s | peak RSS (sum of processes) | largest process | index MB |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for name, rows in ing.items():
            for r in rows:
                lines.append(f"| {name} | {r['seconds']} | {r.get('cpu_s')} | {r.get('busiest_process_cpu_s', '–')} | {r.get('loadavg_before')} | {r['interviews_per_s']} | {r['mb_per_s']} | "
                             f"{r['peak_total_mb']} MB | {r['peak_process_mb']} MB | {r['index_mb']} |")
        if "baseline" in ing:
            best = min(r["seconds"] for r in ing["ours"])
            lines += ["", f"ours vs baseline (build time): {ratio(best, ing['baseline'][0]['seconds'])} of the baseline's time", ""]
    upd = results.get("update")
    if upd:
        lines += ["| 10 changed interviews | visible in search after | ingest command |", "|---|---|---|"]
        for name, r in upd.items():
            lines.append(f"| {name} | {r['visible_s']} s | {r['command_s']} s |")
        lines.append("")
    inp = results.get("inproc")
    if inp:
        last = max(k for k in inp["ours"] if k.startswith("pass"))
        lines += ["| in-process search (ms) | p50 | p95 | p99 | mean |", "|---|---|---|---|---|"]
        for name in (n for n in ("ours", "baseline") if n in inp):
            for p in sorted({"pass1", last}):
                s = inp[name][p]["all"]
                lines.append(f"| {name} {p} | {s['p50']} | {s['p95']} | {s['p99']} | {s['mean']} |")
        h = inp["ours"].get("highlight")
        if h:
            lines += ["", f"highlighting one results page: stored offsets p50 {h['index']['p50']} ms, "
                          f"re-running the analyzer p50 {h['analysis']['p50']} ms ({h['ratio_p50']}× slower; mean {h['ratio_mean']}×)"]
        lines.append("")
    web = results.get("http")
    if web:
        lines += ["| HTTP /api/search (ms) | start-up s | cold p50 | cold p95 | cold p99 | warm p50 | warm p95 | warm p99 | warm, new connection each: p50 | p95 | errors | worker RSS MB | of which anon / mapped files | PSS MB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, r in web.items():
            c, w = r["cold"], r["warm"]
            split = ", ".join(f"{a}/{f}" for a, f in zip(r.get("worker_anon_mb", []), r.get("worker_file_mb", [])))
            n = r.get("warm_new_connection") or {"p50": "–", "p95": "–"}
            lines.append(f"| {name} | {r['ready_s']} | {c['p50']} | {c['p95']} | {c['p99']} | {w['p50']} | {w['p95']} | "
                         f"{w['p99']} | {n['p50']} | {n['p95']} | {r['errors']} | {', '.join(map(str, r['worker_rss_mb']))} | {split} | "
                         f"{', '.join(map(str, r.get('worker_pss_mb', [])))} |")
        lines.append("")
    load = results.get("load")
    if load and "skipped" not in load:
        lines += ["| wrk, mixed log | requests/s | errors | p50 ms | p99 ms | worker RSS MB after |", "|---|---|---|---|---|---|"]
        for name, r in load.items():
            lines.append(f"| {name} ({r['connections']} connections, {r['seconds']} s after {r.get('warmup_s', 0)} s warm-up) | {r['requests_per_s']} | {r['errors']} {r.get('error_kinds', '')} | "
                         f"{r['p50_ms']} | {r['p99_ms']} | {', '.join(map(str, r['worker_rss_mb']))} |")
        lines.append("")
    cons = results.get("conservation")
    if cons:
        lines += ["| conservation | pages | Q&As written | Q&As served | lost Q&As | pages short | failed files | lost (ingest's report) |",
                  "|---|---|---|---|---|---|---|---|",
                  f"| ours | {cons['pages']} | {cons['expected_qa']} | {cons['served_qa']} | {cons['lost_qa']} | "
                  f"{cons['pages_short']} | {cons.get('failed')} | {cons.get('reported_lost')} |", ""]
        if cons["examples"]:
            lines += ["pages short (page, written, served): " + ", ".join(map(str, cons["examples"])), ""]
    return "\n".join(lines)


def code_version(tree_rev: str | None) -> str:
    """The commit "ours" ran: ``--tree``'s, else the checkout's (with "+changes" when searchsvc/ has
    uncommitted changes), so that a reused results file says what it measured."""
    def git(*cmd):
        return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    if tree_rev:
        return git("rev-parse", "--short", tree_rev) or tree_rev
    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    return sha + ("+changes" if git("status", "--porcelain", "--", "searchsvc") else "")


def measure(size: str, phases: list[str], args) -> int:
    """Run the phases on one corpus size; results-<size>.json is rewritten after each phase."""
    info = gen.generate(size, BENCH / "corpus")
    corpus = BENCH / "corpus" / info["size"]
    restore_pages(corpus)  # pages an interrupted update phase left changed
    work = OUT / info["size"]
    work.mkdir(parents=True, exist_ok=True)
    results_path = OUT / f"results-{info['size']}.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    commit = code_version(args.tree)
    results.update(size=info["size"], corpus=info, machine=machine(), started=time.strftime("%Y-%m-%d %H:%M:%S"),
                   tree=args.tree or "checkout", commit=commit)
    baseline = not args.no_baseline
    log(f"corpus {corpus}: {info['pages']} interviews, {info['chars'] / 1e6:.1f} M chars; load {results['machine']['loadavg']}")

    def save(phase: str, started: str, load: float) -> None:
        results.setdefault("measured", {})[phase] = dict(
            at=started, commit=commit, smoke=args.smoke, loadavg=round(load, 2), baseline=baseline)
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
        results_path.write_text(json.dumps(results, ensure_ascii=False, indent=1))

    runs = {
        "ingest": lambda: results.update(ingest={**results.get("ingest", {}), **phase_ingest(
            info, corpus, work, args.before, args.repeat, baseline and not args.skip_baseline)}),
        "update": lambda: results.update(update=phase_update(corpus, work, args.before, baseline=baseline)),
        "inproc": lambda: results.update(inproc=phase_inproc(work, 1 if args.smoke else 3, baseline)),
        "http": lambda: results.update(http=phase_http(work, baseline)),
        "load": lambda: results.update(load=phase_load(work, 5 if args.smoke else args.seconds, args.connections,
                                                       0 if args.smoke else args.warmup, baseline)),
        "conservation": lambda: results.update(conservation=phase_conservation(corpus, work, "ingest" in phases)),
    }
    for phase in PHASES:  # in this order, whatever the order of --only
        if phase in phases:
            started, load = time.strftime("%Y-%m-%d %H:%M:%S"), os.getloadavg()[0]
            runs[phase]()
            if phase == "conservation" and "ingest" in phases:
                row = results["ingest"]["ours"][-1]
                results["conservation"].update(failed=row["failed"], reported_lost=row.get("lost"))
            save(phase, started, load)
    text = report(results)
    (OUT / f"report-{info['size']}.md").write_text(text + "\n")
    print(text)
    cons = results.get("conservation") if "conservation" in phases else None
    if cons and (cons["lost_qa"] or cons["pages_short"] or cons.get("failed")):
        log(f"conservation ({info['size']}): {cons['lost_qa']} Q&As lost, {cons['pages_short']} pages short, "
            f"{cons.get('failed')} files failed (all must be 0)")
        return 1
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="The curve: --sizes 1k,5k,20k measures each size in turn (the same phases and options for each), "
               "then writes bench/out/curve.md, curve.json and curve.png. A size named in --reuse is not measured: "
               "its bench/out/results-<size>.json is used as it is (its 'measured' section says when and with "
               "which commit each phase ran).")
    parser.add_argument("--size", default="5k", help="1k, 5k, 20k or a number of interviews (default 5k)")
    parser.add_argument("--sizes", type=curve.parse_sizes, metavar="A,B,...",
                        help="several sizes, smallest first, then the curve (instead of --size)")
    parser.add_argument("--reuse", default="", metavar="A,B,...|all",
                        help="with --sizes: take these sizes from their results files instead of measuring them")
    parser.add_argument("--docs", action="store_true",
                        help=f"with --sizes: also copy the chart to {curve.DOCS_CHART.relative_to(ROOT)} (for the README)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="results, reports, indexes and the curve go here (default bench/out)")
    parser.add_argument("--smoke", action="store_true", help="short runs: one pass, 5 s of load (for CI)")
    parser.add_argument("--only", default=",".join(PHASES), help=f"comma-separated phases from {','.join(PHASES)}")
    parser.add_argument("--before", metavar="REV", help="also ingest with the write path of this commit")
    parser.add_argument("--tree", metavar="REV", help="benchmark this commit's searchsvc as 'ours' (default: the checkout)")
    parser.add_argument("--repeat", type=int, default=1, help="full ingests per system (alternating)")
    parser.add_argument("--skip-baseline", action="store_true", help="ingest phase: do not rebuild the baseline index")
    parser.add_argument("--no-baseline", action="store_true",
                        help="measure ours only, in every phase (the curve needs no baseline; saves most of the time)")
    parser.add_argument("--insights", action="store_true",
                        help="http and load phases: request the results page /search (where searches are recorded) "
                             "from two servers, search insights on and off, instead of /api/search (issue 21)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20, help="wrk duration")
    parser.add_argument("--warmup", type=int, default=60, help="seconds of wrk before the measured run (0: cold)")
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        parser.error(f"--only: unknown phase(s) {', '.join(unknown)}; choose from {','.join(PHASES)}")
    sizes = args.sizes or [args.size]
    reuse = sizes if args.reuse.strip() == "all" else [s.strip() for s in args.reuse.split(",") if s.strip()]
    if reuse and not args.sizes:
        parser.error("--reuse goes with --sizes")
    if args.docs and not args.sizes:
        parser.error("--docs goes with --sizes")
    strangers = [s for s in reuse if s not in sizes]
    if strangers:
        parser.error(f"--reuse: {', '.join(strangers)} not in --sizes {','.join(sizes)}")
    global TREE, OUT, SEARCH_PATH, INSIGHTS
    OUT = (args.out or OUT).resolve()
    if args.insights:
        SEARCH_PATH, INSIGHTS = "/search?", True
    curve.load_results(reuse, OUT)  # fail now, not after an hour of measuring, if one is missing
    if args.tree:
        OUT.mkdir(parents=True, exist_ok=True)
        TREE = revision_tree(args.tree, own_lexicon=True)
        from common import use_tree

        use_tree(str(TREE))  # the update phase's in-process searcher too
    OUT.mkdir(parents=True, exist_ok=True)
    status = 0
    for size in sizes:
        if size in reuse:
            log(f"{size}: reusing {curve.results_path(size, OUT)}")
            continue
        status |= measure(size, phases, args)
    if args.sizes:
        drawn = curve.write(curve.load_results(sizes, OUT), OUT, curve.DOCS_CHART if args.docs else None)
        print(curve.markdown(drawn))
        log(f"curve: {OUT / 'curve.md'}, {OUT / 'curve.json'}, " + (drawn["chart"] or "no chart")
            + (f" (copied to {drawn['chart_copy']})" if drawn.get("chart_copy") else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())
