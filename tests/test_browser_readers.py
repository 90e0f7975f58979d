"""Issue 14 in a real headless Chromium, at phone (390x844) and desktop (1280x900) sizes.

One ``searchsvc serve`` (gunicorn) over the sample index and a static host site on
another loopback port for the widget (the servers of tests/test_widget_browser.py).
axe-core (the npm package pinned in tests/axe, installed by ``scripts/setup.sh --test``)
is injected with Playwright into every page and every open state of the widget:
no serious or critical violation may remain.
"""

from __future__ import annotations

import json
import os
import re
import struct
import urllib.parse
from pathlib import Path

import pytest

from test_widget_browser import HostSite, playwright_sync

pytestmark = pytest.mark.browser
expect = playwright_sync.expect

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"axe-core is missing at {AXE}: run scripts/setup.sh --test (npm ci in tests/axe)")
    pytest.skip("axe-core is not installed (scripts/setup.sh --test)", allow_module_level=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def host(api, tmp_path_factory):
    site = HostSite(tmp_path_factory.mktemp("readers-host"), {"main": api})
    yield site.url
    site.stop()


def new_page(browser, size="desktop", **options):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    return page


@pytest.fixture(params=["phone", "desktop"])
def size(request):
    return request.param


@pytest.fixture
def page(browser, size):
    pg = new_page(browser, size)
    yield pg
    pg.context.close()


def kras_id(api: str) -> str:
    import urllib.request

    with urllib.request.urlopen(api + "/api/search?q=KRAS%20G12C") as response:
        return json.load(response)["hits"][0]["id"]


# -- axe -----------------------------------------------------------------------------

AXE_SOURCE = AXE.read_text("utf-8")


def axe_problems(page, within: str | None = None) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now (shadow DOM included).

    ``within``: a selector to check only that part (the widget, not the host page around it).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)  # through DevTools: the pages' CSP (script-src 'self') does not apply
    result = page.evaluate("""async (within) => {
        const r = await axe.run(within ? {include: [within]} : document, {resultTypes: ['violations'],
                                          rules: {'target-size': {enabled: true}}});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => [n.target.join(' > '), n.failureSummary].join(': ')).slice(0, 5)}));
    }""", within)
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in result if v["impact"] in ("serious", "critical")]


LEGIBILITY = """() => {
  // Visible text under 14 px, and visible controls smaller than 24x24 px that are not inline in a sentence.
  const small = [], tiny = [];
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const walk = root => {
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = texts.nextNode(); n; n = texts.nextNode()) {
      const el = n.parentElement;
      if (!n.nodeValue.trim() || !el || !visible(el) || el.closest('script,style,title,option')) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 13.95) small.push(`${size}px ${el.localName}.${el.className}: ${n.nodeValue.trim().slice(0, 20)}`);
    }
    for (const el of root.querySelectorAll('a[href], button, summary, select, input, [role=option]')) {
      if (!visible(el) || el.classList.contains('navigator')) continue;
      const r = el.getBoundingClientRect();
      const inline = getComputedStyle(el).display === 'inline' && el.parentElement &&
        (el.parentElement.textContent.trim().length > el.textContent.trim().length);
      if (!inline && (r.height < 23.5 || r.width < 23.5)) tiny.push(`${Math.round(r.width)}x${Math.round(r.height)} ${el.localName}.${el.className}: ${el.textContent.trim().slice(0, 20)}`);
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return {small, tiny};
}"""


def pages_to_check(api: str) -> dict[str, str]:
    return {"home": "/", "results": "/search?q=%E8%82%BA%E7%99%8C", "empty": "/search?q=zzqqxxyy",
            "article": f"/articles/{kras_id(api)}?q=KRAS", "expert": "/experts/%E6%9E%97%E6%99%93%E8%88%9F",
            "tag": "/tags/%E8%82%BA%E7%99%8C", "embed": "/embed"}


@pytest.mark.parametrize("name", ["home", "results", "empty", "article", "expert", "tag", "embed"])
def test_pages_have_no_serious_axe_violations_and_legible_text(page, api, size, name):
    page.goto(api + pages_to_check(api)[name])
    page.wait_for_load_state("networkidle")
    assert axe_problems(page) == []
    if name == "results":  # the filter panel open too
        summary = page.locator("details.filters > summary")
        if summary.is_visible():
            summary.click()
        expect(page.locator("#year-from")).to_be_visible()
        assert axe_problems(page) == []
    if name == "embed":
        box = page.locator("oncology-search input")
        box.click()
        box.press_sequentially("KRAS", delay=20)
        expect(page.locator("oncology-search [role=option].result").first).to_be_visible()
        assert axe_problems(page) == []
    if size == "phone":
        found = page.evaluate(LEGIBILITY)
        assert found["small"] == [] and found["tiny"] == [], found
    assert page.problems == []


