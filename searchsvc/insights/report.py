"""What search insights record, and what the desk and ``searchsvc insights`` show from them.

A search is recorded as its *understood* query, never the text typed: the canonical
names of the lexicon concepts it named (奥希替尼 for osimertinib, AZD9291 or 泰瑞沙), the
other content words as the index reads them, and the words no interview holds (the
content gaps).  Question words, word order, filters and the typed spelling are dropped;
two readers asking 奥希替尼耐药怎么办 and "osimertinib 耐药" are one query.

The report (``report``) answers four questions over the days kept, showing only queries
searched at least ``min_count`` times (one reader's rare query never shows):

- **top**: the most searched queries of the last 7 days, against the 7 before (trend);
- **gaps**: queries that found nothing or little (at most ``LITTLE`` interviews), grouped by
  concept, each with the search that reproduces it;
- **no_opens**: queries with results where no result of the first page was opened;
- **corrections**: the corrections applied most often (what readers misspell).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from urllib.parse import urlencode

from .store import Row, cutoff

LITTLE = 3           # "found little": at most this many interviews
FIRST_PAGE = 10      # positions 1..10: the first page at the default page size
SHOWN = 50           # rows per section
NO_CONCEPT = "（未识别为概念）"


# What a search may carry that tells who the reader is, or whom they wrote to: a run of 5+ digits
# (a phone, an id card, an account number), an email address, a web address or a host name.
# None of it is stored; nor are control and bidi-override characters (Unicode Cc, Cf: U+202E...).
PERSONAL = re.compile(r"\d{5,}|\S*@\S*|(?:https?|ftp)://\S*|www\.\S*|(?<![\w.])[^\W\d_][\w-]*(?:\.[\w-]+)+",
                      re.IGNORECASE)
URL_PARTS = {"http", "https", "ftp", "www", "mailto"}  # what is left of a web address the parser split


def private_text(text: str) -> str:
    """``text`` as it may be stored: no control or format characters, nothing in ``PERSONAL``."""
    text = PERSONAL.sub(" ", "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf")))
    return " ".join(w for w in text.split() if w.lower() not in URL_PARTS)


def query_key(understood: dict) -> str | None:
    """The understood query as canonical JSON; None when nothing (storable) was asked.

    ``{"c": concepts, "w": words, "a": absent}``: the canonical names of the lexicon concepts
    named (also those no interview holds yet: 宫颈癌 typed as 子宫颈癌), the other words
    searched, and what no interview holds (a lexicon concept by its canonical name).  A quoted
    phrase counts as its words (as the index reads them), never as the text typed; anything
    ``private_text`` removes is not stored at all.
    """
    from ..analysis import analyzer, normalize
    from ..query.wordlists import concept_for

    def tokens(text: str) -> tuple[str, ...]:
        return tuple(t.text for t in analyzer()(text, mode="query")) if text else ()

    concepts = {c["canonical"] for c in understood.get("concepts", ()) if c.get("canonical")}
    words = {private_text(normalize(w)) for w in understood.get("words", ())}
    for required in understood.get("required", ()):
        for token in tokens(private_text(normalize(required["text"]).replace('"', " "))):
            concept = concept_for((token,))
            if concept is not None:
                concepts.add(concept.canonical)
            else:
                words.add(private_text(token))
    absent = set()
    for ignored in understood.get("ignored", ()):
        if ignored.get("reason") != "absent":
            continue
        text = private_text(normalize(ignored["text"]))
        found = tokens(text)
        concept = concept_for(found) if found else None
        if concept is not None:
            concepts.add(concept.canonical)
        absent.add(concept.canonical if concept is not None else text)
    words.discard("")
    absent.discard("")
    if not (concepts or words or absent):
        return None
    return json.dumps({"c": sorted(concepts), "w": sorted(words), "a": sorted(absent - words)}, ensure_ascii=False,
                      separators=(",", ":"))


def parse_key(key: str) -> dict:
    data = json.loads(key)
    return {"concepts": data.get("c", []), "words": data.get("w", []), "absent": data.get("a", [])}


def label(key: str) -> str:
    """The understood query as a search box takes it: concepts, words, then the words nobody wrote about."""
    parts = parse_key(key)
    return " ".join([*parts["concepts"], *parts["words"], *(a for a in parts["absent"] if a not in parts["concepts"])])


def search_url(key: str, base: str = "/search") -> str:
    return f"{base}?{urlencode({'q': label(key)})}"


def search_rows(understood: dict, total: int, day: str) -> list[tuple[str, str, str, str]]:
    """The counters one search adds to (empty when nothing was asked)."""
    key = query_key(understood)
    if key is None:
        return []
    rows = [(day, "search", key, "")]
    if total == 0:
        rows.append((day, "empty", key, ""))
    elif total <= LITTLE:
        rows.append((day, "little", key, ""))
    corrections = [(private_text(c["from"]), private_text(c["to"])) for c in understood.get("corrections", ())]
    corrections = [(a, b) for a, b in corrections if a and b]
    if corrections:
        rows.append((day, "corrected", key, ""))
        rows += [(day, "correction", json.dumps([a, b], ensure_ascii=False), "") for a, b in corrections]
    return rows


def open_rows(understood: dict, source: str, position: int, day: str) -> list[tuple[str, str, str, str]]:
    key = query_key(understood)
    return [] if key is None else [(day, "open", key, f"{source}:{position}")]


# -- the report ------------------------------------------------------------------

def _window(today: str, back: int, length: int = 7) -> tuple[str, str]:
    day = dt.date.fromisoformat(today)
    return ((day - dt.timedelta(days=back + length - 1)).isoformat(), (day - dt.timedelta(days=back)).isoformat())


def report(rows: list[Row], today: str, min_count: int = 5, days: int = 90) -> dict:
    """The desk's four sections (and a summary) from the stored rows of the days kept."""
    first_kept = cutoff(today, days)
    this_week, last_week = _window(today, 0), _window(today, 7)
    searches: dict[str, int] = {}
    week: dict[str, int] = {}
    before: dict[str, int] = {}
    per_kind: dict[tuple[str, str], int] = {}
    opens: dict[str, dict[str, int]] = {}
    first_page: dict[str, int] = {}
    corrections: dict[str, int] = {}
    housekeeping = {"dropped": 0, "failed": 0}
    for day, kind, key, detail, n in rows:
        if day < first_kept or day > today:
            continue
        if kind == "search":
            searches[key] = searches.get(key, 0) + n
            if this_week[0] <= day <= this_week[1]:
                week[key] = week.get(key, 0) + n
            elif last_week[0] <= day <= last_week[1]:
                before[key] = before.get(key, 0) + n
        elif kind in ("empty", "little", "corrected"):
            per_kind[(kind, key)] = per_kind.get((kind, key), 0) + n
        elif kind == "open":
            source, _, position = detail.partition(":")
            by_source = opens.setdefault(key, {"page": 0, "widget": 0})
            by_source[source] = by_source.get(source, 0) + n
            if position.isdigit() and 1 <= int(position) <= FIRST_PAGE:
                first_page[key] = first_page.get(key, 0) + n
        elif kind == "correction":
            corrections[key] = corrections.get(key, 0) + n
        elif kind in housekeeping:
            housekeeping[kind] += n
    shown = {k for k, n in searches.items() if n >= min_count}

    def entry(key: str) -> dict:
        parts = parse_key(key)
        return {"query": label(key), **parts, "searches": searches[key],
                "found_nothing": per_kind.get(("empty", key), 0), "found_little": per_kind.get(("little", key), 0),
                "corrected": per_kind.get(("corrected", key), 0),
                "opens": opens.get(key, {"page": 0, "widget": 0}), "first_page_opens": first_page.get(key, 0),
                "url": search_url(key)}

    top = []
    for key in sorted((k for k in shown if week.get(k)), key=lambda k: (-week[k], label(k)))[:SHOWN]:
        now, then = week[key], before.get(key, 0)
        top.append({**entry(key), "this_week": now, "last_week": then, "change": now - then,
                    "change_pct": round(100 * (now - then) / then) if then else None})

    gaps: dict[str, list[dict]] = {}
    for key in sorted(shown, key=lambda k: (-(per_kind.get(("empty", k), 0) + per_kind.get(("little", k), 0)), label(k))):
        e = entry(key)
        if not (e["found_nothing"] or e["found_little"]):
            continue
        for group in e["concepts"] or [NO_CONCEPT]:
            gaps.setdefault(group, []).append(e)
    gap_groups = sorted(({"concept": c, "searches": sum(e["searches"] for e in items), "queries": items[:SHOWN]}
                         for c, items in gaps.items()), key=lambda g: (-g["searches"], g["concept"]))[:SHOWN]

    no_opens = [entry(k) for k in sorted(shown, key=lambda k: (-searches[k], label(k)))
                if not first_page.get(k) and searches[k] > per_kind.get(("empty", k), 0)][:SHOWN]

    fixes = []
    for key in sorted((k for k, n in corrections.items() if n >= min_count), key=lambda k: (-corrections[k], k))[:SHOWN]:
        typed, fixed = json.loads(key)
        fixes.append({"from": typed, "to": fixed, "count": corrections[key],
                      "url": f"/search?{urlencode({'q': fixed})}"})

    return {
        "today": today, "days_kept": days, "min_count": min_count, "first_day": first_kept,
        "this_week": {"from": this_week[0], "to": this_week[1]}, "last_week": {"from": last_week[0], "to": last_week[1]},
        "searches": sum(searches.values()), "searches_this_week": sum(week.values()),
        "queries": len(searches), "queries_shown": len(shown),
        "dropped": housekeeping["dropped"], "failed": housekeeping["failed"],
        "top": top, "gaps": gap_groups, "no_opens": no_opens, "corrections": fixes,
    }


