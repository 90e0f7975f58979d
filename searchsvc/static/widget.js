/*!
 * <oncology-search> — embeddable search over our oncology expert interviews.
 *
 * One dependency-free script, no build step. Include it from our origin and
 * place the element anywhere on your page:
 *
 *   <script src="https://OUR-HOST/widget.js" defer></script>
 *   <oncology-search endpoint="https://OUR-HOST" limit="5"></oncology-search>
 *
 * Attributes: endpoint, placeholder, limit, tag, target, history, insights (see docs/widget.md).
 *
 * Search insights (for the site's editors): when a reader opens a result, a beacon
 * (navigator.sendBeacon to ENDPOINT/api/insights/open) says which position was opened
 * for which query, and the search is counted once it settles (/api/insights/search).
 * Nothing identifies the reader; nothing is sent when the browser asks not to be
 * tracked (navigator.doNotTrack "1", navigator.globalPrivacyControl) or when the host
 * page sets insights="off".
 *
 * Memory, only in the visitor's browser: the query survives opening a result and
 * coming back (sessionStorage), and the last few searches are offered when the box
 * is focused empty (localStorage of the host page's origin). history="off" turns
 * both off. Result links carry ?q= so the interview page marks the query's terms.
 *
 * Security: everything the API returns is inserted as text nodes. The
 * server's *_html fields (escaped text plus <mark>) are parsed by splitting on
 * the literal <mark>/</mark> tokens and decoding a handful of entities, never
 * through innerHTML, so even a compromised response cannot inject markup.
 * Styles live in a constructable stylesheet adopted by the shadow root, which
 * a host page's Content-Security-Policy style-src does not block.
 */
