"""The stylesheet and script: contrast of the palette, no inline or third-party code, the CLI's help."""

from __future__ import annotations

import re


from searchsvc.web import STATIC_DIR, TEMPLATE_DIR

CSS = (STATIC_DIR / "style.css").read_text("utf-8")
JS = (STATIC_DIR / "app.js").read_text("utf-8")


def color(value: str) -> tuple[float, float, float]:
    value = value.strip()
    if value.startswith("var("):
        value = VARS[value[4:-1]]
    names = {"#fff": "#ffffff", "#000": "#000000"}
    value = names.get(value, value)
    return tuple(int(value[i:i + 2], 16) / 255 for i in (1, 3, 5))


VARS = dict(re.findall(r"(--[a-z-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))


def luminance(rgb) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((luminance(color(fg)), luminance(color(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_text_colours_meet_wcag_aa():
    pairs = [("var(--text)", "var(--bg)"), ("var(--muted)", "var(--bg)"), ("var(--muted)", "var(--panel)"),
             ("var(--link)", "var(--bg)"), ("var(--link)", "var(--panel)"), ("var(--link-visited)", "var(--bg)"),
             ("#fff", "var(--accent)"), ("#000", "var(--mark)"), ("var(--text)", "var(--mark)"),
             ("#fff", "var(--text)"), ("#fff", "var(--muted)")]
    for fg, bg in pairs:
        assert contrast(fg, bg) >= 4.5, (fg, bg, round(contrast(fg, bg), 2))


def test_mobile_first_with_visible_focus_and_no_remote_resources():
    assert "@media (min-width:" in CSS and "@media (max-width:" not in CSS  # narrow screens are the default
    assert ":focus-visible" in CSS and "outline: none" not in CSS.replace("main:focus { outline: none; }", "")
    assert "url(" not in CSS and "@import" not in CSS


def test_script_is_progressive_and_never_parses_html():
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in JS
    assert "option.value = s.text" in JS


def test_templates_have_no_inline_script_style_or_handlers():
    for path in TEMPLATE_DIR.glob("*.html"):
        if path.name == "embed.html":  # the widget's page, with its own CSP
            continue
        text = path.read_text("utf-8")
        assert "<style" not in text and " style=" not in text, path.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert not re.search(r"\son[a-z]+=", text), path.name
        assert "|safe" not in text.replace("_html|safe", "").replace("_html[0]|safe", "").replace("p|safe", ""), path.name


def test_serve_help_teaches_with_examples(runner):
    result = runner.invoke(["serve", "--help"])
    assert result.exit_code == 0
    for text in ("gunicorn", "searchsvc serve --index", "--dev", "--workers", "SEARCHSVC_CORS_ORIGINS", "curl",
                 "/healthz", "SEARCHSVC_RATE_LIMIT_STORAGE", "SEARCHSVC_CACHE_STORAGE", "SEARCHSVC_STATE_DIR"):
        assert text in result.output, text
