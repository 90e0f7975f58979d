"""Search insights and the desk (issue 21, items 1 and 2), through Flask's test client.

What is recorded (the understood query, never the text typed), the privacy threshold,
DNT and Sec-GPC, the beacons, the four desk lists and their JSON / CSV / CLI twins,
retention, a restart and a new index version, and a full queue or a failing store
leaving searches answered.  The writer thread is slowed to once an hour here; tests write
the queue with ``Recorder.flush()`` (the event), never by waiting.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time

import pytest
from hypothesis import given, settings, strategies as st

from searchsvc.insights import report as insights_report
from searchsvc.ingest.pipeline import ingest

TOKEN = "editor-token-4f7a9c2e81"
SECRET = "k" * 40
BEARER = {"Authorization": f"Bearer {TOKEN}"}
DESK = {"SEARCHSVC_EDITOR_TOKENS": TOKEN, "SEARCHSVC_SECRET_KEY": SECRET, "SEARCHSVC_INSIGHTS_MIN_COUNT": 3,
        "SEARCHSVC_INSIGHTS_FLUSH_SECONDS": 3600, "SEARCHSVC_INSIGHTS_BATCH": 100000}
DNT = {"DNT": "1"}
GPC = {"Sec-GPC": "1"}
# three ways readers ask one thing: a question, the English name, a misspelling
SAME_QUESTION = ("奥希替尼耐药怎么办", "osimertinib 耐药", "奥西替尼 耐药")


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


@pytest.fixture
def app(make_app):
    return make_app(**DESK)


@pytest.fixture
def client(app):
    return app.test_client()


def recorder(app):
    return app.extensions["searchsvc"]["insights"]


def stored(app) -> list[tuple]:
    recorder(app).flush()
    return recorder(app).store.read("2000-01-01", today())


def desk(app) -> dict:
    recorder(app).flush()
    response = app.test_client().get("/api/desk", headers=BEARER)
    assert response.status_code == 200
    return response.json


def search(client, q: str, headers=None, **params):
    response = client.get("/search", query_string={"q": q, **params}, headers=headers or {})
    assert response.status_code == 200
    return response


def searched_keys(rows) -> set[str]:
    return {key for _, kind, key, _, _ in rows if kind == "search"}


def total_of(client, q: str) -> int:
    return client.get("/api/search", query_string={"q": q}).json["total"]


# -- what is stored ------------------------------------------------------------------------

def test_a_search_is_stored_as_the_understood_query_never_as_typed(app, client):
    for q in SAME_QUESTION:
        search(client, q)
    rows = stored(app)
    keys = searched_keys(rows)
    assert len(keys) == 1, keys  # one question, three phrasings
    key = keys.pop()
    parts = insights_report.parse_key(key)
    assert "奥希替尼" in parts["concepts"]
    counts = {(kind, detail): n for _, kind, k, detail, n in rows if k == key}
    assert counts[("search", "")] == 3 and counts[("corrected", "")] == 1
    for typed in ("怎么办", "osimertinib", "奥希替尼耐药怎么办"):
        assert all(typed not in k for _, _, k, _, _ in rows), typed
    corrections = [json.loads(k) for _, kind, k, _, _ in rows if kind == "correction"]
    assert ["奥西替尼", "奥希替尼"] in corrections  # what readers misspell is the point of that list


def test_the_store_has_one_table_of_daily_counts_and_nothing_about_the_reader(app, client):
    search(client, "KRAS G12C", environ_base={"REMOTE_ADDR": "203.0.113.77"},
           headers={"User-Agent": "TestBrowser/1.0", "Cookie": "session=abc123"})
    stored(app)
    path = recorder(app).store.path
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = [r[1] for r in db.execute("PRAGMA table_info(counts)")]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert tables == ["counts"] and columns == ["day", "kind", "key", "detail", "n"] and mode == "wal"
    raw = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    for secret in (b"203.0.113.77", b"TestBrowser", b"abc123"):
        assert secret not in raw
    assert all(len(day) == 10 for day, *_ in stored(app))  # a day, no time of day


PERSONAL = ("13812345678", "a@b.com", "b.com", "http", "x.y", "\u202e", "\u200f")


def test_phone_numbers_emails_web_addresses_and_bidi_controls_are_never_stored(app, client):
    """What could tell who a reader is (or reorder what an editor reads) is dropped before it is
    stored: digit runs of 5+, emails, web addresses, control and bidi characters; a quoted phrase
    is kept as its words, never as typed."""
    queries = ["13812345678", "a@b.com", "http://x.y/z", '"call 13812345678 a@b.com http://x.y/z"',
               "KRAS\u202e骨肉瘤", '"EGFR\u202e突变\u200f"']
    for _ in range(3):
        for q in queries:
            search(client, q)
        beacon = client.post("/api/insights/search", data={"q": queries[3], "source": "widget"})
        assert beacon.status_code == 204
    rows = stored(app)
    raw = b"".join(p.read_bytes() for p in recorder(app).store.path.parent.iterdir() if p.is_file())
    shown = json.dumps(desk(app), ensure_ascii=False) + client.get("/api/desk.csv", headers=BEARER).text
    for secret in PERSONAL:
        assert secret.encode() not in raw, secret
        assert secret not in shown, secret
        assert all(secret not in key for _, _, key, _, _ in rows), secret
    keys = [insights_report.parse_key(k) for k in searched_keys(rows)]
    assert {"concepts": [], "words": ["call"], "absent": []} in keys  # the phrase, as its words
    assert any("KRAS" in k["concepts"] and "骨肉瘤" in k["concepts"] for k in keys)  # the rest still counts


def test_searches_without_a_query_past_page_one_or_as_instant_results_are_not_counted(app, client):
    search(client, "")
    search(client, "expert:林晓舟")  # a filter only: nothing asked of the text
    search(client, "治疗", page=2)
    search(client, "KRAS G12C", headers={"X-Searchsvc-Instant": "1"})  # typing: the browser reports it when it settles
    assert searched_keys(stored(app)) == set()
    assert client.post("/api/insights/search", data={"q": "KRAS G12C", "source": "page"}).status_code == 204
    assert len(searched_keys(stored(app))) == 1


def test_a_beacon_from_another_sites_page_is_not_counted(make_app):
    app = make_app(**DESK, SEARCHSVC_CORS_ORIGINS="https://partner.example")
    client = app.test_client()
    beacon = {"q": "KRAS G12C", "position": "1"}
    sent = [
        ("search", "page", {"Origin": "https://evil.example"}, 403),
        ("open", "page", {"Referer": "https://evil.example/page.html"}, 403),
        ("open", "widget", {"Origin": "https://evil.example"}, 403),
        ("open", "page", {"Origin": "https://partner.example"}, 403),  # our pages are only on this site
        ("search", "page", {"Origin": "null"}, 403),
        ("open", "widget", {"Origin": "https://partner.example"}, 204),  # the widget, where it may run
        ("open", "page", {"Origin": "http://localhost"}, 204),
        ("search", "page", {"Referer": "http://localhost/search?q=KRAS"}, 204),
    ]
    for kind, source, headers, status in sent:
        response = client.post(f"/api/insights/{kind}", data={**beacon, "source": source}, headers=headers)
        assert response.status_code == status, (kind, source, headers)
    counted = [(kind, detail, n) for _, kind, _, detail, n in stored(app)]
    assert sorted(counted) == [("open", "page:1", 1), ("open", "widget:1", 1), ("search", "", 1)]


def test_beacons_over_the_rate_are_refused_and_not_counted(make_app):
    app = make_app(**DESK, SEARCHSVC_INSIGHTS_BEACON_RATE="3/hour")
    app.extensions["searchsvc"]["beacon_throttle"].clock = lambda: 1000.0  # no window rolls over
    client = app.test_client()
    statuses = [client.post("/api/insights/open", data={"q": "KRAS G12C", "position": "1"}).status_code
                for _ in range(4)]
    assert statuses == [204, 204, 204, 429]
    assert client.post("/api/insights/search", data={"q": "KRAS G12C"}).status_code == 204  # its own budget
    counted = {(kind, n) for _, kind, _, _, n in stored(app) if kind in ("open", "search")}
    assert counted == {("open", 3), ("search", 1)}


@pytest.mark.parametrize("header", [DNT, GPC], ids=["DNT", "Sec-GPC"])
def test_do_not_track_and_global_privacy_control_record_nothing(app, client, header):
    search(client, "KRAS G12C", headers=header)
    assert client.post("/api/insights/search", data={"q": "KRAS G12C"}, headers=header).status_code == 204
    assert client.post("/api/insights/open", data={"q": "KRAS G12C", "position": "1"}, headers=header).status_code == 204
    assert stored(app) == []
    assert recorder(app).written == 0


def test_an_opened_result_is_counted_by_position_and_source(app, client):
    assert client.post("/api/insights/open", data={"q": "KRAS G12C", "position": "2", "source": "page"}).status_code == 204
    assert client.post("/api/insights/open", data={"q": "KRAS  g12c", "position": "12", "source": "widget"}).status_code == 204
    opens = {detail: n for _, kind, _, detail, n in stored(app) if kind == "open"}
    assert opens == {"page:2": 1, "widget:12": 1}


@pytest.mark.parametrize("form, param", [
    ({"position": "1"}, "q"), ({"q": "x" * 201, "position": "1"}, "q"), ({"q": "EGFR", "position": "0"}, "position"),
    ({"q": "EGFR", "position": "first"}, "position"), ({"q": "EGFR", "position": "1", "source": "email"}, "source"),
])
def test_a_bad_beacon_is_a_400_naming_the_parameter(client, form, param):
    response = client.post("/api/insights/open", data=form)
    assert response.status_code == 400 and response.json["error"]["param"] == param


# -- the privacy threshold and the desk's lists ------------------------------------------------

def test_a_query_appears_only_once_searched_min_count_times(app, client):
    search(client, "KRAS G12C")
    search(client, "KRAS G12C")
    search(client, "间皮瘤 胸膜")  # one reader's rare query
    report = desk(app)
    assert report["top"] == [] and report["searches"] == 3 and report["queries_shown"] == 0
    search(client, "kras  g12c")
    report = desk(app)
    assert [(e["searches"], e["this_week"]) for e in report["top"]] == [(3, 3)]
    assert "KRAS G12C" in report["top"][0]["query"]  # as understood: the concept's canonical name
    page = client.get("/desk", headers=BEARER)  # the HTML needs the cookie: sign in
    assert page.status_code == 302
    everything = json.dumps(report, ensure_ascii=False) + app.test_client().get("/api/desk.csv", headers=BEARER).text
    assert "间皮瘤" not in everything and "胸膜" not in everything


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["肺癌", "胃癌", "肝癌", "EGFR", "KRAS", "HER2", "ALK"]),
                       st.integers(min_value=1, max_value=12), min_size=1), st.integers(min_value=1, max_value=8))
def test_the_threshold_holds_for_any_counts(counts, min_count):
    day = "2026-03-10"
    rows = []
    for word, n in counts.items():
        rows += [(day, "search", json.dumps({"c": [], "w": [word], "a": []}), "", n),
                 (day, "empty", json.dumps({"c": [], "w": [word], "a": []}), "", n),
                 (day, "correction", json.dumps([word + "x", word]), "", n)]
    report = insights_report.report(rows, day, min_count=min_count)
    shown = {w for w, n in counts.items() if n >= min_count}
    assert {e["query"] for e in report["top"]} == shown
    assert {e["query"] for g in report["gaps"] for e in g["queries"]} == shown
    assert {e["query"] for e in report["no_opens"]} == set()  # every search found nothing: nothing to open
    assert {c["to"] for c in report["corrections"]} == shown
    assert report["searches"] == sum(counts.values())


def test_the_trend_compares_this_week_with_the_last():
    key = json.dumps({"c": ["肺癌"], "w": [], "a": []})
    rows = [("2026-03-10", "search", key, "", 6), ("2026-03-04", "search", key, "", 1),
            ("2026-03-03", "search", key, "", 4), ("2026-02-20", "search", key, "", 9)]
    top = insights_report.report(rows, "2026-03-10", min_count=5)["top"]
    assert [(e["this_week"], e["last_week"], e["change"], e["change_pct"]) for e in top] == [(7, 4, 3, 75)]


def test_gaps_are_grouped_by_concept_and_link_to_the_search(app, client):
    nothing = [q for q in ("宫颈癌 HPV 疫苗", "胆管癌 靶向", "骨肉瘤") if total_of(client, q) == 0]
    assert nothing, "the samples should lack some cancer"
    for q in nothing:
        for _ in range(3):
            search(client, q)
    report = desk(app)
    groups = {g["concept"]: g for g in report["gaps"]}
    for q in nothing:
        entry = next(e for g in report["gaps"] for e in g["queries"] if e["url"] == insights_report.search_url(
            next(k for k in searched_keys(stored(app)) if insights_report.label(k) == e["query"])))
        assert entry["found_nothing"] == 3
        assert any(c in groups for c in entry["concepts"])  # a cancer no interview covers is still a concept
        assert client.get(entry["url"]).status_code == 200
        assert total_of(client, client.get(entry["url"]).request.args["q"]) == 0  # the link reproduces the gap


def test_searches_with_results_but_nothing_opened_on_the_first_page(app, client):
    for _ in range(3):
        search(client, "KRAS G12C")
        search(client, "免疫治疗 不良反应")
    client.post("/api/insights/open", data={"q": "KRAS G12C", "position": "1"})
    client.post("/api/insights/open", data={"q": "免疫治疗 不良反应", "position": "14"})  # page 2 only
    report = desk(app)
    queries = [e["query"] for e in report["no_opens"]]
    assert any("免疫" in q for q in queries) and not any("KRAS" in q.upper() for q in queries)
    top = {e["query"]: e for e in report["top"]}
    assert sum(e["opens"]["page"] for e in top.values()) == 2


def test_the_desk_page_shows_the_lists_in_chinese_escaped(app, make_app):
    from test_desk_signin import csrf_of

    client = app.test_client()
    for _ in range(3):
        search(client, "<b>KRAS</b> G12C")
        search(client, "骨肉瘤")
    client.get("/desk/signin")
    form = client.get("/desk/signin")
    client.post("/desk/signin", data={"token": TOKEN, "csrf_token": csrf_of(form.text)})
    recorder(app).flush()
    page = client.get("/desk")
    assert page.status_code == 200
    for heading in ("本周热门搜索", "没找到或结果很少的搜索", "第一页没有被打开", "最常被自动纠正"):
        assert heading in page.text
    assert "<b>" not in page.text.split("<main", 1)[1]  # the reader's markup never reaches the page as markup
    assert "骨肉瘤" in page.text and 'href="/search?q=' in page.text
    assert TOKEN not in page.text


def test_the_csv_and_the_cli_say_what_the_desk_says(app, client, runner, tmp_path):
    for _ in range(3):
        search(client, "KRAS G12C")
        search(client, "骨肉瘤")
    report = desk(app)
    csv = client.get("/api/desk.csv", headers=BEARER).text.lstrip("\ufeff").splitlines()
    sections = [line.split(",")[0] for line in csv[1:]]
    assert sections.count("top") == len(report["top"]) == 2 and "gaps" in sections
    state = app.config["SEARCHSVC_STATE_DIR"]
    done = runner.invoke(["insights", "--state-dir", state, "--min-count", "3", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["top"] == report["top"]
    text = runner.invoke(["insights", "--state-dir", state, "--min-count", "3"])
    assert text.exit_code == 0 and "骨肉瘤" in text.output and "Top searches" in text.output
    hidden = runner.invoke(["insights", "--state-dir", state, "--min-count", "4"])
    assert "骨肉瘤" not in hidden.output
    assert "--min-count" in runner.invoke(["insights", "--help"]).output
    bad = runner.invoke(["insights", "--state-dir", state, "--storage", "memcached://x"])
    assert bad.exit_code == 2 and "SEARCHSVC_INSIGHTS_STORAGE" in bad.output


def test_no_csv_cell_is_a_formula_a_spreadsheet_would_run(app, client):
    """Readers' queries reach the CSV: a cell starting with = + - @ (or a tab, a CR) is written after
    a quote, so a spreadsheet shows the text and runs nothing."""
    for _ in range(3):
        search(client, '=HYPERLINK("http://x.y","KRAS")')
        search(client, "@SUM(1+1)")
    # what the understanding keeps of a query may start like a formula too (or an older release stored it)
    formulas = ["=cmd|'/c calc'!A1", "@SUM(1+1)", "+1+1", "-2+3", "\tKRAS", "\rKRAS"]
    rows = {(today(), "search", json.dumps({"c": [], "w": [f], "a": []}), ""): 3 for f in formulas}
    rows[(today(), "correction", json.dumps(["=1+2", "@A1"]), "")] = 3
    recorder(app).store.write(rows)
    body = client.get("/api/desk.csv", headers=BEARER).text.lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for f in formulas + ["=1+2", "@A1"]:
        assert "'" + f in cells, f  # shown as the text it was


# -- where it is kept, and for how long ------------------------------------------------------

def test_old_days_are_deleted_when_new_counts_are_written(app, client):
    store = recorder(app).store
    store.write({("2001-01-01", "search", json.dumps({"c": [], "w": ["旧"], "a": []}), ""): 9})
    assert store.read("2000-01-01", today())
    search(client, "KRAS G12C")
    rows = stored(app)
    assert rows and all(day >= insights_report.cutoff(today(), 90) for day, *_ in rows)


def test_insights_survive_a_restart_and_a_new_index_version_beside_the_index(corpus, fresh_store, tmp_path):
    from searchsvc.web import create_app

    ingest([corpus], fresh_store)
    settings_ = {**DESK, "SEARCHSVC_INDEX": str(fresh_store.root), "SEARCHSVC_STATE_DIR": ""}
    first = create_app(settings_)
    for _ in range(3):
        search(first.test_client(), "KRAS G12C")
    recorder(first).close()  # the server stops
    assert (fresh_store.root / "insights" / "insights.sqlite3").exists()
    version = fresh_store.version()
    ingest([corpus], fresh_store, rebuild=True)  # a new index version
    assert fresh_store.version() != version
    second = create_app(settings_)
    report = desk(second)
    assert report["top"] and report["top"][0]["searches"] == 3
    assert (fresh_store.root / "insights" / "insights.sqlite3").exists()


# -- searches never wait for insights -----------------------------------------------------------

def test_a_search_only_queues_the_record(app, client):
    store = recorder(app).store
    for _ in range(5):
        search(client, "KRAS G12C")
    assert not store.path.exists()  # nothing was written on the request path
    assert recorder(app).pending() == 5
    assert recorder(app).flush() == 5 and recorder(app).pending() == 0


def test_a_full_queue_drops_and_counts_and_the_search_is_answered(make_app):
    app = make_app(**DESK, SEARCHSVC_INSIGHTS_QUEUE=2)
    client = app.test_client()
    for _ in range(5):
        response = search(client, "KRAS G12C")
        assert "KRAS" in response.text
    assert recorder(app).dropped == 3
    report = desk(app)
    assert report["dropped"] == 3 and report["searches"] == 2


@pytest.fixture
def small_disk(tmpfs):
    """A 1 MB tmpfs: the insight store's disk fills up."""
    return tmpfs(1)


