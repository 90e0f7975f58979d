"""The ``searchsvc`` command line (also behind the top-level ``ingest.py``)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from . import settings as settings_table
from .engine.index import DEFAULT_INDEX_DIR, IndexStore, IndexUnavailable

INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_INDEX_DIR,
    show_default=True, envvar="SEARCHSVC_INDEX",
    help="Index folder (env SEARCHSVC_INDEX). Holds published snapshots; 'current' points at the live one.",
)

SETTINGS_EPILOG = "\b\nSettings (environment variables; `searchsvc settings` explains each):\n" + "\n".join(
    f"  {s.name} (default {s.shown_default() or 'empty'}): {s.help.split(';')[0]}" for s in settings_table.SETTINGS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Search Chinese oncology expert interviews.

    \b
    Typical use:
      searchsvc ingest samples/            # parse pages, publish an index
      searchsvc search "KRAS G12C"         # ranked results in the terminal
      searchsvc serve                      # the web pages and JSON API
      searchsvc insights                   # what readers search for and don't find
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@INDEX_OPTION
@click.option("--prune", is_flag=True,
              help="Also remove the interviews of files that are gone from under the given folders (or files); "
                   "nothing outside them is touched.")
@click.option("--rebuild", is_flag=True, help="Index everything from scratch (after a lexicon change, say).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Corpus root: pages are identified by their path relative to it. A new index takes the deepest "
                   "folder holding every given path; an existing one keeps the root it recorded. Pass it to say "
                   "where a moved corpus is now, or with --rebuild to start over from another root.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of text.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: only on a terminal).")
def ingest(paths, index_dir, prune, rebuild, root, as_json, progress):
    """Parse interview pages and publish them to the index.

    PATHS are files or folders (searched recursively) of .txt and .html/.htm pages
    (the site's layout or any other outlet's), and .jsonl exports (one article per
    line; see README). Only a page without readable text fails.

    \b
    - A page is known by its canonical URL (HTML), its record's id or url (JSON
      Lines), else its path relative to the corpus root the index records: the
      same file named by another route (a folder, the file itself, a symlink) is
      the same page. Two files claiming one URL or id are reported, never merged.
    - Unchanged files are skipped; a changed file replaces what it held; a file
      moved within the corpus (same bytes, old path gone) keeps its id.
    - --prune removes only the pages of files gone from under the given PATHS.
    - Every question label becomes a Q&A or a warning with its file and line; the
      summary line gives the Q&A totals ("Q&As N from M question labels, lost K").
    - Speakers are read from each page itself (any outlet, 记者/主持人/问/Q1,
      <name><title>, labels alone on their line; README "Ingest"). Each page read is
      an interview, answers-only (subheadings + answers) or prose (a report: its
      paragraphs are indexed): the summary counts them ("read as interview 15, prose 2")
      and --json lists every page's kind, turns, experts and lost line numbers.
      Any line that went into no field (and is no page chrome) is a warning too.
    - After editing synonyms.tsv or userdict.txt, run with --rebuild: every page is
      analysed again with the new lexicon (until then searches stay correct, but slower).
    - The new index is published atomically: searches see the old or the new one.
    - A file that fails is reported with its reason; the others go on.
    - Exit code 1 when any file failed or any question was lost, 2 when the index
      could not be written (a full disk, say; the previous index stays live),
      the root does not fit the index or a setting is bad (SEARCHSVC_INGEST_PROCS,
      SEARCHSVC_LEXICON: see `searchsvc settings`), 0 otherwise.

    \b
    Examples:
      searchsvc ingest samples/ --index index/ --prune
      searchsvc ingest corpus/lung/ corpus/breast/        # root: corpus/
      searchsvc ingest /new/place/corpus --root /new/place/corpus   # the corpus moved
    """
    from tqdm import tqdm

    from .ingest.pipeline import IngestError, ingest as run_ingest

    try:
        for name in ("SEARCHSVC_INGEST_PROCS", "SEARCHSVC_LEXICON"):  # the settings an ingest reads
            settings_table.value(name)
    except settings_table.SettingsError as exc:
        click.echo(f"error: {exc}\n(see `searchsvc settings`)", err=True)
        sys.exit(2)

    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=0, unit="file", disable=not show, file=sys.stderr, desc="ingest")

    def sized(total):
        bar.total = total
        bar.refresh()

    try:
        report = run_ingest(list(paths), IndexStore(index_dir), prune=prune, rebuild=rebuild, root=root,
                            progress=bar.update, on_sources=sized)
    except (IngestError, IndexUnavailable) as exc:  # a full disk, an index to rebuild: the live one stays
        bar.close()
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    bar.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for failure in report.failures:
            click.echo(f"failed: {failure.source}: {failure.reason}", err=True)
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        published = f"; published {report.version}" if report.version else "; index unchanged"
        click.echo(report.summary() + published)
        if not report.lexicon_current:
            # not this run's paths: --rebuild keeps only what it is given, and this run may be one folder of several
            command = f"searchsvc ingest FOLDER... --index {shlex.quote(str(index_dir))} --rebuild"
            click.echo("note: the lexicon (or the analysis) changed since this index was built; searches expand "
                       "synonyms name by name, which is slower, until the index is rebuilt from all of its "
                       f"source folders: {command}", err=True)
    sys.exit(1 if report.failures or report.warnings else 0)


@main.command()
@click.argument("query")
@INDEX_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50), help="How many results.")
@click.option("--tag", help="Only interviews with this tag.")
@click.option("--expert", help="Only interviews of this expert (exact name).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
def search(query, index_dir, limit, tag, expert, as_json):
    """Search the index and print ranked results, and how QUERY was read.

    Type a question as a reader would: lexicon terms are searched with every
    synonym, question words are ignored, and interviews that match more of
    the question (and its rarer parts) come first.

    \b
    Query language:
      奥希替尼耐药怎么办         a question: 奥希替尼 and 耐药, 怎么办 ignored
      KRAS G12C +胰腺癌          +: every result must hold it
      奥希替尼 OR 阿美替尼         either
      肺癌 -小细胞肺癌             exclude a term
      "广泛期 小细胞肺癌"          a phrase (required)
      title:KRAS question:耐药 answer:奥希替尼   one part of the interview
      expert:王志杰 tag:肺癌 year:2025           filters
    """
    from .engine.search import BadRequest, IndexDamaged, Searcher

    try:
        result = Searcher(IndexStore(index_dir)).search(query, per_page=limit, tag=tag, expert=expert)
    except (IndexUnavailable, IndexDamaged) as exc:
        raise click.ClickException(str(exc))
    except BadRequest as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    everything = result.understood.get("results_matching_everything", 0)
    note = f"  ({everything} match everything searched; the others part of it)" if result.mode == "or" else ""
    click.echo(f"{result.total} interviews, {result.took_ms} ms{note}")
    if result.suggestion:
        click.echo(f"searched as: {result.suggestion}")
    click.echo(_understood_line(result.understood))
    for rank, hit in enumerate(result.hits, start=1):
        click.echo(f"{rank:2}. {hit.title}  [{hit.date[:10]}] {'、'.join(hit.experts)}  score {hit.score}")
        if hit.matches:
            best = hit.matches[0]
            click.echo(f"    Q{best.qa}: {_plain(best.question_html)}")
            click.echo(f"    {_plain(best.snippet_html)}")


@main.command(epilog=SETTINGS_EPILOG)
@INDEX_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface, e.g. in a container).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="gunicorn worker processes (default: CPU cores + 1, so 3 on 2 cores).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker (gthread workers).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request to stdout.")
@click.option("--dev", is_flag=True,
              help="Run Flask's development server instead (auto-reload; debugger on loopback only). Not for production.")
def serve(index_dir, host, port, workers, threads, access_log, dev):
    """Serve the search pages and the JSON API (gunicorn).

    The service starts even when there is no index yet: /healthz answers 503 with
    the reason and the pages say so; it picks up every index an ingest publishes
    without a restart.

    \b
    Examples:
      searchsvc serve                                  # http://127.0.0.1:8000/
      searchsvc serve --index /srv/index --port 8080 --workers 3
      searchsvc serve --host 0.0.0.0                   # every interface (containers)
      searchsvc serve --dev                            # Flask dev server, auto-reload
      SEARCHSVC_CORS_ORIGINS=https://a.example,https://b.example searchsvc serve

    \b
    Then:
      curl 'http://127.0.0.1:8000/api/search?q=KRAS%20G12C'
      curl http://127.0.0.1:8000/healthz
      curl http://127.0.0.1:8000/metrics               # Prometheus's text format (loopback or the token)

    Every setting (the SEARCHSVC_* variables listed below) is checked before the
    server starts: a bad value stops it with a message naming the variable.
    /metrics is read from loopback, or with SEARCHSVC_METRICS_TOKEN as a bearer token;
    PROMETHEUS_MULTIPROC_DIR (no setting: prometheus_client's own) is where the workers
    keep their metrics (emptied at start; default a private folder per server).
    """
    from .web.server import serve as run_gunicorn, serve_dev

    try:
        settings_table.load({"SEARCHSVC_INDEX": str(index_dir)})
    except settings_table.SettingsError as exc:
        raise click.ClickException(f"{exc}\n(see `searchsvc settings`)")
    if dev:
        serve_dev(index_dir, host, port)
    else:
        run_gunicorn(index_dir, host, port, workers, threads, access_log)


@main.command("settings")
@click.option("--check", is_flag=True, help="Also show what the environment sets, and exit 1 if any value is bad.")
@click.option("--markdown", is_flag=True, help="Print README's Settings table instead.")
def settings_command(check, markdown):
    """List every SEARCHSVC_* setting: its default, what it does and what a good value is.

    Settings are environment variables, read when the service starts (`searchsvc
    serve`, or create_app in your own WSGI setup, whose config argument overrides
    them). Every value is checked then: a bad one stops the start with one message
    naming the variable, the value and what is expected. An empty variable counts
    as unset.

    \b
    Examples:
      searchsvc settings                        # what can be set
      SEARCHSVC_TIME_BUDGET=2 searchsvc settings --check
      SEARCHSVC_RATE_LIMIT=off searchsvc serve  # no rate limit
    """
    import os

    if markdown:
        click.echo(settings_table.markdown_table())
        return
    for s in settings_table.SETTINGS:
        click.echo(f"{s.name}  (default: {s.shown_default() or 'empty'})")
        click.echo(f"    {s.help}")
        click.echo(f"    a good value: {s.expects}")
        if check and os.environ.get(s.name, "").strip():
            click.echo("    set here (secret, not shown)" if s.secret else f"    set here: {os.environ[s.name]!r}")
    if not check:
        return
    problems = []
    try:
        settings_table.load()
    except settings_table.SettingsError as exc:
        problems = exc.problems
    for name in settings_table.unknown(others=settings_table.OTHER_VARIABLES):
        click.echo(f"warning: {name} is set but is no setting (a typo?)", err=True)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    click.echo("all settings are valid" if not problems else f"{len(problems)} bad value(s)")
    sys.exit(1 if problems else 0)


@main.command()
@INDEX_OPTION
@click.option("--state-dir", envvar="SEARCHSVC_STATE_DIR", default="", show_default=False,
              help="The server's SEARCHSVC_STATE_DIR (env too); when set, insights are in <state-dir>/insights/, "
                   "else beside the index (<index>/insights/).")
@click.option("--storage", envvar="SEARCHSVC_INSIGHTS_STORAGE", default="",
              help="The server's SEARCHSVC_INSIGHTS_STORAGE (env too): empty for SQLite, or redis://host:port/db.")
@click.option("--days", envvar="SEARCHSVC_INSIGHTS_DAYS", type=click.IntRange(1, None), default=90, show_default=True,
              help="Days kept (env SEARCHSVC_INSIGHTS_DAYS); the report covers them.")
@click.option("--min-count", envvar="SEARCHSVC_INSIGHTS_MIN_COUNT", type=click.IntRange(1, None), default=5,
              show_default=True, help="Show only queries searched at least this often (env SEARCHSVC_INSIGHTS_MIN_COUNT).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="text for a terminal; json as GET /api/desk answers; csv as GET /api/desk.csv.")
def insights(index_dir, state_dir, storage, days, min_count, fmt):
    """What readers search for and don't find: the editors' desk in the terminal.

    Reads what `searchsvc serve` recorded. Give it the server's settings (the same
    environment works: SEARCHSVC_INDEX, SEARCHSVC_STATE_DIR, SEARCHSVC_INSIGHTS_*).

    \b
    Four lists over the days kept, each only of queries searched at least
    --min-count times (so one reader's rare query never shows):
      top searches    the last 7 days against the 7 before (trend)
      content gaps    queries that found nothing or at most 3 interviews, by concept
      nothing opened  queries with results where no first-page result was opened
      corrections     the misspellings corrected most often
    A query is shown as the service understood it (concepts and words), never as
    typed; no IP address, cookie or user id is ever stored.

    \b
    Examples:
      searchsvc insights --index index/
      SEARCHSVC_STATE_DIR=/var/lib/searchsvc searchsvc insights --format csv > insights.csv
      searchsvc insights --storage redis://127.0.0.1:6379/0 --min-count 10 --format json
    """
    from .insights import report as insights_report
    from .insights.store import cutoff, open_store
    import time

    try:
        storage = settings_table.BY_NAME["SEARCHSVC_INSIGHTS_STORAGE"].read(storage, "--storage")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--storage") from None
    store = open_store(storage, state_dir or "", str(index_dir), days)
    if store is None:
        raise click.ClickException("insights are off (SEARCHSVC_INSIGHTS_STORAGE=off): nothing was recorded")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    try:
        rows = store.read(cutoff(today, days), today)
    except Exception as exc:
        raise click.ClickException(f"cannot read the insights ({store.describe()}): {exc}") from None
    rep = insights_report.report(rows, today, min_count, days)
    if fmt == "json":
        click.echo(json.dumps(rep, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(insights_report.to_csv(rep), nl=False)
    else:
        click.echo(f"From {store.describe()}")
        click.echo(insights_report.to_text(rep), nl=False)


@main.group()
def lexicon():
    """Check and try out the oncology lexicon (searchsvc/analysis/lexicon/).

    \b
    Editors add terms to synonyms.tsv, userdict.txt and misspellings.tsv
    (formats in searchsvc/analysis/lexicon/README.md), then:
      searchsvc lexicon check                 # are the files well-formed?
      searchsvc lexicon cut "以小细胞肺癌为例"    # how text is segmented
    lay.tsv (lay words), broader.tsv (broader terms), lookalikes.tsv and
    prefixes.tsv (negating prefixes) are checked the same way.
    """


@lexicon.command()
def check():
    """Report problems in the lexicon files by file and line; exit 1 if any."""
    from .analysis import lexicon as load, lexicon_problems

    problems = lexicon_problems()
    for problem in problems:
        click.echo(problem, err=True)
    lex = load()
    kinds: dict[str, int] = {}
    for kind, _ in lex.groups:
        kinds[kind] = kinds.get(kind, 0) + 1
    click.echo(f"{len(lex.groups)} synonym groups ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}), "
               f"{len(lex.words)} jieba words, {len(lex.misspellings)} misspellings; {len(problems)} problems")
    sys.exit(1 if problems else 0)


@lexicon.command()
@click.argument("text")
def cut(text):
    """Show how TEXT is cut when indexed and when queried, and its synonym groups.

    "concepts" are the synonym groups the index records for the text (one token
    per group, whichever name the text uses, plus every broader group from
    broader.tsv); a query for any of a group's names looks that token up.
    A negating prefix is part of its word (非tnbc, nonsmall), and no sub-word
    starts right after one (prefixes.tsv).

    \b
    Example:
      searchsvc lexicon cut "非鳞状非小细胞肺癌"
      index: 非鳞状非小细胞肺癌 非鳞 非鳞状 非小细胞肺癌 细胞 肺癌
      concepts: ~非鳞状非小细胞肺癌 ~非小细胞肺癌 ~肺癌
      query: 非鳞状非小细胞肺癌
      ...
    """
    from .analysis import explain

    for line in explain(text):
        click.echo(line)


def _understood_line(u: dict) -> str:
    """How the query was read, in one line (the results page's 已搜索/已忽略)."""
    searched = [c["text"] + (f" ({', '.join(c['synonyms'][:3])})" if c["synonyms"] else "") for c in u.get("concepts", [])]
    searched += u.get("words", []) + [r["text"] for r in u.get("required", [])]
    parts = [f"searched: {' · '.join(searched)}"] if searched else []
    ignored = [i["text"] + (" (in no interview)" if i["reason"] == "absent" else "") for i in u.get("ignored", [])]
    if ignored:
        parts.append(f"ignored: {', '.join(ignored)}")
    if u.get("completions"):
        parts.append("completed: " + ", ".join(f"{c['from']} -> {'/'.join(c['to'])}" for c in u["completions"]))
    parts += u.get("notices", [])
    return "; ".join(parts)


def _plain(html: str) -> str:
    from html import unescape

    return unescape(html.replace("<mark>", "[").replace("</mark>", "]"))


if __name__ == "__main__":
    main()