CSV_COLUMNS = ("section", "group", "query", "this_week", "last_week", "searches", "found_nothing", "found_little",
               "first_page_opens", "page_opens", "widget_opens", "correction_from", "correction_to", "count", "url")


# A cell a spreadsheet would read as a formula (CSV injection): it is written after a quote, as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """``value``, with a ``'`` before it when it is text a spreadsheet would run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def to_csv(rep: dict) -> str:
    """The report as one CSV table (a ``section`` column: top, gaps, no_opens, corrections).

    What readers typed reaches the cells (queries, corrections): a cell starting like a formula
    gets a leading ``'``, so a spreadsheet shows it and runs nothing."""
    out = io.StringIO()
    table = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    table.writeheader()

    def write(row: dict) -> None:
        table.writerow({k: spreadsheet_text(v) for k, v in row.items()})

    def query_row(section: str, e: dict, group: str = "") -> dict:
        return {"section": section, "group": group, **e, "page_opens": e["opens"]["page"],
                "widget_opens": e["opens"]["widget"]}

    for e in rep["top"]:
        write(query_row("top", e))
    for g in rep["gaps"]:
        for e in g["queries"]:
            write(query_row("gaps", e, g["concept"]))
    for e in rep["no_opens"]:
        write(query_row("no_opens", e))
    for c in rep["corrections"]:
        write({"section": "corrections", "correction_from": c["from"], "correction_to": c["to"],
               "count": c["count"], "url": c["url"]})
    return out.getvalue()