def test_a_full_disk_loses_insights_not_searches(make_app, small_disk, caplog):
    app = make_app(**DESK, SEARCHSVC_STATE_DIR=str(small_disk))
    client = app.test_client()
    search(client, "KRAS G12C")
    assert recorder(app).flush() == 1
    filler = small_disk / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    for q in ("骨肉瘤 " + str(i) for i in range(200)):  # enough new rows to need new pages
        assert "骨肉瘤" in search(client, q).text  # answered (search() checks the 200)
    assert recorder(app).flush() == 0
    assert recorder(app).failed == 200 and "insight store" in caplog.text
    filler.unlink()
    search(client, "KRAS G12C")
    assert recorder(app).flush() == 1
    rows = recorder(app).store.read("2000-01-01", today())
    assert {(kind, n) for _, kind, _, _, n in rows if kind == "failed"} == {("failed", 200)}


def test_a_store_that_cannot_be_opened_loses_insights_not_searches(make_app, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "insights").write_text("a file where the insights folder should be")
    app = make_app(**DESK, SEARCHSVC_STATE_DIR=str(state))
    client = app.test_client()
    assert "KRAS" in search(client, "KRAS G12C").text
    assert client.post("/api/insights/open", data={"q": "KRAS G12C", "position": "1"}).status_code == 204
    assert recorder(app).flush() == 0 and recorder(app).failed == 2
    assert client.get("/api/desk", headers=BEARER).status_code == 503  # the desk says so, the search does not care