def open_widget(page, host):
    page.goto(f"{host}/main/plain.html")
    page.wait_for_function("customElements.get('oncology-search') !== undefined")
    return page.locator("oncology-search#widget")


def test_widget_states_have_no_serious_axe_violations(page, host, api, size):
    widget = open_widget(page, host)
    assert axe_problems(page, "#widget") == [], "closed"
    held = []
    page.route(f"{api}/api/search*", lambda route: held.append(route))
    box = widget.locator("input")
    box.click()
    box.press_sequentially("KRAS", delay=20)
    expect(widget.locator("[role=option].suggestion").first).to_be_visible()
    assert widget.locator("[role=option].result").count() == 0
    assert axe_problems(page, "#widget") == [], "suggestions open"
    for route in held:
        route.continue_()
    page.unroute(f"{api}/api/search*")
    expect(widget.locator("[role=option].result").first).to_be_visible()
    expect(widget.locator("[role=status]")).not_to_contain_text("正在搜索")
    box.press("ArrowDown")
    assert axe_problems(page, "#widget") == [], "results open"
    # options are activatable themselves: nothing interactive nested inside them
    assert widget.locator("[role=option] a, [role=option] button, [role=option] [tabindex]").count() == 0
    if size == "phone":
        found = page.evaluate(LEGIBILITY)
        assert found["small"] == [] and found["tiny"] == [], found


# -- filters, chart and instant results ----------------------------------------------------

def test_filters_come_before_the_results_as_a_disclosure_on_phones_and_a_sidebar_on_desktops(page, api, size):
    page.goto(api + "/search?q=%E6%B2%BB%E7%96%97")
    panel = page.locator("details.filters")
    first_hit = page.locator("article.hit").first
    year_from = page.locator("#year-from")
    if size == "phone":
        expect(panel).not_to_have_attribute("open", "")
        summary = panel.locator("> summary")
        assert summary.bounding_box()["y"] < first_hit.bounding_box()["y"] < PHONE["height"]
        expect(year_from).to_be_hidden()
        summary.click()
        expect(year_from).to_be_visible()
    else:
        expect(year_from).to_be_visible()
        expect(panel.locator("> summary")).to_be_hidden()
        assert panel.bounding_box()["x"] + panel.bounding_box()["width"] <= first_hit.bounding_box()["x"]
    year_from.select_option("2025")
    page.locator(".year-range button").click()
    page.wait_for_url("**year_from=2025**")
    dates = page.locator("article.hit time").all_inner_texts()
    assert dates and all(d >= "2025" for d in dates)
    expect(page.locator(".active-filters")).to_contain_text("年份：2025 年起")


def test_clicking_a_year_bar_filters_to_that_year_and_clicking_it_again_clears(page, api, size):
    page.goto(api + "/search?q=%E8%82%BA%E7%99%8C")
    bars = page.locator(".year-chart a.bar")
    assert bars.count() >= 2
    label = bars.first.locator("title").text_content()
    year = label[:4]
    assert label.startswith(f"{year} 年：") and label.endswith("（点击只看这一年）")
    box = bars.first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    bars.first.click()
    page.wait_for_url(f"**year={year}**")
    assert {d[:4] for d in page.locator("article.hit time").all_inner_texts()} == {year}
    chosen = page.locator(".year-chart a.bar[aria-current=true]")
    expect(chosen).to_have_count(1)
    assert chosen.locator("title").text_content() == label.replace("点击只看这一年", "已选，点击看全部年份")
    chosen.click()
    page.wait_for_url(lambda url: "year=" not in url)
    expect(page.locator(".year-chart a.bar[aria-current=true]")).to_have_count(0)