def to_text(rep: dict) -> str:
    """The report for a terminal."""
    lines = [f"Search insights {rep['first_day']} .. {rep['today']} (UTC): {rep['searches']} searches, "
             f"{rep['queries']} distinct queries, {rep['queries_shown']} searched at least {rep['min_count']} times "
             "(only those are shown)."]
    if rep["dropped"] or rep["failed"]:
        lines.append(f"Not recorded: {rep['dropped']} dropped (queue full), {rep['failed']} lost (store failed).")
    lines.append(f"\nTop searches {rep['this_week']['from']} .. {rep['this_week']['to']} (vs the 7 days before):")
    for e in rep["top"]:
        trend = "new" if e["change_pct"] is None else f"{e['change_pct']:+d}%"
        lines.append(f"  {e['this_week']:>6}  {e['last_week']:>6}  {trend:>6}  {e['query']}")
    lines += ["  (none)"] if not rep["top"] else []
    lines.append("\nFound nothing or little, by concept:")
    for g in rep["gaps"]:
        lines.append(f"  {g['concept']} ({g['searches']} searches)")
        for e in g["queries"]:
            lines.append(f"    nothing {e['found_nothing']:>4}  little {e['found_little']:>4}  {e['query']}  {e['url']}")
    lines += ["  (none)"] if not rep["gaps"] else []
    lines.append("\nNothing opened on the first page:")
    for e in rep["no_opens"]:
        lines.append(f"  {e['searches']:>6}  {e['query']}")
    lines += ["  (none)"] if not rep["no_opens"] else []
    lines.append("\nCorrections applied most often:")
    for c in rep["corrections"]:
        lines.append(f"  {c['count']:>6}  {c['from']} -> {c['to']}")
    lines += ["  (none)"] if not rep["corrections"] else []
    return "\n".join(lines) + "\n"