def test_insights_off_records_nothing_and_the_desk_says_so(make_app):
    app = make_app(**DESK, SEARCHSVC_INSIGHTS_STORAGE="off")
    client = app.test_client()
    assert "data-insights" not in search(client, "KRAS G12C").text
    assert client.post("/api/insights/open", data={"q": "KRAS", "position": "1"}).status_code == 404
    assert client.get("/api/desk", headers=BEARER).json == {"enabled": False}


@pytest.mark.parametrize("name, value, message", [
    ("SEARCHSVC_INSIGHTS_DAYS", "0", "1 or more"), ("SEARCHSVC_INSIGHTS_MIN_COUNT", "five", "whole number"),
    ("SEARCHSVC_INSIGHTS_STORAGE", "/var/lib/x", "redis://"), ("SEARCHSVC_INSIGHTS_FLUSH_SECONDS", "-1", "at least"),
])
def test_a_bad_setting_is_one_clear_error(make_app, name, value, message):
    with pytest.raises(ValueError, match=name) as raised:
        make_app(**{name: value})
    assert message in str(raised.value)


# -- related interviews for a draft ------------------------------------------------------------

def test_related_for_a_draft_on_the_desk_and_as_json(app, sample_index):
    from searchsvc.engine.search import Searcher
    from test_desk_signin import csrf_of

    first = Searcher(sample_index).articles(per_page=1).hits[0]
    article = Searcher(sample_index).article(first.id)
    draft = article.title + "\n" + article.qa[0].question + "\n" + article.qa[0].answer
    anon = app.test_client()
    response = anon.post("/api/related", json={"text": draft, "limit": 3}, headers=BEARER)
    assert response.status_code == 200
    body = response.json
    assert body["related"][0]["id"] == article.id and len(body["related"]) <= 3
    assert body["related"][0]["why"]["concepts"]
    assert anon.post("/api/related", json={"text": "  "}, headers=BEARER).json["error"]["param"] == "text"
    assert anon.post("/api/related", json={"text": "肺癌", "limit": 99}, headers=BEARER).json["error"]["param"] == "limit"
    assert anon.post("/api/related", json=["肺癌"], headers=BEARER).status_code == 400
    too_big = anon.post("/api/related", json={"text": "肺" * 20000}, headers=BEARER)
    assert too_big.status_code == 413
    client = app.test_client()
    form = client.get("/desk/signin")
    client.post("/desk/signin", data={"token": TOKEN, "csrf_token": csrf_of(form.text)})
    page = client.get("/desk/related")
    assert page.status_code == 200 and "标题或草稿" in page.text
    shown = client.post("/desk/related", data={"text": draft, "csrf_token": csrf_of(page.text)})
    assert shown.status_code == 200 and article.title in shown.text and "都谈到" in shown.text
    cookie_json = client.post("/api/related", json={"text": draft}, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert cookie_json.status_code == 200 and cookie_json.json["related"][0]["id"] == article.id


def test_the_desk_json_follows_its_openapi_schema(app, client):
    from test_web_api import conforms

    for _ in range(3):
        search(client, "KRAS G12C")
        search(client, "骨肉瘤")
        search(client, "奥西替尼 耐药")
    doc = client.get("/api/openapi.json").json
    body = desk(app)
    assert body["top"] and body["gaps"] and body["no_opens"] and body["corrections"]
    conforms(body, doc["paths"]["/api/desk"]["get"]["responses"]["200"]["content"]["application/json"]["schema"], doc)
    related = client.post("/api/related", json={"text": "KRAS G12C 抑制剂 肺癌"}, headers=BEARER).json
    assert related["related"]
    conforms(related, doc["paths"]["/api/related"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
             doc)


def _question_words() -> list[str]:
    from searchsvc import analysis

    path = analysis.lexicon_dir() / "question_words.txt"
    words = [line.split("#")[0].strip() for line in path.read_text("utf-8").splitlines()]
    return [w for w in words if w and len(w) > 1 and w.isalpha()][:40]


@pytest.fixture(scope="module")
def sample_searcher(sample_index):
    from searchsvc.engine.search import Searcher

    return Searcher(sample_index)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_any_phrasing_of_a_question_is_one_understood_query(sample_searcher, data):
    """A drug by any of its names, in either case, with question words around it, and a topic word:
    one key, holding the concept's canonical name and never a question word or the name as typed."""
    from searchsvc import analysis

    kind, names = next(g for g in analysis.lexicon().groups if "奥希替尼" in g[1])
    name = data.draw(st.sampled_from(names))
    name = data.draw(st.sampled_from([name, name.lower(), name.upper()]))
    before, after = data.draw(st.sampled_from(["", *_question_words()])), data.draw(st.sampled_from(["", *_question_words()]))
    spaced = data.draw(st.booleans())
    q = (" " if spaced else "").join(p for p in (before, name, "耐药", after) if p)
    plain = sample_searcher.search("奥希替尼 耐药")
    understood = sample_searcher.search(q).understood
    assert insights_report.query_key(understood) == insights_report.query_key(plain.understood), q
    parts = insights_report.parse_key(insights_report.query_key(understood))
    assert "奥希替尼" in parts["concepts"]
    for word in (before, after):
        if word:
            assert word not in parts["words"] and word not in parts["absent"]