def test_each_result_names_its_experts_with_title_and_affiliation_within_the_screen(page, api, size):
    """What a reader sees on a result card (and a related interview) for two experts: name, title,
    affiliation, each expert apart, nothing running off a phone's screen."""
    import urllib.request

    with urllib.request.urlopen(api + "/api/search?q=" + urllib.parse.quote("irAE 心肌炎")) as response:
        hit = json.load(response)["hits"][0]
    assert len(hit["expert_details"]) == 2
    page.goto(api + "/search?q=" + urllib.parse.quote("irAE 心肌炎"))
    experts = page.locator("article.hit").first.locator(".experts .expert")
    expect(experts).to_have_text([f"{d['name']} {d['title']}，{d['affiliation']}" for d in hit["expert_details"]])
    width = SIZES[size]["width"]
    for i in range(2):
        for part in (experts.nth(i).locator("a"), experts.nth(i).locator(".affiliation")):
            expect(part).to_be_visible()
            box = part.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= width, (size, box)
    page.goto(api + f"/articles/{hit['id']}")
    related = page.locator("aside.related li").first.locator(".experts .expert").first
    expect(related.locator(".affiliation")).to_be_visible()
    expect(related).to_contain_text("，")


def test_the_line_saying_how_a_question_was_read_keeps_each_ignored_word_whole(page, api, size):
    page.goto(api + "/search?q=" + urllib.parse.quote("肺癌怎么治疗"))
    line = page.locator("#understood")
    expect(line).to_contain_text("已忽略：怎么")
    ignored = line.locator(".word")
    expect(ignored).to_have_text(["怎么"])
    assert ignored.evaluate("w => w.getClientRects().length") == 1  # on one line, not 怎 / 么


def test_results_appear_as_you_type_and_the_address_follows(page, api):
    page.goto(api + "/")
    page.evaluate("window.__same_document = true")
    before = page.evaluate("history.length")
    box = page.locator("#q")
    box.click()
    box.press_sequentially("奥希替尼", delay=40)
    page.wait_for_url("**/search?q=%E5%A5%A5%E5%B8%8C%E6%9B%BF%E5%B0%BC")
    expect(page.locator(".summary")).to_contain_text("找到")
    expect(page.locator("article.hit mark").first).to_have_text("奥希替尼")
    assert page.evaluate("window.__same_document") is True  # no navigation: the page was updated in place
    assert page.evaluate("history.length") == before  # replaceState: Back still leaves the search page
    expect(box).to_be_focused()
    assert page.title().startswith("奥希替尼 - 搜索")
    expect(page.locator("link[rel=alternate][type='application/json']")).to_have_attribute(
        "href", "/api/search?q=%E5%A5%A5%E5%B8%8C%E6%9B%BF%E5%B0%BC")
    box.fill("")
    box.press_sequentially("HER2", delay=40)
    page.wait_for_url("**/search?q=HER2")
    expect(page.locator("article.hit").first).to_contain_text("HER2")
    assert page.problems == []


def test_without_javascript_the_search_form_still_works(browser, api):
    page = new_page(browser, "phone", java_script_enabled=False)
    try:
        page.goto(api + "/")
        page.locator("#q").fill("奥希替尼")
        page.locator("#q").press("Enter")
        page.wait_for_url("**/search?q=*")
        expect(page.locator("article.hit").first).to_be_visible()
        summary = page.locator("details.filters > summary")
        expect(summary).to_be_visible()  # the disclosure opens without script
        summary.click()
        expect(page.locator("#year-from")).to_be_visible()
        expect(page.locator("button.copy")).to_have_count(0)
    finally:
        page.context.close()


# -- cite and share --------------------------------------------------------------------------

def test_copy_buttons_put_the_qa_link_and_the_citation_on_the_clipboard(browser, api):
    page = new_page(browser, "desktop", permissions=["clipboard-read", "clipboard-write"])
    try:
        article = kras_id(api)
        page.goto(f"{api}/articles/{article}")
        copy = page.locator("#qa-2 button.copy")
        expect(copy).to_be_visible()
        copy.click()
        expect(copy).to_contain_text("已复制")
        assert page.evaluate("navigator.clipboard.readText()") == f"{api}/articles/{article}#qa-2"
        cite = page.locator(".cite-tools button.copy").first
        cite.click()
        text = page.evaluate("navigator.clipboard.readText()")
        assert text == page.locator("#citation-text").inner_text() and "[EB/OL]" in text
        page.goto(f"{api}/articles/{article}#qa-2")
        expect(page.locator("#qa-2")).to_be_in_viewport()
    finally:
        page.context.close()


# -- the widget remembers ------------------------------------------------------------------

