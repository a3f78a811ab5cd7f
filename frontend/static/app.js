// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // The menu button on narrow screens.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Progress of a background job: poll its JSON until it is done, then reload.
  var poll = document.querySelector("[data-poll]");
  if (poll && window.fetch) {
    var url = poll.getAttribute("data-poll");
    var bar = poll.querySelector("progress");
    var tick = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          if (p.status !== "validating") { window.location.reload(); return; }
          if (bar && p.total_rows > 0) { bar.value = Math.floor(p.processed_rows * 100 / p.total_rows); }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    };
    window.setTimeout(tick, 1000);
  }
})();
// Checklist item editor: "add a row" copies the last row, blank, with fresh ids.
(function () {
  "use strict";
  var button = document.querySelector("[data-add-row]");
  var rows = document.querySelector("[data-item-rows]");
  if (!button || !rows) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var last = rows.querySelector("tr.item-row:last-child");
    if (!last) { return; }
    var n = rows.querySelectorAll("tr.item-row").length;
    var row = last.cloneNode(true);
    row.classList.remove("has-error");
    Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (e) { e.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll(".has-error"), function (e) { e.classList.remove("has-error"); });
    Array.prototype.forEach.call(row.querySelectorAll("input, textarea, select"), function (el) {
      el.value = "";
      el.removeAttribute("aria-invalid");
      if (el.id) { el.id = el.id.replace(/^i\d+-/, "i" + n + "-"); }
    });
    Array.prototype.forEach.call(row.querySelectorAll("label[for]"), function (l) {
      l.setAttribute("for", l.getAttribute("for").replace(/^i\d+-/, "i" + n + "-"));
    });
    var seq = row.querySelector(".seq");
    if (seq) { seq.textContent = String(n + 1); }
    rows.appendChild(row);
    var first = row.querySelector("select, textarea, input");
    if (first) { first.focus(); }
  });
})();
// Inspection form: "add another hazard" copies the last extra block, blank, renumbered
// (extra_0_title → extra_1_title …); the level stays 一般 and the deadline keeps its default.
(function () {
  "use strict";
  var button = document.querySelector(".add-extra");
  var blocks = document.getElementById("extra-blocks");
  if (!button || !blocks) { return; }
  button.addEventListener("click", function () {
    var all = blocks.querySelectorAll(".extra-block");
    var last = all[all.length - 1];
    if (!last) { return; }
    var n = all.length;
    var block = last.cloneNode(true);
    block.setAttribute("data-index", String(n));
    var rename = function (v) { return v.replace(/extra_\d+_/, "extra_" + n + "_"); };
    Array.prototype.forEach.call(block.querySelectorAll(".field-error"), function (e) { e.remove(); });
    Array.prototype.forEach.call(block.querySelectorAll(".has-error"), function (e) { e.classList.remove("has-error"); });
    Array.prototype.forEach.call(block.querySelectorAll("input, textarea, select"), function (el) {
      if (el.name) { el.name = rename(el.name); }
      if (el.id) { el.id = rename(el.id); }
      el.removeAttribute("aria-invalid");
      if (el.type === "radio") { el.checked = el.value === "general"; return; }
      if (el.type === "date") { return; }
      if (el.type === "file") { el.value = ""; return; }
      el.value = "";
    });
    Array.prototype.forEach.call(block.querySelectorAll("label[for]"), function (l) {
      l.setAttribute("for", rename(l.getAttribute("for")));
    });
    blocks.appendChild(block);
    var first = block.querySelector("input");
    if (first) { first.focus(); }
  });
})();
