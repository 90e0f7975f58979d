"""The widget's HTTP surface: /widget.js and /embed headers, caching and escaping (no browser)."""

from __future__ import annotations

import base64
import hashlib
import re


from searchsvc.web import create_app, widget


def test_create_app_registers_the_widget_blueprint(sample_index):
    app = create_app({"SEARCHSVC_INDEX": str(sample_index.root)})
    assert "widget" in app.blueprints
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/widget.js", "/embed"} <= rules


def test_widget_js_is_javascript_usable_from_any_origin(client):
    response = client.get("/widget.js", headers={"Origin": "http://other.example"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Disposition" not in response.headers
    body = response.get_data(as_text=True)
    assert 'customElements.define(TAG_NAME' in body and '"oncology-search"' in body


def test_widget_js_is_cached_and_revalidated(client):
    response = client.get("/widget.js")
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=3600" in cache
    etag = response.headers["ETag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == cache
    assert again.get_data() == b""


def test_widget_js_never_uses_html_sinks():
    """The script builds DOM from text nodes only: no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval."""
    source = widget.WIDGET_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)  # the header comment names innerHTML
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "createContextualFragment", "setHTMLUnsafe", "parseHTMLUnsafe", "DOMParser"):
        assert sink not in code, sink


def test_embed_is_frameable_by_any_site_with_a_strict_csp(client):
    response = client.get("/embed")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "*"
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "public" in response.headers["Cache-Control"]


def test_embed_inline_style_matches_its_csp_hash(client):
    html = client.get("/embed").get_data(as_text=True)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in client.get("/embed").headers["Content-Security-Policy"]
    assert '<script src="/widget.js" defer></script>' in html
    assert "<oncology-search" in html


def test_rest_of_the_site_still_refuses_framing(client):
    """Only /embed is frameable: the site-wide frame-ancestors 'none' still applies to other pages."""
    response = client.get("/search?q=KRAS")
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", "")


def test_embed_passes_options_to_the_element_escaped(client):
    html = client.get('/embed', query_string={
        "tag": '肺癌"><script>alert(1)</script>', "limit": "99", "placeholder": "搜索<b>", "target": "javascript:alert(1)",
    }).get_data(as_text=True)
    element = re.search(r"<oncology-search[^>]*>", html).group(0)
    assert 'limit="20"' in element  # clamped
    assert 'target="_blank"' in element  # unknown targets fall back to a new tab
    assert "<script>alert(1)" not in html
    assert 'tag="肺癌&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in element
    assert 'placeholder="搜索&lt;b&gt;"' in element
    assert 'target="_top"' in client.get("/embed?target=_top").get_data(as_text=True)
    plain = client.get("/embed?limit=abc").get_data(as_text=True)
    assert "limit=" not in re.search(r"<oncology-search[^>]*>", plain).group(0)