def test_the_widget_keeps_the_query_across_a_result_and_back_and_links_carry_it(page, host, api):
    widget = open_widget(page, host)
    box = widget.locator("input")
    box.click()
    box.press_sequentially("奥希替尼", delay=30)
    result = widget.locator("[role=option].result").first
    expect(result).to_be_visible()
    href = result.get_attribute("data-href")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query) == {"q": ["奥希替尼"]}
    result.click()
    page.wait_for_url(href)
    expect(page.locator("article.interview mark").first).to_have_text("奥希替尼")
    expect(page.locator(".breadcrumb a")).to_have_text("← 返回“奥希替尼”的搜索结果")
    page.go_back()
    page.wait_for_function("customElements.get('oncology-search') !== undefined")
    expect(widget.locator("input")).to_have_value("奥希替尼")
    widget.locator("input").click()
    expect(widget.locator("[role=option].result").first).to_be_visible()


def test_recent_searches_are_offered_on_an_empty_box_unless_history_is_off(page, host):
    widget = open_widget(page, host)
    box = widget.locator("input")
    for q in ("肝癌", "KRAS"):
        box.click()
        box.fill("")
        box.press_sequentially(q, delay=20)
        box.press("Enter")
        expect(widget.locator("[role=option].result").first).to_be_visible()
    box.fill("")
    box.press("Escape")
    page.locator("h1").click()
    box.click()
    recent = widget.locator("[role=option].recent")
    expect(recent).to_have_count(2)
    expect(recent).to_have_text(["KRAS", "肝癌"])
    assert json.loads(page.evaluate("localStorage.getItem('oncology-search:recent')")) == ["KRAS", "肝癌"]
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("肝癌")
    expect(widget.locator("[role=option].result").first).to_be_visible()
    # clearing forgets them
    box.fill("")
    box.press("Escape")
    page.locator("h1").click()
    box.click()
    widget.locator("[role=option].clear-recent").click()
    assert page.evaluate("localStorage.getItem('oncology-search:recent')") is None
    # history="off": nothing kept, nothing offered
    page.evaluate("document.querySelector('#widget').setAttribute('history', 'off')")
    box.press_sequentially("胃癌", delay=20)
    box.press("Enter")
    expect(widget.locator("[role=option].result").first).to_be_visible()
    assert page.evaluate("localStorage.getItem('oncology-search:recent')") is None
    assert "胃癌" not in page.evaluate("JSON.stringify(Object.assign({}, sessionStorage))")


# -- screenshots for README and docs/ -------------------------------------------------------

SHOTS = os.environ.get("UX_SCREENSHOTS")  # a folder (docs) to retake the README's screenshots; else a temporary one


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def in_view(page, locator) -> bool:
    """Whether the element shows inside the viewport, i.e. on the screenshot (at least its first line)."""
    box = locator.bounding_box()
    return box is not None and box["width"] > 0 and 0 <= box["y"] and box["y"] + 20 <= page.viewport_size["height"]


def test_screenshots_show_a_reader_the_results_and_the_marked_terms(browser, api, tmp_path):
    """The README's screenshots, as a reader sees them: each is the viewport's size, not a blank page,
    and shows what its caption says (the question's results and what was ignored; the marked terms)."""
    folder = Path(SHOTS) if SHOTS else tmp_path
    blank = new_page(browser, "desktop")
    blank_png = blank.screenshot()
    blank.context.close()
    question = "/search?q=" + urllib.parse.quote("肺癌怎么治疗")  # a reader's question: the page says what it searched and ignored
    for name, size, url in (("search-desktop.png", "desktop", question),
                            ("search-phone.png", "phone", question),
                            ("article.png", "desktop", f"/articles/{kras_id(api)}?q=KRAS%20G12C")):
        page = new_page(browser, size)
        page.goto(api + url)
        page.evaluate("document.fonts.ready")
        if name.startswith("search"):
            expect(page.locator(".summary")).to_contain_text("找到")
            expect(page.locator(".understood")).to_contain_text("已忽略")
            expect(page.locator("article.hit mark").first).to_be_visible()
            shown = page.locator("article.hit .hit-title").first
        else:
            shown = page.locator("main mark").first
            expect(shown).to_have_text(re.compile("KRAS", re.I))
        assert in_view(page, shown), f"{name}: what the screenshot is for is below the fold"
        png = page.screenshot(path=str(folder / name))
        assert png_size(png) == (SIZES[size]["width"], SIZES[size]["height"]), name
        assert len(png) > 4 * len(blank_png), f"{name}: as small as a blank page ({len(png)} bytes)"
        assert page.problems == [], (name, page.problems)
        page.context.close()
