"""The ``searchsvc`` command line (also behind the top-level ``ingest.py``)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from .index import DEFAULT_INDEX_DIR, IndexStore, IndexUnavailable

INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_INDEX_DIR,
    show_default=True, envvar="SEARCHSVC_INDEX",
    help="Index folder (env SEARCHSVC_INDEX). Holds published snapshots; 'current' points at the live one.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Search Chinese oncology expert interviews.

    \b
    Typical use:
      searchsvc ingest samples/            # parse pages, publish an index
      searchsvc search "KRAS G12C"         # ranked results in the terminal
      searchsvc serve                      # the web pages and JSON API
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
    in the site's layout, and .jsonl exports (one article per line; see README).

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
    - After editing synonyms.tsv or userdict.txt, run with --rebuild: every page is
      analysed again with the new lexicon (until then searches stay correct, but slower).
    - The new index is published atomically: searches see the old or the new one.
    - A file that fails is reported with its reason; the others go on.
    - Exit code 1 when any file failed or any question was lost, 2 when the index
      could not be written (a full disk, say; the previous index stays live) or
      the root does not fit the index, 0 otherwise.

    \b
    Examples:
      searchsvc ingest samples/ --index index/ --prune
      searchsvc ingest corpus/lung/ corpus/breast/        # root: corpus/
      searchsvc ingest /new/place/corpus --root /new/place/corpus   # the corpus moved
    """
    from tqdm import tqdm

    from .ingest import IngestError, ingest as run_ingest

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
    from .search import BadRequest, Searcher

    try:
        result = Searcher(IndexStore(index_dir)).search(query, per_page=limit, tag=tag, expert=expert)
    except IndexUnavailable as exc:
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


@main.command()
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

    \b
    Environment: SEARCHSVC_INDEX, SEARCHSVC_CORS_ORIGINS (default *),
    SEARCHSVC_CACHE_MB (megabytes of results cached for all workers, default 64; 0 = off),
    SEARCHSVC_CACHE_STORAGE (empty = embedded, or redis://host:port/db),
    SEARCHSVC_CACHE_MAX_AGE (seconds for Cache-Control, default 60),
    SEARCHSVC_TRUSTED_PROXIES (reverse proxies in front, default 0),
    SEARCHSVC_RATE_LIMIT (per client on /api/*, over all workers; default 600/minute; off),
    SEARCHSVC_RATE_LIMIT_STORAGE (empty = embedded, or redis://host:port/db to share across machines),
    SEARCHSVC_RATE_LIMIT_EXEMPT (addresses never limited, default none),
    SEARCHSVC_STATE_DIR (folder for the embedded cache and counters; default a private one per server),
    SEARCHSVC_TIME_BUDGET (seconds of index work per request, default 5; 0 = none),
    SEARCHSVC_BUDGET_THREADS (threads doing that work per worker, default 4),
    SEARCHSVC_MAX_BODY (largest request body in bytes, default 16384),
    SEARCHSVC_METRICS_TOKEN (a bearer token that may read /metrics from anywhere; default none:
    loopback clients only), PROMETHEUS_MULTIPROC_DIR (where the workers keep their metrics;
    emptied at start; default a private folder per server).
    """
    from .web.server import serve as run_gunicorn, serve_dev

    if dev:
        serve_dev(index_dir, host, port)
    else:
        run_gunicorn(index_dir, host, port, workers, threads, access_log)


@main.group()
def lexicon():
    """Check and try out the oncology lexicon (searchsvc/lexicon/).

    \b
    Editors add terms to synonyms.tsv, userdict.txt and misspellings.tsv
    (formats in searchsvc/lexicon/README.md), then:
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