(function () {
  "use strict";

  var TAG_NAME = "oncology-search";
  if (typeof window === "undefined" || !window.customElements || window.customElements.get(TAG_NAME)) {
    return;
  }

  var SUGGEST_DELAY_MS = 150;
  var SEARCH_DELAY_MS = 300;
  var MAX_SUGGESTIONS = 5;
  var DEFAULT_LIMIT = 5;
  var MAX_LIMIT = 20;
  var MAX_QUERY_CHARS = 200;
  var SETTLE_MS = 2000;  // results shown this long before the reader moves on count as a search
  var MAX_RECENT = 5;
  var RECENT_KEY = "oncology-search:recent";
  var SESSION_KEY = "oncology-search:query:";

  var TEXT = {
    placeholder: "搜索肿瘤专家访谈，如 KRAS G12C、奥希替尼",
    label: "搜索肿瘤专家访谈",
    button: "搜索",
    suggestions: "搜索建议",
    results: "访谈",
    loading: "正在搜索…",
    empty: "未找到相关访谈",
    emptyHint: "请换个关键词试试",
    error: "搜索服务暂时不可用，请稍后再试",
    badQuery: "查询有误，请修改后重试",
    more: function (total) { return "在完整搜索页查看全部 " + total + " 篇访谈 →"; },
    moreNone: "前往完整搜索页 →",
    count: function (total) { return "共找到 " + total + " 篇相关访谈"; },
    orMode: "没有同时包含全部关键词的访谈，以下为部分匹配",
    didYouMean: "您是不是要找：",
    question: "问：",
    listbox: "搜索建议与结果",
    recent: "最近搜索",
    clearRecent: "清除搜索记录",
    recentNote: "仅保存在本浏览器中"
  };

  var KIND_LABELS = {
    expert: "专家", tag: "标签", drug: "药物", gene: "基因", disease: "疾病",
    stage: "分期", endpoint: "终点", modality: "治疗", term: "术语", correction: "纠错"
  };

  // Where this script was loaded from: the default endpoint.
  var SCRIPT_ORIGIN = (function () {
    var script = document.currentScript;
    if (!script || !script.src) {
      var all = document.querySelectorAll('script[src*="widget.js"]');
      script = all.length ? all[all.length - 1] : null;
    }
    try {
      return script && script.src ? new URL(script.src, document.baseURI).origin : "";
    } catch (e) {
      return "";
    }
  })();

  var CSS = [
    ":host {",
    "  all: initial;",
    "  display: block;",
    "  position: relative;",
    "  box-sizing: border-box;",
    "  font-family: var(--oncology-search-font, system-ui, -apple-system, \"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif);",
    "  font-size: var(--oncology-search-font-size, 15px);",
    "  line-height: 1.55;",
    "  color: var(--oncology-search-text, #1f2933);",
    "  text-align: start;",
    "  max-width: var(--oncology-search-max-width, 40rem);",
    "}",
    ":host([hidden]) { display: none; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    ".root { position: relative; }",
    ".bar {",
    "  display: flex; align-items: stretch;",
    "  border: 1px solid var(--oncology-search-border, #c5ced6);",
    "  border-radius: var(--oncology-search-radius, 8px);",
    "  background: var(--oncology-search-bg, #fff);",
    "  overflow: hidden;",
    "}",
    ".bar:focus-within {",
    "  border-color: var(--oncology-search-accent, #0b6e99);",
    "  box-shadow: 0 0 0 3px var(--oncology-search-focus-ring, rgba(11, 110, 153, 0.25));",
    "}",
    "input {",
    "  flex: 1 1 auto; min-width: 0; margin: 0;",
    "  border: 0; outline: 0; background: transparent;",
    "  padding: 0.6em 0.8em;",
    "  font: inherit; color: inherit;",
    "  -webkit-appearance: none; appearance: none;",
    "}",
    "input::placeholder { color: var(--oncology-search-muted, #56616e); opacity: 1; }",
    "input::-webkit-search-cancel-button { -webkit-appearance: none; }",
    "button {",
    "  flex: 0 0 auto; margin: 0; border: 0; cursor: pointer;",
    "  padding: 0 1.1em; font: inherit; font-weight: 600;",
    "  color: var(--oncology-search-accent-text, #fff);",
    "  background: var(--oncology-search-accent, #0b6e99);",
    "}",
    "button:focus-visible { outline: 2px solid var(--oncology-search-text, #1f2933); outline-offset: -4px; }",
    ".panel {",
    "  position: var(--oncology-search-panel-position, absolute);",
    "  z-index: var(--oncology-search-z-index, 1000);",
    "  top: calc(100% + 4px); left: 0; right: 0;",
    "  max-height: var(--oncology-search-panel-max-height, 28rem);",
    "  overflow-y: auto; overscroll-behavior: contain;",
    "  margin-top: var(--oncology-search-panel-gap, 0);",
    "  background: var(--oncology-search-bg, #fff);",
    "  border: 1px solid var(--oncology-search-border, #c5ced6);",
    "  border-radius: var(--oncology-search-radius, 8px);",
    "  box-shadow: var(--oncology-search-shadow, 0 8px 24px rgba(15, 30, 45, 0.16));",
    "}",
    ".panel[hidden], [hidden] { display: none !important; }",
    ".status { padding: 0.55em 0.9em; color: var(--oncology-search-muted, #56616e); font-size: 0.94em; }",
    ".status:empty { display: none; }",
    ".status.error { color: var(--oncology-search-error, #b42318); }",
    ".status .hint { display: block; }",
    "[role=listbox] { margin: 0; padding: 0; list-style: none; }",
    "[role=group] { margin: 0; padding: 0.25em 0; }",
    "[role=group] + [role=group] { border-top: 1px solid var(--oncology-search-divider, #e6eaee); }",
    ".group-label {",
    "  padding: 0.35em 0.9em 0.15em; font-size: 0.94em; font-weight: 600;",
    "  letter-spacing: 0.04em; color: var(--oncology-search-muted, #56616e);",
    "}",
    "[role=option] { display: block; padding: 0.4em 0.9em; cursor: pointer; min-height: 24px; }",
    "[role=option][aria-selected=true] { background: var(--oncology-search-active-bg, #e8f3f8); }",
    ".suggestion { display: flex; align-items: baseline; gap: 0.6em; padding-top: 0.3em; padding-bottom: 0.3em; }",
    ".kind {",
    "  flex: 0 0 auto; font-size: 0.94em; padding: 0 0.45em; border-radius: 4px;",
    "  color: var(--oncology-search-muted, #56616e); border: 1px solid var(--oncology-search-divider, #e6eaee);",
    "}",
    ".result { padding-top: 0.55em; padding-bottom: 0.55em; }",
    ".title {",
    "  display: block; font-weight: 600; text-decoration: none;",
    "  color: var(--oncology-search-link, var(--oncology-search-accent, #0b6e99));",
    "}",
    ".result:hover .title, [aria-selected=true] .title { text-decoration: underline; }",
    ".recent { display: flex; align-items: baseline; gap: 0.6em; }",
    ".recent .text::before { content: \"\u21BA\"; margin-right: 0.45em; color: var(--oncology-search-muted, #56616e); }",
    ".clear-recent { font-size: 0.94em; color: var(--oncology-search-muted, #56616e); }",
    ".navigator { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }",
    ".meta { display: block; font-size: 0.94em; color: var(--oncology-search-muted, #56616e); margin-top: 0.1em; }",
    ".question { display: block; font-size: 0.94em; margin-top: 0.25em; font-weight: 500; }",
    ".snippet { display: block; font-size: 0.94em; color: var(--oncology-search-snippet, #3e4c59); margin-top: 0.1em; }",
    "mark {",
    "  background: var(--oncology-search-mark-bg, #fff1a8);",
    "  color: var(--oncology-search-mark-color, inherit);",
    "  border-radius: 2px; padding: 0 1px;",
    "}",
    ".more { padding-top: 0.55em; padding-bottom: 0.55em; }",
    ".more .label { color: var(--oncology-search-link, var(--oncology-search-accent, #0b6e99)); font-weight: 600; font-size: 0.94em; }",
    ".more:hover .label, .more[aria-selected=true] .label { text-decoration: underline; }",
    ".stale { opacity: 0.55; }",
    ".note { padding: 0.3em 0.9em; font-size: 0.94em; color: var(--oncology-search-muted, #56616e); }",
    ".visually-hidden {",
    "  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;",
    "  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;",
    "}",
    "@media (prefers-reduced-motion: no-preference) { [role=option] { transition: background-color 80ms; } }"
  ].join("\n");

  var sharedSheet = null;
  function styleSheet() {
    if (sharedSheet === null) {
      try {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(CSS);
      } catch (e) {
        sharedSheet = false; // no constructable stylesheets: fall back to <style>
      }
    }
    return sharedSheet;
  }

  // -- safe rendering -----------------------------------------------------------------

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'", "&#34;": "\"", "&#x2F;": "/" };
  var ENTITY_RE = /&(?:amp|lt|gt|quot|#x27|#39|#34|#x2F);/g;

  function decodeEntities(text) {
    return text.replace(ENTITY_RE, function (m) { return ENTITIES[m]; });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var key in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, key) && attrs[key] !== null && attrs[key] !== undefined) {
          node.setAttribute(key, String(attrs[key]));
        }
      }
    }
    if (children) {
      for (var i = 0; i < children.length; i++) {
        var child = children[i];
        if (child === null || child === undefined) continue;
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    }
    return node;
  }

  /**
   * A fragment for server "highlight HTML" (escaped text plus <mark>): text nodes
   * and our own <mark part="mark"> elements only. Anything else that looks like a
   * tag stays visible as literal text.
   */
  function highlighted(html) {
    var fragment = document.createDocumentFragment();
    if (typeof html !== "string") return fragment;
    var parts = html.split(/(<mark>|<\/mark>)/);
    var depth = 0;
    var current = fragment;
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (part === "<mark>") {
        if (depth++ === 0) {
          current = el("mark", { part: "mark" });
          fragment.appendChild(current);
        }
      } else if (part === "</mark>") {
        if (depth > 0 && --depth === 0) current = fragment;
      } else if (part) {
        current.appendChild(document.createTextNode(decodeEntities(part)));
      }
    }
    return fragment;
  }

  /** An absolute http(s) URL, or null: never javascript:, data: and the like. */
  function safeUrl(url, base) {
    if (typeof url !== "string" || !url) return null;
    try {
      var parsed = new URL(url, base || document.baseURI);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function strings(list) {
    var out = [];
    if (Array.isArray(list)) {
      for (var i = 0; i < list.length; i++) if (typeof list[i] === "string") out.push(list[i]);
    }
    return out;
  }

  /** ``href`` with the reader's query in ?q= (the interview page marks its terms and links back). */
  function withQuery(href, q) {
    try {
      var url = new URL(href);
      if (q) url.searchParams.set("q", q);
      return url.href;
    } catch (e) {
      return href;
    }
  }

  /** Web Storage that may be missing or refused (a sandboxed iframe, privacy settings): never throws. */
  var stores = {};
  function store(kind) {
    if (!(kind in stores)) {
      try {
        var s = window[kind];
        var probe = "oncology-search:probe";
        s.setItem(probe, "1");
        s.removeItem(probe);
        stores[kind] = s;
      } catch (e) {
        stores[kind] = null;
      }
    }
    return stores[kind];
  }

  var uid = 0;

  // -- the element --------------------------------------------------------------------

  class OncologySearch extends HTMLElement {
    static get observedAttributes() { return ["endpoint", "placeholder", "limit", "tag", "target", "history"]; }
  }

  var proto = OncologySearch.prototype;

  proto._init = function () {
    if (this._ready) return;
    this._ready = true;
    var id = "os" + (++uid);
    this._ids = { listbox: id + "-listbox", status: id + "-status" };
    this._options = [];     // [{node, kind: "suggestion"|"result"|"more", value}]
    this._active = -1;
    this._suggestTimer = 0;
    this._searchTimer = 0;
    this._suggestSeq = 0;
    this._searchSeq = 0;
    this._suggestAbort = null;
    this._searchAbort = null;
    this._suggestions = [];
    this._search = null;    // {q, state: "loading"|"done"|"error"|"bad", data}
    this._suggestCache = new Map();
    this._composing = false;
    this._index = uid - 1;

    var root = this.attachShadow({ mode: "open" });
    var sheet = styleSheet();
    if (sheet && "adoptedStyleSheets" in root) {
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", null, [CSS]));
    }

    this._input = el("input", {
      type: "search",
      part: "input",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": this._ids.listbox,
      "aria-describedby": this._ids.status,
      "aria-label": TEXT.label,
      autocomplete: "off",
      autocapitalize: "off",
      spellcheck: "false",
      enterkeyhint: "search",
      maxlength: String(MAX_QUERY_CHARS)
    });
    this._button = el("button", { type: "button", part: "button", tabindex: "-1", "aria-label": TEXT.button }, [TEXT.button]);
    this._status = el("div", { id: this._ids.status, class: "status", part: "status", role: "status", "aria-live": "polite" });
    this._listbox = el("div", { id: this._ids.listbox, role: "listbox", part: "listbox", "aria-label": TEXT.listbox });
    this._panel = el("div", { class: "panel", part: "panel" }, [this._status, this._listbox]);
    this._panel.hidden = true;
    // Options are the activatable elements (no links nested in them); choosing one clicks this
    // anchor, which follows target and rel like a link the reader clicked.
    this._navigator = el("a", { class: "navigator", tabindex: "-1", "aria-hidden": "true" });
    var bar = el("div", { class: "bar", part: "bar", role: "search" }, [this._input, this._button]);
    root.appendChild(el("div", { class: "root", part: "container", lang: "zh-CN" }, [bar, this._panel, this._navigator]));

    var self = this;
    this._input.addEventListener("input", function () { if (!self._composing) self._onInput(); });
    this._input.addEventListener("compositionstart", function () { self._composing = true; });
    this._input.addEventListener("compositionend", function () { self._composing = false; self._onInput(); });
    this._input.addEventListener("keydown", function (event) { self._onKeydown(event); });
    this._input.addEventListener("focus", function () {
      if (!self._query()) self._render();
      self._open();
    });
    this._input.addEventListener("click", function () { if (!self._isOpen()) self._open(); });
    // Focus moving elsewhere (Tab, a click outside, a script) closes the popup.
    this._input.addEventListener("blur", function () { self._close(); });
    this._button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this._button.addEventListener("click", function () {
      self._input.focus();
      self._remember(self._query());
      self._searchNow(self._query());
    });
    // Keep focus in the input while clicking options; pick on click.
    this._panel.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this._listbox.addEventListener("click", function (event) { self._onOptionClick(event); });
    this._listbox.addEventListener("auxclick", function (event) { if (event.button === 1) self._onOptionClick(event); });
    this._listbox.addEventListener("mousemove", function (event) {
      var index = self._optionIndex(event.target);
      if (index !== -1 && index !== self._active) self._setActive(index, false);
    });
    this._applyPlaceholder();
    // Back from an interview: the box shows what the reader had searched (results ready on focus).
    Promise.resolve().then(function () {
      var saved = self._session("get");
      if (saved && !self._input.value) {
        self._input.value = saved;
        self._runSearch(saved);
      }
    });
  };

  proto.connectedCallback = function () {
    this._init();
  };

  proto.disconnectedCallback = function () {
    this._cancel();
  };

  proto.attributeChangedCallback = function (name, oldValue, newValue) {
    if (!this._ready || oldValue === newValue) return;
    if (name === "placeholder") {
      this._applyPlaceholder();
    } else if (name === "endpoint" || name === "tag" || name === "limit") {
      this._suggestCache.clear();
      if (this._query()) this._schedule(this._query());
    } else if (name === "target") {
      this._render();
    }
  };

  // -- configuration ----------------------------------------------------------------

  proto._endpoint = function () {
    var value = (this.getAttribute("endpoint") || "").trim() || SCRIPT_ORIGIN || document.baseURI;
    var url = safeUrl(value);
    return url ? url.replace(/\/+$/, "") : "";
  };

  proto._limit = function () {
    var n = parseInt(this.getAttribute("limit"), 10);
    return isFinite(n) ? Math.max(1, Math.min(MAX_LIMIT, n)) : DEFAULT_LIMIT;
  };

  proto._tag = function () {
    return (this.getAttribute("tag") || "").trim();
  };

  proto._target = function () {
    var target = (this.getAttribute("target") || "").trim();
    return /^(_blank|_self|_parent|_top)$/.test(target) ? target : null;
  };

  proto._applyPlaceholder = function () {
    var text = this.getAttribute("placeholder");
    this._input.setAttribute("placeholder", text === null ? TEXT.placeholder : text);
  };

  proto._query = function () {
    return this._input.value.trim().slice(0, MAX_QUERY_CHARS);
  };

  proto._api = function (path, params) {
    var base = this._endpoint();
    if (!base) return null;
    var url = new URL(base + path);
    for (var key in params) {
      if (Object.prototype.hasOwnProperty.call(params, key) && params[key] !== "" && params[key] !== null) {
        url.searchParams.set(key, String(params[key]));
      }
    }
    return url.href;
  };

  proto._fullSearchUrl = function (q) {
    var params = { q: q };
    if (this._tag()) params.tag = this._tag();
    return this._api("/search", params);
  };

  // -- memory (only in the visitor's browser) ---------------------------------------

  proto._historyOn = function () {
    return (this.getAttribute("history") || "").trim().toLowerCase() !== "off";
  };

  /** The query kept for this page and this element across opening a result and coming back. */
  proto._session = function (action, value) {
    if (!this._historyOn()) return null;
    var s = store("sessionStorage");
    if (!s) return null;
    var key = SESSION_KEY + location.pathname + "#" + (this.id || String(this._index));
    try {
      if (action === "get") return (s.getItem(key) || "").slice(0, MAX_QUERY_CHARS);
      if (value) s.setItem(key, value); else s.removeItem(key);
    } catch (e) { /* full or refused: memory is optional */ }
    return null;
  };

  proto._recentList = function () {
    if (!this._historyOn()) return [];
    var s = store("localStorage");
    if (!s) return [];
    try {
      var list = JSON.parse(s.getItem(RECENT_KEY) || "[]");
      return Array.isArray(list) ? strings(list).map(function (q) { return q.slice(0, MAX_QUERY_CHARS); }).slice(0, MAX_RECENT) : [];
    } catch (e) {
      return [];
    }
  };

  proto._remember = function (q) {
    q = (q || "").trim().slice(0, MAX_QUERY_CHARS);
    if (!q || !this._historyOn()) return;
    var s = store("localStorage");
    if (!s) return;
    var list = [q].concat(this._recentList().filter(function (old) { return old !== q; })).slice(0, MAX_RECENT);
    try { s.setItem(RECENT_KEY, JSON.stringify(list)); } catch (e) { /* optional */ }
  };

  proto._forget = function () {
    var s = store("localStorage");
    if (s) { try { s.removeItem(RECENT_KEY); } catch (e) { /* optional */ } }
  };

  proto._showRecent = function () {
    return !this._query() && this._recentList().length > 0;
  };

  // -- public API -------------------------------------------------------------------

  /** The current text of the search box. */
  Object.defineProperty(proto, "value", {
    get: function () { this._init(); return this._input.value; },
    set: function (v) { this._init(); this._input.value = v == null ? "" : String(v); }
  });

  /** Run a search now (no debounce) for `q`, or for the box's text. */
  proto.search = function (q) {
    this._init();
    if (typeof q === "string") this._input.value = q;
    this._searchNow(this._query());
  };

  proto.focus = function (options) {
    this._init();
    this._input.focus(options);
  };

  // -- events -----------------------------------------------------------------------

  proto._onInput = function () {
    var q = this._query();
    this._session("set", q);
    if (!q) {
      this._cancel();
      this._suggestions = [];
      this._search = null;
      this._render();
      if (this._showRecent() && this._hasFocus()) this._open(); else this._close();
      return;
    }
    this._schedule(q);
  };

  proto._schedule = function (q) {
    var self = this;
    clearTimeout(this._suggestTimer);
    clearTimeout(this._searchTimer);
    this._suggestTimer = setTimeout(function () { self._fetchSuggestions(q); }, SUGGEST_DELAY_MS);
    this._searchTimer = setTimeout(function () { self._runSearch(q); }, SEARCH_DELAY_MS);
  };

  proto._onKeydown = function (event) {
    if (event.isComposing || event.keyCode === 229) return; // an IME is picking characters
    var count = this._options.length;
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        event.preventDefault();
        if (!this._isOpen()) {
          if (!this._hasContent()) { if (this._query()) this._searchNow(this._query()); return; }
          this._open();
        }
        if (count) this._setActive(this._active + 1 >= count ? 0 : this._active + 1, true);
        break;
      case "ArrowUp":
      case "Up":
        event.preventDefault();
        if (!this._isOpen()) {
          if (!this._hasContent()) return;
          this._open();
        }
        if (count) this._setActive(this._active <= 0 ? count - 1 : this._active - 1, true);
        break;
      case "Enter":
        event.preventDefault();
        if (this._isOpen() && this._active >= 0 && this._active < count) {
          this._pick(this._options[this._active], event);
        } else if (this._query()) {
          this._remember(this._query());
          this._searchNow(this._query());
        }
        break;
      case "Escape":
      case "Esc":
        if (this._isOpen()) {
          event.preventDefault();
          this._cancel();
          if (this._search && this._search.state === "loading") this._search = null;
          this._close();
        } else if (this._input.value) {
          event.preventDefault();
          this._input.value = "";
          this._onInput();
        }
        break;
      case "Tab":
        this._close();
        break;
      default:
        break;
    }
  };

  proto._optionIndex = function (node) {
    while (node && node !== this._listbox) {
      if (node.getAttribute && node.getAttribute("role") === "option") {
        for (var i = 0; i < this._options.length; i++) if (this._options[i].node === node) return i;
        return -1;
      }
      node = node.parentNode;
    }
    return -1;
  };

  proto._onOptionClick = function (event) {
    var index = this._optionIndex(event.target);
    if (index === -1) return;
    event.preventDefault();
    this._pick(this._options[index], event);
  };

  proto._pick = function (option, event) {
    if (option.kind === "suggestion" || option.kind === "recent") {
      this._input.value = option.value;
      this._session("set", option.value);
      this._remember(option.value);
      this._suggestions = [];
      this._searchNow(option.value, true);
      return;
    }
    if (option.kind === "clear-recent") {
      this._forget();
      this._render();
      this._close();
      return;
    }
    if (!option.href) return;
    if (this._search && this._search.q) this._remember(this._search.q);
    if (option.kind === "more" && this._search) this._search.settled = true;  // the full results page records it
    if (option.kind === "result" && this._search && this._search.q) {
      this._settle(true);
      this._insight("open", this._search.q, option.position);
    }
    var openNew = event && (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1);
    var link = this._navigator;
    var target = openNew ? "_blank" : this._target();
    link.setAttribute("href", option.href);
    if (target) link.setAttribute("target", target); else link.removeAttribute("target");
    if (target === "_blank") link.setAttribute("rel", "noopener"); else link.removeAttribute("rel");
    link.click(); // follows target and rel like a click on a real link, with the reader's activation
    this._close();
  };

  // -- fetching ---------------------------------------------------------------------

  proto._cancel = function () {
    clearTimeout(this._suggestTimer);
    clearTimeout(this._searchTimer);
    this._suggestSeq++;
    this._searchSeq++;
    if (this._suggestAbort) this._suggestAbort.abort();
    if (this._searchAbort) this._searchAbort.abort();
    this._suggestAbort = this._searchAbort = null;
  };

  proto._getJson = function (url, controller) {
    return fetch(url, {
      method: "GET",
      mode: "cors",
      credentials: "omit",
      referrerPolicy: "strict-origin-when-cross-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().then(
        function (body) { return { status: response.status, ok: response.ok, body: body }; },
        function () { return { status: response.status, ok: false, body: null }; }
      );
    });
  };

  proto._fetchSuggestions = function (q) {
    var self = this;
    var seq = ++this._suggestSeq;
    if (this._suggestCache.has(q)) {
      this._suggestions = this._suggestCache.get(q);
      this._render();
      if (this._hasFocus()) this._open();
      return;
    }
    var url = this._api("/api/suggest", { q: q, limit: MAX_SUGGESTIONS + 1 });
    if (!url) return;
    if (this._suggestAbort) this._suggestAbort.abort();
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    this._suggestAbort = controller;
    this._getJson(url, controller).then(function (res) {
      if (seq !== self._suggestSeq) return;
      var list = [];
      var raw = res.ok && res.body && Array.isArray(res.body.suggestions) ? res.body.suggestions : [];
      for (var i = 0; i < raw.length && list.length < MAX_SUGGESTIONS; i++) {
        var s = raw[i];
        if (s && typeof s.text === "string" && s.text.trim() && s.text.trim() !== q) {
          list.push({ text: s.text.trim(), kind: typeof s.kind === "string" ? s.kind : "" });
        }
      }
      if (self._suggestCache.size > 50) self._suggestCache.clear();
      if (res.ok) self._suggestCache.set(q, list);
      self._suggestions = list;
      self._render();
      if (self._hasFocus()) self._open();
    }, function () {
      if (seq === self._suggestSeq) { self._suggestions = []; self._render(); }
    });
  };

  proto._searchNow = function (q, keepSuggestions) {
    clearTimeout(this._searchTimer);
    if (!keepSuggestions) {
      clearTimeout(this._suggestTimer);
      this._suggestSeq++;
    }
    if (!q) return;
    this._runSearch(q, true);
  };

  proto._hasFocus = function () {
    return this.shadowRoot.activeElement === this._input;
  };

  proto._runSearch = function (q, force) {
    var self = this;
    this._settle(false);
    var seq = ++this._searchSeq;
    var params = { q: q, per_page: this._limit(), page: 1 };
    if (this._tag()) params.tag = this._tag();
    var url = this._api("/api/search", params);
    this._search = { q: q, state: "loading", data: this._search && this._search.data };
    if (!url) { this._search.state = "error"; this._render(); if (force || this._hasFocus()) this._open(); return; }
    this._render();
    if (force || this._hasFocus()) this._open();
    if (this._searchAbort) this._searchAbort.abort();
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    this._searchAbort = controller;
    this._getJson(url, controller).then(function (res) {
      if (seq !== self._searchSeq) return;
      if (res.ok && res.body && Array.isArray(res.body.hits)) {
        self._search = { q: q, state: "done", data: res.body, shown: Date.now(), settled: false };
      } else {
        self._search = { q: q, state: res.status >= 400 && res.status < 500 && res.status !== 429 ? "bad" : "error", data: null };
      }
      self._render();
    }, function (error) {
      if (seq !== self._searchSeq || (error && error.name === "AbortError")) return;
      self._search = { q: q, state: "error", data: null };
      self._render();
    });
  };

  // -- search insights ----------------------------------------------------------------

  proto._insight = function (kind, q, position) {
    if (this.getAttribute("insights") === "off") return;
    if (navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.globalPrivacyControl === true) return;
    if (typeof navigator.sendBeacon !== "function" || typeof URLSearchParams !== "function") return;
    var url = this._api("/api/insights/" + kind, {});
    if (!url) return;
    var body = new URLSearchParams();
    body.append("q", q);
    body.append("source", "widget");
    if (position) body.append("position", String(position));
    try { navigator.sendBeacon(url, body); } catch (e) { /* insights never get in the way */ }
  };

  /** Count the search shown (once): at once when ``force``, else if it was on screen long enough. */
  proto._settle = function (force) {
    var s = this._search;
    if (!s || s.state !== "done" || s.settled || !s.q) return;
    if (!force && Date.now() - s.shown < SETTLE_MS) return;
    s.settled = true;
    this._insight("search", s.q);
  };

  // -- popup state ------------------------------------------------------------------

  proto._hasContent = function () {
    return this._suggestions.length > 0 || this._search !== null || this._showRecent();
  };

  proto._isOpen = function () {
    return !this._panel.hidden;
  };

  proto._open = function () {
    if (!this._hasContent() || (!this._query() && !this._showRecent())) return;
    this._panel.hidden = false;
    this._input.setAttribute("aria-expanded", "true");
  };

  proto._close = function () {
    this._settle(false);
    this._panel.hidden = true;
    this._input.setAttribute("aria-expanded", "false");
    this._setActive(-1, false);
  };

  proto._setActive = function (index, scroll) {
    var previous = this._options[this._active];
    if (previous) {
      previous.node.setAttribute("aria-selected", "false");
      previous.node.setAttribute("part", previous.part);
    }
    this._active = index;
    var option = this._options[index];
    if (!option) {
      this._active = -1;
      this._input.removeAttribute("aria-activedescendant");
      return;
    }
    option.node.setAttribute("aria-selected", "true");
    option.node.setAttribute("part", option.part + " active");
    this._input.setAttribute("aria-activedescendant", option.node.id);
    if (scroll) this._scrollIntoPanel(option.node);
  };

  proto._scrollIntoPanel = function (node) {
    var panel = this._panel;
    if (panel.scrollHeight <= panel.clientHeight) {
      // The popup does not scroll (the /embed page lets the page scroll instead): bring the option into view.
      if (node.scrollIntoView) node.scrollIntoView({ block: "nearest" });
      return;
    }
    var top = node.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
    var bottom = top + node.offsetHeight;
    if (top < panel.scrollTop) panel.scrollTop = top;
    else if (bottom > panel.scrollTop + panel.clientHeight) panel.scrollTop = bottom - panel.clientHeight;
  };

  // -- rendering --------------------------------------------------------------------

  proto._render = function () {
    var activeKey = this._options[this._active] ? this._options[this._active].key : null;
    var listbox = this._listbox;
    while (listbox.firstChild) listbox.removeChild(listbox.firstChild);
    this._options = [];
    this._active = -1;
    this._input.removeAttribute("aria-activedescendant");
    var prefix = this._ids.listbox + "-";
    var self = this;
    var search = this._search;
    var done = !!search && search.state === "done";
    // While a new search runs, the previous results stay (dimmed) instead of flashing away.
    var data = search && (done || search.state === "loading") ? search.data : null;

    // Recent searches, when the box is empty.
    if (this._showRecent()) {
      var recentGroup = this._group(prefix + "hg", TEXT.recent);
      this._recentList().forEach(function (q, i) {
        var node = el("div", { id: prefix + "h" + i, role: "option", "aria-selected": "false", class: "recent", part: "recent" },
          [el("span", { class: "text" }, [q])]);
        recentGroup.appendChild(node);
        self._options.push({ node: node, kind: "recent", part: "recent", value: q, key: "h:" + q });
      });
      var clear = el("div", { id: prefix + "hclear", role: "option", "aria-selected": "false", class: "clear-recent", part: "clear-recent" },
        [TEXT.clearRecent + "（" + TEXT.recentNote + "）"]);
      recentGroup.appendChild(clear);
      this._options.push({ node: clear, kind: "clear-recent", part: "clear-recent", key: "hclear" });
      listbox.appendChild(recentGroup);
    }

    // Suggestions, with the server's "did you mean" first.
    var suggestionItems = [];
    if (done && data && typeof data.suggestion === "string" && data.suggestion.trim()) {
      suggestionItems.push({ text: data.suggestion.trim(), kind: "correction" });
    }
    for (var s = 0; s < this._suggestions.length; s++) suggestionItems.push(this._suggestions[s]);
    if (suggestionItems.length) {
      var sGroup = this._group(prefix + "sg", TEXT.suggestions);
      suggestionItems.forEach(function (item, i) {
        var children = [];
        if (item.kind === "correction") children.push(el("span", { class: "kind", part: "kind" }, [TEXT.didYouMean]));
        children.push(el("span", { class: "text" }, [item.text]));
        if (item.kind !== "correction" && KIND_LABELS[item.kind]) {
          children.push(el("span", { class: "kind", part: "kind" }, [KIND_LABELS[item.kind]]));
        }
        var node = el("div", {
          id: prefix + "s" + i, role: "option", "aria-selected": "false",
          class: "suggestion", part: "suggestion", "data-kind": item.kind
        }, children);
        sGroup.appendChild(node);
        self._options.push({ node: node, kind: "suggestion", part: "suggestion", value: item.text, key: "s:" + item.text });
      });
      listbox.appendChild(sGroup);
    }

    // Status line: loading, empty, error, count.
    this._status.className = "status";
    this._status.setAttribute("part", "status");
    var statusChildren = [];
    if (search && search.state === "loading") {
      statusChildren.push(TEXT.loading);
      listbox.setAttribute("aria-busy", "true");
      this._status.setAttribute("part", "status loading");
    } else {
      listbox.removeAttribute("aria-busy");
    }
    if (search && (search.state === "error" || search.state === "bad")) {
      statusChildren.push(search.state === "bad" ? TEXT.badQuery : TEXT.error);
      this._status.className = "status error";
      this._status.setAttribute("part", "status error");
    }
    var hits = data ? data.hits : [];
    if (done && data && hits.length === 0) {
      statusChildren.push(el("span", { class: "empty", part: "empty" }, [TEXT.empty]));
      statusChildren.push(el("span", { class: "hint" }, [TEXT.emptyHint]));
      this._status.setAttribute("part", "status empty");
    } else if (done && data) {
      var total = typeof data.total === "number" ? data.total : hits.length;
      statusChildren.push(el("span", { class: "visually-hidden" }, [TEXT.count(total)]));
    }
    while (this._status.firstChild) this._status.removeChild(this._status.firstChild);
    statusChildren.forEach(function (c) {
      self._status.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });

    // Results.
    if (data && hits.length) {
      var rGroup = this._group(prefix + "rg", TEXT.results);
      if (!done) rGroup.className = "stale";
      if (data.mode === "or") rGroup.appendChild(el("div", { class: "note", part: "note", role: "presentation" }, [TEXT.orMode]));
      var endpoint = this._endpoint();
      hits.slice(0, this._limit()).forEach(function (hit, i) {
        if (!hit || typeof hit !== "object") return;
        var found = self._resultNode(hit, prefix + "r" + i, endpoint, search.q);
        if (!found) return;
        rGroup.appendChild(found.node);
        self._options.push({ node: found.node, kind: "result", part: "result", href: found.href, key: "r:" + String(hit.id),
                             position: i + 1 });
      });
      listbox.appendChild(rGroup);
    }

    // "More" on the full search page.
    if (done && data && search.q) {
      var moreUrl = this._fullSearchUrl(search.q);
      if (moreUrl) {
        var totalHits = typeof data.total === "number" ? data.total : hits.length;
        var label = el("span", { class: "label", part: "more-link" }, [totalHits > 0 ? TEXT.more(totalHits) : TEXT.moreNone]);
        var more = el("div", { id: prefix + "more", role: "option", "aria-selected": "false", class: "more", part: "more",
                               "data-href": moreUrl }, [label]);
        var mGroup = el("div", { role: "group", "aria-label": TEXT.moreNone }, [more]);
        listbox.appendChild(mGroup);
        this._options.push({ node: more, kind: "more", part: "more", href: moreUrl, key: "more" });
      }
    }

    // Options are focusable (never tabbable: focus stays in the box, aria-activedescendant moves), which
    // tells assistive tech the scrolling popup has keyboard-reachable content: the arrow keys scroll it.
    for (var o = 0; o < this._options.length; o++) this._options[o].node.setAttribute("tabindex", "-1");
    if (!this._options.length) {
      listbox.hidden = true;
    } else {
      listbox.hidden = false;
    }
    if (activeKey !== null) {
      for (var k = 0; k < this._options.length; k++) {
        if (this._options[k].key === activeKey) { this._setActive(k, false); break; }
      }
    }
    if (!this._hasContent()) this._close();
  };

  proto._group = function (id, label) {
    var labelNode = el("div", { id: id + "-label", class: "group-label", part: "group-label", role: "presentation" }, [label]);
    return el("div", { role: "group", "aria-labelledby": id + "-label" }, [labelNode]);
  };

  /** A result option: {node, href} (the interview's page with ?q= and #qa-N), or null. */
  proto._resultNode = function (hit, id, endpoint, q) {
    var match = Array.isArray(hit.matches) && hit.matches.length && hit.matches[0] && typeof hit.matches[0] === "object" ? hit.matches[0] : null;
    var href = safeUrl(hit.url, endpoint + "/");
    if (!href && typeof hit.id === "string" && hit.id) {
      href = safeUrl(endpoint + "/articles/" + encodeURIComponent(hit.id));
    }
    if (!href) return null;
    href = withQuery(href, q);
    if (match && typeof match.qa === "number" && match.qa > 0 && href.indexOf("#") === -1) {
      href += "#qa-" + Math.floor(match.qa);
    }
    var titleHtml = typeof hit.title_html === "string" ? hit.title_html : (typeof hit.title === "string" ? hit.title : "");
    var title = el("span", { id: id + "-title", class: "title", part: "result-title" });
    title.appendChild(highlighted(titleHtml));

    var metaBits = [];
    if (typeof hit.date === "string" && hit.date) metaBits.push(hit.date.slice(0, 10));
    var experts = strings(hit.experts);
    if (experts.length) metaBits.push(experts.join("、"));
    var tags = strings(hit.tags);
    if (tags.length) metaBits.push(tags.slice(0, 3).join(" · "));
    var children = [title];
    if (metaBits.length) children.push(el("span", { class: "meta", part: "result-meta" }, [metaBits.join("  |  ")]));
    if (match) {
      if (typeof match.question_html === "string" && match.question_html) {
        var q = el("span", { class: "question", part: "question" }, [TEXT.question]);
        q.appendChild(highlighted(match.question_html));
        children.push(q);
      }
      if (typeof match.snippet_html === "string" && match.snippet_html) {
        var snippet = el("span", { id: id + "-snippet", class: "snippet", part: "snippet" });
        snippet.appendChild(highlighted(match.snippet_html));
        children.push(snippet);
      }
    }
    // Named by its content, so the accessible name holds every visible word of the option.
    return {
      node: el("div", { id: id, role: "option", "aria-selected": "false", class: "result", part: "result", "data-href": href }, children),
      href: href
    };
  };

  window.customElements.define(TAG_NAME, OncologySearch);
})();
