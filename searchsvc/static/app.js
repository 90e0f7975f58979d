/* Progressive enhancement only: every page works without this file.
   - search boxes get completions from /api/suggest in a native <datalist>;
   - the main search box shows results as you type (the page's own HTML, fetched from
     the same URL a submit would open; the address kept in step with history.replaceState);
   - the filter panel is a disclosure on phones and an open sidebar on wide screens;
   - "copy" buttons (Q&A links, the citation) appear and copy to the clipboard;
   - search insights: a beacon when a result is opened (its position), and one when a
     search shown by instant results settles (the page a submit opens is recorded by the
     server itself). Nothing is sent when the browser asks not to be tracked
     (navigator.doNotTrack "1", navigator.globalPrivacyControl).
   Nothing here parses text from an API as HTML: the instant results swap in regions of
   our own server-rendered page, fetched from our own origin. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var WIDE = "(min-width: 900px)";
  var INSTANT_DELAY_MS = 250;
  var SETTLE_MS = 2000;  /* instant results shown this long before the reader types on count as a search */
  var pendingSearch = null;  /* instant results not yet recorded: {q, base, shown} */

  /* -- search insights ------------------------------------------------------------ */
  function tracked() {
    return !(navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.globalPrivacyControl === true) &&
      typeof navigator.sendBeacon === "function" && typeof URLSearchParams === "function";
  }

  function beacon(base, kind, fields) {
    if (!base || !tracked()) { return; }
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (key) { body.append(key, String(fields[key])); });
    try { navigator.sendBeacon(base + "/" + kind, body); } catch (e) { /* insights never get in the way */ }
  }

  function settle(force) {
    var pending = pendingSearch;
    if (!pending || (!force && Date.now() - pending.shown < SETTLE_MS)) { return; }
    pendingSearch = null;
    beacon(pending.base, "search", { q: pending.q, source: "page" });
  }

  function initInsights() {
    function opened(event) {
      if (event.type === "auxclick" && event.button !== 1) { return; }
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      var hit = link ? link.closest("article.hit") : null;
      var results = hit ? hit.closest(".results[data-insights]") : null;
      if (!results || link.closest(".tags, .experts")) { return; }  /* a result opened, not a tag or an expert */
      var position = Array.prototype.indexOf.call(results.querySelectorAll("article.hit"), hit) +
        (parseInt(results.getAttribute("data-first"), 10) || 1);
      settle(true);
      beacon(results.getAttribute("data-insights"), "open",
             { q: results.getAttribute("data-q"), position: position, source: "page" });
    }
    document.addEventListener("click", opened, true);
    document.addEventListener("auxclick", opened, true);
    window.addEventListener("pagehide", function () { settle(false); });
  }

  function announce(text) {
    var region = document.getElementById("live-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "live-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  /* -- completions ------------------------------------------------------------- */
  function initSuggestions(input, n) {
    var list = document.createElement("datalist");
    list.id = "suggestions-" + n;
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (!text || text === last || text.length > 50 || !window.fetch) { return; }
        last = text;
        fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) {
            if (input.value.trim() !== text) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            (data.suggestions || []).forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.text;  /* set as a property: never parsed as HTML */
              list.appendChild(option);
            });
          })
          .catch(function () { /* completions are optional */ });
      }, 150);
    });
  }

  /* -- the filter panel ------------------------------------------------------------ */
  function initFilters(root) {
    var panels = root.querySelectorAll("details[data-sidebar]");
    if (!panels.length || !window.matchMedia) { return; }
    var wide = window.matchMedia(WIDE);
    Array.prototype.forEach.call(panels, function (panel) { if (wide.matches) { panel.open = true; } });
  }

  function watchWidth() {
    if (!window.matchMedia) { return; }
    var wide = window.matchMedia(WIDE);
    var update = function () {
      Array.prototype.forEach.call(document.querySelectorAll("details[data-sidebar]"), function (panel) {
        panel.open = wide.matches;
      });
    };
    if (wide.addEventListener) { wide.addEventListener("change", update); }
  }

  /* -- copy buttons ------------------------------------------------------------- */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function initCopy(root) {
    Array.prototype.forEach.call(root.querySelectorAll("button.copy[data-copy]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var label = button.firstChild && button.firstChild.nodeType === 3 ? button.firstChild : null;
        var original = label ? label.nodeValue : "";
        copyText(button.getAttribute("data-copy")).then(function () {
          button.classList.add("copied");
          if (label) { label.nodeValue = "已复制"; }
          announce("已复制到剪贴板");
          setTimeout(function () {
            button.classList.remove("copied");
            if (label) { label.nodeValue = original; }
          }, 2000);
        }, function () {
          announce("无法复制，请手动选择文字复制");
        });
      });
    });
  }

  /* -- instant results on the main search page ------------------------------------ */
  function initInstant(form) {
    var input = form.querySelector("input[name=q]");
    if (!input || !window.fetch || !window.DOMParser || !window.history || !history.replaceState) { return; }
    var timer = null;
    var seq = 0;
    var controller = null;
    var lastUrl = location.pathname + location.search;

    function urlFor() {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value.trim() !== "") { params.append(el.name, el.value.trim()); }
      });
      var query = params.toString();
      return form.getAttribute("action") + (query ? "?" + query : "");
    }

    function swap(doc, url) {
      var fresh = doc.querySelector("#main .layout");
      if (!fresh) { return; }
      var current = document.querySelector("#main .layout");
      current.parentNode.replaceChild(document.importNode(fresh, true), current);
      var swapped = document.querySelector("#main .layout");
      initFilters(swapped);
      initCopy(swapped);
      ["link[rel=alternate][type='application/json']", "link[rel=alternate][type='application/atom+xml']"].forEach(function (selector) {
        var old = document.head.querySelector(selector);
        var next = doc.head.querySelector(selector);
        if (old) { old.parentNode.removeChild(old); }
        if (next) { document.head.appendChild(document.importNode(next, true)); }
      });
      var footer = document.querySelector(".site-footer");
      var nextFooter = doc.querySelector(".site-footer");
      if (footer && nextFooter) { footer.parentNode.replaceChild(document.importNode(nextFooter, true), footer); }
      document.title = doc.title;
      history.replaceState(history.state, "", url);
      lastUrl = url;
      var summary = swapped.querySelector(".summary p, .empty-title");
      if (summary) { announce(summary.textContent.replace(/\s+/g, " ").trim()); }
      var results = swapped.querySelector(".results[data-insights]");
      pendingSearch = results ? { q: results.getAttribute("data-q"), base: results.getAttribute("data-insights"), shown: Date.now() } : null;
    }

    function run() {
      var url = urlFor();
      if (url === lastUrl) { return; }
      var mine = ++seq;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var busy = document.querySelector("#main .layout");
      if (busy) { busy.setAttribute("aria-busy", "true"); }
      fetch(url, { headers: { Accept: "text/html", "X-Searchsvc-Instant": "1" }, credentials: "same-origin",
                   signal: controller ? controller.signal : undefined })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("text/html") !== 0 || new URL(response.url).origin !== location.origin) {
            throw new Error("not a results page");
          }
          return response.text();
        })
        .then(function (html) {
          if (mine !== seq) { return; }
          swap(new DOMParser().parseFromString(html, "text/html"), url);
        })
        .catch(function () { /* the form still submits the ordinary way */ })
        .then(function () {
          var current = document.querySelector("#main .layout");
          if (current && mine === seq) { current.removeAttribute("aria-busy"); }
        });
    }

    input.addEventListener("input", function () {
      settle(false);  /* the results shown long enough were read: a search */
      clearTimeout(timer);
      timer = setTimeout(run, INSTANT_DELAY_MS);
    });
    form.addEventListener("submit", function () { pendingSearch = null; });  /* the page it opens is recorded */
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), initSuggestions);
    initFilters(document);
    watchWidth();
    initCopy(document);
    initInsights();
    var form = document.querySelector("form[data-instant]");
    if (form && document.querySelector("#main .layout")) { initInstant(form); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
