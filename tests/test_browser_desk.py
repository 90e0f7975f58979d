"""Issue 21 in a real headless Chromium: insights from readers' browsers reach the editors' desk.

One ``searchsvc serve`` (gunicorn, one worker) over the sample index with editor tokens, a
privacy threshold of 3 and the insight writer flushing every 0.2 s; a static host site for
the widget.  Nothing waits a fixed time: a beacon is awaited as the request the page sends,
and a write as the row appearing in the server's SQLite store (a bounded poll).
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse

import pytest

from searchsvc.insights import report as insights_report
from searchsvc.insights.store import SqliteStore
from test_browser_readers import DESKTOP, PHONE, axe_problems, new_page
from test_web_support import Server
from test_widget_browser import HostSite, playwright_sync

pytestmark = pytest.mark.browser
expect = playwright_sync.expect

TOKEN = "browser-editor-token-5d1c"
SETTINGS = {"SEARCHSVC_EDITOR_TOKENS": TOKEN, "SEARCHSVC_SECRET_KEY": "b" * 40, "SEARCHSVC_INSIGHTS_MIN_COUNT": "3",
            "SEARCHSVC_INSIGHTS_FLUSH_SECONDS": "0.2"}
NOT_TRACKED = {
    "DNT": ({"DNT": "1"}, "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"),
    "GPC": ({"Sec-GPC": "1"}, "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"),
}


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    return tmp_path_factory.mktemp("desk-state")


@pytest.fixture(scope="module")
def server(sample_index, state):
    srv = Server(sample_index.root, workers=1, threads=4, env={**SETTINGS, "SEARCHSVC_STATE_DIR": str(state)})
    srv.wait_ready()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def store(state):
    return SqliteStore(state / "insights")


@pytest.fixture(scope="module")
def host(server, tmp_path_factory):
    site = HostSite(tmp_path_factory.mktemp("desk-host"), {"main": server.base})
    yield site.url
    site.stop()


def rows(store) -> list[tuple]:
    return store.read("2000-01-01", time.strftime("%Y-%m-%d", time.gmtime()))


def counts(store) -> dict[tuple[str, str, str], int]:
    """(kind, the query as the desk shows it, detail) -> n."""
    out = {}
    for _, kind, key, detail, n in rows(store):
        shown = insights_report.label(key) if kind not in ("correction", "dropped", "failed") else key
        out[(kind, shown, detail)] = out.get((kind, shown, detail), 0) + n
    return out


def wait_for(condition, what: str, timeout: float = 30.0):
    """Poll ``condition`` until it is true (bounded): the server's writer thread writes every 0.2 s."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause.wait(0.05)


def url(server, q: str) -> str:
    return server.base + "/search?" + urllib.parse.urlencode({"q": q})


def desk_label(server, q: str) -> str:
    """How the desk shows ``q``: its understanding (as /api/search reports it) as a query."""
    import json
    import urllib.request

    with urllib.request.urlopen(server.base + "/api/search?" + urllib.parse.urlencode({"q": q})) as response:
        return insights_report.label(insights_report.query_key(json.load(response)["understood"]))


def searched(store, shown: str) -> int:
    return counts(store).get(("search", shown, ""), 0)


def opened(store, shown: str, detail: str) -> int:
    return counts(store).get(("open", shown, detail), 0)


