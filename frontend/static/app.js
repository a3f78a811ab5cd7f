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
