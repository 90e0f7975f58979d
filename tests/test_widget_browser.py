"""End-to-end tests of the embeddable widget in real headless Chromium.

Two real servers per index: ``searchsvc serve`` (gunicorn: our API, /widget.js and
/embed) on one loopback port, and a static "host site" on another, so the widget
always runs on a different origin than the API it calls (CORS for real).  The host
pages come from tests/widget_host/ and are served in three flavours:

- ``plain.html``  no Content-Security-Policy;
- ``csp.html``    the CSP the docs promise to work under:
                  ``script-src 'self' <api>; connect-src <api>``;
- ``strict.html`` a stricter one: ``default-src 'none'``, ``style-src 'self'`` (no
                  inline styles) and ``require-trusted-types-for 'script'`` (any
                  innerHTML-style sink throws).

Chromium is Debian's (/usr/bin/chromium), driven by Playwright's Python API; no
browser is downloaded.  The screenshot in docs/widget.png is made by
``test_screenshot`` when WIDGET_SCREENSHOT names the output file.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import urllib.parse
from pathlib import Path

import pytest

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest

from conftest import CHROMIUM
from test_web_support import Server

pytestmark = pytest.mark.browser

HOST_DIR = Path(__file__).resolve().parent / "widget_host"
INJECTION_PAGE = HOST_DIR / "injection-page.txt"
INJECTION = '<img src=x onerror="window.__pwned=1">'
FLAVOURS = ("plain", "csp", "strict")

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium fonts-noto-cjk)", allow_module_level=True)


# -- servers ------------------------------------------------------------------------

class ApiServer(Server):
    """``searchsvc serve`` (gunicorn: our API, /widget.js and /embed), one worker, started and ready."""

    def __init__(self, index_dir: Path):
        super().__init__(index_dir, workers=1, threads=4)
        self.url = self.base
        self.wait_ready()


def csp_for(flavour: str, api: str) -> str | None:
    return {
        "plain": None,
        "csp": f"script-src 'self' {api}; connect-src {api}",
        "strict": (f"default-src 'none'; script-src {api}; connect-src {api}; style-src 'self'; "
                   "img-src 'self'; require-trusted-types-for 'script'"),
    }[flavour]


class HostSite:
    """A static 'other site' on its own loopback port, pages per API server and CSP flavour."""

    def __init__(self, root: Path, apis: dict[str, str]):
        self.headers: dict[str, str] = {}
        for name, api in apis.items():
            folder = root / name
            folder.mkdir(parents=True)
            for source in ("host.css", "iframe.html", "iframe-top.html"):
                (folder / source).write_text((HOST_DIR / source).read_text("utf-8").replace("__API__", api), "utf-8")
            page = (HOST_DIR / "host.html").read_text("utf-8").replace("__API__", api)
            for flavour in FLAVOURS:
                (folder / f"{flavour}.html").write_text(page, "utf-8")
                policy = csp_for(flavour, api)
                if policy:
                    self.headers[f"/{name}/{flavour}.html"] = policy
        headers = self.headers

        class Handler(http.server.SimpleHTTPRequestHandler):
            def end_headers(self):
                policy = headers.get(urllib.parse.urlsplit(self.path).path)
                if policy:
                    self.send_header("Content-Security-Policy", policy)
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def do_GET(self):
                if self.path == "/favicon.ico":
                    self.send_response(204)
                    self.end_headers()
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def evil_api(tmp_path_factory):
    """An index holding one interview whose title and answers contain markup."""
    store = IndexStore(tmp_path_factory.mktemp("evil-index"))
    report = ingest([INJECTION_PAGE], store)
    assert report.failed == 0, [f.reason for f in report.failures]
    server = ApiServer(store.root)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def host(api, evil_api, tmp_path_factory):
    site = HostSite(tmp_path_factory.mktemp("host-site"), {"main": api, "evil": evil_api})
    assert site.url.rsplit(":", 1)[1] not in (api.rsplit(":", 1)[1], evil_api.rsplit(":", 1)[1])
    yield site.url
    site.stop()


class Problems(list):
    """Console errors, CSP violations and uncaught exceptions seen by a page."""


WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
}, true);
"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 960, "height": 800}, locale="zh-CN")
    context.add_init_script(WATCH_VIOLATIONS)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    problems = Problems()
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    pg.problems = problems
    yield pg
    context.close()


def open_host(page, host: str, flavour: str = "plain", site: str = "main"):
    page.goto(f"{host}/{site}/{flavour}.html")
    page.wait_for_function("customElements.get('oncology-search') !== undefined")
    return page.locator("oncology-search#widget")


def assert_clean(page) -> None:
    assert page.evaluate("window.__violations") == []
    assert list(page.problems) == []


def type_query(widget, text: str) -> None:
    box = widget.locator("input")
    box.click()
    box.press_sequentially(text, delay=25)


def active_option(widget):
    return widget.locator("[role=option][aria-selected=true]")


# -- typing: suggestions and highlighted results --------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
def test_typing_shows_suggestions_and_highlighted_results(page, host, api, flavour):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.startswith(api + "/api/") else None)
    widget = open_host(page, host, flavour)
    box = widget.locator("input")
    expect(box).to_have_attribute("placeholder", "搜索专家访谈，如 KRAS G12C、免疫治疗")
    type_query(widget, "KRAS G12C")

    suggestions = widget.locator("[role=option].suggestion")
    expect(suggestions.first).to_be_visible()
    assert all(text.upper().startswith("KRAS") for text in suggestions.locator(".text").all_inner_texts())

    results = widget.locator("[role=option].result")
    expect(results).to_have_count(3)  # limit="3" on the host page
    first = results.first
    expect(first.locator("mark").first).to_be_visible()
    marks = widget.locator(".result mark").all_inner_texts()
    assert any("KRAS" in m.upper() or "G12C" in m.upper() for m in marks), marks
    assert widget.locator(".result mark:not([part=mark])").count() == 0
    href = first.get_attribute("data-href")  # the option itself opens it: no link nested inside
    assert href.startswith(api + "/articles/")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query) == {"q": ["KRAS G12C"]}  # marked there
    assert first.locator("a, button").count() == 0

    # ARIA combobox wiring
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-autocomplete", "list")
    listbox_id = box.get_attribute("aria-controls")
    listbox = widget.locator(f"[id='{listbox_id}']")
    expect(listbox).to_have_attribute("role", "listbox")
    assert listbox.locator("[role=option]").count() == widget.locator("[role=option]").count()

    # The full search page, for more
    more = widget.locator("[role=option].more")
    expect(more).to_have_attribute("data-href", f"{api}/search?q=KRAS+G12C")
    expect(more).to_contain_text("查看全部")

    # Debounced: far fewer requests than keystrokes, the last ones for the whole query
    suggest_calls = [u for u in requests if "/api/suggest?" in u]
    search_calls = [u for u in requests if "/api/search?" in u]
    assert 1 <= len(suggest_calls) <= 4 and 1 <= len(search_calls) <= 3, requests  # 9 keystrokes
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(search_calls[-1]).query)["q"] == ["KRAS G12C"]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(suggest_calls[-1]).query)["q"] == ["KRAS G12C"]

    # Styles applied (constructable stylesheet) whatever the host's style-src
    assert widget.locator(".bar").evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    assert widget.locator("button").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(109, 31, 44)"
    assert_clean(page)


# -- keyboard ---------------------------------------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
def test_arrow_keys_and_enter_navigate_to_a_result(page, host, api, flavour):
    widget = open_host(page, host, flavour)
    box = widget.locator("input")
    type_query(widget, "免疫治疗")
    results = widget.locator("[role=option].result")
    expect(results.first).to_be_visible()
    expect(widget.locator("[role=status]")).not_to_contain_text("正在搜索")
    n_suggestions = widget.locator("[role=option].suggestion").count()

    box.press("ArrowDown")
    first_option = widget.locator("[role=option]").first
    expect(first_option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first_option.get_attribute("id"))
    for _ in range(n_suggestions):
        box.press("ArrowDown")
    expect(active_option(widget)).to_have_class("result")
    expect(active_option(widget)).to_have_id(results.first.get_attribute("id"))
    box.press("ArrowDown")
    expect(active_option(widget)).to_have_id(results.nth(1).get_attribute("id"))
    box.press("ArrowUp")
    expect(active_option(widget)).to_have_id(results.first.get_attribute("id"))
    expect(widget.locator("[role=option][aria-selected=true]")).to_have_count(1)
    expect(box).to_be_focused()

    href = results.first.get_attribute("data-href")
    assert href.startswith(api + "/articles/") and "#qa-" in href
    box.press("Enter")
    page.wait_for_url(href)
    assert page.url.split("#")[0].startswith(api + "/articles/")
    expect(page.locator("h1")).to_be_visible()


def test_arrow_up_wraps_to_the_full_search_page_link(page, host, api):
    widget = open_host(page, host)
    box = widget.locator("input")
    type_query(widget, "免疫治疗")
    expect(widget.locator("[role=option].result").first).to_be_visible()
    expect(widget.locator("[role=option].more")).to_be_visible()
    box.press("ArrowUp")  # from nothing: wraps to the last option
    expect(active_option(widget)).to_have_class("more")
    box.press("Enter")
    page.wait_for_url(f"{api}/search?q=*")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["q"] == ["免疫治疗"]


def test_enter_on_a_suggestion_searches_it(page, host, api):
    searched: list[str] = []
    page.on("request", lambda r: searched.append(r.url) if r.url.startswith(api + "/api/search?") else None)
    widget = open_host(page, host)
    box = widget.locator("input")
    type_query(widget, "KRAS")
    suggestion = widget.locator("[role=option].suggestion").first
    expect(suggestion).to_be_visible()
    expect(widget.locator("[role=option].result").first).to_be_visible()
    text = suggestion.locator(".text").inner_text()
    box.press("ArrowDown")
    expect(suggestion).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value(text)
    expect(widget.locator("[role=status]")).not_to_contain_text("正在搜索")
    page.wait_for_function(
        "q => [...document.querySelector('#widget').shadowRoot.querySelectorAll('.more')]"
        ".some(o => new URL(o.dataset.href).searchParams.get('q') === q)", arg=text)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(searched[-1]).query)["q"] == [text]
    expect(widget.locator("[role=option].result").first).to_be_visible()
    assert page.url.startswith(host)  # no navigation


def test_escape_closes_the_popup_then_clears(page, host):
    widget = open_host(page, host)
    box = widget.locator("input")
    type_query(widget, "肺癌")
    expect(widget.locator("[role=option].result").first).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", widget.locator("[role=option]").first.get_attribute("id"))
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(widget.locator("[part~=panel]")).to_be_hidden()
    assert box.get_attribute("aria-activedescendant") is None
    expect(box).to_have_value("肺癌")
    box.press("ArrowDown")  # reopens
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    box.press("Escape")
    expect(box).to_have_value("")
    # A click outside closes it as well.
    type_query(widget, "肺癌")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.locator("h1").click()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.click()  # back in: the popup reopens with what it had
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Tab")  # and Tab away closes it
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_be_focused()


def test_clicking_a_result_follows_its_link(page, host, api):
    widget = open_host(page, host)
    type_query(widget, "胃癌")
    result = widget.locator("[role=option].result").first
    expect(result).to_be_visible()
    href = result.get_attribute("data-href")
    result.locator(".snippet").click()
    page.wait_for_url(href)


# -- states -------------------------------------------------------------------------

def test_empty_state_in_chinese(page, host, api):
    widget = open_host(page, host)
    with page.expect_response(lambda r: r.url.startswith(f"{api}/api/search?")
                              and urllib.parse.parse_qs(urllib.parse.urlsplit(r.url).query).get("q") == ["zzqxjvw"]) as sent:
        type_query(widget, "zzqxjvw")
    # the widget asks for page 1, which always exists: nothing found is a 200 with total 0, never the API's
    # 404 for a page past the end
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(sent.value.url).query)
    assert query["page"] == ["1"] and sent.value.status == 200 and sent.value.json()["total"] == 0
    status = widget.locator("[role=status]")
    expect(status).to_contain_text("未找到相关访谈")
    expect(widget.locator("[role=option].result")).to_have_count(0)
    expect(widget.locator(".more")).to_have_attribute("data-href", f"{api}/search?q=zzqxjvw")


def test_loading_state_while_the_api_is_slow(page, host, api):
    held = []  # requests held back until the loading state has been seen
    page.route(f"{api}/api/search*", lambda route: held.append(route))
    widget = open_host(page, host)
    type_query(widget, "肝癌")
    status = widget.locator("[role=status]")
    expect(status).to_contain_text("正在搜索")
    expect(status).to_have_attribute("part", "status loading")
    expect(widget.locator("[role=listbox]")).to_have_attribute("aria-busy", "true")
    assert held  # and nothing can end the loading state until they are let through
    for route in held:
        route.continue_()
    expect(widget.locator("[role=option].result").first).to_be_visible()
    expect(status).not_to_contain_text("正在搜索")


@pytest.mark.parametrize("failure", ["503", "network"])
def test_error_state_when_the_api_fails(page, host, api, failure):
    if failure == "503":
        page.route(f"{api}/api/search*", lambda route: route.fulfill(
            status=503, content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body='{"error": {"code": 503, "message": "the search index is unavailable"}}'))
    else:
        page.route(f"{api}/api/**", lambda route: route.abort("connectionrefused"))
    widget = open_host(page, host)
    type_query(widget, "KRAS")
    status = widget.locator("[role=status]")
    expect(status).to_contain_text("搜索服务暂时不可用")
    expect(widget.locator("[role=option].result")).to_have_count(0)


# -- isolation from the host page ------------------------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
def test_host_css_on_input_and_mark_does_not_leak_in(page, host, flavour):
    widget = open_host(page, host, flavour)
    type_query(widget, "KRAS")
    mark = widget.locator(".result mark").first
    expect(mark).to_be_visible()

    def style(locator, prop):
        return locator.evaluate(f"e => getComputedStyle(e).{prop}")

    # The host rules are live on the host's own elements...
    host_input, host_mark = page.locator("#host-input"), page.locator("#host-mark")
    assert style(host_input, "borderTopWidth") == "7px" and style(host_input, "borderTopStyle") == "dashed"
    assert style(host_mark, "backgroundColor") == "rgb(0, 255, 0)"
    # ...and do not reach the widget's input
    box = widget.locator("input")
    assert style(box, "borderTopStyle") != "dashed"
    assert style(box, "borderTopWidth") == "0px"
    assert style(box, "backgroundColor") != "rgb(255, 255, 0)"
    assert style(box, "color") != "rgb(0, 0, 255)"
    assert style(box, "fontSize") == "15px"
    # ...nor its marks (the theme's custom property and ::part rule do)
    assert style(mark, "backgroundColor") == "rgb(255, 236, 179)"
    assert style(mark, "color") != "rgb(255, 0, 255)"
    assert style(mark, "fontWeight") == "600"
    # ...nor inherited text styles of the host body, nor its link colour
    assert style(widget, "letterSpacing") == "normal"
    assert style(widget.locator(".result .title").first, "color") == "rgb(109, 31, 44)"
    assert_clean(page)


# -- markup injection ----------------------------------------------------------------

SHADOW_ELEMENTS = """() => {
  const root = document.querySelector('#widget').shadowRoot;
  return [...root.querySelectorAll('*')].map(e => e.localName);
}"""


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_markup_in_interviews_and_queries_is_shown_as_text(page, host, evil_api, flavour):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    widget = open_host(page, host, flavour, site="evil")
    type_query(widget, INJECTION)
    result = widget.locator("[role=option].result").first
    expect(result).to_be_visible()
    expect(result.locator(".title")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(result.locator(".question")).to_contain_text("<img src=x")
    expect(result.locator("mark").first).to_be_visible()
    # rendered: any element the markup could have made exists now (an <img> is in the DOM before it loads)
    tags = set(page.evaluate(SHADOW_ELEMENTS))
    assert tags <= {"div", "span", "a", "mark", "input", "button"}, tags
    assert page.locator("img").count() == 0 and page.locator("oncology-search img").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert not any(u.endswith("/x") or "/x?" in u for u in requests), requests

    # The same for an interview found by an ordinary word.
    box = widget.locator("input")
    box.fill("")
    type_query(widget, "鼻咽癌")
    expect(widget.locator(".result .title").first).to_contain_text("<img src=x")
    box.press("ArrowDown")
    assert page.evaluate("window.__pwned") is None
    assert set(page.evaluate(SHADOW_ELEMENTS)) <= {"div", "span", "a", "mark", "input", "button"}
    assert_clean(page)


def test_a_compromised_api_response_cannot_inject_markup(page, host, api):
    """Even if the API returned raw markup and hostile URLs, only text and our own <mark> appear."""
    evil = '<img src=x onerror="window.__pwned=3"><script>window.__pwned=4</script>'
    body = {
        "query": "KRAS", "total": 1, "page": 1, "per_page": 3, "took_ms": 1, "mode": "and",
        "suggestion": '<b onmouseover="window.__pwned=5">KRAS</b>',
        "facets": {},
        "hits": [{
            "id": "abc123", "title": "t", "url": "javascript:window.__pwned=6",
            "title_html": f"<mark>KRAS</mark>{evil}<mark><i>x</i></mark>&lt;b&gt;&amp;&quot;",
            "date": "2025-01-01T00:00:00", "experts": ["<u>专家</u>"], "tags": ["<svg onload=alert(1)>"],
            "score": 1.0,
            "matches": [{"qa": 1, "question_html": f"问{evil}", "snippet_html": f"<mark>{evil}</mark></mark></mark>尾"}],
        }],
    }
    import json

    cors = {"Access-Control-Allow-Origin": "*"}
    page.route(f"{api}/api/search*", lambda route: route.fulfill(
        status=200, content_type="application/json", headers=cors, body=json.dumps(body)))
    page.route(f"{api}/api/suggest*", lambda route: route.fulfill(
        status=200, content_type="application/json", headers=cors,
        body=json.dumps({"query": "KRAS", "suggestions": [{"text": evil, "kind": "<i>x</i>"}, {"text": 42}]})))
    widget = open_host(page, host)
    type_query(widget, "KRAS")
    result = widget.locator("[role=option].result")
    expect(result).to_have_count(1)
    title = result.locator(".title")
    expect(title).to_contain_text('KRAS<img src=x onerror="window.__pwned=3"><script>')
    expect(title).to_contain_text('<i>x</i><b>&"')  # entities decoded once, tags left as text
    expect(result.locator(".snippet")).to_contain_text("<script>window.__pwned=4</script>尾")
    expect(result.locator(".meta")).to_contain_text("<u>专家</u>")
    expect(widget.locator("[role=option].suggestion:not([data-kind=correction]) .text")).to_have_text([evil])
    expect(widget.locator("[role=option].suggestion[data-kind=correction]")).to_contain_text("<b onmouseover")
    # A javascript: URL is never used: the option falls back to our article page (with the query to mark).
    assert result.get_attribute("data-href") == f"{api}/articles/abc123?q=KRAS#qa-1"
    tags = set(page.evaluate(SHADOW_ELEMENTS))
    assert tags <= {"div", "span", "a", "mark", "input", "button"}, tags
    assert page.evaluate("window.__pwned") is None


# -- attributes ---------------------------------------------------------------------

def test_tag_and_limit_attributes_restrict_the_search(page, host, api):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.startswith(api + "/api/search?") else None)
    widget = open_host(page, host)
    widget.evaluate("e => { e.setAttribute('tag', '乳腺癌'); e.setAttribute('limit', '2'); "
                    "e.setAttribute('placeholder', '搜索乳腺癌访谈'); }")
    expect(widget.locator("input")).to_have_attribute("placeholder", "搜索乳腺癌访谈")
    type_query(widget, "治疗")
    results = widget.locator("[role=option].result")
    expect(results.first).to_be_visible()
    assert results.count() <= 2
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(requests[-1]).query)
    assert params["tag"] == ["乳腺癌"] and params["per_page"] == ["2"] and params["q"] == ["治疗"]
    for meta in results.locator(".meta").all_inner_texts():
        assert "乳腺癌" in meta
    more = widget.locator(".more").get_attribute("data-href")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(more).query) == {"q": ["治疗"], "tag": ["乳腺癌"]}


def test_endpoint_defaults_to_the_scripts_origin(page, host, api):
    widget = open_host(page, host)
    widget.evaluate("e => e.removeAttribute('endpoint')")
    type_query(widget, "KRAS")
    expect(widget.locator("[role=option].result").first).to_be_visible()
    assert widget.locator("[role=option].result").first.get_attribute("data-href").startswith(api + "/articles/")


# -- the iframe embed -----------------------------------------------------------------

def test_embed_page_works_in_a_sandboxed_iframe(page, host, api):
    page.goto(f"{host}/main/iframe.html")
    frame = page.frame_locator("#embed")
    box = frame.locator("oncology-search input")
    box.click()
    box.press_sequentially("KRAS", delay=25)
    result = frame.locator("[role=option].result").first
    expect(result).to_be_visible()
    expect(result.locator("mark").first).to_be_visible()
    href = result.get_attribute("data-href")
    assert href.startswith(api + "/articles/")
    # Enter opens the interview in a new tab (the sandbox allows popups that escape it).
    box.press("ArrowDown")
    while frame.locator("[role=option][aria-selected=true]").get_attribute("class") != "result":
        box.press("ArrowDown")
    with page.context.expect_page() as popup_info:
        box.press("Enter")
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == href
    expect(popup.locator("h1")).to_be_visible()
    assert page.url == f"{host}/main/iframe.html"
    assert [p for p in page.problems if "favicon" not in p] == []


def test_embed_with_target_top_navigates_the_host_page(page, host, api):
    """The other documented sandbox: links replace the embedding page, on a user's action only."""
    page.goto(f"{host}/main/iframe-top.html")
    frame = page.frame_locator("#embed")
    box = frame.locator("oncology-search input")
    box.click()
    box.press_sequentially("肝癌", delay=25)
    result = frame.locator("[role=option].result").first
    expect(result).to_be_visible()
    href = result.get_attribute("data-href")
    while frame.locator("[role=option][aria-selected=true]").count() == 0 or \
            frame.locator("[role=option][aria-selected=true]").get_attribute("class") != "result":
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(href)


# -- the docs screenshot -------------------------------------------------------------

def test_screenshot(page, host, tmp_path):
    """Renders the widget on the host page; WIDGET_SCREENSHOT=docs/widget.png saves it."""
    page.set_viewport_size({"width": 900, "height": 940})
    widget = open_host(page, host)
    type_query(widget, "KRAS G12C")
    expect(widget.locator("[role=option].result")).to_have_count(3)
    expect(widget.locator("[role=status]")).not_to_contain_text("正在搜索")
    box = widget.locator("input")
    n_suggestions = widget.locator("[role=option].suggestion").count()
    for _ in range(n_suggestions + 1):
        box.press("ArrowDown")
    expect(active_option(widget)).to_have_class("result")
    page.evaluate("document.fonts.ready")
    target = Path(os.environ.get("WIDGET_SCREENSHOT") or tmp_path / "widget.png")
    page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000