def changes(before: dict, after: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def sign_in(page, server):
    page.goto(server.base + "/desk")
    expect(page).to_have_url(re.compile(r"/desk/signin\?next="))
    page.fill("#token", TOKEN)
    page.click("form.desk-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("编辑台：读者在找什么")


def test_a_search_and_an_opened_result_reach_the_desk_and_a_rare_query_never_does(browser, server, store):
    q = "肝细胞癌 靶向治疗"
    shown = desk_label(server, q)
    for _ in range(2):  # three readers: the same reader's repeat is served from the browser's cache
        reader = new_page(browser, "phone")
        reader.goto(url(server, q))
        reader.context.close()
    page = new_page(browser, "desktop")
    page.goto(url(server, q))
    with page.expect_request(lambda r: r.url.endswith("/api/insights/open")) as sent:
        page.locator("article.hit >> nth=1 >> .hit-title a").click()
    form = urllib.parse.parse_qs(sent.value.post_data)
    assert form["position"] == ["2"] and form["source"] == ["page"] and form["q"] == [q]
    for header in ("cookie", "authorization"):
        assert header not in {k.lower() for k in sent.value.headers}
    page.wait_for_url("**/articles/**")
    page.goto(url(server, "间皮瘤 胸膜 罕见病例"))  # one reader, once
    wait_for(lambda: searched(store, shown) == 3 and opened(store, shown, "page:2") == 1, "the searches and the open")
    sign_in(page, server)
    cookie = next(c for c in page.context.cookies() if c["name"] == "searchsvc_desk")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > time.time() + 7 * 3600
    row = page.locator("#top tbody tr").filter(has=page.get_by_role("link", name=shown, exact=True))
    expect(row).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[3] == "1"  # this week, opened
    assert "间皮瘤" not in page.content() and "罕见" not in page.content()
    assert axe_problems(page) == []
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.context.close()


@pytest.mark.parametrize("signal", list(NOT_TRACKED))
def test_a_browser_that_asks_not_to_be_tracked_sends_nothing_and_nothing_is_recorded(browser, server, store, signal):
    headers, script = NOT_TRACKED[signal]
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", extra_http_headers=headers)
    context.add_init_script(script)
    page = context.new_page()
    page.set_default_timeout(10_000)
    beacons = []
    page.on("request", lambda r: beacons.append(r.url) if "/api/insights" in r.url else None)
    before = counts(store)
    page.goto(url(server, "免疫治疗 不良反应"))
    page.locator("article.hit >> nth=0 >> .hit-title a").click()
    page.wait_for_url("**/articles/**")
    page.goto(server.base + "/")
    page.locator("#q").press_sequentially("KRAS G12C", delay=50)
    expect(page.locator(".results[data-q='KRAS G12C']")).to_have_count(1)
    page.locator("article.hit >> nth=0 >> .hit-title a").click()
    page.wait_for_url("**/articles/**")
    assert beacons == []
    context.close()
    marker = new_page(browser, "desktop")  # a tracked search after them: once it is stored, theirs would be too
    mark = f"EGFR 标记 {signal}"
    marker.goto(url(server, mark))
    shown = desk_label(server, mark)
    wait_for(lambda: searched(store, shown) == 1, "the marker")
    marker.context.close()
    assert changes(before, counts(store)) == {("search", shown, ""): 1}


def test_instant_results_count_once_when_the_reader_opens_one(browser, server, store):
    page = new_page(browser, "phone")
    page.goto(server.base + "/")
    shown = desk_label(server, "胰腺癌")
    before = counts(store)
    sent = []
    page.on("request", lambda r: sent.append(r.url.rsplit("/", 1)[-1]) if "/api/insights/" in r.url else None)
    page.locator("#q").press_sequentially("胰腺癌", delay=400)  # an instant fetch after each character
    expect(page.locator(".results[data-q='胰腺癌']")).to_have_count(1)
    with page.expect_request(lambda r: r.url.endswith("/api/insights/open")):
        page.locator("article.hit >> nth=0 >> .hit-title a").click()
    assert sent == ["search", "open"]
    wait_for(lambda: opened(store, shown, "page:1") > before.get(("open", shown, "page:1"), 0), "the settled search")
    # one search, not one per keystroke (胰, 胰腺 were on screen too briefly to count)
    changed = changes(before, counts(store))
    assert {k[1] for k in changed} == {shown}  # nothing for 胰 or 胰腺
    assert changed[("search", shown, "")] == 1 and changed[("open", shown, "page:1")] == 1
    page.context.close()


def test_a_result_opened_in_the_widget_is_counted_with_its_position(browser, server, store, host):
    page = new_page(browser, "desktop")
    page.goto(host + "/main/plain.html")
    page.wait_for_function("customElements.get('oncology-search') !== undefined")
    page.locator("oncology-search input").fill("KRAS G12C")
    expect(page.locator("oncology-search [role=option].result").first).to_be_visible()
    with page.expect_request(lambda r: r.url.endswith("/api/insights/open")) as sent:
        page.locator("oncology-search [role=option].result").first.click()
    form = urllib.parse.parse_qs(sent.value.post_data)
    assert form["source"] == ["widget"] and form["position"] == ["1"] and form["q"] == ["KRAS G12C"]
    shown = desk_label(server, "KRAS G12C")
    wait_for(lambda: opened(store, shown, "widget:1") == 1, "the widget's open")
    assert searched(store, shown) >= 1  # the widget's search, settled when the result was opened
    page.context.close()


def test_the_desk_is_closed_to_an_anonymous_browser(browser, server):
    page = new_page(browser, "phone")
    response = page.goto(server.base + "/api/desk")
    assert response.status == 401
    page.goto(server.base + "/desk")
    expect(page).to_have_url(re.compile(r"/desk/signin"))
    page.fill("#token", "not-the-token-at-all")
    page.click("form.desk-form button[type=submit]")
    expect(page.locator("[role=alert]")).to_have_text("令牌不正确。")
    assert "not-the-token-at-all" not in page.content()
    assert page.locator("#token").input_value() == ""
    assert axe_problems(page) == []
    page.context.close()
