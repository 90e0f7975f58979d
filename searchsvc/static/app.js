/* Progressive enhancement only: the pages work without this file.
   Search boxes get completions from /api/suggest in a native <datalist>. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[data-suggest]");
  Array.prototype.forEach.call(boxes, function (input, n) {
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
  });
})();
